"""Late entries (补记), pure: which instant a stated time counts at.

Every ticket event and hand-entered time carries two instants: the stated one (when it happened, as
typed) and ``recorded_at`` (the server's clock when it was entered). A stated time more than the grace
before ``recorded_at`` is a late entry. Until the bureau confirms it, it counts at ``recorded_at``; a
confirmed one counts at the stated time; a rejected one keeps ``recorded_at``. The bureau's own late
entries (``bureau``) count at the stated time at once. The measured party never moves its own
measurement unseen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

DEFAULT_GRACE = timedelta(minutes=10)

PENDING = "pending"
CONFIRMED = "confirmed"
REJECTED = "rejected"
BUREAU = "bureau"  # entered late by the bureau itself: counts at the stated time, audited
STATUSES = (PENDING, CONFIRMED, REJECTED, BUREAU)
STATUS_LABELS = {PENDING: "待确认", CONFIRMED: "已确认", REJECTED: "已驳回", BUREAU: "局方补记"}


def is_late(stated: datetime, recorded: datetime, grace: timedelta = DEFAULT_GRACE) -> bool:
    """A stated time more than ``grace`` before its entry is a late entry."""
    return stated < recorded - grace


def counted_at(stated: datetime, recorded: datetime, status: str | None) -> datetime:
    """The instant a time counts at: the stated one unless its late entry awaits or failed confirmation."""
    if status in (PENDING, REJECTED):
        return max(stated, recorded)
    return stated


def counted_history(
    reported: tuple[datetime, datetime, str | None],
    events: Sequence[tuple[datetime, datetime, str | None]],
) -> tuple[datetime, list[datetime]]:
    """The counted report time and event times of a ticket, each ``(stated, recorded, status)``.

    Events stay in their recorded order: an event never counts before the report or the event before it
    (a timely event after a late one that still awaits confirmation counts with it).
    """
    start = counted_at(*reported)
    times: list[datetime] = []
    floor = start
    for stated, recorded, status in events:
        moment = max(counted_at(stated, recorded, status), floor)
        times.append(moment)
        floor = moment
    return start, times
