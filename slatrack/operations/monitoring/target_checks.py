"""Every refusal of a target's fields at once, for a form (the API stops at the first).

It asks the one validation (``targets._validate`` over ``probes.spec.TargetSpec``) again after setting
aside each field it refused, so a form can show each message next to its field in one round.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slatrack.models import Target
from slatrack.operations import OperationError
from slatrack.operations.monitoring.targets import DEFAULTS, _validate, target_fields

# Valid values put in place of a refused required field, so that the fields after it are checked too.
STAND_INS: dict[str, Any] = {
    "name": "x",
    "url": "http://example.invalid/",
    "host": "example.invalid",
    "port": 1,
    "path": "/",
}


def refusals(values: Mapping[str, Any], target: Target | None = None) -> dict[str, str]:
    """The fields of ``values`` (a create, or a change of ``target``) the validation refuses, with why."""
    merged: dict[str, Any] = {}
    if target is not None:
        merged = target_fields(target)
        merged["in_process"] = target.in_process
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    merged = {**DEFAULTS, **merged}
    found: dict[str, str] = {}
    for _ in range(len(merged) + len(STAND_INS) + 1):
        try:
            _validate(merged)
        except OperationError as exc:
            fresh = {name: reason for name, reason in exc.fields.items() if name not in found}
            if not fresh:
                break
            found.update(fresh)
            for name in fresh:
                if name in STAND_INS:
                    merged[name] = STAND_INS[name]
                else:
                    merged.pop(name, None)
        else:
            break
    return found
