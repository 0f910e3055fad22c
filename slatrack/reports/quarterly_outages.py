"""The quarterly report's section 四、停机记录: merged downtime, each outage with its cause and handling, and
the outages still lacking them (待补充), which keep the report from being submitted.

Every outage recorded in the quarter is listed, as on the outages page: one that does not count toward the
system's downtime (a non-critical target's, e.g. a backup check's) is marked so in the column 计入."""

from __future__ import annotations

from slatrack.measure.sla import OutageRow as MeasuredOutage
from slatrack.measure.sla import ScopeFigures
from slatrack.reports.data import OutageRow, QuarterData
from slatrack.reports.document import Column, Section, Table, Value
from slatrack.reports.quarterly_format import SOURCE_LABELS

PENDING = "待补充"
NOT_CRITICAL = "不计入（非关键对象）"
NO_SYSTEM_DOWNTIME = "本季度无计入系统停机的时段；本季度的停机见“故障告警明细”。"


class OutageSections:
    """Mixed into the QuarterlyBuilder."""

    data: QuarterData
    total: ScopeFigures
    targets: dict[str, str]

    def stored_outage(self, outage: MeasuredOutage) -> OutageRow | None:
        """The stored outage behind a measured one: its cause and handling as entered now."""
        if not hasattr(self, "_outages_by_id"):
            self._outages_by_id = {str(o.id): o for o in self.data.outages}
        return self._outages_by_id.get(outage.key)

    def cause_of(self, outage: MeasuredOutage) -> tuple[str, str]:
        stored = self.stored_outage(outage)
        if stored is None:
            return outage.cause, ""
        return stored.cause, stored.handling

    def unmeasured_outages(self) -> list[tuple[OutageRow, float]]:
        """The stored outages of the quarter (up to ``as_of``) that no measured row stands for, each with its
        minutes inside the quarter: a non-critical target's (a backup check's) above all. The outages page
        lists them, so the report does too, marked as not counted."""
        measured = {o.key for o in self.total.outages}
        start, end = self.data.period.start, min(self.data.period.end, self.data.as_of)
        found = []
        for stored in self.data.outages:
            if str(stored.id) in measured or stored.start >= end:
                continue
            stop = min(stored.end or end, end)
            found.append((stored, max(0.0, (stop - max(stored.start, start)).total_seconds() / 60)))
        return found

    def outages(self) -> Section:
        section = Section("停机记录")
        rows: list[list[Value]] = []
        for index, row in enumerate(self.total.downtime_rows, start=1):
            involved = [o for o in self.total.outages if o.start < row.end and (o.end is None or o.end > row.start)]
            causes = sorted({cause for o in involved if (cause := self.cause_of(o)[0])})
            rows.append(
                [
                    index,
                    row.start,
                    row.end,
                    row.wait_minutes,
                    row.repair_minutes,
                    row.wait_minutes + row.repair_minutes,
                    "、".join(sorted({self.targets.get(o.target, o.target) for o in involved})) or "—",
                    "；".join(causes) or PENDING,
                ]
            )
        columns = [
            Column("序号", "int", width=6),
            Column("开始时间", "datetime", width=17),
            Column("结束时间", "datetime", width=17),
            Column("停机等待（分钟）", "number", width=14),
            Column("维修时间（分钟）", "number", width=14),
            Column("停机合计（分钟）", "number", width=14),
            Column("监测对象", width=18),
            Column("原因", width=30),
        ]
        detail: list[tuple[MeasuredOutage | OutageRow, str, str, str, float, str]] = []
        for o in self.total.outages:
            cause, handling = self.cause_of(o)
            counted = "已全部扣除" if o.excluded else "计入停机"
            detail.append((o, self.targets.get(o.target, o.target), cause, handling, o.measured_minutes, counted))
        for stored, minutes in self.unmeasured_outages():
            counted = NOT_CRITICAL if not stored.critical else "不计入（监测证据未确认）"
            detail.append((stored, stored.target, stored.cause, stored.handling, minutes, counted))
        detail.sort(key=lambda item: (item[0].start, item[1]))
        detail_rows: list[list[Value]] = []
        pending: list[list[Value]] = []
        for outage, target, cause, handling, minutes, counted in detail:
            detail_rows.append(
                [
                    target,
                    SOURCE_LABELS.get(outage.source, outage.source),
                    outage.start,
                    outage.end,
                    minutes,
                    cause or PENDING,
                    handling or PENDING,
                    counted,
                ]
            )
            if not cause or not handling:
                lacking = "、".join(name for name, text in (("原因", cause), ("处理情况", handling)) if not text)
                pending.append([target, outage.start, lacking])
        section.blocks.append(
            Table(
                "停机记录",
                columns,
                rows,
                # No merged downtime while outages were recorded (none counted): say where they are listed.
                empty_text=NO_SYSTEM_DOWNTIME if detail_rows else "本季度无停机记录。",
                note="同一时段多个对象同时停机时合并为一条；等待时间自停机开始至首次响应，其余为维修时间。",
            )
        )
        detail_columns = [
            Column("监测对象", width=18),
            Column("来源", width=10),
            Column("开始时间", "datetime", width=17),
            Column("结束时间", "datetime", width=17),
            Column("时长（分钟）", "number", width=12),
            Column("原因", width=26),
            Column("处理情况", width=26),
            Column("计入", width=10),
        ]
        note = (
            "非关键监测对象（如数据备份检查）的停机如实列出，不计入停机时间和系统故障率。"
            if any(item[5] == NOT_CRITICAL for item in detail)
            else ""
        )
        section.blocks.append(
            Table("故障告警明细", detail_columns, detail_rows, empty_text="本季度无故障告警。", note=note)
        )
        if pending:
            section.text("以下停机的原因或处理情况待补充，补齐后季度报告方可提交。", "note")
            columns = [Column("监测对象", width=18), Column("开始时间", "datetime", width=17), Column("缺少", width=16)]
            section.blocks.append(Table(PENDING, columns, pending))
        return section
