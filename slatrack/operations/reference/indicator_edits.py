"""A project's indicators (三级指标, SPEC §6) as data the admin manages: add, change, remove.

Once a year's figures were handed in (its self-evaluation, or one of its quarterly reports, was submitted),
its indicators change only with a reason: every changed field is kept as an ``IndicatorRevision`` (old
value, new value, reason, who, when), which the indicator's answer and the self-evaluation show, as a
submitted quarter shows its revised figures. An indicator with entries or reviews is never removed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from slatrack.extensions import db
from slatrack.measure.indicators import SLA_METRICS
from slatrack.models import Indicator, IndicatorEntry, IndicatorReview, IndicatorRevision, Project, Report, User
from slatrack.operations import Conflict, NotFound, OperationError
from slatrack.operations.reference import fields as check

LEVEL1 = ("产出指标", "效益指标", "满意度指标")
LEVEL2_OF = {
    "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
    "效益指标": ("社会效益指标", "经济效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("满意度指标",),
}
# The automatic measures an indicator's actual can come from (operations/figures/indicators.py resolves them).
METRICS = (*SLA_METRICS, "service_months", "cost_control", "spending")
DERIVED = ("fault_handling", "optimization")
SOURCE_LABELS = {
    "failure_rate": "系统故障率",
    "response_rate": "服务响应率",
    "consultations": "咨询服务次数",
    "monitoring_months": "运行监控月数",
    "reports_submitted": "已提交运维报告",
    "satisfaction_rate": "满意度",
    "service_months": "服务月数",
    "cost_control": "成本控制率",
    "spending": "支出（万元）",
    "fault_handling": "故障处理（按工单评定）",
    "optimization": "功能优化（按工单评定）",
    "manual": "人工登记",
    "grade": "人工评定等级",
}
OPERATOR_SYMBOLS = {">=": "≥", "<=": "≤", "=": "="}
OPERATOR_ALIASES = {"≥": ">=", "≤": "<=", "＝": "=", "定性": "qualitative"}
FIELD_LABELS = {
    "level1": "一级指标",
    "level2": "二级指标",
    "name": "名称",
    "operator": "比较方式",
    "target": "指标值",
    "target_text": "指标值文字",
    "unit": "单位",
    "weight": "分值",
    "source": "数据来源",
    "explanation": "说明",
}
EDITABLE = ("level1", "level2", "name", "operator", "target", "target_text", "unit", "weight", "source", "explanation")


def get_indicator(indicator_id: int) -> Indicator:
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound(f"指标不存在：{indicator_id}")
    return indicator


def indicators_of(project: Project) -> list[Indicator]:
    return list(
        db.session.scalars(select(Indicator).where(Indicator.project_id == project.id).order_by(Indicator.position))
    )


def revisions_of(indicator: Indicator) -> list[IndicatorRevision]:
    return list(
        db.session.scalars(
            select(IndicatorRevision)
            .where(IndicatorRevision.indicator_id == indicator.id)
            .order_by(IndicatorRevision.id)
        )
    )


def year_revisions(year: int) -> list[IndicatorRevision]:
    """Every indicator revision of a fiscal year, oldest first (what the self-evaluation lists)."""
    return list(
        db.session.scalars(
            select(IndicatorRevision).where(IndicatorRevision.fiscal_year == year).order_by(IndicatorRevision.id)
        )
    )


def revision_text(revision: IndicatorRevision) -> str:
    """One revision in a sentence (Chinese), as the self-evaluation notes and the pages show it."""
    day = revision.created_at.date().isoformat()
    old, new = revision.old_value or "（空）", revision.new_value or "（空）"
    field = FIELD_LABELS.get(revision.field, revision.field)
    return f"{day} 修订指标「{revision.indicator.name}」的{field}：{old} → {new}，原因：{revision.reason}"


def revision_notes(year: int) -> dict[int, str]:
    """Per indicator id, its revisions after submission in one line (Chinese): what the reports show."""
    notes: dict[int, list[str]] = {}
    for revision in year_revisions(year):
        if revision.field == "target":  # its text says the same, with the unit
            continue
        field = FIELD_LABELS.get(revision.field, revision.field)
        day = revision.created_at.date().isoformat()
        notes.setdefault(revision.indicator_id, []).append(
            f"{field}由“{revision.old_value}”修订为“{revision.new_value}”（{day}，原因：{revision.reason}）"
        )
    return {key: "；".join(items) for key, items in notes.items()}


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def indicator_json(indicator: Indicator) -> dict[str, Any]:
    return {
        "id": indicator.id,
        "code": indicator.code,
        "project": indicator.project.code,
        "position": indicator.position,
        "level1": indicator.level1,
        "level2": indicator.level2,
        "name": indicator.name,
        "operator": indicator.operator,
        "target": _number(indicator.target),
        "target_text": indicator.target_text,
        "unit": indicator.unit,
        "weight": _number(indicator.weight),
        "source": indicator.source,
        "explanation": indicator.explanation,
        "revisions": [
            {
                "field": r.field,
                "old": r.old_value,
                "new": r.new_value,
                "reason": r.reason,
                "at": r.created_at.isoformat(),
            }
            for r in revisions_of(indicator)
        ],
    }


def locked_reason(year: int) -> str | None:
    """Why a year's indicators change only with a reason (its figures were handed in), or None."""
    reports = db.session.scalars(
        select(Report).where(
            Report.status != "draft",
            ((Report.kind == "self-evaluation") & (Report.period == str(year)))
            | ((Report.kind == "quarterly") & Report.period.like(f"{year}Q%")),
        )
    ).all()
    if not reports:
        return None
    names = "、".join(sorted("年度自评" if r.kind == "self-evaluation" else f"{r.period} 季度报告" for r in reports))
    return f"{year} 年度的{names}已提交"


def source_of(raw: Any) -> str:
    value = "" if raw is None else str(raw).strip()
    if value in ("manual", "grade"):
        return value
    kind, _, name = value.partition(":")
    if not name:
        kind, name = ("derived" if value in DERIVED else "metric"), value
    if (kind == "metric" and name in METRICS) or (kind == "derived" and name in DERIVED):
        return f"{kind}:{name}"
    known = "、".join([*METRICS, *DERIVED, "manual", "grade"])
    raise check.refuse("source", f"未知的数据来源「{value}」，应为 {known} 之一", "数据来源")


def target_text_of(operator: str, target: Decimal | None, unit: str) -> str:
    if operator == "qualitative" or target is None:
        return ""
    return f"{OPERATOR_SYMBOLS[operator]}{target.normalize():f}{unit}"


def checked(values: dict[str, Any], current: Indicator | None) -> dict[str, Any]:
    """Every field of an indicator from ``values`` over the current one's; raises naming the first bad field."""
    merged: dict[str, Any] = {} if current is None else {name: getattr(current, name) for name in EDITABLE}
    merged.update({k: v for k, v in values.items() if k in EDITABLE})
    level1 = check.text(merged, "level1", "一级指标", 32)
    if level1 not in LEVEL1:
        raise check.refuse("level1", f"一级指标应为 {'、'.join(LEVEL1)} 之一", "一级指标")
    level2 = check.text(merged, "level2", "二级指标", 64)
    if level2 not in LEVEL2_OF[level1]:
        raise check.refuse("level2", f"{level1}的二级指标应为 {'、'.join(LEVEL2_OF[level1])} 之一", "二级指标")
    operator = OPERATOR_ALIASES.get(
        str(merged.get("operator") or "").strip(), str(merged.get("operator") or "").strip()
    )
    if operator not in OPERATOR_SYMBOLS and operator != "qualitative":
        raise check.refuse("operator", "比较方式应为 >=、<=、= 或 qualitative（定性）", "比较方式")
    target = check.number(merged, "target", "指标值", required=operator != "qualitative")
    unit = check.text(merged, "unit", "单位", 16, required=False)
    text = check.text(merged, "target_text", "指标值文字", 64, required=operator == "qualitative")
    weight = check.number(merged, "weight", "分值", required=False)
    if weight is not None and not 0 <= weight <= 100:
        raise check.refuse("weight", "分值应在 0 到 100 之间", "分值")
    source = source_of(merged.get("source"))
    if operator == "qualitative" and source.startswith("metric:"):
        raise check.refuse("source", "定性指标的数据来源应为 grade、manual 或按工单评定", "数据来源")
    # A numeric target's text follows the target unless a new text was given with it.
    moved = current is not None and (target, operator, unit) != (current.target, current.operator, current.unit)
    retyped = bool(values.get("target_text")) and (current is None or values["target_text"] != current.target_text)
    if operator != "qualitative" and (not text or (moved and not retyped)):
        text = target_text_of(operator, target, unit)
    return {
        "level1": level1,
        "level2": level2,
        "name": check.text(merged, "name", "三级指标名称", 256),
        "operator": operator,
        "target": target,
        "target_text": text,
        "unit": unit,
        "weight": weight,
        "source": source,
        "explanation": check.text(merged, "explanation", "说明", 2000, required=False),
    }


def _reason(project: Project, reason: str | None) -> str | None:
    locked = locked_reason(project.fiscal_year)
    if locked is None:
        return None
    text = (reason or "").strip()
    if not text:
        raise OperationError(f"{locked}，修改其指标须填写原因", status=409, fields={"reason": "须填写修改原因"})
    if len(text) > 2000:
        raise check.refuse("reason", "不能超过 2000 个字", "修改原因")
    return text


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _revise(indicator: Indicator, field: str, old: Any, new: Any, reason: str, user: User | None) -> None:
    db.session.add(
        IndicatorRevision(
            indicator_id=indicator.id,
            fiscal_year=indicator.project.fiscal_year,
            field=field,
            old_value=_shown(old),
            new_value=_shown(new),
            reason=reason,
            created_by_id=None if user is None else user.id,
        )
    )


def next_code(project: Project) -> str:
    taken = set(db.session.scalars(select(Indicator.code).where(Indicator.code.like(f"{project.code}-%"))))
    number = len(taken) + 1
    while f"{project.code}-{number:02d}" in taken:
        number += 1
    return f"{project.code}-{number:02d}"


def add_indicator(project: Project, values: dict[str, Any]) -> Indicator:
    """Add without committing (the caller commits): the project's next code and position."""
    position = db.session.scalar(select(func.max(Indicator.position)).where(Indicator.project_id == project.id))
    indicator = Indicator(project_id=project.id, code=next_code(project), position=(position or 0) + 1, **values)
    db.session.add(indicator)
    db.session.flush()
    return indicator


def create_indicator(project: Project, values: dict[str, Any], user: User | None = None) -> Indicator:
    fields_ = checked(values, None)
    reason = _reason(project, values.get("reason"))
    indicator = add_indicator(project, fields_)
    if reason is not None:
        _revise(indicator, "新增", "", indicator.target_text or indicator.name, reason, user)
    db.session.commit()
    return indicator


def update_indicator(indicator: Indicator, values: dict[str, Any], user: User | None = None) -> Indicator:
    fields_ = checked(values, indicator)
    changed = {name: value for name, value in fields_.items() if getattr(indicator, name) != value}
    if not changed:
        return indicator
    reason = _reason(indicator.project, values.get("reason"))
    for name, value in changed.items():
        if reason is not None:
            _revise(indicator, name, getattr(indicator, name), value, reason, user)
        setattr(indicator, name, value)
    db.session.commit()
    return indicator


def delete_indicator(indicator: Indicator, reason: str | None = None) -> None:
    entries = db.session.scalar(
        select(func.count(IndicatorEntry.id)).where(IndicatorEntry.indicator_id == indicator.id)
    )
    reviews = db.session.scalar(
        select(func.count(IndicatorReview.id)).where(IndicatorReview.indicator_id == indicator.id)
    )
    if entries or reviews:
        held = "，".join(t for t in (entries and f"{entries} 条指标记录", reviews and f"{reviews} 条偏差说明") if t)
        raise Conflict(f"指标「{indicator.name}」已有记录（{held}），不能删除", fields={"id": "已有记录"})
    locked = locked_reason(indicator.project.fiscal_year)
    if locked is not None:
        raise Conflict(f"{locked}，其指标不能删除（可修改并填写原因）", fields={"id": "年度已提交"})
    db.session.delete(indicator)
    db.session.commit()


_NUMBER = re.compile(r"^\s*([≥≤=＝<>]=?)\s*([0-9]+(?:\.[0-9]+)?)\s*(.*)$")


def parse_target(text: str) -> tuple[str, Decimal | None, str]:
    """A form's 指标值 ("≥12次", "=100%", "≤33.87万元", "及时有效") → (operator, target, unit)."""
    found = _NUMBER.match(text.replace(" ", ""))
    if found is None:
        return "qualitative", None, ""
    symbol = found.group(1)
    operator = {"≥": ">=", ">=": ">=", ">": ">=", "≤": "<=", "<=": "<=", "<": "<="}.get(symbol, "=")
    return operator, Decimal(found.group(2)), found.group(3).strip()
