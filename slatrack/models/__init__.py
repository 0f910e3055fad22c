"""Typed ORM models, one module per subject. Importing this package registers every table."""

from slatrack.models.account import ApiToken, LoginThrottle, User
from slatrack.models.agent_contact import AgentContact
from slatrack.models.audit import AuditChainHead, AuditRecord
from slatrack.models.base import Base, utcnow
from slatrack.models.data_version import DataVersion
from slatrack.models.holiday import HolidayCalendar, HolidayCalendarDay
from slatrack.models.imports import ImportMapping
from slatrack.models.jobs import JobRun, Notification, SchedulerLease
from slatrack.models.late_entry import LateEntry
from slatrack.models.monitoring import EvidenceSegment, LatencyDaily, ProbeResult, Target
from slatrack.models.notification import (
    AlertDelivery,
    AlertEvent,
    AlertSend,
    NotificationChannel,
    NotificationRead,
)
from slatrack.models.outage import Exclusion, MaintenanceWindow, Outage, outage_tickets
from slatrack.models.records import Inspection, SurveyResponse
from slatrack.models.reference import (
    BudgetLine,
    Contract,
    ContractProject,
    Indicator,
    IndicatorEntry,
    IndicatorReview,
    IndicatorRevision,
    Payment,
    Project,
    SlaTerm,
    Unit,
)
from slatrack.models.report import Report, SlaSnapshot
from slatrack.models.ticket import Ticket, TicketEvent, TicketRating, TicketSequence

__all__ = [
    "AgentContact",
    "AlertDelivery",
    "AlertEvent",
    "AlertSend",
    "ApiToken",
    "AuditChainHead",
    "AuditRecord",
    "Base",
    "BudgetLine",
    "Contract",
    "ContractProject",
    "DataVersion",
    "EvidenceSegment",
    "Exclusion",
    "HolidayCalendar",
    "HolidayCalendarDay",
    "ImportMapping",
    "Indicator",
    "IndicatorEntry",
    "IndicatorReview",
    "IndicatorRevision",
    "Inspection",
    "JobRun",
    "LateEntry",
    "LatencyDaily",
    "LoginThrottle",
    "MaintenanceWindow",
    "Notification",
    "NotificationChannel",
    "NotificationRead",
    "Outage",
    "Payment",
    "ProbeResult",
    "Project",
    "Report",
    "SchedulerLease",
    "SlaSnapshot",
    "SlaTerm",
    "SurveyResponse",
    "Target",
    "Ticket",
    "TicketEvent",
    "TicketRating",
    "TicketSequence",
    "Unit",
    "User",
    "outage_tickets",
    "utcnow",
]
