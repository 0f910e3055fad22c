"""Budget projects (项目支出) with their budget lines, as data the admin manages: list, create, change, delete.

A project's total and its fiscal allocation follow its budget lines (the allocation is the money from the
budget: this year's appropriation and last year's carry-over). Budget lines are given as a whole list and
matched by code; a line with payments is never removed, and a project with records (payments, indicator
entries or reviews, a contract it pays for) is never deleted: the refusal names what holds it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from slatrack.extensions import db
from slatrack.models import (
    BudgetLine,
    Contract,
    ContractProject,
    Indicator,
    IndicatorEntry,
    IndicatorReview,
    Payment,
    Project,
)
from slatrack.operations import Conflict, NotFound, OperationError
from slatrack.operations.reference import fields as check

MAX_LINES = 20


def get_project(code: str) -> Project:
    project = db.session.scalar(select(Project).where(Project.code == code))
    if project is None:
        raise NotFound(f"项目不存在：{code}")
    return project


def list_projects(year: int | None = None) -> list[Project]:
    statement = select(Project).order_by(Project.fiscal_year.desc(), Project.code)
    if year is not None:
        statement = statement.where(Project.fiscal_year == year)
    return list(db.session.scalars(statement))


def budget_lines(project: Project) -> list[BudgetLine]:
    return list(
        db.session.scalars(select(BudgetLine).where(BudgetLine.project_id == project.id).order_by(BudgetLine.id))
    )


def line_json(line: BudgetLine) -> dict[str, Any]:
    return {
        "code": line.code,
        "name": line.name,
        "amount": float(line.amount),
        "source": check.source_key(line.source),
        "contract": None if line.contract is None else line.contract.code,
        "condition": line.condition,
    }


def project_json(project: Project) -> dict[str, Any]:
    return {
        "code": project.code,
        "fiscal_year": project.fiscal_year,
        "name": project.name,
        "department": project.department,
        "implementer": project.implementer,
        "overall_goal": project.annual_goal,
        "budget_lines": [line_json(line) for line in budget_lines(project)],
        "total_amount": float(project.total_amount),
        "fiscal_allocation": float(project.fiscal_allocation),
        "indicators": db.session.scalar(select(func.count(Indicator.id)).where(Indicator.project_id == project.id)),
    }


def _lines(raw: Any, project: Project | None) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise check.refuse("budget_lines", "应为预算行列表", "预算行")
    if len(raw) > MAX_LINES:
        raise check.refuse("budget_lines", f"最多 {MAX_LINES} 行", "预算行")
    existing = {} if project is None else {line.code: line for line in budget_lines(project)}
    seen: set[str] = set()
    lines = []
    for index, item in enumerate(raw):
        where = f"budget_lines.{index}"
        if not isinstance(item, dict):
            raise check.refuse(where, "应为 {code, name, amount, source}", f"第 {index + 1} 个预算行")
        try:
            code = check.code(item, "code", "预算行编号")
            line = {
                "code": code,
                "name": check.text(item, "name", "预算行名称", 128),
                "amount": check.amount(item, "amount", "金额"),
                "source": check.source_text(item, "source"),
                "condition": check.text(item, "condition", "支付条件", 2000, required=False),
                "contract": _contract(item.get("contract")),
            }
        except OperationError as exc:
            raise OperationError(
                f"第 {index + 1} 个预算行：{exc.message}",
                status=exc.status,
                fields={f"{where}.{key}": value for key, value in exc.fields.items()},
            ) from None
        if code in seen:
            raise check.refuse(f"{where}.code", f"预算行编号重复：{code}", "预算行编号")
        seen.add(code)
        other = db.session.scalar(select(BudgetLine).where(BudgetLine.code == code))
        if other is not None and existing.get(code) is not other:
            raise Conflict(f"预算行编号已被其他项目使用：{code}", fields={f"{where}.code": "已存在"})
        old = existing.get(code)
        if old is not None and check.source_key(old.source) == item.get("source", "current"):
            line["source"] = old.source  # the same source keeps its stored wording
        lines.append(line)
    return lines


def _contract(raw: Any) -> Contract | None:
    if raw is None or raw == "":
        return None
    contract = db.session.scalar(select(Contract).where(Contract.code == str(raw).strip()))
    if contract is None:
        raise check.refuse("contract", f"合同不存在：{raw}", "合同")
    return contract


def _checked(values: dict[str, Any], current: Project | None) -> dict[str, Any]:
    merged: dict[str, Any] = {} if current is None else project_json(current)
    merged.update(values)
    return {
        "code": check.code(merged, "code", "项目编号"),
        "fiscal_year": check.year(merged.get("fiscal_year")),
        "name": check.text(merged, "name", "项目名称", 128),
        "department": check.text(merged, "department", "主管部门", 128),
        "implementer": check.text(merged, "implementer", "实施单位", 128),
        "overall_goal": check.text(merged, "overall_goal", "年度总体目标", 5000, required=False),
        "budget_lines": _lines(merged.get("budget_lines", []), current),
    }


def _totals(lines: list[dict[str, Any]]) -> tuple[Decimal, Decimal]:
    total = sum((line["amount"] for line in lines), Decimal(0))
    fiscal = sum((line["amount"] for line in lines if check.source_key(line["source"]) != "other"), Decimal(0))
    return total, fiscal


def create_project(values: dict[str, Any]) -> Project:
    checked = _checked(values, None)
    if db.session.scalar(select(Project.id).where(Project.code == checked["code"])) is not None:
        raise Conflict(f"项目编号已存在：{checked['code']}", fields={"code": "已存在"})
    project = new_project(checked)
    db.session.commit()
    return project


def new_project(checked: dict[str, Any]) -> Project:
    """Add a project from checked values (``_checked``'s shape) without committing: the caller commits."""
    total, fiscal = _totals(checked["budget_lines"])
    project = Project(
        code=checked["code"],
        fiscal_year=checked["fiscal_year"],
        name=checked["name"],
        department=checked["department"],
        implementer=checked["implementer"],
        annual_goal=checked["overall_goal"],
        total_amount=total,
        fiscal_allocation=fiscal,
    )
    db.session.add(project)
    db.session.flush()
    _write_lines(project, checked["budget_lines"])
    return project


def update_project(project: Project, values: dict[str, Any]) -> Project:
    if "code" in values and values["code"] != project.code:
        raise check.refuse("code", "项目编号不能修改", "项目编号")
    checked = _checked(values, project)
    if checked["fiscal_year"] != project.fiscal_year:
        held = records_of(project)
        if held:
            raise Conflict(
                f"项目 {project.code} 已有记录（{'，'.join(held)}），不能改变年度", fields={"fiscal_year": "已有记录"}
            )
    kept = {line["code"] for line in checked["budget_lines"]}
    for line in budget_lines(project):
        if line.code not in kept and _paid(line):
            raise Conflict(
                f"预算行 {line.code} 已有支付记录，不能删除", fields={"budget_lines": f"{line.code} 已有支付"}
            )
    project.fiscal_year, project.name = checked["fiscal_year"], checked["name"]
    project.department, project.implementer = checked["department"], checked["implementer"]
    project.annual_goal = checked["overall_goal"]
    project.total_amount, project.fiscal_allocation = _totals(checked["budget_lines"])
    _write_lines(project, checked["budget_lines"])
    db.session.commit()
    return project


def _paid(line: BudgetLine) -> bool:
    return db.session.scalar(select(Payment.id).where(Payment.budget_line_id == line.id).limit(1)) is not None


def _write_lines(project: Project, lines: list[dict[str, Any]]) -> None:
    existing = {line.code: line for line in budget_lines(project)}
    for values in lines:
        line = existing.pop(values["code"], None)
        contract = values["contract"]
        if line is None:
            line = BudgetLine(code=values["code"], project_id=project.id)
            db.session.add(line)
        for name in ("name", "amount", "source", "condition"):
            if getattr(line, name) != values[name]:
                setattr(line, name, values[name])
        if line.fiscal_year != project.fiscal_year:
            line.fiscal_year = project.fiscal_year
        new_contract_id = None if contract is None else contract.id
        if line.contract_id != new_contract_id:
            line.contract_id = new_contract_id
    for line in existing.values():
        db.session.delete(line)
    db.session.flush()


def records_of(project: Project) -> list[str]:
    """What holds a project (Chinese, for the refusal): payments, indicator entries and reviews, contracts."""
    held = []
    line_ids = [line.id for line in budget_lines(project)]
    payments = db.session.scalar(select(func.count(Payment.id)).where(Payment.budget_line_id.in_(line_ids))) or 0
    if payments:
        held.append(f"{payments} 笔支付")
    indicator_ids = select(Indicator.id).where(Indicator.project_id == project.id)
    entries = db.session.scalar(
        select(func.count(IndicatorEntry.id)).where(IndicatorEntry.indicator_id.in_(indicator_ids))
    )
    if entries:
        held.append(f"{entries} 条指标记录")
    reviews = db.session.scalar(
        select(func.count(IndicatorReview.id)).where(IndicatorReview.indicator_id.in_(indicator_ids))
    )
    if reviews:
        held.append(f"{reviews} 条偏差说明")
    contracts = db.session.scalars(
        select(Contract.code)
        .join(ContractProject, ContractProject.contract_id == Contract.id)
        .where(ContractProject.project_id == project.id)
    ).all()
    if contracts:
        held.append(f"合同 {'、'.join(contracts)}")
    return held


def delete_project(project: Project) -> None:
    held = records_of(project)
    if held:
        raise Conflict(f"项目 {project.code} 已有记录（{'，'.join(held)}），不能删除", fields={"code": "已有记录"})
    for indicator in db.session.scalars(select(Indicator).where(Indicator.project_id == project.id)):
        db.session.delete(indicator)
    for line in budget_lines(project):
        db.session.delete(line)
    db.session.flush()
    db.session.delete(project)
    db.session.commit()
