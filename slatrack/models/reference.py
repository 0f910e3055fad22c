"""Reference data from the approval forms: units, projects, contracts with SLA terms, budget lines, indicators."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slatrack.models.base import Base, utcnow
from slatrack.models.enums import OPERATORS, PRIORITIES, check_in


class Unit(Base):
    """A user unit: one of the 12 counties, the prefecture departments (522700), or a department under it."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])


class Project(Base):
    """A budget project (项目支出) with its approval form: the maintenance project and the 督查考评 project."""

    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    fiscal_year: Mapped[int]
    name: Mapped[str] = mapped_column(String(128))
    department: Mapped[str] = mapped_column(String(128))
    implementer: Mapped[str] = mapped_column(String(128))
    total_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    fiscal_allocation: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    annual_goal: Mapped[str] = mapped_column(Text)

    __table_args__ = (CheckConstraint("total_amount >= 0", name="amount_nonnegative"),)


class Contract(Base):
    """A maintenance contract round; its dates are inclusive local dates."""

    __tablename__ = "contracts"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    vendor: Mapped[str] = mapped_column(String(128), default="")  # 乙方; "" until entered
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    start_date: Mapped[date]
    end_date: Mapped[date]
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # "7x24" or "workdays": working hours with China's public holidays and make-up days.
    calendar: Mapped[str] = mapped_column(String(16), default="7x24")
    confirm_failures: Mapped[int] = mapped_column(default=3)
    major_fault_minutes: Mapped[int] = mapped_column(default=240)
    note: Mapped[str] = mapped_column(Text, default="")

    terms: Mapped[list[SlaTerm]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="SlaTerm.priority"
    )

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_nonnegative"),
        CheckConstraint(check_in("calendar", ("7x24", "workdays")), name="calendar_known"),
        CheckConstraint("confirm_failures >= 1", name="confirm_positive"),
    )


class SlaTerm(Base):
    """Response and resolution windows of one priority under a contract, in service minutes."""

    __tablename__ = "sla_terms"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    priority: Mapped[str] = mapped_column(String(2))
    response_minutes: Mapped[int]
    resolution_minutes: Mapped[int]

    contract: Mapped[Contract] = relationship(back_populates="terms")

    __table_args__ = (
        UniqueConstraint("contract_id", "priority"),
        CheckConstraint(check_in("priority", PRIORITIES), name="priority_known"),
        CheckConstraint("response_minutes > 0 AND resolution_minutes > 0", name="windows_positive"),
    )


class BudgetLine(Base):
    """One line of a project's budget; payments are recorded against a line."""

    __tablename__ = "budget_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    fiscal_year: Mapped[int]
    name: Mapped[str] = mapped_column(String(128))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    source: Mapped[str] = mapped_column(String(64), default="财政拨款/本级安排")
    condition: Mapped[str] = mapped_column(Text, default="")

    project: Mapped[Project] = relationship()
    contract: Mapped[Contract | None] = relationship()

    __table_args__ = (CheckConstraint("amount >= 0", name="amount_nonnegative"),)


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    paid_on: Mapped[date]
    voucher: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A counter-entry (冲销) reverses one payment with a reason: its amount is the payment's, negated.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    budget_line: Mapped[BudgetLine] = relationship()

    __table_args__ = (
        CheckConstraint(
            "(reverses_id IS NULL AND amount > 0) OR (reverses_id IS NOT NULL AND amount < 0)", name="amount_signed"
        ),
    )


class Indicator(Base):
    """One row (三级指标) of an approval form."""

    __tablename__ = "indicators"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    code: Mapped[str] = mapped_column(String(48), unique=True)
    position: Mapped[int]
    level1: Mapped[str] = mapped_column(String(32))
    level2: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(256))
    operator: Mapped[str] = mapped_column(String(12))
    target: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    target_text: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(16), default="")
    explanation: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    # "metric:<name>" (measured), "derived:<name>" (graded from records), "manual" (entries), "grade" (a person).
    source: Mapped[str] = mapped_column(String(48))

    project: Mapped[Project] = relationship()

    __table_args__ = (
        CheckConstraint(check_in("operator", OPERATORS), name="operator_known"),
        CheckConstraint("weight IS NULL OR weight >= 0", name="weight_nonnegative"),
        CheckConstraint("operator = 'qualitative' OR target IS NOT NULL", name="target_for_numeric"),
    )


class IndicatorEntry(Base):
    """A manual entry for an indicator that no measurement feeds (a count with a date), or a person's grade."""

    __tablename__ = "indicator_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    fiscal_year: Mapped[int]
    occurred_on: Mapped[date]
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    grade: Mapped[str | None] = mapped_column(String(2))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    indicator: Mapped[Indicator] = relationship()

    __table_args__ = (
        CheckConstraint("grade IS NULL OR grade IN ('优', '良', '中', '差')", name="grade_known"),
        CheckConstraint("quantity IS NOT NULL OR grade IS NOT NULL", name="has_value"),
    )


class IndicatorReview(Base):
    """The deviation reason and improvement measure (偏差原因及改进措施) for an indicator in a year."""

    __tablename__ = "indicator_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    fiscal_year: Mapped[int]
    deviation_reason: Mapped[str] = mapped_column(Text, default="")
    improvement: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    indicator: Mapped[Indicator] = relationship()

    __table_args__ = (UniqueConstraint("indicator_id", "fiscal_year"),)


class ContractProject(Base):
    """The budget project that pays for a contract round (at most one; a contract may have none)."""

    __tablename__ = "contract_projects"
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))

    project: Mapped[Project] = relationship()


class IndicatorRevision(Base):
    """A change to an indicator after its year's reports were submitted: which field, from what, to what, and why."""

    __tablename__ = "indicator_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    fiscal_year: Mapped[int]
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    indicator: Mapped[Indicator] = relationship()
