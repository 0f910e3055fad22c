"""The data version: a counter per domain of records that every committed write moves on.

Readers that keep figures between requests (operations/figures/cache.py) compare the versions with the
ones their copy was read at, instead of guessing what changed from the audit log. The counters are
moved on at the level of the database connection, not of the ORM session: every statement that goes
through the engine is seen — ORM flushes, Core bulk inserts and updates, ``text()`` statements, imports,
jobs and probe ingestion alike — so no write path can skip it.

How: ``after_cursor_execute`` notes which tables a writing statement touched (their domains) on the
connection; just before the transaction commits, one ``UPDATE data_versions`` in the same transaction
moves those domains on; a rollback forgets the notes. The counters' row is therefore the last lock a
writing transaction takes (no deadlock on PostgreSQL), and a reader never sees a new version before
the data it stands for. A statement we cannot place (DDL, a CTE, an unknown form) moves every domain.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

from slatrack.models import DataVersion

TICKETS = "tickets"
TERMS = "terms"
EVIDENCE = "evidence"
RECORDS = "records"
DOMAINS = (TICKETS, TERMS, EVIDENCE, RECORDS)

# Which domain a table's rows belong to; any other table not listed in IGNORED is RECORDS.
TABLE_DOMAINS = {
    "tickets": TICKETS,
    "ticket_events": TICKETS,
    "late_entries": TICKETS,
    "units": TICKETS,  # a ticket's record carries its unit's code
    "contracts": TERMS,
    "sla_terms": TERMS,
    "projects": TERMS,
    "contract_projects": TERMS,
    "holiday_calendars": TERMS,  # working-days deadlines follow the entered holidays
    "holiday_calendar_days": TERMS,
    "evidence_segments": EVIDENCE,
    "targets": EVIDENCE,
}
# Bookkeeping that no figure reads: writes to these never move a version.
IGNORED = frozenset(
    {
        "data_versions",
        "alembic_version",
        "audit_records",
        "audit_chain_head",
        "users",
        "api_tokens",
        "login_throttles",
        "import_mappings",
        "job_runs",
        "notifications",
        "scheduler_leases",
        "probe_results",
        "latency_hourly",
        "latency_daily",
        "agent_contacts",
        "notification_channels",
        "alert_events",
        "alert_deliveries",
        "alert_sends",
        "notification_reads",
        "sla_snapshots",
        "ticket_sequences",
    }
)

_READS = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SHOW", "EXPLAIN", "SET")
_WRITE = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"
    r"(?:[\"`\[]?\w+[\"`\]]?\.)?[\"`\[]?(\w+)",
    re.IGNORECASE,
)
_NOTES = "slatrack_data_domains"


def domains_of(statement: str) -> frozenset[str]:
    """The domains a SQL statement may change (empty for a read or a write to bookkeeping only)."""
    head = statement.lstrip()[:10].upper()
    if head.startswith(_READS):
        return frozenset()
    match = _WRITE.match(statement)
    if match is None:
        return frozenset(DOMAINS)  # DDL, WITH ... INSERT, anything we cannot place
    table = match.group(1).lower()
    if table in IGNORED:
        return frozenset()
    return frozenset({TABLE_DOMAINS.get(table, RECORDS)})


def _noted(conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
    domains = domains_of(statement)
    if domains:
        conn.info.setdefault(_NOTES, set()).update(domains)


def note(conn: Connection, *domains: str) -> None:
    """For code that writes through the raw DBAPI connection (which the hook cannot see): these domains move
    on when ``conn``'s transaction commits."""
    unknown = set(domains) - set(DOMAINS)
    if unknown:
        raise ValueError(f"unknown data domains: {sorted(unknown)}")
    conn.info.setdefault(_NOTES, set()).update(domains)


def _forget(conn: Connection) -> None:
    conn.info.pop(_NOTES, None)


def _bump(conn: Connection) -> None:
    """Move the noted domains on, in the committing transaction, through the DBAPI cursor (no re-entry)."""
    domains = conn.info.pop(_NOTES, None)
    if not domains:
        return
    names = ", ".join(f"'{name}'" for name in sorted(domains))  # constants from DOMAINS, never input
    update = f"UPDATE data_versions SET version = version + 1 WHERE domain IN ({names})"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if conn.dialect.name == "postgresql":
            # Before migration 0004 (while migrating) the table does not exist yet.
            cursor.execute(f"DO $$ BEGIN IF to_regclass('data_versions') IS NOT NULL THEN {update}; END IF; END $$")
        else:
            try:
                cursor.execute(update)
            except Exception as exc:  # sqlite3.OperationalError: no such table (before migration 0004)
                if "no such table" not in str(exc):
                    raise
    finally:
        cursor.close()


def install(engine: Engine) -> None:
    """Watch every statement of this engine's connections (called once per engine by create_app)."""
    if event.contains(engine, "after_cursor_execute", _noted):
        return
    event.listen(engine, "after_cursor_execute", _noted)
    event.listen(engine, "commit", _bump)
    event.listen(engine, "rollback", _forget)


def current(session: Session | scoped_session[Any]) -> dict[str, int]:
    """Every domain's version as committed (zero for a domain not yet counted)."""
    found = dict(session.execute(select(DataVersion.domain, DataVersion.version)).all())
    return {domain: int(found.get(domain, 0)) for domain in DOMAINS}
