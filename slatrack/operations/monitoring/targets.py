"""Monitored targets (监测对象): create, change, pause, retire, and their checker specification.

Fields are the agent TOML's (probes.spec): a target is validated by ``TargetSpec.from_mapping``, so the
server and a remote agent agree on what a valid target is. Kind options (accepted status codes, keyword,
thresholds, ...) are stored in ``Target.options`` and given back as top-level fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from probes.spec import TargetSpec

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.labels import field_label
from slatrack.models import Target, utcnow
from slatrack.models.enums import TARGET_KINDS
from slatrack.operations import Conflict, NotFound, OperationError
from slatrack.security import hash_token, new_token
from slatrack.textsafety import in_id_range

ADDRESS_COLUMNS = ("url", "host", "port", "path")
SETTING_COLUMNS = ("interval_seconds", "timeout_seconds", "confirm_failures", "critical")
# The smallest interval the schema allows (targets.interval_min).
MIN_INTERVAL_SECONDS = 5
DEFAULTS: dict[str, Any] = {"interval_seconds": 60, "timeout_seconds": 10, "confirm_failures": 3, "critical": False}


def option_names(kind: str) -> frozenset[str]:
    from probes.spec import KIND_OPTIONS  # the probes package loads its checkers (requests) on import

    return KIND_OPTIONS.get(kind, frozenset())


def _whole(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value or value < low:
        raise OperationError(f"{name} 必须是不小于 {low} 的整数", fields={name: f"必须是不小于 {low} 的整数"})
    return int(value)


def _validate(values: Mapping[str, Any]) -> TargetSpec:
    """Validate a full target mapping in the API's field names with the agent's own rules."""
    from probes.spec import SpecError, TargetSpec

    checked = {key: value for key, value in values.items() if key not in ("in_process",)}
    try:
        spec = TargetSpec.from_mapping(checked)
    except SpecError as exc:
        raise OperationError(
            f"监测对象无效：{field_label(exc.field)}：{exc.reason}", fields={exc.field: exc.reason}
        ) from None
    _whole("interval_seconds", values.get("interval_seconds", DEFAULTS["interval_seconds"]), MIN_INTERVAL_SECONDS)
    _whole("timeout_seconds", values.get("timeout_seconds", DEFAULTS["timeout_seconds"]), 1)
    confirm = _whole("confirm_failures", values.get("confirm_failures", DEFAULTS["confirm_failures"]), 1)
    if confirm > 10:
        raise OperationError("confirm_failures 不能超过 10", fields={"confirm_failures": "不能超过 10"})
    if len(spec.name) > 64:
        raise OperationError("名称不能超过 64 个字符", fields={"name": "不能超过 64 个字符"})
    return spec


def target_fields(target: Target) -> dict[str, Any]:
    """A target in the API's field names (kind options top-level), without server-only fields."""
    values: dict[str, Any] = {"name": target.name, "kind": target.kind}
    for column in ADDRESS_COLUMNS:
        value = getattr(target, column)
        if value is not None:
            values[column] = value
    for column in SETTING_COLUMNS:
        values[column] = getattr(target, column)
    values["monitored_since"] = target.monitored_since
    values.update(target.options or {})
    return values


def target_spec(target: Target) -> TargetSpec:
    """The checker specification of a stored target (for the in-process probe runner)."""
    from probes.spec import TargetSpec

    return TargetSpec.from_mapping(target_fields(target))


def get_target(target_id: int) -> Target:
    target = db.session.get(Target, target_id)
    if target is None:
        raise NotFound("监测对象不存在")
    return target


def find_target(reference: str | int) -> Target | None:
    """A target by id (an int, or a string of digits that is no target's name) or by name."""
    if isinstance(reference, bool):
        return None
    if isinstance(reference, int):
        return db.session.get(Target, reference)
    target = db.session.scalar(select(Target).where(Target.name == reference))
    if target is None and reference.isdigit() and in_id_range(int(reference)):
        target = db.session.get(Target, int(reference))
    return target


def list_targets(include_retired: bool = True) -> list[Target]:
    query = select(Target).order_by(Target.name)
    if not include_retired:
        query = query.where(Target.retired_at.is_(None))
    return list(db.session.scalars(query))


def active_in_process_targets(now: datetime | None = None) -> list[Target]:
    """Targets the server itself checks right now: in_process, not paused, not retired, not push."""
    now = now or utcnow()
    query = (
        select(Target)
        .where(Target.in_process.is_(True), Target.paused.is_(False), Target.kind != "push")
        .where((Target.retired_at.is_(None)) | (Target.retired_at > now))
        .order_by(Target.id)
    )
    return list(db.session.scalars(query))


def active_in_process_fingerprint(now: datetime | None = None) -> tuple[str, ...]:
    """What ``active_in_process_targets`` would give, as plain rows (no ORM objects): equal while no active
    in-process target was added, removed or changed, so the probe runner rebuilds its list only then."""
    now = now or utcnow()
    table = Target.__table__
    query = (
        select(*table.columns)
        .where(Target.in_process.is_(True), Target.paused.is_(False), Target.kind != "push")
        .where((Target.retired_at.is_(None)) | (Target.retired_at > now))
        .order_by(Target.id)
    )
    return tuple(repr(tuple(row)) for row in db.session.execute(query))


def _split(values: Mapping[str, Any], kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    columns: dict[str, Any] = {}
    options: dict[str, Any] = {}
    for key, value in values.items():
        if key in option_names(kind):
            options[key] = value
        elif key in ("name", "kind", "monitored_since", "in_process", *ADDRESS_COLUMNS, *SETTING_COLUMNS):
            columns[key] = value
    return columns, options


def create_target(values: Mapping[str, Any], *, commit: bool = True) -> tuple[Target, str | None]:
    """Create a target; returns it and, for a push target, its heartbeat token (shown only this once)."""
    given = {key: value for key, value in values.items() if value is not None}
    full = {**DEFAULTS, **given}
    if full.get("kind") == "push":
        full.setdefault("in_process", False)
    spec = _validate(full)
    if db.session.scalar(select(Target.id).where(Target.name == spec.name)) is not None:
        raise Conflict(f"监测对象名称已存在：{spec.name}", fields={"name": "名称已存在"})
    columns, options = _split(full, spec.kind)
    columns["name"] = spec.name
    columns["monitored_since"] = spec.monitored_since or utcnow()
    if spec.kind == "push":
        columns["in_process"] = False
    target = Target(**columns, options=options)
    token: str | None = None
    if spec.kind == "push":
        token = new_token()
        target.heartbeat_token_hash = hash_token(token)
    db.session.add(target)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return target, token


def update_target(target: Target, changes: Mapping[str, Any]) -> Target:
    """Change some fields (PATCH). The kind cannot change; a field set to null returns to its default."""
    if target.retired_at is not None:
        raise Conflict("已停用的监测对象不能再修改")
    if "kind" in changes and changes["kind"] != target.kind:
        raise OperationError("不能修改监测对象的类型，请新建一个", fields={"kind": "不能修改"})
    merged = target_fields(target)
    merged["in_process"] = target.in_process
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    full = {**DEFAULTS, **merged}
    spec = _validate(full)
    if spec.name != target.name and db.session.scalar(select(Target.id).where(Target.name == spec.name)):
        raise Conflict(f"监测对象名称已存在：{spec.name}", fields={"name": "名称已存在"})
    if "monitored_since" in changes and changes["monitored_since"] is not None:
        since = spec.monitored_since
        assert since is not None
        target.monitored_since = since
    columns, options = _split(full, target.kind)
    for column in ("name", *ADDRESS_COLUMNS, *SETTING_COLUMNS):
        setattr(target, column, columns.get(column))
    target.name = spec.name
    if target.kind != "push" and "in_process" in columns:
        target.in_process = bool(columns["in_process"])
    target.options = options
    db.session.commit()
    return target


def set_paused(target: Target, paused: bool) -> Target:
    if target.retired_at is not None:
        raise Conflict("已停用的监测对象不能暂停或恢复")
    target.paused = paused
    db.session.commit()
    return target


def retire_target(target: Target, at: datetime | None = None) -> Target:
    """Stop measuring a target from ``at`` (default now); its history stays."""
    if target.retired_at is not None:
        raise Conflict("监测对象已停用")
    at = at or utcnow()
    if at <= target.monitored_since:
        at = target.monitored_since + timedelta(microseconds=1)
    target.retired_at = at
    db.session.commit()
    return target


def rotate_heartbeat_token(target: Target) -> str:
    if target.kind != "push":
        raise OperationError("只有心跳推送类型的监测对象有心跳令牌", fields={"kind": "不是心跳推送类型"})
    token = new_token()
    target.heartbeat_token_hash = hash_token(token)
    db.session.commit()
    return token


def target_by_heartbeat_token(token: str) -> Target | None:
    if not token:
        return None
    return db.session.scalar(select(Target).where(Target.heartbeat_token_hash == hash_token(token)))


def kind_label(kind: str) -> str:
    return TARGET_KINDS.get(kind, kind)
