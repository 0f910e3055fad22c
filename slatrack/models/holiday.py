"""Holiday calendars entered by the bureau: a year's days off and make-up working days (调休), which extend and
override ``chinesecalendar`` for that year (measure/holidays.py, measure/calendars.HolidayTable)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slatrack.models.base import Base, utcnow
from slatrack.models.enums import check_in

HOLIDAY_DAY_KINDS = ("holiday", "workday")


class HolidayCalendar(Base):
    """One year's arrangement as entered (the whole year: days not listed follow Monday to Friday)."""

    __tablename__ = "holiday_calendars"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    days: Mapped[list[HolidayCalendarDay]] = relationship(
        back_populates="calendar", cascade="all, delete-orphan", order_by="HolidayCalendarDay.day"
    )


class HolidayCalendarDay(Base):
    """A day off (``holiday``) or a make-up working day (``workday``) of an entered year."""

    __tablename__ = "holiday_calendar_days"
    day: Mapped[date] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("holiday_calendars.year", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(32), default="")

    calendar: Mapped[HolidayCalendar] = relationship(back_populates="days")

    __table_args__ = (
        Index("ix_holiday_calendar_days_year", "year"),
        CheckConstraint(check_in("kind", HOLIDAY_DAY_KINDS), name="kind_known"),
    )
