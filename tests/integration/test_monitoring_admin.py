"""Monitoring managed on its pages: the target form for every kind (the API's validation, each refusal in
Chinese next to its field), 立即检查 against a real local site, pause / resume / retire, a push target's
token shown once, the agents page, roles and CSRF."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import AgentContact, AuditRecord, ProbeResult, Target
from slatrack.operations.monitoring.targets import create_target
from tests.integration.conftest import PASSWORD, bearer, login
from tests.local_site import LocalSite, local_site

HTTP_FORM = {"kind": "http", "in_process": "1", "method": "GET", "follow_redirects": "y", "verify_tls": "y"}


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with local_site() as running:
        yield running


@pytest.fixture
def admin(app: Flask, make_user: Callable[..., Any]) -> FlaskClient:
    make_user("boss", "admin")
    client = app.test_client()
    login(client, "boss")
    return client


def field_errors(html: str) -> dict[str, str]:
    """The messages shown next to fields (the form macro's <p class="error" id="FIELD-error">)."""
    found = re.findall(r'<p class="error" id="([a-z_]+)-error" role="alert">([^<]*)</p>', html)
    return {name: unescape(text) for name, text in found}


def flashes(html: str) -> list[str]:
    return [unescape(text) for text in re.findall(r'<p class="flash [a-z]+" role="status">([^<]*)</p>', html)]


def _target(name: str) -> Target:
    return db.session.scalars(select(Target).where(Target.name == name)).one()


def test_the_form_shows_every_refusal_next_to_its_field_in_chinese_and_saves_nothing(admin: FlaskClient) -> None:
    typed = {
        **HTTP_FORM,
        "name": "门户网站",
        "url": "ftp://portal",
        "interval_seconds": "每分钟",
        "confirm_failures": "20",
        "accepted_status": "200, 700",
        "max_latency_ms": "-5",
    }
    page = admin.post("/monitoring/targets/new", data=typed)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert field_errors(html) == {
        "url": "必须是 http:// 或 https:// 开头的完整地址",
        "interval_seconds": "必须是数字",
        "accepted_status": "状态码范围 '700' 无效",
        "max_latency_ms": "必须大于 0",
        "confirm_failures": "不能超过 10",
    }
    assert 'value="ftp://portal"' in html and 'value="每分钟"' in html  # what was typed stays
    assert db.session.scalars(select(Target)).all() == []
    # A missing address of the chosen kind, and a name already taken.
    create_target({"name": "已有", "kind": "tcp", "host": "db.local", "port": 5432})
    page = admin.post("/monitoring/targets/new", data={"kind": "tcp", "name": "已有", "port": "99999"})
    assert field_errors(page.get_data(as_text=True)) == {
        "host": "tcp 类型必须填写 host",
        "port": "必须是1–65535 之间的整数",
    }
    page = admin.post("/monitoring/targets/new", data={"kind": "tcp", "name": "已有", "host": "db", "port": "5432"})
    assert page.status_code == 409 and field_errors(page.get_data(as_text=True)) == {"name": "名称已存在"}
    assert len(db.session.scalars(select(Target)).all()) == 1


def test_admin_adds_an_http_target_with_its_options_checks_it_now_and_changes_it(
    admin: FlaskClient, site: LocalSite
) -> None:
    typed = {
        **HTTP_FORM,
        "name": "门户网站",
        "url": site.url(),
        "keyword": "运维门户",
        "accepted_status": "200, 300-399",
        "max_latency_ms": "2000",
        "cert_expiry_days": "30",
        "interval_seconds": "30",
        "critical": "y",
    }
    answer = admin.post("/monitoring/targets/new", data=typed)
    assert answer.status_code == 302
    target = _target("门户网站")
    assert answer.location.endswith(f"/monitoring/targets/{target.id}")
    assert (target.kind, target.url, target.interval_seconds, target.critical, target.in_process) == (
        "http", site.url(), 30, True, True
    )  # fmt: skip
    assert target.options == {
        "method": "GET",
        "accepted_status": ["200", "300-399"],
        "keyword": "运维门户",
        "keyword_absent": False,
        "max_latency_ms": 2000,
        "follow_redirects": True,
        "verify_tls": True,
        "cert_expiry_days": 30,
    }
    created = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == "targets", AuditRecord.action == "create")
    ).one()
    assert created.actor == "boss" and created.after is not None and created.after["name"] == "门户网站"

    page = admin.get(answer.location).get_data(as_text=True)
    assert "已添加监测对象「门户网站」" in page and "立即检查" in page and "尚无探测结果" in page
    answer = admin.post(f"/monitoring/targets/{target.id}/check")
    assert answer.status_code == 302 and site.paths == ["/"]
    page = admin.get(answer.location).get_data(as_text=True)
    [message] = flashes(page)
    assert message.startswith("立即检查：成功，耗时 ") and "HTTP 200" in message
    [result] = db.session.scalars(select(ProbeResult)).all()  # stored as evidence, shown among recent results
    assert result.ok and result.target_id == target.id and "尚无探测结果" not in page
    check = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "check_now")).one()
    assert (check.actor, check.object_id, check.outcome) == ("boss", str(target.id), "success")

    # Changing it: the form shows what is stored; the keyword now must be absent, the site fails the check.
    form = admin.get(f"/monitoring/targets/{target.id}/edit").get_data(as_text=True)
    assert 'value="200, 300-399"' in form and 'value="运维门户"' in form and "类型不能修改" in form
    since = target.monitored_since
    changed = {**typed, "keyword_absent": "y", "max_latency_ms": "", "url": site.url("/down"), "kind": "tcp"}
    changed["monitored_since"] = re.search(r'name="monitored_since"[^>]*value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    assert admin.post(f"/monitoring/targets/{target.id}/edit", data=changed).status_code == 302
    db.session.refresh(target)
    assert target.kind == "http" and target.url == site.url("/down") and target.monitored_since == since
    assert target.options["keyword_absent"] is True and "max_latency_ms" not in target.options
    admin.post(f"/monitoring/targets/{target.id}/check")
    saved, message = flashes(admin.get(f"/monitoring/targets/{target.id}").get_data(as_text=True))
    assert saved == "已保存监测对象「门户网站」" and message.startswith("立即检查：失败") and "503" in message
    assert [r.ok for r in db.session.scalars(select(ProbeResult).order_by(ProbeResult.id))] == [True, False]
    refused = admin.post(f"/monitoring/targets/{target.id}/edit", data={**changed, "timeout_seconds": "0"})
    assert refused.status_code == 422 and field_errors(refused.get_data(as_text=True)) == {
        "timeout_seconds": "必须大于 0"
    }


def test_pause_resume_and_retire(admin: FlaskClient, site: LocalSite) -> None:
    target, _ = create_target({"name": "门户", "kind": "http", "url": site.url()})
    admin.post(f"/monitoring/targets/{target.id}/pause")
    db.session.refresh(target)
    assert target.paused
    page = admin.get(f"/monitoring/targets/{target.id}").get_data(as_text=True)
    assert "已暂停检查「门户」" in page and "恢复检查" in page
    admin.post(f"/monitoring/targets/{target.id}/check")  # a paused target is checked, not measured
    [message] = flashes(admin.get(f"/monitoring/targets/{target.id}").get_data(as_text=True))
    assert "成功" in message and "已暂停：结果未计入" in message
    assert db.session.scalars(select(ProbeResult)).all() == []
    admin.post(f"/monitoring/targets/{target.id}/resume")
    db.session.refresh(target)
    assert not target.paused
    admin.post(f"/monitoring/targets/{target.id}/retire")
    db.session.refresh(target)
    assert target.retired_at is not None
    page = admin.get(f"/monitoring/targets/{target.id}").get_data(as_text=True)
    assert "已停用监测对象「门户」" in page and "立即检查" not in page and "/edit" not in page
    assert admin.get(f"/monitoring/targets/{target.id}/edit").status_code == 302
    admin.post(f"/monitoring/targets/{target.id}/pause")
    assert "已停用的监测对象不能暂停或恢复" in flashes(
        admin.get(f"/monitoring/targets/{target.id}").get_data(as_text=True)
    )
    changes = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == "targets", AuditRecord.action == "update")
    ).all()
    assert [sorted((c.after or {}).keys()) for c in changes] == [["paused"], ["paused"], ["retired_at"]]


def test_a_push_target_shows_its_heartbeat_address_once(admin: FlaskClient) -> None:
    answer = admin.post(
        "/monitoring/targets/new", data={"kind": "push", "name": "备份任务心跳", "interval_seconds": "300"}
    )
    assert answer.status_code == 201 and answer.headers["Cache-Control"] == "no-store"
    html = answer.get_data(as_text=True)
    url = re.search(r'<code id="heartbeat-url">([^<]+)</code>', html).group(1)  # type: ignore[union-attr]
    token = url.rsplit("/", 1)[1]
    assert url == f"http://localhost/api/v1/heartbeat/{token}" and len(token) > 30
    assert (
        f'curl -fsS -m 10 -X POST "{url}"' in html
        and f'Invoke-RestMethod -Method Post -TimeoutSec 10 -Uri "{url}"' in html
    )
    assert "*/5 * * * *" in html and "只显示这一次" in html
    target = _target("备份任务心跳")
    assert target.in_process is False and target.heartbeat_token_hash and token not in target.heartbeat_token_hash
    assert admin.post(f"/api/v1/heartbeat/{token}").status_code == 200
    page = admin.get(f"/monitoring/targets/{target.id}").get_data(as_text=True)
    assert token not in page and "/api/v1/heartbeat/&lt;心跳令牌&gt;" in page  # the snippet, without the token
    assert "立即检查：心跳推送类型的结果来自被监测系统自己发送的心跳" in page and "收到心跳" in page
    assert "Invoke-RestMethod" in page
    audit_rows = db.session.scalars(select(AuditRecord).where(AuditRecord.object_type == "targets")).all()
    assert all(token not in str(row.after) for row in audit_rows)
    # A new token: the old one stops working at once.
    fresh = admin.post(f"/monitoring/targets/{target.id}/heartbeat-token").get_data(as_text=True)
    new_token = re.search(r'<code id="heartbeat-url">[^<]+/([^/<]+)</code>', fresh).group(1)  # type: ignore[union-attr]
    assert new_token != token
    assert admin.post(f"/api/v1/heartbeat/{token}").status_code == 404
    assert admin.post(f"/api/v1/heartbeat/{new_token}").status_code == 200
    rotated = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == "targets", AuditRecord.action == "update")
    ).one()
    assert rotated.actor == "boss" and rotated.after == {"heartbeat_token_hash": "***"}
    answer = admin.post(f"/monitoring/targets/{target.id}/check")
    assert "结果来自被监测系统自己发送的心跳" in admin.get(answer.location).get_data(as_text=True)


def test_agents_page_lists_each_agent_with_its_last_contact_and_the_targets_it_sends(
    app: Flask, admin: FlaskClient, make_token: Callable[..., str], make_user: Callable[..., Any]
) -> None:
    create_target({"name": "都匀机房主机", "kind": "host", "in_process": False})
    create_target({"name": "数据库备份", "kind": "backup", "path": "/backup/*.dump", "in_process": False})
    agent = make_token(None)
    body = [{"target": "都匀机房主机", "observed_at": "2026-12-03T09:00:00+08:00", "ok": True, "sample_id": "a1"}]
    assert admin.post("/api/v1/probe-results", json=body, headers=bearer(agent)).status_code == 200
    page = admin.get("/monitoring/agents").get_data(as_text=True)
    assert "尚无探针发来结果的远程对象" in page
    waiting = page.split("尚无探针发来结果的远程对象")[1].split("</section>")[0]
    assert "数据库备份" in waiting and "都匀机房主机" not in waiting
    contact = db.session.scalars(select(AgentContact)).one()
    assert contact.target.name == "都匀机房主机" and contact.batches == 1
    card = page.split(f'id="h-agent-{contact.token_id}"')[1].split("</section>")[0]
    assert "都匀机房主机" in card and "最后联系" in card and "从未联系" not in card
    # Vendors and auditors read it; units do not.
    make_user("vendor1", "vendor")
    make_user("du", "unit")
    vendor = app.test_client()
    login(vendor, "vendor1")
    assert vendor.get("/monitoring/agents").status_code == 200
    unit = app.test_client()
    login(unit, "du")
    assert unit.get("/monitoring/agents").status_code == 403


@pytest.mark.parametrize("role", ["vendor", "unit", "auditor"])
def test_only_admins_manage_targets(app: Flask, make_user: Callable[..., Any], role: str, site: LocalSite) -> None:
    target, _ = create_target({"name": "门户", "kind": "http", "url": site.url()})
    make_user("someone", role)
    client = app.test_client()
    login(client, "someone")
    assert client.get("/monitoring/targets/new").status_code == 403
    assert client.post("/monitoring/targets/new", data={**HTTP_FORM, "name": "x", "url": site.url()}).status_code == 403
    assert client.get(f"/monitoring/targets/{target.id}/edit").status_code == 403
    for action in ("pause", "resume", "retire", "check", "heartbeat-token"):
        assert client.post(f"/monitoring/targets/{target.id}/{action}").status_code == 403
    assert [t.name for t in db.session.scalars(select(Target))] == ["门户"] and site.paths == []
    db.session.refresh(target)
    assert not target.paused and target.retired_at is None
    listing = client.get("/monitoring/targets")
    if role == "unit":
        assert listing.status_code == 403
    else:
        html = listing.get_data(as_text=True) + client.get(f"/monitoring/targets/{target.id}").get_data(as_text=True)
        assert "新建监测对象" not in html and "立即检查" not in html and "停用" not in html


def test_the_forms_need_their_csrf_token(make_app: Callable[..., Flask], make_user: Callable[..., Any]) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("boss", "admin")
        target, _ = create_target({"name": "端口", "kind": "tcp", "host": "127.0.0.1", "port": 9})
        client = app.test_client()
        form = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf_token": csrf})
        page = client.post("/monitoring/targets/new", data={"kind": "tcp", "name": "新端口", "host": "h", "port": "1"})
        assert page.status_code == 400
        assert client.post(f"/monitoring/targets/{target.id}/retire").status_code == 400
        db.session.refresh(target)
        assert target.retired_at is None and [t.name for t in db.session.scalars(select(Target))] == ["端口"]


KIND_FORMS = {
    "tcp": ({"host": "db.qiannan.local", "port": "5432"}, {"host": "db.qiannan.local", "port": 5432}, {}),
    "host": (
        {"path": "/data", "cpu_max": "80", "memory_max": "90.5", "disk_max": "85", "load_max": "8"},
        {"path": "/data"},
        {"cpu_max": 80, "memory_max": 90.5, "disk_max": 85, "load_max": 8},
    ),
    "backup": (
        {"path": "/backup/db-*.dump", "max_age_hours": "30", "min_bytes": "1048576"},
        {"path": "/backup/db-*.dump"},
        {"max_age_hours": 30, "min_bytes": 1048576},
    ),
}


@pytest.mark.parametrize("kind", list(KIND_FORMS))
def test_every_kind_is_added_with_its_options_and_an_unchanged_form_changes_nothing(
    admin: FlaskClient, kind: str
) -> None:
    typed, columns, options = KIND_FORMS[kind]
    form = {"kind": kind, "name": f"对象-{kind}", "in_process": "0", "confirm_failures": "2", **typed}
    answer = admin.post("/monitoring/targets/new", data=form)
    assert answer.status_code == 302, field_errors(answer.get_data(as_text=True))
    target = _target(f"对象-{kind}")
    assert {column: getattr(target, column) for column in columns} == columns
    assert target.options == options and target.in_process is False and target.confirm_failures == 2
    page = admin.get(f"/monitoring/targets/{target.id}").get_data(as_text=True)
    assert "由远程探针检查" in page and ">立即检查</button>" not in page  # an agent's target: explained, no button
    # The edit form shows the stored values; sending it back as shown changes nothing (no audit record).
    html = admin.get(f"/monitoring/targets/{target.id}/edit").get_data(as_text=True)
    shown = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*type="text"[^>]*value="([^"]*)"', html))
    shown.update(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*type="datetime-local"[^>]*value="([^"]*)"', html))
    for name, value in typed.items():
        assert shown[name] == value
    before = len(db.session.scalars(select(AuditRecord).where(AuditRecord.object_type == "targets")).all())
    again = {**shown, "in_process": "0"}
    assert admin.post(f"/monitoring/targets/{target.id}/edit", data=again).status_code == 302
    db.session.refresh(target)
    assert target.options == options and {column: getattr(target, column) for column in columns} == columns
    after = len(db.session.scalars(select(AuditRecord).where(AuditRecord.object_type == "targets")).all())
    assert after == before
