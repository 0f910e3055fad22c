"""A mapping from a vendor log's own columns to ticket fields, as a MAP.toml file:

    header_row = 2                      # optional: found by itself when left out
    [columns]
    reported_at = ["日期", "时间"]      # a list is joined (date + time, or texts with a space)
    unit = "单位"
    [values.mode]
    "现场" = "上门"                      # file value = slatrack value
    [defaults]
    category = "consult"                # for fields the file lacks or leaves empty

``guess`` proposes one from the file's headers by synonyms; ``to_toml`` writes it back as such a file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slatrack.operations import OperationError

# field -> (label on the page, the column of slatrack's own format it fills or None, is a time)
FIELDS: dict[str, tuple[str, str | None, bool]] = {
    "number": ("工单编号", "工单编号", False),
    "unit": ("单位", "单位", False),
    "reported_at": ("报告时间", "报告时间", True),
    "category": ("类别", "类别", False),
    "priority": ("优先级", "优先级", False),
    "channel": ("渠道", "渠道", False),
    "mode": ("方式", "方式", False),
    "title": ("标题", "标题", False),
    "description": ("描述", "描述", False),
    "requester": ("报告人", "报告人", False),
    "engineer": ("处理人", None, False),
    "outcome": ("处理结果", None, False),
    "responded_at": ("响应时间", "响应时间", True),
    "resolved_at": ("解决时间", "解决时间", True),
    "closed_at": ("关闭时间", "关闭时间", True),
}
REQUIRED_FIELDS = ("unit", "reported_at", "category", "priority", "channel", "mode", "title")

# Column names vendors use for each field, best first. "日期" and "时间" are joined into the report time.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "number": ("工单编号", "工单号", "单号"),
    "unit": ("单位", "县市", "报告单位", "报修单位", "使用单位", "单位名称", "县（市）"),
    "reported_at": ("报告时间", "报修时间", "发生时间", "受理时间", "登记时间"),
    "category": ("类别", "分类", "问题类别", "问题分类", "服务类别"),
    "priority": ("优先级", "紧急程度"),
    "channel": ("渠道", "来源", "报修方式", "受理渠道"),
    "mode": ("方式", "处理方式", "服务方式"),
    "title": ("标题", "问题描述", "内容", "事项", "故障描述", "服务内容"),
    "description": ("描述", "问题描述", "内容", "事项", "故障描述", "详细描述"),
    "requester": ("报告人", "联系人", "报修人", "反馈人"),
    "engineer": ("处理人", "工程师", "运维人员"),
    "outcome": ("处理结果", "处理情况", "解决情况"),
    "responded_at": ("响应时间", "处理时间", "首次响应时间"),
    "resolved_at": ("解决时间", "完成时间", "办结时间"),
    "closed_at": ("关闭时间",),
}
DAY_SYNONYMS = ("日期", "报告日期", "报修日期", "受理日期", "登记日期")
CLOCK_SYNONYMS = ("时间",)
_KNOWN = frozenset(n for names in SYNONYMS.values() for n in names) | frozenset(DAY_SYNONYMS + CLOCK_SYNONYMS)
# What the file lacks is filled in with these; the page shows them to be changed.
GUESSED_DEFAULTS = {"category": "consult", "priority": "P3", "channel": "电话", "mode": "远程"}
GUESSED_MODES = {"现场": "上门", "现场处理": "上门", "上门服务": "上门", "远程处理": "远程", "远程协助": "远程"}
GUESSED_MODES |= {"电话": "远程", "电话指导": "远程"}


def known_header(name: str) -> bool:
    return name.replace(" ", "") in _KNOWN


@dataclass
class Mapping:
    columns: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    header_row: int | None = None

    def names(self) -> set[str]:
        return {name for names in self.columns.values() for name in names}

    def missing(self) -> list[str]:
        """Required fields with neither a column nor a default, by their labels."""
        return [FIELDS[f][0] for f in REQUIRED_FIELDS if f not in self.columns and f not in self.defaults]


def guess(headers: Sequence[str]) -> Mapping:
    """The mapping the headers suggest: each field's first synonym present; defaults for what is lacking."""
    present = [h for h in headers if h]
    found = Mapping()
    for name, synonyms in SYNONYMS.items():
        for synonym in synonyms:
            if synonym in present:
                found.columns[name] = [synonym]
                break
    if "reported_at" not in found.columns:
        day = next((h for h in DAY_SYNONYMS if h in present), None)
        clock = next((h for h in CLOCK_SYNONYMS if h in present), None)
        if day:
            found.columns["reported_at"] = [day, clock] if clock else [day]
    for name, value in GUESSED_DEFAULTS.items():
        if name not in found.columns:
            found.defaults[name] = value
    if "mode" in found.columns:
        found.values["mode"] = dict(GUESSED_MODES)
    return found


def _text_table(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(v, str | int) for v in raw.values()):
        raise OperationError(f"映射文件中 {where} 应为「文件中的值 = 系统中的值」", fields={"mapping": where})
    return {str(k).strip(): str(v).strip() for k, v in raw.items()}


def parse(text: str) -> Mapping:
    """A MAP.toml as a Mapping; a malformed one is an OperationError naming what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OperationError(f"映射文件格式有误：{exc}", fields={"mapping": "TOML 格式有误"}) from exc
    unknown = sorted(set(data) - {"header_row", "columns", "values", "defaults"})
    if unknown:
        raise OperationError(f"映射文件中有未知的项：{'、'.join(unknown)}", fields={"mapping": "未知的项"})
    found = Mapping()
    header_row = data.get("header_row")
    if header_row is not None:
        if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
            raise OperationError("header_row 应为正整数（表头所在的行号）", fields={"mapping": "header_row"})
        found.header_row = header_row
    for name, raw in _table(data, "columns").items():
        names = [raw] if isinstance(raw, str) else raw
        if not isinstance(names, list) or not names or not all(isinstance(v, str) and v.strip() for v in names):
            raise OperationError(f"[columns] 中 {name} 应为列名或列名的列表", fields={"mapping": name})
        found.columns[name] = [v.strip() for v in names]
    for name, raw in _table(data, "values").items():
        found.values[name] = _text_table(raw, f"[values.{name}]")
    found.defaults = _text_table(_table(data, "defaults"), "[defaults]")
    fields = set(found.columns) | set(found.values) | set(found.defaults)
    unknown = sorted(fields - set(FIELDS))
    if unknown:
        choices = "、".join(FIELDS)
        raise OperationError(
            f"映射文件中有未知的字段：{'、'.join(unknown)}（可用：{choices}）", fields={"mapping": "未知的字段"}
        )
    timed = sorted(f for f in found.defaults if FIELDS[f][2])
    if timed:
        raise OperationError(f"时间字段不能有默认值：{'、'.join(timed)}", fields={"mapping": "默认值"})
    if missing := found.missing():
        raise OperationError(
            f"映射缺少：{'、'.join(missing)}（请指定列或默认值）", fields={"mapping": "缺少必需的字段"}
        )
    return found


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    raw = data.get(name, {})
    if not isinstance(raw, dict):
        raise OperationError(f"映射文件中 [{name}] 应为一个表", fields={"mapping": name})
    return raw


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def to_toml(mapping: Mapping) -> str:
    """The mapping as a MAP.toml file that ``parse`` reads back to the same mapping."""
    lines = ["# slatrack 工单导入映射：字段 = 文件中的列名（多个列名按顺序合并）"]
    if mapping.header_row is not None:
        lines.append(f"header_row = {mapping.header_row}")
    lines += ["", "[columns]"]
    for name in FIELDS:
        if name in mapping.columns:
            names = mapping.columns[name]
            shown = _quote(names[0]) if len(names) == 1 else "[" + ", ".join(_quote(n) for n in names) + "]"
            lines.append(f"{name} = {shown}  # {FIELDS[name][0]}")
    for name in FIELDS:
        if mapping.values.get(name):
            lines += ["", f"[values.{name}]"]
            lines += [f"{_quote(k)} = {_quote(v)}" for k, v in mapping.values[name].items()]
    if mapping.defaults:
        lines += ["", "[defaults]"]
        lines += [f"{name} = {_quote(v)}" for name, v in mapping.defaults.items()]
    return "\n".join(lines) + "\n"
