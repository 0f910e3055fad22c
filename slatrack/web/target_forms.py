"""The target form (新建 / 修改监测对象): every kind with its options, in the API's field names.

The form only reads what was typed; whether it is a valid target is decided where the API decides it
(``operations.monitoring.targets`` over ``probes.spec.TargetSpec``). A refusal names its field, and the
message is shown next to that field. Numbers are passed on as typed when they are not numbers, so that
the one validation says what is wrong with them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import get_translations
from wtforms.validators import Optional

from slatrack.clock import local_zone
from slatrack.models import Target
from slatrack.models.enums import TARGET_KINDS
from slatrack.operations import OperationError
from slatrack.operations.monitoring.target_checks import refusals
from slatrack.operations.monitoring.targets import DEFAULTS, option_names

# Which address fields each kind takes (probes.spec.ADDRESS_FIELDS, in the order the form shows them).
ADDRESS_FIELDS = {"http": ("url",), "tcp": ("host", "port"), "host": ("path",), "backup": ("path",), "push": ()}
COMMON_NUMBERS = ("interval_seconds", "timeout_seconds", "confirm_failures")
# Kind options entered as numbers, and those that are check boxes; the rest are text.
NUMBER_OPTIONS = frozenset(
    {
        "max_latency_ms",
        "cert_expiry_days",
        "cpu_max",
        "memory_max",
        "disk_max",
        "load_max",
        "max_age_hours",
        "min_bytes",
    }
)
FLAG_OPTIONS = frozenset({"keyword_absent", "follow_redirects", "verify_tls"})
# Check boxes that are ticked when the option was never set (the checker's default is true).
FLAGS_ON_BY_DEFAULT = frozenset({"follow_redirects", "verify_tls"})
_ZH = get_translations(["zh"])


class TargetForm(FlaskForm):  # type: ignore[misc]
    class Meta:
        def get_translations(self, form: Any) -> Any:  # WTForms' own messages (a bad date) in Chinese
            return _ZH

    name = StringField("名称")
    kind = SelectField("类型", choices=[SelectChoice(key, label) for key, label in TARGET_KINDS.items()])
    url = StringField("网址（URL）")
    host = StringField("主机名或 IP 地址")
    port = StringField("端口")
    path = StringField("路径")
    interval_seconds = StringField("检查间隔（秒）")
    timeout_seconds = StringField("超时（秒）")
    confirm_failures = StringField("确认停机所需的连续失败次数")
    critical = BooleanField("关键对象（计入系统停机时间，停机时生成 P1 工单）")
    in_process = SelectField(
        "由谁检查",
        choices=[SelectChoice("1", "服务器（本机探测）"), SelectChoice("0", "远程探针（探针发送结果）")],
        validate_choice=False,
    )
    monitored_since = DateTimeLocalField("开始监测（留空为现在）", validators=[Optional()], format="%Y-%m-%dT%H:%M")
    # http
    method = SelectField(
        "请求方法",
        choices=[SelectChoice("GET", "GET"), SelectChoice("HEAD", "HEAD（不取正文）")],
        validate_choice=False,
    )
    accepted_status = StringField("正常的 HTTP 状态码")
    keyword = StringField("页面关键字")
    keyword_absent = BooleanField("关键字不应出现（出现即失败）")
    max_latency_ms = StringField("响应时间上限（毫秒）")
    follow_redirects = BooleanField("跟随重定向", default=True)
    verify_tls = BooleanField("验证 TLS 证书", default=True)
    cert_expiry_days = StringField("TLS 证书到期提前告警（天）")
    # host
    cpu_max = StringField("CPU 使用率上限（%）")
    memory_max = StringField("内存使用率上限（%）")
    disk_max = StringField("磁盘使用率上限（%）")
    load_max = StringField("系统负载上限")
    # backup
    max_age_hours = StringField("最新备份的最长间隔（小时）")
    min_bytes = StringField("备份文件最小字节数")


def _number(text: str) -> Any:
    """A typed number as int or float; anything else as typed, for the validation to name."""
    text = text.strip().replace("，", "").replace(",", "")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


def _statuses(text: str) -> list[str]:
    return [item for item in re.split(r"[\s,，;；、]+", text.strip()) if item]


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=local_zone())


def _minute(target: Target) -> datetime:
    return target.monitored_since.astimezone(local_zone()).replace(tzinfo=None, second=0, microsecond=0)


def values_of(form: TargetForm, kind: str, target: Target | None = None) -> dict[str, Any]:
    """What was typed, in the API's field names, for ``kind``. An empty field is None (its default).

    When changing ``target``, a start of monitoring left as shown (to the minute) is left as stored."""
    values: dict[str, Any] = {"name": (form.name.data or "").strip() or None, "kind": kind}
    for field in ADDRESS_FIELDS[kind]:
        text = (getattr(form, field).data or "").strip()
        values[field] = (_number(text) if field == "port" else text) or None
    for field in COMMON_NUMBERS:
        text = (getattr(form, field).data or "").strip()
        values[field] = _number(text) if text else None
    values["critical"] = bool(form.critical.data)
    if kind != "push":
        values["in_process"] = form.in_process.data == "1"
    since = form.monitored_since.data
    if target is None or (since is not None and since != _minute(target)):
        values["monitored_since"] = _aware(since)
    for option in option_names(kind):
        field = getattr(form, option)
        if option in FLAG_OPTIONS:
            values[option] = bool(field.data)
        elif option == "accepted_status":
            values[option] = _statuses(field.data or "") or None
        elif option in NUMBER_OPTIONS:
            text = (field.data or "").strip()
            values[option] = _number(text) if text else None
        else:
            values[option] = (field.data or "").strip() or None
    return values


def show_refusal(form: TargetForm, error: OperationError) -> list[str]:
    """Put a refusal's field messages next to their fields; returns the messages that have no field."""
    loose = []
    for name, reason in error.fields.items():
        field = getattr(form, name, None) if name in form._fields else None
        if field is None:
            loose.append(f"{name}：{reason}")
        else:
            field.errors = [*field.errors, reason] if isinstance(field.errors, list) else [reason]
    if not error.fields:
        loose.append(error.message)
    return loose


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def fill_from(form: TargetForm, target: Target) -> None:
    """The form showing a stored target (for 修改)."""
    form.name.data = target.name
    form.kind.data = target.kind
    for field in ("url", "host", "port", "path", *COMMON_NUMBERS):
        getattr(form, field).data = _shown(getattr(target, field))
    form.critical.data = target.critical
    form.in_process.data = "1" if target.in_process else "0"
    form.monitored_since.data = _minute(target)
    options = target.options or {}
    for option in option_names(target.kind):
        field = getattr(form, option)
        if option in FLAG_OPTIONS:
            field.data = bool(options.get(option, option in FLAGS_ON_BY_DEFAULT))
        elif option == "method":
            field.data = str(options.get(option, "GET")).upper()
        else:
            field.data = _shown(options.get(option))


def placeholders() -> dict[str, str]:
    """The defaults a field takes when left empty (shown as the input's placeholder)."""
    return {
        "interval_seconds": str(DEFAULTS["interval_seconds"]),
        "timeout_seconds": str(DEFAULTS["timeout_seconds"]),
        "confirm_failures": str(DEFAULTS["confirm_failures"]),
        "accepted_status": "200-399",
        "cert_expiry_days": "14",
        "cpu_max": "95",
        "memory_max": "95",
        "disk_max": "90",
        "max_age_hours": "26",
        "min_bytes": "1",
        "url": "https://",
    }


def checked(values: dict[str, Any], target: Target | None = None) -> dict[str, Any]:
    """``values`` when the validation accepts them; else an OperationError naming every refused field."""
    found = refusals(values, target)
    if found:
        raise OperationError("监测对象有误，请按提示修改", fields=found)
    return values
