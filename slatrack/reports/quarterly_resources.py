"""The quarterly report's section 资源使用情况: each monitored host's CPU, memory and disk use over the quarter
(mean and peak), from its host checks. Without host checks the section says so, with no table."""

from __future__ import annotations

from slatrack.reports.data import QuarterData
from slatrack.reports.document import Column, Section, Table, Value

NUMERALS = "一二三四五六七八九十"


def numbered(sections: list[Section]) -> list[Section]:
    """The body's sections numbered in order (一、概述 …); an appendix (附：…) keeps its heading."""
    number = 0
    for section in sections:
        if section.heading.startswith("附"):
            continue
        number += 1
        section.heading = f"{chinese_numeral(number)}、{section.heading}"
    return sections


def chinese_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 14 → 十四, 20 → 二十 (up to 99)."""
    tens, units = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{NUMERALS[tens - 1]}十")
    return head + (NUMERALS[units - 1] if units else "")


class ResourceSections:
    """Mixed into the QuarterlyBuilder."""

    data: QuarterData

    def resources(self) -> Section:
        section = Section("资源使用情况")
        hosts = self.data.host_use
        if not hosts:
            section.text("本季度未配置主机资源检查，无 CPU、内存和磁盘使用记录。")
            return section
        section.text(
            "各主机的 CPU、内存和磁盘使用率来自主机检查（每次检查采样一次），平均值为本季度全部检查的平均，"
            "峰值为单次检查的最高值。"
        )
        rows: list[list[Value]] = [
            [h.target, h.samples, h.cpu_avg, h.cpu_max, h.memory_avg, h.memory_max, h.disk_avg, h.disk_max]
            for h in hosts
        ]
        columns = [
            Column("主机", width=18),
            Column("检查次数", "int", width=10),
            Column("CPU 平均", "percent", width=10),
            Column("CPU 峰值", "percent", width=10),
            Column("内存平均", "percent", width=10),
            Column("内存峰值", "percent", width=10),
            Column("磁盘平均", "percent", width=10),
            Column("磁盘峰值", "percent", width=10),
        ]
        section.blocks.append(Table("资源使用情况", columns, rows))
        return section
