"""Load the reference data file (units, projects, contracts, budget, indicators) idempotently.

Rows are matched by their natural keys. A second load of an unchanged file changes nothing; an edited
file updates exactly the fields that differ, and every change is reported (and audited).
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import BudgetLine, Contract, Indicator, Project, SlaTerm, Unit

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "reference-2025.toml"


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _sync(model: type, key: str, rows: list[dict[str, Any]], label: str, changes: list[str]) -> dict[str, Any]:
    """Insert or update rows of one model by key; returns the objects by key."""
    items: list[Any] = list(db.session.scalars(select(model)))
    existing = {getattr(item, key): item for item in items}
    result = {}
    for row in rows:
        obj: Any = existing.get(row[key])
        if obj is None:
            obj = model(**row)
            db.session.add(obj)
            changes.append(f"新增{label} {row[key]}")
        else:
            changed = [field for field, value in row.items() if getattr(obj, field) != value]
            for field in changed:
                setattr(obj, field, row[field])
            if changed:
                changes.append(f"更新{label} {row[key]}：{', '.join(changed)}")
        result[row[key]] = obj
    db.session.flush()
    return result


def load_reference(path: Path = DEFAULT_FILE) -> list[str]:
    """Load or update the reference data; returns what changed, in Chinese. Commits once at the end."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    changes: list[str] = []
    _sync(Unit, "code", [{"code": u["code"], "name": u["name"]} for u in data["units"]], "单位", changes)
    projects = _sync(
        Project,
        "code",
        [
            {
                **p,
                "total_amount": _decimal(p["total_amount"]),
                "fiscal_allocation": _decimal(p["fiscal_allocation"]),
            }
            for p in data["projects"]
        ],
        "项目",
        changes,
    )
    contract_rows = []
    for c in data["contracts"]:
        row = {k: v for k, v in c.items() if k != "terms"}
        row["amount"] = _decimal(c.get("amount"))
        if not str(row.get("vendor") or "").strip():  # not known in the file: keep what was entered
            row.pop("vendor", None)
        assert isinstance(row["start_date"], date)
        contract_rows.append(row)
    contracts = _sync(Contract, "code", contract_rows, "合同", changes)
    for c in data["contracts"]:
        contract = contracts[c["code"]]
        terms = {t.priority: t for t in contract.terms}
        for priority, (response, resolution) in sorted(c["terms"].items()):
            term = terms.get(priority)
            if term is None:
                contract.terms.append(
                    SlaTerm(priority=priority, response_minutes=response, resolution_minutes=resolution)
                )
                changes.append(f"新增合同 {c['code']} 的 {priority} 服务时限")
            elif (term.response_minutes, term.resolution_minutes) != (response, resolution):
                term.response_minutes, term.resolution_minutes = response, resolution
                changes.append(f"更新合同 {c['code']} 的 {priority} 服务时限")
    _sync(
        BudgetLine,
        "code",
        [
            {
                "code": b["code"],
                "project_id": projects[b["project"]].id,
                "contract_id": contracts[b["contract"]].id if b.get("contract") else None,
                "fiscal_year": b["fiscal_year"],
                "name": b["name"],
                "amount": _decimal(b["amount"]),
                "source": b.get("source", "财政拨款/本级安排"),
                "condition": b.get("condition", ""),
            }
            for b in data["budget_lines"]
        ],
        "预算行",
        changes,
    )
    _sync(
        Indicator,
        "code",
        [
            {
                "code": i["code"],
                "project_id": projects[i["project"]].id,
                "position": position,
                "level1": i["level1"],
                "level2": i["level2"],
                "name": i["name"],
                "operator": i["operator"],
                "target": _decimal(i.get("target")),
                "target_text": i["target_text"],
                "unit": i.get("unit", ""),
                "explanation": i.get("explanation", ""),
                "weight": _decimal(i.get("weight")),
                "source": i["source"],
            }
            for position, i in enumerate(data["indicators"], start=1)
        ],
        "指标",
        changes,
    )
    db.session.commit()
    return changes
