"""The audit log for the auditor: filters, pages, the CSV export (itself audited), and nobody else."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import insert, select

from slatrack.extensions import db
from slatrack.models import AuditRecord
from slatrack.operations.accounts.audit_log import AuditFilter, page_of
from slatrack.web.audit_log import quick_periods
from tests.integration.conftest import login


def _records(rows: list[dict[str, Any]]) -> None:
    db.session.execute(
        insert(AuditRecord),
        [
            {
                "object_type": "",
                "object_id": "",
                "outcome": "success",
                "remote_addr": "10.1.1.1",
                "detail": "",
                **row,
            }
            for row in rows
        ],
    )
    db.session.commit()


def _at(day: int, hour: int = 2) -> datetime:
    return datetime(2025, 5, day, hour, tzinfo=UTC)


def _seed() -> None:
    _records(
        [
            {"at": _at(1), "actor": "alice", "action": "login"},
            {"at": _at(2), "actor": "bob", "action": "update", "object_type": "tickets", "object_id": "7",
             "before": {"status": "open"}, "after": {"status": "closed"}},
            {"at": _at(3), "actor": "alice", "action": "create", "object_type": "payments", "object_id": "3",
             "after": {"amount": "1000.00"}},
            {"at": _at(4), "actor": "mallory", "action": "login", "outcome": "failure", "detail": "=HYPERLINK(1)"},
        ]
    )  # fmt: skip


def _auditor(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("watcher", "auditor")
    login(client, "watcher")


def test_filters_by_user_action_object_and_time(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    _auditor(client, make_user)
    _seed()
    by_user = client.get("/audit?actor=alice").get_data(as_text=True)
    assert "共 2 条" in by_user and "支付记录 #3" in by_user and "mallory" not in by_user
    by_object = client.get("/audit?object_type=tickets&object_id=7").get_data(as_text=True)
    assert "共 1 条" in by_object and "待响应 → 已关闭" in by_object  # statuses in words
    # Dates are local (Asia/Shanghai) and the end date is included.
    by_time = client.get("/audit?start=2025-05-02&end=2025-05-03&actor=").get_data(as_text=True)
    assert "共 2 条" in by_time and "bob" in by_time and "支付记录" in by_time
    failed = client.get("/audit?action=login&actor=mallory").get_data(as_text=True)
    assert "失败" in failed and "10.1.1.1" in failed


def test_an_end_before_the_start_is_shown_next_to_the_field(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    _auditor(client, make_user)
    response = client.get("/audit?start=2025-05-03&end=2025-05-01")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<div class="field has-error">' in html and "结束日期不能早于开始日期" in html
    bad = client.get("/audit?start=not-a-date")
    assert bad.status_code == 422 and "has-error" in bad.get_data(as_text=True)


def test_pages(app: Any) -> None:
    _records([{"at": datetime(2025, 6, 1, tzinfo=UTC), "actor": f"user{n:03d}", "action": "login"} for n in range(120)])
    flt = AuditFilter(action="login", start=datetime(2025, 5, 31, tzinfo=UTC))
    total, first = page_of(flt, 1)
    _, third = page_of(flt, 3)
    assert total == 120 and len(first) == 50 and len(third) == 20
    assert not {r.id for r in first} & {r.id for r in third}


def test_pager_links_keep_the_filter(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    _auditor(client, make_user)
    _records([{"at": datetime(2025, 6, 1, tzinfo=UTC), "actor": "robot", "action": "update"} for _ in range(60)])
    html = client.get("/audit?actor=robot").get_data(as_text=True)
    assert "第 1 / 2 页" in html and "/audit?actor=robot&amp;page=2" in html
    assert "第 2 / 2 页" in client.get("/audit?actor=robot&page=2").get_data(as_text=True)


def test_export_csv_follows_the_filter_and_is_audited(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    _auditor(client, make_user)
    _seed()
    response = client.get("/audit/export.csv?action=login")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["时间", "用户", "事件"]
    actors = [row[1] for row in rows[1:]]
    assert "alice" in actors and "mallory" in actors and "bob" not in actors
    assert rows[1][0] == "2025-05-01 10:00:00"  # local time, oldest first
    mallory = next(row for row in rows[1:] if row[1] == "mallory")
    assert mallory[7] == "'=HYPERLINK(1)"  # never a live formula in a spreadsheet
    export = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "export"))
    assert export is not None and export.actor == "watcher"
    assert export.object_type == "audit_records" and "action=login" in export.detail


def test_only_the_auditor_reads_the_audit_log(client: FlaskClient, make_user: Callable[..., Any]) -> None:
    make_user("boss", "admin")
    login(client, "boss")
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    assert db.session.scalar(select(AuditRecord).where(AuditRecord.action == "export")) is None


def test_bad_dates_are_refused_in_chinese_and_quick_periods_fill_the_dates(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    _auditor(client, make_user)
    _seed()
    bad = client.get("/audit?start=notadate")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "不是有效的日期值" in html and "Not a valid" not in html
    page = client.get("/audit?actor=alice").get_data(as_text=True)
    links = dict(re.findall(r'<a href="(/audit\?[^"]+)"[^>]*>(今天|近 7 天|近 30 天|本月|本季度|本年)</a>', page))
    assert sorted(links.values()) == sorted(["今天", "近 7 天", "近 30 天", "本月", "本季度", "本年"])
    year = next(url for url, label in links.items() if label == "本年").replace("&amp;", "&")
    assert "actor=alice" in year and re.search(r"start=\d{4}-01-01&end=\d{4}-\d\d-\d\d", year)
    assert 'aria-current="true">本年' in client.get(year).get_data(as_text=True)
    # Object types and changed fields in words: 服务工单, 状态; never tickets or status.
    changes = client.get("/audit?object_type=tickets").get_data(as_text=True)
    assert "服务工单 #7" in changes and "<dt>状态</dt>" in changes
    assert re.search(r"<option[^>]*value=\"tickets\"[^>]*>服务工单</option>", changes)


def test_quick_periods_end_today() -> None:
    periods = {label: (first, last) for label, first, last in quick_periods(date(2026, 12, 3))}
    assert periods["今天"] == (date(2026, 12, 3), date(2026, 12, 3))
    assert periods["近 7 天"][0] == date(2026, 11, 27)
    assert periods["本季度"][0] == date(2026, 10, 1)
    assert periods["本年"][0] == date(2026, 1, 1)
