"""Alerts against local receivers that check what the real ones check (tests/alert_receivers.py).

Every event kind reaches every kind of channel with its Chinese text; signatures and clock skew are
verified by the receivers; a receiver down for five minutes gets every message afterwards exactly once;
a burst of 100 outages reaches a 20-a-minute robot as digests with nothing lost. Time is a clock the test
moves (the delivery pass and the receivers' rate limit both use it), never a sleep.
"""

from __future__ import annotations

import ipaddress
import json
import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from slatrack.config import ConfigError
from slatrack.extensions import db
from slatrack.models import (
    AlertDelivery,
    AlertEvent,
    AlertSend,
    AuditRecord,
    BudgetLine,
    Notification,
    NotificationChannel,
    Outage,
    Payment,
    Target,
    utcnow,
)
from slatrack.operations.monitoring.ingest import ingest_results
from slatrack.operations.monitoring.outages import approve_maintenance, request_maintenance
from slatrack.operations.monitoring.targets import create_target
from slatrack.operations.notifications import deadlines, hooks
from slatrack.operations.notifications.catalog import EVENTS
from slatrack.operations.notifications.channels import create_channel, send_test
from slatrack.operations.notifications.delivery import deliver_pending, dispatch
from slatrack.operations.tickets.lifecycle import create_ticket, record_event
from slatrack.policy import Principal
from tests.alert_receivers import Mailbox, Receivers, start_receivers, start_smtp
from tests.integration.conftest import bearer

CST = ZoneInfo("Asia/Shanghai")
PUBLIC_URL = "https://slatrack.example.cn"
# What a person sees first in each event's message.
MARKERS = {
    "outage.opened": "【停机】",
    "outage.closed": "【恢复】",
    "ticket.created": "【新工单】",
    "ticket.response_due": "【即将超时】",
    "ticket.breached": "【已超时】",
    "ticket.responded": "【已响应】",
    "ticket.resolved": "【已解决，待确认】",
    "maintenance.requested": "【待审批】",
    "maintenance.approved": "【已批准】",
    "tls.expiring": "【证书】",
    "backup.stale": "【备份】",
    "inspection.missing": "【例行检查】",
    "report.due": "【季度报告】",
    "contract.ending": "【合同】",
    "budget.threshold": "【预算】",
}
ADMIN = Principal("admin-user", "admin", None, None)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def timestamp(self) -> float:
        return self.now.timestamp()


@pytest.fixture
def clock() -> Clock:
    return Clock(utcnow())


@pytest.fixture
def receivers(clock: Clock) -> Iterator[Receivers]:
    yield from start_receivers(Receivers(clock=clock.timestamp))


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, str, int]]:
    box = Mailbox()
    for host, port in start_smtp(box):
        yield box, host, port


@pytest.fixture
def alert_app(make_app: Callable[..., Flask], mailbox: tuple[Mailbox, str, int]) -> Iterator[Flask]:
    _, host, port = mailbox
    app = make_app(
        PUBLIC_URL=PUBLIC_URL, SMTP_HOST=host, SMTP_PORT=port, SMTP_SECURITY="none", SMTP_FROM="slatrack@example.cn"
    )
    with app.app_context():
        yield app


def _channel(kind: str, receivers: Receivers, **values: Any) -> NotificationChannel:
    secrets = {"dingtalk": receivers.dingtalk_secret, "feishu": receivers.feishu_secret}
    base: dict[str, Any] = {"name": f"{kind}-群", "kind": kind}
    if kind == "email":
        base["recipients"] = ["yunwei@example.cn", "duban@example.cn"]
    else:
        base["url"] = receivers.url(kind)
    if kind in secrets:
        base["secret"] = secrets[kind]
    return create_channel({**base, **values})


def _drain(now: datetime | None = None, passes: int = 5) -> None:
    for _ in range(passes):
        deliver_pending(now)
        if not db.session.scalar(select(func.count(AlertDelivery.id)).where(AlertDelivery.status == "pending")):
            return


def _results(name: str, start: datetime, pattern: str, prefix: str, **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "target": name,
            "observed_at": (start + timedelta(minutes=i)).isoformat(),
            "ok": mark == "+",
            "detail": "" if mark == "+" else "连接超时",
            "sample_id": f"{prefix}-{i}",
            **extra,
        }
        for i, mark in enumerate(pattern)
    ]


def _every_event(now: datetime) -> None:
    """Cause each of the 15 event kinds through the operations that raise them."""
    since = now - timedelta(days=2)
    create_target(
        {
            "name": "督考门户",
            "kind": "http",
            "url": "https://dk.example.cn/",
            "critical": True,
            "in_process": False,
            "monitored_since": since,
        }
    )
    start = now - timedelta(minutes=6)
    ingest_results(_results("督考门户", start, "+---", "portal"))  # confirmed at the third failure
    ingest_results(_results("督考门户", start + timedelta(minutes=4), "+", "portal-up"))
    # Tickets: one answered and resolved, one near its response deadline, one past both deadlines.
    vendor = Principal("eng", "vendor", None, None)
    asked = create_ticket(
        unit_code="522701",
        category="data",
        priority="P2",
        channel="电话",
        mode="远程",
        title="考核数据导入失败",
        requester="都匀市 王老师",
        reported_at=now - timedelta(minutes=3),
    )
    record_event(asked, "respond", now - timedelta(minutes=2), "已远程查看")
    record_event(asked, "resolve", now - timedelta(minutes=1), "已修复导入模板")
    create_ticket(
        unit_code="522702",
        category="guidance",
        priority="P1",
        channel="电话",
        mode="远程",
        title="无法登录系统",
        requester="福泉市 李老师",
        reported_at=now - timedelta(minutes=25),
    )
    create_ticket(
        unit_code="522722",
        category="fault",
        priority="P1",
        channel="电话",
        mode="上门",
        title="督查模块报错",
        requester="荔波县 张老师",
        reported_at=now - timedelta(hours=3),
    )
    window = request_maintenance(
        start=now + timedelta(days=1), end=now + timedelta(days=1, hours=2), reason="数据库版本升级", principal=vendor
    )
    approve_maintenance(window.id, ADMIN)
    # Deadline sources.
    create_target(
        {
            "name": "门户证书",
            "kind": "http",
            "url": "https://dk.example.cn/",
            "in_process": False,
            "monitored_since": since,
        }
    )
    ingest_results(_results("门户证书", now - timedelta(minutes=1), "+", "cert", metrics={"cert_days_left": 5.2}))
    create_target(
        {
            "name": "业务数据备份",
            "kind": "backup",
            "path": "/srv/backup/dk.dump",
            "in_process": False,
            "monitored_since": since,
        }
    )
    ingest_results(_results("业务数据备份", now - timedelta(minutes=1), "-", "backup"))
    line = db.session.scalars(select(BudgetLine).where(BudgetLine.fiscal_year == 2025)).first()
    assert line is not None
    db.session.add(Payment(budget_line_id=line.id, amount=Decimal(line.amount), paid_on=now.date(), voucher="记-01"))
    db.session.commit()
    deadlines.ticket_deadlines(now)
    deadlines.certificates(now)
    deadlines.backups(now)
    deadlines.inspections(datetime(2026, 11, 26, 9, tzinfo=CST))
    deadlines.reports(datetime(2026, 12, 28, 9, tzinfo=CST))
    deadlines.contracts(datetime(2025, 12, 10, 9, tzinfo=CST))
    deadlines.budgets(datetime(2025, 12, 10, 9, tzinfo=CST))
    db.session.commit()


def test_every_event_kind_reaches_every_kind_of_channel_in_chinese(
    alert_app: Flask, receivers: Receivers, mailbox: tuple[Mailbox, str, int]
) -> None:
    for kind in ("dingtalk", "wecom", "feishu", "webhook", "email"):
        _channel(kind, receivers)
    now = utcnow()
    _every_event(now)
    emitted = {e.event for e in db.session.scalars(select(AlertEvent))}
    assert emitted == set(EVENTS)
    assert db.session.scalar(select(func.count(AlertSend.id))) == 0  # nothing is sent by the writes themselves
    _drain()
    assert receivers.refused == []
    statuses = set(db.session.scalars(select(AlertDelivery.status)))
    assert statuses == {"sent"}
    titles = [e.title for e in db.session.scalars(select(AlertEvent))]
    # Each robot got every event, one by one or inside a digest, with its Chinese title.
    for kind in ("dingtalk", "wecom", "feishu"):
        text = "".join(r.text for r in receivers.of(kind))
        for title in titles:
            assert title in text, (kind, title)
        for event, marker in MARKERS.items():
            assert marker in text, (kind, event)
    for message in receivers.of("wecom"):
        assert message.body["msgtype"] == "markdown" and message.body["markdown"]["content"].startswith("### ")
    # The webhook got the documented body for each event.
    bodies = []
    for message in receivers.of("webhook"):
        body = message.body
        bodies.extend(body["data"]["events"] if body["event"] == "digest" else [body])
    assert {b["event"] for b in bodies} == set(EVENTS)
    assert len(bodies) == len(titles)
    for body in bodies:
        assert body["title"].startswith(MARKERS[body["event"]])
        assert body["url"].startswith(PUBLIC_URL + "/")
        assert datetime.fromisoformat(body["at"]).tzinfo is not None
        assert isinstance(body["data"], dict)
    opened = next(b for b in bodies if b["event"] == "outage.opened")
    assert "督考门户" in opened["text"] and "已确认停机" in opened["text"] and "故障工单" in opened["text"]
    closed = next(b for b in bodies if b["event"] == "outage.closed")
    assert "停机 2 分钟" in closed["text"] or "停机" in closed["title"]
    assert closed["data"]["duration_minutes"] > 0
    resolved = next(b for b in bodies if b["event"] == "ticket.resolved")
    assert "请确认处理结果" in resolved["text"] and resolved["data"]["unit"] == "522701"
    # Email: one message per event to both recipients, the subject is the Chinese title.
    box, _, _ = mailbox
    subjects = [m["Subject"] for m in box.messages]
    assert sorted(subjects) == sorted(titles)
    assert all(m["X-Envelope-To"] == "yunwei@example.cn, duban@example.cn" for m in box.messages)
    body = next(m for m in box.messages if m["Subject"].startswith("【停机】")).get_content()
    assert "督考门户" in body and PUBLIC_URL in body


def test_in_app_notifications_go_to_the_roles_and_to_the_unit_that_asked(alert_app: Flask) -> None:
    now = utcnow()
    ticket = create_ticket(
        unit_code="522701",
        category="data",
        priority="P2",
        channel="电话",
        mode="远程",
        title="报表导出乱码",
        requester="王老师",
        reported_at=now - timedelta(minutes=5),
    )
    record_event(ticket, "respond", now - timedelta(minutes=4))
    record_event(ticket, "resolve", now - timedelta(minutes=1), "已更换导出编码")
    notes = {(n.kind, n.role, n.unit_id) for n in db.session.scalars(select(Notification))}
    assert ("ticket.created", "vendor", None) in notes
    assert ("ticket.responded", "unit", ticket.unit_id) in notes
    assert ("ticket.resolved", "unit", ticket.unit_id) in notes


def test_receivers_check_signatures_and_clock_skew(alert_app: Flask, receivers: Receivers) -> None:
    good = _channel("dingtalk", receivers)
    assert send_test(good, ADMIN) == (True, 'HTTP 200 {"errcode": 0, "errmsg": "ok"}')
    wrong = _channel("dingtalk", receivers, name="签名错误", secret="SECwrong")
    ok, answer = send_test(wrong, ADMIN)
    assert not ok and "sign not match" in answer
    feishu = _channel("feishu", receivers)
    assert send_test(feishu, ADMIN)[0]
    receivers.signing_clock_offset = 2 * 3600  # the receiver's clock is two hours ahead: outside the skew
    assert "timestamp is not within one hour" in send_test(good, ADMIN)[1]
    assert "19021" in send_test(feishu, ADMIN)[1]
    unsigned = _channel("feishu", receivers, name="未签名", secret="")
    receivers.signing_clock_offset = 0
    assert "19021" in send_test(unsigned, ADMIN)[1]  # the robot demands a signature
    log = list(db.session.scalars(select(AlertSend).order_by(AlertSend.id)))
    assert [s.ok for s in log] == [True, False, True, False, False, False]
    assert all(s.kind == "test" for s in log)


def _emit_webhook_events(
    count: int, clock: Clock, every: float, down_until: datetime | None, receivers: Receivers
) -> list[str]:
    keys = []
    for i in range(count):
        key = f"ticket.created:test-{i}"
        hooks.emit(
            "ticket.created", key, title=f"【新工单】YW-{i:03d} 测试", text="测试", link=f"/tickets/{i}", at=clock.now
        )
        db.session.commit()
        keys.append(f"【新工单】YW-{i:03d} 测试")
        for _ in range(int(every // 10)):
            receivers.down = down_until is not None and clock.now < down_until
            deliver_pending(clock.now)
            clock.advance(10)
    return keys


def test_a_receiver_down_for_five_minutes_gets_every_message_afterwards_once(
    alert_app: Flask, receivers: Receivers, clock: Clock
) -> None:
    _channel("webhook", receivers)
    back_at = clock.now + timedelta(minutes=5)
    titles = _emit_webhook_events(15, clock, 20, back_at, receivers)  # one event every 20 s while it is down
    assert clock.now >= back_at - timedelta(seconds=10)
    failed = db.session.scalar(select(func.count(AlertSend.id)).where(AlertSend.ok.is_(False)))
    assert failed and failed >= 5
    receivers.down = False
    for _ in range(15 * 6):  # fifteen more minutes, a pass every 10 s
        deliver_pending(clock.advance(10))
    received = []
    for message in receivers.of("webhook"):
        body = message.body
        received.extend(e["title"] for e in body["data"]["events"]) if body["event"] == "digest" else received.append(
            body["title"]
        )
    assert sorted(received) == sorted(titles)  # every one, none twice
    assert set(db.session.scalars(select(AlertDelivery.status))) == {"sent"}
    first_ok = min(r.at for r in receivers.of("webhook"))
    assert first_ok >= back_at.timestamp() - 10  # nothing reached it while it was down


def test_a_burst_of_100_outages_reaches_a_20_per_minute_robot_as_digests(
    alert_app: Flask, receivers: Receivers, clock: Clock
) -> None:
    _channel("dingtalk", receivers)
    titles = []
    now = clock.now
    for i in range(100):
        target = Target(
            name=f"对象-{i:03d}",
            kind="tcp",
            host="10.0.0.1",
            port=1000 + i,
            critical=True,
            monitored_since=now - timedelta(days=1),
        )
        db.session.add(target)
        db.session.flush()
        outage = Outage(target_id=target.id, source="probe", start=clock.now - timedelta(minutes=2), cause="")
        db.session.add(outage)
        db.session.flush()
        hooks.outage_opened(outage, target, clock.now)
        db.session.commit()
        titles.append(f"【停机】对象-{i:03d} 无法访问")
        deliver_pending(clock.now)
        clock.advance(0.6)  # 100 outages in one minute
    for _ in range(240):  # four more minutes, a pass a second
        deliver_pending(clock.advance(1))
    assert receivers.refused == []  # never over the robot's limit
    messages = receivers.of("dingtalk")
    times = sorted(m.at for m in messages)
    assert all(sum(1 for t in times if start - 60 < t <= start) <= 20 for start in times)
    digests = [m for m in messages if m.body["markdown"]["title"].startswith("【告警汇总】")]
    assert digests, "the burst must be merged into digests"
    seen = [title for title in titles for m in messages if title in m.body["markdown"]["text"]]
    assert sorted(seen) == sorted(titles)  # every outage exactly once
    assert set(db.session.scalars(select(AlertDelivery.status))) == {"sent"}
    assert len(messages) < 100


def test_channels_api_validates_hides_secrets_and_audits(
    alert_app: Flask, receivers: Receivers, make_token: Callable[..., str]
) -> None:
    client = alert_app.test_client()
    admin = bearer(make_token("admin"))
    body = {
        "name": "运维钉钉群",
        "kind": "dingtalk",
        "url": receivers.url("dingtalk"),
        "secret": receivers.dingtalk_secret,
        "recipients": ["13800000000"],
        "events": ["outage.opened"],
    }
    created = client.post("/api/v1/notification-channels", json=body, headers=admin)
    assert created.status_code == 201, created.get_json()
    channel = created.get_json()
    assert channel["has_secret"] is True and "secret" not in channel
    assert receivers.token not in json.dumps(channel) and channel["url"].endswith("access_token=***")
    assert channel["rate_per_minute"] == 20 and channel["events"] == ["outage.opened"]
    listed = client.get("/api/v1/notification-channels", headers=admin).get_json()
    assert receivers.dingtalk_secret not in json.dumps(listed) and receivers.token not in json.dumps(listed)
    stored = db.session.get(NotificationChannel, channel["id"])
    assert stored is not None and receivers.dingtalk_secret not in (stored.secret or "")
    audit = " ".join(json.dumps(r.after, ensure_ascii=False) for r in db.session.scalars(select(AuditRecord)))
    assert receivers.dingtalk_secret not in audit and receivers.token not in audit and "运维钉钉群" in audit
    # Bad input: a clear error naming the field, nothing changed.
    for bad, field in (
        ({**body, "name": "另一个", "url": "ftp://x"}, "url"),
        ({**body, "name": "另一个", "events": ["outage.started"]}, "events.0"),
        ({**body, "name": "另一个", "units": ["999999"]}, "units"),
        ({**body, "kind": "sms"}, "kind"),
        (body, "name"),
    ):
        answer = client.post("/api/v1/notification-channels", json=bad, headers=admin)
        assert answer.status_code in (409, 422) and field in answer.get_json()["error"]["fields"], answer.get_json()
    assert db.session.scalar(select(func.count(NotificationChannel.id))) == 1
    patched = client.patch(f"/api/v1/notification-channels/{channel['id']}", json={"enabled": False}, headers=admin)
    assert patched.status_code == 200 and patched.get_json()["enabled"] is False
    assert patched.get_json()["has_secret"] is True  # a PATCH without secret keeps it
    client.patch(f"/api/v1/notification-channels/{channel['id']}", json={"enabled": True}, headers=admin)
    tested = client.post(f"/api/v1/notification-channels/{channel['id']}/test", headers=admin).get_json()
    assert tested == {"ok": True, "answer": 'HTTP 200 {"errcode": 0, "errmsg": "ok"}'}
    assert "slatrack 通知渠道「运维钉钉群」" in receivers.of("dingtalk")[0].text
    vendor = bearer(make_token("vendor"))
    assert client.get("/api/v1/notification-channels", headers=vendor).status_code == 403
    assert client.delete(f"/api/v1/notification-channels/{channel['id']}", headers=admin).status_code == 200
    assert db.session.scalar(select(func.count(AlertSend.id))) == 1  # the log outlives the channel


def test_email_channel_needs_a_configured_smtp_server(app: Flask) -> None:
    with pytest.raises(Exception, match="未配置邮件服务器"):
        create_channel({"name": "邮件", "kind": "email", "recipients": ["a@example.cn"]})


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SMTP_HOST": "mail.example.cn", "SMTP_SECURITY": "tls", "SMTP_FROM": "a@example.cn"}, "SMTP_SECURITY"),
        ({"SMTP_HOST": "mail.example.cn", "SMTP_FROM": "nobody"}, "SMTP_FROM"),
        ({"SMTP_HOST": "mail.example.cn", "SMTP_FROM": "a@example.cn", "SMTP_PORT": 0}, "SMTP_PORT"),
        ({"SMTP_HOST": "mail.example.cn", "SMTP_FROM": "a@example.cn", "SMTP_USER": "u"}, "SMTP_USER"),
        ({"PUBLIC_URL": "slatrack.example.cn"}, "PUBLIC_URL"),
    ],
)
def test_alert_settings_are_validated_at_start(
    make_app: Callable[..., Flask], settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        make_app(**settings)


def test_deadline_alerts_are_emitted_once(alert_app: Flask) -> None:
    now = datetime(2026, 11, 26, 9, tzinfo=CST).astimezone(UTC)
    first = deadlines.deadline_alerts(now)
    again = deadlines.deadline_alerts(now + timedelta(minutes=1))
    assert first["inspections"] == 2 and again["inspections"] == 0
    keys = list(db.session.scalars(select(AlertEvent.key)))
    assert len(keys) == len(set(keys))


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (the test SMTP server's name), and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "slatrack test smtp")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp.crt", folder / "smtp.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_email_goes_through_starttls_and_the_certificate_is_verified(
    make_app: Callable[..., Flask], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox()
    for host, port in start_smtp(box, tls_context=context, require_starttls=True):
        app = make_app(SMTP_HOST=host, SMTP_PORT=port, SMTP_SECURITY="starttls", SMTP_FROM="slatrack@example.cn")
        with app.app_context():
            channel = create_channel({"name": "运维邮箱", "kind": "email", "recipients": ["yunwei@example.cn"]})
            # The server's certificate is not trusted yet: the send is refused, and says why.
            ok, answer = send_test(channel, ADMIN)
            assert not ok and "CERTIFICATE_VERIFY_FAILED" in answer
            monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # now it is (as a real CA-signed one would be)
            ok, answer = send_test(channel, ADMIN)
            assert ok, answer
            with_plain = make_app(SMTP_HOST=host, SMTP_PORT=port, SMTP_SECURITY="none", SMTP_FROM="s@example.cn")
            with with_plain.app_context():
                refused = send_test(db.session.get(NotificationChannel, channel.id), ADMIN)
            assert not refused[0]  # the server demands STARTTLS
    assert [m["Subject"] for m in box.messages] == ["【测试】slatrack 通知渠道「运维邮箱」"]


def test_a_channel_filtered_to_units_gets_their_tickets_and_the_system_wide_events(
    alert_app: Flask, receivers: Receivers
) -> None:
    everyone = _channel("webhook", receivers, name="全部")
    duyun = _channel("webhook", receivers, name="都匀市", units=["522701"], events=["ticket.created", "outage.opened"])
    now = utcnow()
    for unit in ("522701", "522702"):
        create_ticket(unit_code=unit, category="consult", priority="P3", channel="电话", mode="远程",
                      title=f"{unit} 咨询", requester="李老师", reported_at=now - timedelta(minutes=1))  # fmt: skip
    create_target({"name": "门户", "kind": "http", "url": "https://dk.example.cn/", "in_process": False,
                   "monitored_since": now - timedelta(days=1)})  # fmt: skip
    ingest_results(_results("门户", now - timedelta(minutes=3), "---", "unitfilter"))
    dispatch(now)

    def events_of(channel: NotificationChannel) -> list[str]:
        rows = db.session.execute(
            select(AlertEvent.title).join(AlertDelivery, AlertDelivery.event_id == AlertEvent.id)
            .where(AlertDelivery.channel_id == channel.id).order_by(AlertEvent.id)
        )  # fmt: skip
        return [row[0] for row in rows]

    assert events_of(everyone) == [
        "【新工单】YW-2026-0001 522701 咨询", "【新工单】YW-2026-0002 522702 咨询", "【停机】门户 无法访问",
    ]  # fmt: skip
    assert events_of(duyun) == ["【新工单】YW-2026-0001 522701 咨询", "【停机】门户 无法访问"]


def test_failed_deliveries_show_the_answer_in_the_log_and_can_be_sent_again(
    alert_app: Flask, receivers: Receivers, clock: Clock, make_user: Callable[..., Any]
) -> None:
    from slatrack.operations.notifications.delivery import MAX_ATTEMPTS
    from tests.integration.conftest import login

    _channel("wecom", receivers)
    receivers.token = "rotated"  # the robot's key was reset: WeCom refuses every send
    hooks.emit("backup.stale", "backup.stale:test", title="【备份】业务数据备份未按时更新", text="请检查", link="/")
    db.session.commit()
    for _ in range(MAX_ATTEMPTS):
        deliver_pending(clock.now)
        clock.advance(15 * 60)
    delivery = db.session.scalars(select(AlertDelivery)).one()
    assert delivery.status == "failed" and delivery.attempts == MAX_ATTEMPTS
    assert "invalid webhook url" in delivery.last_error
    make_user("boss", "admin")
    client = alert_app.test_client()
    login(client, "boss")
    page = client.get("/notification-log").get_data(as_text=True)
    assert "发送失败" in page and "invalid webhook url" in page and "【备份】业务数据备份未按时更新" in page
    receivers.token = "tok-0123456789"  # fixed
    done = client.post("/notification-log/retry", follow_redirects=True).get_data(as_text=True)
    assert "已将 1 条发送失败的通知重新排队" in done
    deliver_pending(clock.advance(1))
    assert db.session.scalars(select(AlertDelivery.status)).one() == "sent"
    assert len(receivers.of("wecom")) == 1


def test_a_budget_line_raises_one_alert_for_the_highest_threshold_and_a_closed_year_stays_quiet(app: Flask) -> None:
    with app.app_context():
        lines = db.session.scalars(select(BudgetLine).where(BudgetLine.fiscal_year == 2025)).all()
        full, part = lines[0], lines[1]
        db.session.add(
            Payment(
                budget_line_id=full.id,
                amount=Decimal(full.amount),
                paid_on=date(2025, 6, 1),
                voucher="记-11",
            )
        )
        share = Decimal(part.amount) * Decimal("0.846")
        db.session.add(
            Payment(
                budget_line_id=part.id,
                amount=share.quantize(Decimal("0.01")),
                paid_on=date(2025, 6, 1),
                voucher="记-12",
            )
        )
        db.session.commit()
        assert deadlines.budgets(datetime(2025, 12, 10, 9, tzinfo=CST)) == 2
        db.session.commit()
        events = {
            e.key: e for e in db.session.scalars(select(AlertEvent).where(AlertEvent.event == "budget.threshold"))
        }
        assert set(events) == {f"budget.threshold:{full.code}:100", f"budget.threshold:{part.code}:80"}
        assert "已支付 84.6%" in events[f"budget.threshold:{part.code}:80"].title
        assert "84.6%" in events[f"budget.threshold:{part.code}:80"].text
        # 2025's lines are still watched in March 2026, no longer in December 2026.
        db.session.add(
            Payment(
                budget_line_id=part.id,
                amount=Decimal(part.amount),
                paid_on=date(2025, 6, 2),
                voucher="记-13",
            )
        )
        db.session.commit()
        assert deadlines.budgets(datetime(2026, 12, 3, 9, tzinfo=CST)) == 0
        assert deadlines.budgets(datetime(2026, 3, 20, 9, tzinfo=CST)) == 1
