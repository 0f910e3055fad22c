"""The quarterly report lists every outage recorded in the quarter, as the outages page does.

2025 Q3 (contract OM-2025): the portal (critical) is up the whole time; the backup check (not critical) fails
from 08-14 02:00 for four hours, which opens a probe outage. It counts toward no downtime, yet the outages
page shows it: the report's 故障告警明细 lists it too, marked 不计入, and its cause and handling are required
before the report is submitted, like every other outage the report lists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import Outage
from slatrack.operations.figures.report_checks import missing_for
from slatrack.operations.monitoring.ingest import ingest_results
from slatrack.operations.monitoring.outage_causes import set_cause
from slatrack.operations.monitoring.targets import create_target
from slatrack.reports.quarterly_outages import NO_SYSTEM_DOWNTIME, NOT_CRITICAL
from tests.integration.conftest import bearer
from tests.integration.test_reports import CST, _docx_tables, _download

AS_OF = datetime(2025, 10, 1, tzinfo=CST)
SINCE = datetime(2025, 8, 13, tzinfo=CST)
FAILED = datetime(2025, 8, 14, 2, tzinfo=CST)


def _load() -> None:
    create_target(
        {"name": "门户网站", "kind": "http", "url": "http://127.0.0.1:9/", "interval_seconds": 3600,
         "critical": True, "in_process": False, "monitored_since": SINCE}
    )  # fmt: skip
    create_target(
        {"name": "业务数据备份", "kind": "backup", "path": "/srv/backup/yw.dump", "interval_seconds": 3600,
         "critical": False, "in_process": False, "monitored_since": SINCE}
    )  # fmt: skip
    items = []
    for hour in range(72):
        moment = SINCE + timedelta(hours=hour)
        for target in ("门户网站", "业务数据备份"):
            ok = target == "门户网站" or not FAILED <= moment < FAILED + timedelta(hours=4)
            items.append(
                {"target": target, "observed_at": moment.isoformat(), "ok": ok, "latency_ms": 10.0, "detail": "",
                 "sample_id": f"{target}-{hour}"}
            )  # fmt: skip
    ingest_results(items, now=SINCE + timedelta(hours=72, minutes=5))
    db.session.commit()


def test_a_non_critical_outage_is_listed_not_counted(
    app: Flask, client: FlaskClient, make_token: Callable[..., str]
) -> None:
    _load()
    token = make_token("admin")
    quarter = {"from": datetime(2025, 7, 1, tzinfo=CST).isoformat(), "to": AS_OF.isoformat()}
    listed = client.get("/api/v1/outages", query_string=quarter, headers=bearer(token)).get_json()
    assert [o["target"] for o in listed] == ["业务数据备份"]  # what the outages page lists for the quarter

    document, tables = _docx_tables(_download(client, token, "/api/v1/reports/quarterly/2025Q3", "docx", AS_OF))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "停机记录" not in tables and NO_SYSTEM_DOWNTIME in text and "本季度无停机记录" not in text
    details = tables["故障告警明细"]
    assert len(details) == 2
    target, source, start, _, minutes, cause, handling, counted = details[1]
    assert (target, source, start, counted) == ("业务数据备份", "自动监测", "2025年8月14日 02:00", NOT_CRITICAL)
    assert float(minutes.replace(",", "")) > 0 and (cause, handling) == ("待补充", "待补充")
    assert "不计入停机时间和系统故障率" in text
    assert [row[0] for row in tables["待补充"][1:]] == ["业务数据备份"]
    assert "业务数据备份 2025年8月14日 02:00" in missing_for("2025Q3", None)["outages"]

    outage = db.session.scalars(select(Outage)).one()
    set_cause(outage, cause="备份存储空间不足", handling="扩容备份存储，次日备份正常")
    db.session.commit()
    assert "outages" not in missing_for("2025Q3", None)
    _, tables = _docx_tables(_download(client, token, "/api/v1/reports/quarterly/2025Q3", "docx", AS_OF))
    assert tables["故障告警明细"][1][5:] == ["备份存储空间不足", "扩容备份存储，次日备份正常", NOT_CRITICAL]
    assert "待补充" not in tables
