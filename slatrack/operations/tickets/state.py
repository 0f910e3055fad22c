"""A ticket's stored columns kept in step with its history at the times that count (late entries, SPEC §3)."""

from __future__ import annotations

from typing import Any

from slatrack.extensions import db
from slatrack.measure import lifecycle
from slatrack.measure.calendars import CalendarUnavailableError
from slatrack.measure.deadlines import SlaTerms, evaluate
from slatrack.models import Ticket
from slatrack.operations import OperationError
from slatrack.operations.tickets.late_entries import counted_timeline
from slatrack.operations.tickets.terms import contract_terms

# Lifecycle states as stored: the pure module calls a ticket awaiting its first response "new".
_STATUS_OF_STATE = {state: ("open" if state is lifecycle.State.NEW else state.value) for state in lifecycle.State}


def refresh_counted(ticket: Ticket) -> None:
    """Keep the ticket's columns in step with its history at the times that count (late entries, SPEC §3)."""
    apply_timeline(ticket, counted_timeline(ticket), contract_terms(ticket.contract))
    db.session.flush()


def timeline_columns(timeline: lifecycle.TicketTimeline, priority: str, terms: SlaTerms) -> dict[str, Any]:
    """The ticket columns kept in step with its history: state, key instants, deadlines as of its last event."""
    try:
        sla = evaluate(timeline, priority, terms, timeline.last_event_at or timeline.reported_at)
    except CalendarUnavailableError as exc:
        raise OperationError(str(exc), fields={"reported_at": "服务日历不含该年份"}) from exc
    return {
        "status": _STATUS_OF_STATE[timeline.state],
        "first_response_at": timeline.first_response_at,
        "resolved_at": timeline.resolved_at,
        "response_due_at": sla.response_deadline,
        "resolution_due_at": sla.resolution_deadline,
    }


def apply_timeline(ticket: Ticket, timeline: lifecycle.TicketTimeline, terms: SlaTerms) -> None:
    """Copy the timeline's state and deadlines onto the ticket's columns."""
    for name, value in timeline_columns(timeline, ticket.priority, terms).items():
        setattr(ticket, name, value)
