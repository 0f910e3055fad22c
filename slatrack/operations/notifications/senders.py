"""Turn alert messages into each receiver's format and send them: plain ``requests`` for the robots and
webhooks, ``smtplib`` for email (docs/notifications.md explains why not Apprise).

A send returns (accepted, answer): the receiver's own verdict (HTTP status and its ``errcode``/``code``),
never an exception, so the worker can log it and retry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlencode

import requests

from slatrack.operations.notifications.settings import SmtpSettings

TIMEOUT_SECONDS = 10
ANSWER_LIMIT = 500
# How many events one digest carries (WeCom markdown allows 4096 bytes, DingTalk 20000).
DIGEST_SIZE = {"wecom": 10, "dingtalk": 30, "feishu": 30, "email": 100, "webhook": 100}


@dataclass(frozen=True)
class Message:
    """One event as sent: the webhook body's fields."""

    event: str
    title: str
    text: str
    url: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {
            "event": self.event, "title": self.title, "text": self.text, "url": self.url,
            "at": self.at.isoformat(), "data": self.data,
        }  # fmt: skip


@dataclass(frozen=True)
class Outgoing:
    """What one send carries: a single message or a digest of several."""

    messages: list[Message]
    local_times: list[str]

    @property
    def digest(self) -> bool:
        return len(self.messages) > 1

    @property
    def title(self) -> str:
        if not self.digest:
            return self.messages[0].title
        return f"【告警汇总】{len(self.messages)} 条通知（{self.local_times[0]} 起）"

    def lines(self) -> list[str]:
        return [
            f"{when} {m.title}" + (f"（{m.url}）" if m.url else "")
            for when, m in zip(self.local_times, self.messages, strict=True)
        ]

    def plain_text(self) -> str:
        if not self.digest:
            one = self.messages[0]
            return one.text + (f"\n详情：{one.url}" if one.url else "")
        return "发送频率已达上限，以下通知合并发送：\n" + "\n".join(f"- {line}" for line in self.lines())


def _answer(response: requests.Response) -> str:
    return f"HTTP {response.status_code} {response.text[:ANSWER_LIMIT]}".strip()


def _robot_verdict(response: requests.Response, code_keys: tuple[str, ...]) -> tuple[bool, str]:
    answer = _answer(response)
    if response.status_code != 200:
        return False, answer
    try:
        payload = response.json()
    except ValueError:
        return False, answer
    for key in code_keys:
        if isinstance(payload, dict) and key in payload:
            return payload[key] == 0, answer
    return False, answer


def _post(url: str, **kwargs: Any) -> requests.Response:
    return requests.post(url, timeout=TIMEOUT_SECONDS, **kwargs)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉加签: base64(HMAC-SHA256(secret, timestamp + "\\n" + secret))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """飞书签名校验: base64(HMAC-SHA256 keyed with timestamp + "\\n" + secret, over an empty message)."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_signature(secret: str, timestamp_s: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp_s).encode() + b"." + body, hashlib.sha256).hexdigest()


def _markdown(out: Outgoing, link_label: str = "查看详情") -> str:
    if not out.digest:
        one = out.messages[0]
        link = f"\n\n[{link_label}]({one.url})" if one.url.startswith("http") else ""
        return f"### {one.title}\n\n{one.text}{link}"
    rows = []
    for when, m in zip(out.local_times, out.messages, strict=True):
        title = f"[{m.title}]({m.url})" if m.url.startswith("http") else m.title
        rows.append(f"- {when} {title}")
    return f"### {out.title}\n\n发送频率已达上限，以下通知合并发送：\n\n" + "\n".join(rows)


def send_dingtalk(url: str, secret: str, recipients: list[str], out: Outgoing) -> tuple[bool, str]:
    mobiles = [r for r in recipients if r != "@all"]
    text = _markdown(out) + ("\n\n" + " ".join(f"@{m}" for m in mobiles) if mobiles else "")
    body = {
        "msgtype": "markdown",
        "markdown": {"title": out.title, "text": text},
        "at": {"atMobiles": mobiles, "isAtAll": "@all" in recipients},
    }
    if secret:
        timestamp = int(time.time() * 1000)
        query = urlencode({"timestamp": timestamp, "sign": dingtalk_sign(secret, timestamp)})
        url += ("&" if "?" in url else "?") + query
    return _robot_verdict(_post(url, json=body), ("errcode",))


def send_wecom(url: str, recipients: list[str], out: Outgoing) -> tuple[bool, str]:
    content = _markdown(out)
    if recipients:
        content += "\n" + "".join(f"<@{user}>" for user in recipients)
    body = {"msgtype": "markdown", "markdown": {"content": content}}
    return _robot_verdict(_post(url, json=body), ("errcode",))


def send_feishu(url: str, secret: str, out: Outgoing) -> tuple[bool, str]:
    lines: list[list[dict[str, str]]]
    if out.digest:
        lines = [[{"tag": "text", "text": "发送频率已达上限，以下通知合并发送："}]]
        for when, m in zip(out.local_times, out.messages, strict=True):
            row = [{"tag": "text", "text": f"{when} {m.title} "}]
            if m.url.startswith("http"):
                row.append({"tag": "a", "text": "详情", "href": m.url})
            lines.append(row)
    else:
        one = out.messages[0]
        lines = [[{"tag": "text", "text": one.text}]]
        if one.url.startswith("http"):
            lines.append([{"tag": "a", "text": "查看详情", "href": one.url}])
    body: dict[str, Any] = {"msg_type": "post", "content": {"post": {"zh_cn": {"title": out.title, "content": lines}}}}
    if secret:
        timestamp = int(time.time())
        body.update({"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp)})
    return _robot_verdict(_post(url, json=body), ("code", "StatusCode"))


def send_webhook(url: str, secret: str, out: Outgoing) -> tuple[bool, str]:
    if out.digest:
        first = out.messages[0]
        payload = {
            "event": "digest", "title": out.title, "text": out.plain_text(), "url": first.url,
            "at": first.at.isoformat(), "data": {"events": [m.body() for m in out.messages]},
        }  # fmt: skip
    else:
        payload = out.messages[0].body()
    raw = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if secret:
        timestamp = int(time.time())
        headers["X-Slatrack-Timestamp"] = str(timestamp)
        headers["X-Slatrack-Signature"] = "sha256=" + webhook_signature(secret, timestamp, raw)
    response = _post(url, data=raw, headers=headers)
    return 200 <= response.status_code < 300, _answer(response)


def send_email(smtp: SmtpSettings | None, recipients: list[str], out: Outgoing) -> tuple[bool, str]:
    if smtp is None:
        return False, "未配置邮件服务器（SLATRACK_SMTP_HOST）"
    message = EmailMessage()
    message["Subject"] = out.title
    message["From"] = smtp.sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rsplit("@", 1)[-1])
    message.set_content(out.plain_text() + "\n\n—— slatrack 运维 SLA 跟踪系统自动发送，请勿直接回复。\n")
    context = ssl.create_default_context()
    try:
        if smtp.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=context)
            if smtp.user:
                client.login(smtp.user, smtp.password)
            refused = client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        return False, f"SMTP 错误：{exc}"[:ANSWER_LIMIT]
    if refused:
        return False, f"部分收件人被拒绝：{refused}"[:ANSWER_LIMIT]
    return True, f"SMTP 已接收（{len(recipients)} 个收件人）"


def send(
    kind: str, url: str, secret: str, recipients: list[str], out: Outgoing, smtp: SmtpSettings | None
) -> tuple[bool, str]:
    """Send one message or digest; a network failure is an answer too."""
    try:
        if kind == "dingtalk":
            return send_dingtalk(url, secret, recipients, out)
        if kind == "wecom":
            return send_wecom(url, recipients, out)
        if kind == "feishu":
            return send_feishu(url, secret, out)
        if kind == "webhook":
            return send_webhook(url, secret, out)
        if kind == "email":
            return send_email(smtp, recipients, out)
    except requests.RequestException as exc:
        return False, f"连接失败：{type(exc).__name__}: {exc}"[:ANSWER_LIMIT]
    return False, f"未知的渠道类型：{kind}"
