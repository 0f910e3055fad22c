"""Manual indicator entries and the yearly review (偏差原因及改进措施) of an indicator.

- ``manual`` indicators with a numeric operator take counts (``quantity``), e.g. the 专项督查 held.
- ``grade`` indicators, qualitative ``manual`` ones and ``derived:*`` ones (graded by a person when the
  derived rule does not give 优) take grades 优/良/中/差.
- ``metric:*`` indicators are measured; they take no entries. Any indicator may have a review.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from slatrack.clock import local_today, utcnow
from slatrack.extensions import db
from slatrack.measure.scoring import GRADE_FRACTIONS
from slatrack.models import Indicator, IndicatorEntry, IndicatorReview, Project, User
from slatrack.operations import NotFound, OperationError
from slatrack.operations.records.common import text

GRADES = tuple(GRADE_FRACTIONS)
MAX_QUANTITY = Decimal("9999999999")


def find_indicator(code: str) -> Indicator:
    indicator = db.session.scalar(select(Indicator).where(Indicator.code == code))
    if indicator is None:
        raise NotFound(f"指标不存在：{code}")
    return indicator


def entry_kind(indicator: Indicator) -> str | None:
    """'quantity', 'grade', or None when the indicator is measured and takes no entries."""
    if indicator.source.startswith("metric:"):
        return None
    if indicator.source == "manual" and indicator.operator != "qualitative":
        return "quantity"
    return "grade"


def _year(value: Any, field: str = "year") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2999:
        raise OperationError(f"年度无效：{value!r}", fields={field: "应为四位年份，例如 2025"})
    return value


def _check_year_of(indicator: Indicator, year: int) -> None:
    if indicator.project.fiscal_year != year:
        raise OperationError(
            f"指标 {indicator.code} 属于 {indicator.project.fiscal_year} 年度", fields={"year": "与指标所属年度不一致"}
        )


def _quantity(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise OperationError("数量应为数字", fields={"quantity": "应为数字"})
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise OperationError(f"数量格式错误：{value!r}", fields={"quantity": "应为数字"}) from None
    if not amount.is_finite() or amount < 0:
        raise OperationError("数量不能为负", fields={"quantity": "不能为负"})
    if amount > MAX_QUANTITY or amount != amount.quantize(Decimal("0.0001")):
        raise OperationError("数量超出范围或小数位过多", fields={"quantity": "最多四位小数"})
    return amount


def add_entry(
    code: str,
    *,
    year: Any,
    occurred_on: Any,
    quantity: Any = None,
    grade: Any = None,
    note: Any = "",
    user: User | None = None,
    now: datetime | None = None,
) -> IndicatorEntry:
    """Add a count or a grade for a manual, grade or derived indicator."""
    now = now or utcnow()
    indicator = find_indicator(code)
    kind = entry_kind(indicator)
    if kind is None:
        raise OperationError(
            f"指标“{indicator.name}”由系统测量，不能手工录入", fields={"code": "该指标由系统测量，不接受手工录入"}
        )
    fiscal_year = _year(year)
    _check_year_of(indicator, fiscal_year)
    if isinstance(occurred_on, datetime) or not isinstance(occurred_on, date):
        raise OperationError("发生日期应为日期", fields={"occurred_on": "应为日期，例如 2025-05-10"})
    if occurred_on.year != fiscal_year:
        raise OperationError(f"发生日期不在 {fiscal_year} 年度内", fields={"occurred_on": f"应在 {fiscal_year} 年内"})
    if occurred_on > local_today(now):
        raise OperationError("发生日期不能晚于今天", fields={"occurred_on": "不能晚于今天"})
    value: Decimal | None = None
    mark: str | None = None
    if kind == "quantity":
        if grade not in (None, ""):
            raise OperationError("该指标按数量录入，不接受评级", fields={"grade": "该指标按数量录入"})
        if quantity in (None, ""):
            raise OperationError("请填写数量", fields={"quantity": "缺少数量"})
        value = _quantity(quantity)
    else:
        if quantity not in (None, ""):
            raise OperationError("该指标按评级录入，不接受数量", fields={"quantity": "该指标按评级（优/良/中/差）录入"})
        if grade not in GRADES:
            raise OperationError(f"评级无效：{grade!r}", fields={"grade": "应为 优、良、中 或 差"})
        mark = str(grade)
    entry = IndicatorEntry(
        indicator_id=indicator.id,
        fiscal_year=fiscal_year,
        occurred_on=occurred_on,
        quantity=value,
        grade=mark,
        note=text(note, "note", "说明", 2000),
        created_by_id=None if user is None else user.id,
        created_at=now,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def entries_of(code: str, year: int | None = None) -> list[IndicatorEntry]:
    indicator = find_indicator(code)
    query = select(IndicatorEntry).where(IndicatorEntry.indicator_id == indicator.id)
    if year is not None:
        query = query.where(IndicatorEntry.fiscal_year == year)
    return list(db.session.scalars(query.order_by(IndicatorEntry.occurred_on.desc(), IndicatorEntry.id.desc())))


def entry_view(entry: IndicatorEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "indicator": entry.indicator.code,
        "year": entry.fiscal_year,
        "occurred_on": entry.occurred_on,
        "quantity": None if entry.quantity is None else float(entry.quantity),
        "grade": entry.grade,
        "note": entry.note,
        "recorded_at": entry.created_at,
    }


def save_review(
    code: str,
    *,
    year: Any,
    deviation_reason: Any,
    improvement: Any,
    user: User | None = None,
    now: datetime | None = None,
) -> IndicatorReview:
    """Create or replace the year's deviation reason and improvement measure of an indicator."""
    now = now or utcnow()
    indicator = find_indicator(code)
    fiscal_year = _year(year)
    _check_year_of(indicator, fiscal_year)
    reason = text(deviation_reason, "deviation_reason", "偏差原因", 5000)
    measure = text(improvement, "improvement", "改进措施", 5000)
    review = db.session.scalar(
        select(IndicatorReview).where(
            IndicatorReview.indicator_id == indicator.id, IndicatorReview.fiscal_year == fiscal_year
        )
    )
    if review is None:
        review = IndicatorReview(indicator_id=indicator.id, fiscal_year=fiscal_year)
        db.session.add(review)
    review.deviation_reason = reason
    review.improvement = measure
    review.updated_by_id = None if user is None else user.id
    review.updated_at = now
    db.session.commit()
    return review


def review_of(code: str, year: int) -> IndicatorReview | None:
    indicator = find_indicator(code)
    return db.session.scalar(
        select(IndicatorReview).where(IndicatorReview.indicator_id == indicator.id, IndicatorReview.fiscal_year == year)
    )


def review_view(review: IndicatorReview | None, code: str, year: int) -> dict[str, Any]:
    return {
        "indicator": code,
        "year": year,
        "deviation_reason": "" if review is None else review.deviation_reason,
        "improvement": "" if review is None else review.improvement,
        "updated_at": None if review is None else review.updated_at,
    }


def entry_indicators(year: int) -> list[dict[str, Any]]:
    """The year's indicators that take entries, with their entry count, total quantity and latest grade."""
    indicators = db.session.scalars(
        select(Indicator)
        .join(Project, Project.id == Indicator.project_id)
        .where(Project.fiscal_year == year, ~Indicator.source.startswith("metric:"))
        .order_by(Project.code, Indicator.position)
    ).all()
    totals = dict(
        db.session.execute(
            select(IndicatorEntry.indicator_id, func.count(IndicatorEntry.id))
            .where(IndicatorEntry.fiscal_year == year)
            .group_by(IndicatorEntry.indicator_id)
        ).all()
    )
    rows = []
    for indicator in indicators:
        entries = entries_of(indicator.code, year) if totals.get(indicator.id) else []
        quantities = [e.quantity for e in entries if e.quantity is not None]
        rows.append(
            {
                "indicator": indicator,
                "kind": entry_kind(indicator),
                "entries": len(entries),
                "total": sum(quantities, Decimal(0)) if quantities else None,
                "latest_grade": next((e.grade for e in entries if e.grade), None),
            }
        )
    return rows
