"""Contract rounds (合同) and their SLA terms as data the admin manages: list, create, change, delete.

A contract's dates are inclusive local dates and may not overlap another contract's: every instant has at
most one set of terms. A new contract takes over the tickets of its dates that were recorded while no
contract covered them (their deadlines are recomputed on its terms). A contract with tickets or budget
lines is never deleted: the refusal says what holds it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from slatrack.clock import local_zone
from slatrack.extensions import db
from slatrack.models import BudgetLine, Contract, ContractProject, Project, SlaTerm, Ticket
from slatrack.models.enums import PRIORITIES
from slatrack.operations import Conflict, NotFound
from slatrack.operations.reference import fields as check
from slatrack.operations.tickets.state import refresh_counted

MAX_WINDOW_MINUTES = 366 * 24 * 60


def get_contract(code: str) -> Contract:
    contract = db.session.scalar(select(Contract).where(Contract.code == code))
    if contract is None:
        raise NotFound(f"合同不存在：{code}")
    return contract


def list_contracts() -> list[Contract]:
    return list(db.session.scalars(select(Contract).order_by(Contract.start_date, Contract.code)))


def project_of(contract: Contract) -> Project | None:
    link = db.session.get(ContractProject, contract.id)
    return None if link is None else link.project


def contract_json(contract: Contract) -> dict[str, Any]:
    project = project_of(contract)
    return {
        "code": contract.code,
        "name": contract.name,
        "vendor": contract.vendor,
        "start": contract.start_date.isoformat(),
        "end": contract.end_date.isoformat(),
        "amount": None if contract.amount is None else float(contract.amount),
        "project": None if project is None else project.code,
        "calendar": contract.calendar,
        "terms": {
            term.priority: {"response_minutes": term.response_minutes, "resolution_minutes": term.resolution_minutes}
            for term in contract.terms
        },
        "note": contract.note,
    }


def _terms(raw: Any) -> dict[str, tuple[int, int]]:
    if not isinstance(raw, dict):
        raise check.refuse("terms", "应为按优先级 P1..P4 给出的响应与解决时限", "服务时限")
    unknown = sorted(set(raw) - set(PRIORITIES))
    if unknown:
        raise check.refuse(f"terms.{unknown[0]}", "优先级应为 P1、P2、P3 或 P4", "服务时限")
    missing = [p for p in PRIORITIES if p not in raw]
    if missing:
        raise check.refuse(f"terms.{missing[0]}", "缺少该优先级的时限", "服务时限")
    result = {}
    for priority in PRIORITIES:
        item = raw[priority]
        if not isinstance(item, dict):
            raise check.refuse(f"terms.{priority}", "应为 {response_minutes, resolution_minutes}", "服务时限")
        pair = []
        for name, label in (("response_minutes", "响应时限"), ("resolution_minutes", "解决时限")):
            value = item.get(name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WINDOW_MINUTES:
                raise check.refuse(
                    f"terms.{priority}.{name}",
                    f"应为 1 到 {MAX_WINDOW_MINUTES} 之间的整数（分钟）",
                    f"{priority} {label}",
                )
            pair.append(value)
        if pair[1] < pair[0]:
            raise check.refuse(
                f"terms.{priority}.resolution_minutes", "解决时限不能短于响应时限", f"{priority} 解决时限"
            )
        result[priority] = (pair[0], pair[1])
    return result


def _project(raw: Any) -> Project | None:
    if raw is None or raw == "":
        return None
    project = db.session.scalar(select(Project).where(Project.code == str(raw).strip()))
    if project is None:
        raise check.refuse("project", f"项目不存在：{raw}", "所属项目")
    return project


def _no_overlap(start: date, end: date, own_id: int | None) -> None:
    other = db.session.scalar(
        select(Contract)
        .where(Contract.start_date <= end, Contract.end_date >= start, Contract.id != (own_id or -1))
        .order_by(Contract.start_date)
        .limit(1)
    )
    if other is not None:
        raise Conflict(
            f"合同期限与合同 {other.code}（{other.start_date} 至 {other.end_date}）重叠",
            fields={"start": f"与 {other.code} 重叠", "end": f"与 {other.code} 重叠"},
        )


def _checked(values: dict[str, Any], current: Contract | None) -> dict[str, Any]:
    """Every field of a contract, from ``values`` over the current contract's; raises naming the first bad field."""
    merged = {} if current is None else contract_json(current)
    merged.update(values)
    checked: dict[str, Any] = {
        "code": check.code(merged, "code", "合同编号"),
        "name": check.text(merged, "name", "合同名称", 128),
        "vendor": check.text(merged, "vendor", "乙方（服务单位）", 128),
        "start": check.day(merged, "start", "开始日期"),
        "end": check.day(merged, "end", "结束日期"),
        "amount": check.amount(merged, "amount", "合同金额", required=False),
        "note": check.text(merged, "note", "备注", 2000, required=False),
    }
    if checked["end"] < checked["start"]:
        raise check.refuse("end", "结束日期不能早于开始日期", "结束日期")
    calendar = merged.get("calendar") or "7x24"
    if calendar not in check.CALENDARS:
        raise check.refuse("calendar", "服务日历应为 7x24 或 workdays", "服务日历")
    checked["calendar"] = calendar
    checked["terms"] = _terms(merged.get("terms"))
    checked["project"] = _project(merged.get("project"))
    return checked


def create_contract(values: dict[str, Any]) -> Contract:
    checked = _checked(values, None)
    if db.session.scalar(select(Contract.id).where(Contract.code == checked["code"])) is not None:
        raise Conflict(f"合同编号已存在：{checked['code']}", fields={"code": "已存在"})
    _no_overlap(checked["start"], checked["end"], None)
    contract = Contract(
        code=checked["code"],
        name=checked["name"],
        vendor=checked["vendor"],
        amount=checked["amount"],
        start_date=checked["start"],
        end_date=checked["end"],
        calendar=checked["calendar"],
        note=checked["note"],
        terms=[SlaTerm(priority=p, response_minutes=r, resolution_minutes=s) for p, (r, s) in checked["terms"].items()],
    )
    db.session.add(contract)
    db.session.flush()
    _link_project(contract, checked["project"])
    _adopt_tickets(contract)
    db.session.commit()
    return contract


def update_contract(contract: Contract, values: dict[str, Any]) -> Contract:
    if "code" in values and values["code"] != contract.code:
        raise check.refuse("code", "合同编号不能修改", "合同编号")
    checked = _checked(values, contract)
    _no_overlap(checked["start"], checked["end"], contract.id)
    outside = _tickets_outside(contract, checked["start"], checked["end"])
    if outside:
        raise Conflict(
            f"合同 {contract.code} 已有 {outside} 张工单的报告日期不在新的期限内，不能这样修改日期",
            fields={"start": "已有工单在期限外", "end": "已有工单在期限外"},
        )
    contract.name, contract.vendor, contract.amount = checked["name"], checked["vendor"], checked["amount"]
    contract.start_date, contract.end_date = checked["start"], checked["end"]
    contract.calendar, contract.note = checked["calendar"], checked["note"]
    by_priority = {term.priority: term for term in contract.terms}
    for priority, (response, resolution) in checked["terms"].items():
        term = by_priority.get(priority)
        if term is None:
            contract.terms.append(SlaTerm(priority=priority, response_minutes=response, resolution_minutes=resolution))
        elif (term.response_minutes, term.resolution_minutes) != (response, resolution):
            term.response_minutes, term.resolution_minutes = response, resolution
    db.session.flush()
    _link_project(contract, checked["project"])
    _adopt_tickets(contract)
    db.session.commit()
    return contract


def delete_contract(contract: Contract) -> None:
    tickets = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.contract_id == contract.id)) or 0
    lines = db.session.scalars(select(BudgetLine.code).where(BudgetLine.contract_id == contract.id)).all()
    if tickets or lines:
        held = ([f"{tickets} 张工单"] if tickets else []) + ([f"预算行 {'、'.join(lines)}"] if lines else [])
        raise Conflict(f"合同 {contract.code} 已有记录（{'，'.join(held)}），不能删除", fields={"code": "已有记录"})
    link = db.session.get(ContractProject, contract.id)
    if link is not None:
        db.session.delete(link)
    db.session.delete(contract)
    db.session.commit()


def _link_project(contract: Contract, project: Project | None) -> None:
    link = db.session.get(ContractProject, contract.id)
    if project is None:
        if link is not None:
            db.session.delete(link)
    elif link is None:
        db.session.add(ContractProject(contract_id=contract.id, project_id=project.id))
    elif link.project_id != project.id:
        link.project_id = project.id
    db.session.flush()


def _local_day(ticket: Ticket) -> date:
    return ticket.reported_at.astimezone(local_zone()).date()


def _tickets_outside(contract: Contract, start: date, end: date) -> int:
    tickets = db.session.scalars(select(Ticket).where(Ticket.contract_id == contract.id))
    return sum(1 for t in tickets if not start <= _local_day(t) <= end)


def _adopt_tickets(contract: Contract) -> None:
    """Tickets of the contract's dates recorded while no contract covered them now follow its terms."""
    orphans = db.session.scalars(select(Ticket).where(Ticket.contract_id.is_(None))).all()
    for ticket in orphans:
        if contract.start_date <= _local_day(ticket) <= contract.end_date:
            ticket.contract_id = contract.id
            db.session.flush()
            db.session.refresh(ticket)
            refresh_counted(ticket)
