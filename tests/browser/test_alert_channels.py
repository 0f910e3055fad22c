"""Browser: the admin adds a DingTalk channel with its 加签 secret, presses 测试发送, and sees the message in the
delivery log; the local receiver verified the signature. Also takes the screenshots of docs/notifications.md."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.alert_receivers import Receivers, start_receivers
from tests.browser.conftest import DOWN_TARGET, LiveServer, screenshot_folder

pytestmark = pytest.mark.browser
DELIVERY_PASS = (
    "from slatrack import create_app\n"
    "from slatrack.operations.notifications.delivery import deliver_pending\n"
    "with create_app().app_context():\n"
    "    print(deliver_pending())\n"
)


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    with contextmanager(start_receivers)(Receivers()) as running:
        yield running


def _render_markdown(markdown: str) -> str:
    """DingTalk's markdown subset (headings, links, paragraphs) as the group would see it."""
    out = []
    for block in markdown.split("\n\n"):
        text = html.escape(block)
        text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r'<a href="\2">\1</a>', text)
        if text.startswith("### "):
            out.append(f"<h3>{text[4:]}</h3>")
        else:
            out.append(f"<p>{text.replace(chr(10), '<br>')}</p>")
    return "".join(out)


def test_admin_adds_a_channel_sends_a_test_and_sees_it_in_the_log(
    open_session: Any, receivers: Receivers, tmp_path: Path, live_server: LiveServer
) -> None:
    admin = open_session("admin")
    page = admin.page
    assert admin.goto("/notification-channels").status == 200
    page.get_by_label("名称", exact=True).fill("运维值班钉钉群")
    page.get_by_label("类型", exact=True).select_option("dingtalk")
    page.get_by_label("Webhook 地址（邮件渠道不填）").fill(receivers.url("dingtalk"))
    page.get_by_label(re.compile("^密钥")).fill(receivers.dingtalk_secret)
    page.get_by_label(re.compile("^接收人")).fill("13800000000")
    page.get_by_role("button", name="添加渠道").click()
    page.wait_for_load_state()
    assert "已添加通知渠道「运维值班钉钉群」" in page.content()
    row = page.locator("tr", has_text="运维值班钉钉群")
    assert receivers.token not in row.inner_text() and "已设置" in row.inner_text()  # the token stays hidden
    row.get_by_role("button", name="测试发送").click()
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text() == "通知发送日志"
    assert "测试消息已发送到「运维值班钉钉群」" in page.content()
    log_row = page.locator("#send-log tbody tr").first
    text = log_row.inner_text()
    assert "运维值班钉钉群" in text and "测试" in text and "已发送" in text and '"errcode": 0' in text
    assert receivers.refused == []
    [message] = receivers.of("dingtalk")
    assert message.body["markdown"]["title"] == "【测试】slatrack 通知渠道「运维值班钉钉群」"
    assert message.body["at"]["atMobiles"] == ["13800000000"]

    folder = screenshot_folder(tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "notification-log.png"), full_page=True)
    # The server runs without its scheduler here: one delivery pass, as the worker makes every second,
    # sends the outage the fresh checks confirmed (中间件) to the new channel.
    subprocess.run(
        [sys.executable, "-c", DELIVERY_PASS], env=live_server.env, check=True, capture_output=True, timeout=120
    )
    outage = next(m for m in receivers.of("dingtalk") if m.body["markdown"]["title"].startswith("【停机】"))
    assert DOWN_TARGET in outage.body["markdown"]["text"] and "已确认停机" in outage.body["markdown"]["text"]
    # The messages as the group sees them: the markdown the receiver accepted, rendered in a chat bubble.
    for name, received in (("alert-message-test", message), ("alert-message-outage", outage)):
        bubble = admin.context.new_page()
        bubble.set_viewport_size({"width": 600, "height": 200})
        bubble.set_content(
            "<html><body style='margin:0;background:#eef0f3;font-family:sans-serif;padding:20px'>"
            "<div style='color:#777;font-size:12px'>运维值班钉钉群 · slatrack 机器人</div>"
            "<div style='background:#fff;border-radius:8px;padding:4px 16px;margin-top:6px'>"
            f"{_render_markdown(received.body['markdown']['text'])}</div></body></html>"
        )
        bubble.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        assert (folder / f"{name}.png").stat().st_size > 5_000
