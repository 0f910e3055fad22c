"""Ticket pages: the vendor's queue, create, events, import and export; units kept to their own tickets."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from slatrack.audit import acting_as
from slatrack.extensions import db
from slatrack.models import LateEntry, Ticket, TicketEvent, TicketRating
from slatrack.operations.tickets.lifecycle import create_ticket, record_event
from tests.integration.conftest import login

SH = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


def make(unit: str = "522701", title: str = "无法登录", priority: str = "P3", **extra: Any) -> Ticket:
    with acting_as("test"):
        return create_ticket(
            unit_code=unit,
            category="consult",
            priority=priority,
            channel="电话",
            mode="远程",
            title=title,
            reported_at=extra.pop("reported_at", local(2025, 5, 10, 9, 0)),
            **extra,
        )


@pytest.fixture
def as_role(client: FlaskClient, make_user: Callable[..., Any]) -> Callable[..., FlaskClient]:
    def enter(role: str, unit: str | None = None) -> FlaskClient:
        make_user(f"p-{role}", role, unit)
        assert login(client, f"p-{role}").status_code == 302
        return client

    return enter


def test_vendor_queue_filters_and_due_order(as_role: Callable[..., FlaskClient]) -> None:
    low = make(title="低优先级", priority="P4")
    high = make(unit="522702", title="紧急故障", priority="P1")
    done = make(title="已解决的")
    with acting_as("test"):
        for t in (low, high):
            record_event(t, "respond", local(2025, 5, 10, 9, 5), "")
        record_event(done, "resolve", local(2025, 5, 10, 9, 5), "")
    client = as_role("vendor")
    page = client.get("/tickets").get_data(as_text=True)
    # Vendors land on unfinished tickets, the earliest resolution deadline first.
    assert "服务工单" in page and "共 2 张工单" in page
    assert page.index(high.number) < page.index(low.number)
    assert done.number not in page
    assert "已超时" in page
    everything = client.get("/tickets?status=").get_data(as_text=True)
    assert done.number in everything
    only = client.get("/tickets?status=&unit=522702").get_data(as_text=True)
    assert high.number in only and low.number not in only
    searched = client.get("/tickets?status=&q=低优先").get_data(as_text=True)
    assert low.number in searched and high.number not in searched


def test_create_then_record_events_on_the_pages(as_role: Callable[..., FlaskClient]) -> None:
    client = as_role("vendor")
    assert "新建工单" in client.get("/tickets/new").get_data(as_text=True)
    response = client.post(
        "/tickets/new",
        data={
            "unit": "522701",
            "category": "fault",
            "priority": "P1",
            "channel": "电话",
            "mode": "上门",
            "title": "门户打不开",
            "description": "",
            "requester": "赵六",
            "reported_at": "2025-05-10T09:00",
        },
    )
    assert response.status_code == 302
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.reported_at == local(2025, 5, 10, 9, 0) and ticket.requester == "赵六"
    url = f"/tickets/{ticket.id}"
    detail = client.get(url).get_data(as_text=True)
    assert ticket.number in detail and "响应" in detail and "登记事件" in detail
    assert client.post(f"{url}/events", data={"type": "respond", "at": "2025-05-10T09:20"}).status_code == 302
    refused = client.post(f"{url}/events", data={"type": "respond", "at": "2025-05-10T09:25"})
    assert refused.status_code == 409 and "工单已响应，不能重复响应" in refused.get_data(as_text=True)
    early = client.post(f"{url}/events", data={"type": "comment", "at": "2025-05-10T08:00", "note": "x"})
    assert early.status_code == 422 and "早于" in early.get_data(as_text=True)
    future = client.post(f"{url}/events", data={"type": "resolve", "at": "2099-01-01T09:00"})
    assert future.status_code == 422 and "不能晚于当前时间" in future.get_data(as_text=True)
    db.session.expire_all()
    assert [e.type for e in db.session.scalars(select(TicketEvent))] == ["respond"]
    edited = client.post(
        f"{url}/edit",
        data={
            "unit": "522701",
            "category": "fault",
            "priority": "P2",
            "channel": "电话",
            "mode": "上门",
            "title": "门户打不开（已定位）",
            "description": "",
            "requester": "赵六",
            "reported_at": "2025-05-10T09:00",
        },
    )
    assert edited.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Ticket, ticket.id)
    assert changed is not None and changed.priority == "P2"
    # The vendor typed a 2025 report time today: a late entry, so the deadline runs from its entry until confirmed.
    entry = db.session.scalars(select(LateEntry).where(LateEntry.kind == "report")).one()
    assert entry.status == "pending" and entry.stated_at == local(2025, 5, 10, 9, 0)
    assert changed.resolution_due_at == entry.recorded_at + timedelta(hours=4)


def test_create_form_errors_in_chinese(as_role: Callable[..., FlaskClient]) -> None:
    client = as_role("vendor")
    response = client.post("/tickets/new", data={"unit": "522701", "title": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "请填写标题" in page
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_unit_user_sees_and_changes_only_its_own(as_role: Callable[..., FlaskClient]) -> None:
    mine = make(title="本单位工单")
    theirs = make(unit="522702", title="外单位工单")
    with acting_as("test"):
        for t in (mine, theirs):
            record_event(t, "resolve", local(2025, 5, 10, 9, 30), "")
            record_event(t, "close", local(2025, 5, 10, 10, 0), "")
    client = as_role("unit", "522701")
    queue = client.get("/tickets").get_data(as_text=True)
    assert mine.number in queue and theirs.number not in queue
    assert theirs.number not in client.get("/tickets?unit=522702&status=").get_data(as_text=True)
    assert client.get(f"/tickets/{theirs.id}").status_code == 404
    assert client.post(f"/tickets/{theirs.id}/rating", data={"score": "1"}).status_code == 404
    assert (
        client.post(f"/tickets/{theirs.id}/events", data={"type": "reopen", "at": "2025-05-11T09:00"}).status_code
        == 403
    )
    assert client.get(f"/tickets/{theirs.id}/edit").status_code == 403
    assert client.post(f"/tickets/{theirs.id}/links", data={"outage_id": "1"}).status_code == 403
    exported = client.get("/tickets/export?format=csv").get_data().decode("utf-8-sig")
    assert mine.number in exported and theirs.number not in exported
    form = client.get("/tickets/new").get_data(as_text=True)
    assert "都匀市" in form and "福泉市" not in form
    other = client.post(
        "/tickets/new",
        data={
            "unit": "522702",
            "category": "consult",
            "priority": "P3",
            "channel": "系统",
            "mode": "远程",
            "title": "冒名",
            "reported_at": "2025-05-10T09:00",
        },
    )
    assert other.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.title == "冒名")) == 0
    own = client.post(
        "/tickets/new",
        data={
            "unit": "522701",
            "category": "consult",
            "priority": "P3",
            "channel": "系统",
            "mode": "远程",
            "title": "本单位新请求",
            "reported_at": "2025-05-10T09:00",
        },
    )
    assert own.status_code == 302
    # Rating its own closed ticket.
    rated = client.post(f"/tickets/{mine.id}/rating", data={"score": "5", "comment": "很好"})
    assert rated.status_code == 302
    rating = db.session.scalars(select(TicketRating)).one()
    assert (rating.ticket_id, rating.score, rating.comment) == (mine.id, 5, "很好")
    assert "非常满意" in client.get(f"/tickets/{mine.id}").get_data(as_text=True)


def test_auditor_reads_without_forms(as_role: Callable[..., FlaskClient]) -> None:
    ticket = make()
    client = as_role("auditor")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert ticket.number in page and "登记事件" not in page and "编辑工单" not in page
    assert (
        client.post(f"/tickets/{ticket.id}/events", data={"type": "respond", "at": "2025-05-10T09:20"}).status_code
        == 403
    )


def test_import_page_lists_every_bad_row_and_imports_a_good_file(as_role: Callable[..., FlaskClient]) -> None:
    client = as_role("vendor")
    header = "单位,报告时间,类别,优先级,渠道,方式,标题\r\n"
    bad = header + "火星县,2025/5/10 9:30,答疑,P3,电话,远程,甲\r\n都匀市,昨天,答疑,P3,电话,远程,乙\r\n"
    response = client.post(
        "/tickets/import",
        data={"file": (io.BytesIO(bad.encode("utf-8-sig")), "bad.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert (
        response.status_code == 422
        and "2 处错误" in page
        and "未知的单位：火星县" in page
        and "无法识别的时间：昨天" in page
    )
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    good = header + "都匀市,2025/5/10 9:30,答疑,P3,电话,远程,甲\r\n"
    response = client.post(
        "/tickets/import", data={"file": (io.BytesIO(good.encode()), "good.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200 and "新建 1 张" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_export_and_template_downloads(app: Flask, as_role: Callable[..., FlaskClient]) -> None:
    make()
    client = as_role("admin")
    response = client.get("/tickets/export?format=xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "工单编号" and rows[1][0] == "YW-2025-0001"
    template = client.get("/tickets/template.xlsx")
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(template.data)).worksheets[1].title == "填写说明"
    bad = client.get("/tickets/export?format=xlsx&from=someday")
    assert bad.status_code == 422
