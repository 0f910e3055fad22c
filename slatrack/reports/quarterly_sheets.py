"""The quarterly workbook's record sheets: tickets, outages, inspections and payments of the quarter."""

from __future__ import annotations

from slatrack.measure.sla import ScopeFigures
from slatrack.measure.tickets import CATEGORIES
from slatrack.models.enums import EXCLUSION_CATEGORIES, INSPECTION_KINDS, TICKET_STATUSES
from slatrack.reports.data import QuarterData
from slatrack.reports.document import Column, Table, Value
from slatrack.reports.quarterly_format import RESULT_LABELS, SOURCE_LABELS


class RecordSheets:
    """The record sheets, mixed into the QuarterlyBuilder (the workbook only)."""

    data: QuarterData
    total: ScopeFigures
    tz: str
    units: dict[str, str]

    # ------------------------------------------------------------ record sheets

    def ticket_sheet(self) -> Table:
        outcomes = {o.record.key: o for o in self.total.ticket_outcomes}
        rows: list[list[Value]] = []
        for row in self.data.tickets:
            tid, number, unit, requester, channel, mode, category, priority, title, reported, status, contract = (
                row.id, row.number, row.unit, row.requester, row.channel, row.mode, row.category, row.priority,
                row.title, row.reported_at, row.status, row.contract,
            )  # fmt: skip
            outcome = outcomes.get(str(tid))
            if outcome is None:  # reported after as_of: listed, not measured
                response = resolution = "未计入"
            elif outcome.cancelled:
                response = resolution = "取消"
            else:
                response = RESULT_LABELS[outcome.sla.response_status]
                resolution = RESULT_LABELS[outcome.sla.resolution_status]
            rows.append(
                [
                    number,
                    unit,
                    requester,
                    channel,
                    mode,
                    CATEGORIES.get(category, category),
                    priority,
                    title,
                    reported,
                    None if outcome is None else outcome.timeline.first_response_at,
                    None if outcome is None else outcome.timeline.resolved_at,
                    TICKET_STATUSES.get(status, status),
                    None if outcome is None else outcome.sla.response_deadline,
                    response,
                    None if outcome is None else outcome.sla.resolution_deadline,
                    resolution,
                    contract or "",
                ]
            )
        columns = [
            Column("工单号", width=16),
            Column("单位", width=14),
            Column("报告人", width=10),
            Column("渠道", width=7),
            Column("方式", width=7),
            Column("类别", width=12),
            Column("优先级", width=7),
            Column("标题", width=32),
            Column("报告时间", "datetime", width=17),
            Column("首次响应", "datetime", width=17),
            Column("解决时间", "datetime", width=17),
            Column("状态", width=8),
            Column("响应时限", "datetime", width=17),
            Column("响应情况", width=9),
            Column("解决时限", "datetime", width=17),
            Column("解决情况", width=9),
            Column("合同", width=10),
        ]
        return Table("工单明细", columns, rows, empty_text="本季度无服务请求。")

    def outage_sheet(self) -> Table:
        rows: list[list[Value]] = [
            [
                outage.id,
                outage.target,
                SOURCE_LABELS.get(outage.source, outage.source),
                outage.start,
                outage.end,
                None if outage.end is None else (outage.end - outage.start).total_seconds() / 60,
                outage.cause,
                outage.handling,
                "、".join(outage.tickets),
                "；".join(f"{EXCLUSION_CATEGORIES.get(kind, kind)}：{reason}" for kind, reason in outage.exclusions),
            ]
            for outage in self.data.outages
        ]
        columns = [
            Column("编号", "int", width=7),
            Column("监测对象", width=18),
            Column("来源", width=10),
            Column("开始时间", "datetime", width=17),
            Column("结束时间", "datetime", width=17),
            Column("时长（分钟）", "number", width=12),
            Column("原因", width=30),
            Column("处理情况", width=30),
            Column("关联工单", width=20),
            Column("扣除", width=30),
        ]
        return Table("停机记录明细", columns, rows, empty_text="本季度无停机记录。")

    def inspection_sheet(self) -> Table:
        ordered = sorted(self.data.inspections, key=lambda i: (i.month, i.kind, i.performed_at))
        rows: list[list[Value]] = [
            [i.month, INSPECTION_KINDS.get(i.kind, i.kind), i.performed_at, i.performed_by,
             "通过" if i.passed else "未通过", i.findings, "自动" if i.origin == "auto" else "人工"]
            for i in ordered
        ]  # fmt: skip
        columns = [
            Column("月份", width=9),
            Column("检查类型", width=10),
            Column("检查时间", "datetime", width=17),
            Column("检查人", width=10),
            Column("结果", width=8),
            Column("检查发现", width=40),
            Column("登记方式", width=9),
        ]
        return Table("例行检查明细", columns, rows, empty_text="本季度无例行检查记录。")

    def payment_sheet(self) -> Table:
        rows: list[list[Value]] = [
            [p.paid_on, p.project, p.line, p.amount, p.voucher, p.note] for p in self.data.payments
        ]
        columns = [
            Column("支付日期", "date", width=12),
            Column("项目", width=30),
            Column("预算科目", width=28),
            Column("金额（元）", "money", width=16),
            Column("凭证号", width=14),
            Column("备注", width=36),
        ]
        return Table("支付记录", columns, rows, empty_text="截至本季度末无支付记录。")
