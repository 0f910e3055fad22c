"""The reference data against the approval forms, row by row, and the idempotence of `slatrack init`."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import inspect, select

from slatrack.extensions import db
from slatrack.models import AuditRecord, BudgetLine, Contract, Indicator, Project, SlaTerm, Unit
from slatrack.operations.reference.loading import DEFAULT_FILE, load_reference

# Transcribed from ../shared/seeds/approval-forms-2025.md: (level1, level2, name, target text).
FORM_DK = [
    ("产出指标", "数量指标", "按照州委州政府安排, 或协同相关部门开展专项工作督查调研", "≥12次"),
    ("产出指标", "数量指标", "承接上级党委、政府交办我州任务落实情况督查调度", "≥10次"),
    (
        "产出指标",
        "数量指标",
        "筹备迎接国务院高质量发展综合督查及省委省政府专项督查, 调度督查发现问题推进落实情况",
        "≥4次",
    ),
    ("产出指标", "数量指标", "州委常委会、州委专题会议定事项跟踪督查调度", "≥30次"),
    ("产出指标", "数量指标", "州政府常务会、州政府党组会、州长办公会议定事项跟踪督查调度", "≥25次"),
    ("产出指标", "数量指标", "州委常委会工作要点, 州委经济工作会暨州政府工作报告跟踪督查调度", "≥4期"),
    ("产出指标", "数量指标", "党建工作(含驻村帮扶工作)", "≥12人次"),
    ("产出指标", "数量指标", "开展2024年州直单位服务高质量发展绩效考核年终抽查核验", "=1次"),
    ("产出指标", "数量指标", "开展2025年州直单位服务高质量发展绩效考核半年评估抽查核验", "=1次"),
    ("产出指标", "质量指标", "全局工作任务完成情况", "优秀"),
    ("产出指标", "时效指标", "完成时间", "2025年12月底"),
    ("产出指标", "成本指标", "项目或定额成本控制率", "=100%"),
    ("产出指标", "成本指标", "督查考评事务管理支出", "≤33.87万元"),
    (
        "效益指标",
        "社会效益指标",
        "推进党委政府各项重大决策部署或工作要求落地落细落实, 为州领导提供决策参考",
        "持续保障",
    ),
    ("满意度指标", "满意度指标", "上级党委、政府和州委、州政府对本局完成工作任务的满意度", "≥90%"),
]
FORM_YW = [
    ("产出指标", "数量指标", "系统运维数量", "=1套"),
    ("产出指标", "数量指标", "系统功能优化", "及时有效"),
    ("产出指标", "质量指标", "系统运行监控", "≥12次"),
    ("产出指标", "质量指标", "系统咨询服务及相关工作", "≥100次"),
    ("产出指标", "质量指标", "系统运维报告", "≥4次"),
    ("产出指标", "质量指标", "系统故障处理", "及时有效"),
    ("产出指标", "质量指标", "系统故障率", "≤5%"),
    ("产出指标", "质量指标", "服务响应率", "≥98%"),
    ("产出指标", "时效指标", "系统运维服务期限", "=12月"),
    ("产出指标", "成本指标", "项目或定额成本控制率", "=100%"),
    ("产出指标", "成本指标", "系统运维服务资金", "≤67万元"),
    ("效益指标", "社会效益指标", "系统运行使用规范了督考工作流程,提高了工作效率", "不断提升"),
    ("效益指标", "可持续影响指标", "系统正常使用年限", "≥1年"),
    ("满意度指标", "满意度指标", "各县(市)及州直有关单位对运维服务的满意度", "≥90%"),
]
SYMBOLS = {"≥": ">=", "≤": "<=", "=": "="}


def _expected_operator_and_target(text: str) -> tuple[str, float | None]:
    if text[0] in SYMBOLS:
        number = "".join(ch for ch in text[1:] if ch.isdigit() or ch == ".")
        return SYMBOLS[text[0]], float(number)
    return "qualitative", None


def _rows(project_code: str) -> list[Indicator]:
    project = db.session.scalar(select(Project).where(Project.code == project_code))
    assert project is not None
    return list(
        db.session.scalars(select(Indicator).where(Indicator.project_id == project.id).order_by(Indicator.position))
    )


def test_both_forms_row_by_row(app: Flask) -> None:
    for code, form in (("DK-2025", FORM_DK), ("YW-2025", FORM_YW)):
        rows = _rows(code)
        assert len(rows) == len(form)
        for row, (level1, level2, name, target_text) in zip(rows, form, strict=True):
            operator, target = _expected_operator_and_target(target_text)
            assert (row.level1, row.level2, row.name, row.target_text) == (level1, level2, name, target_text)
            assert row.operator == operator
            assert (None if row.target is None else float(row.target)) == target


def test_units_contracts_and_budget(app: Flask) -> None:
    units = {u.code: u.name for u in db.session.scalars(select(Unit))}
    assert len(units) == 13
    assert units["522700"] == "州直部门" and units["522732"] == "三都水族自治县"
    contracts = {c.code: c for c in db.session.scalars(select(Contract))}
    assert str(contracts["OM-2023"].start_date) == "2024-08-26" and str(contracts["OM-2023"].end_date) == "2025-04-13"
    assert str(contracts["OM-2025"].start_date) == "2025-04-14" and str(contracts["OM-2025"].end_date) == "2025-12-31"
    terms = {t.priority: (t.response_minutes, t.resolution_minutes) for t in contracts["OM-2025"].terms}
    assert terms == {"P1": (30, 120), "P2": (30, 240), "P3": (30, 480), "P4": (30, 4320)}
    lines = {b.code: b.amount for b in db.session.scalars(select(BudgetLine))}
    assert lines["YW-2025-TAIL"] == Decimal("218000") and lines["YW-2025-NEW"] == Decimal("452000")
    assert lines["YW-2025-TAIL"] + lines["YW-2025-NEW"] == Decimal("670000")
    projects = {p.code: p.total_amount for p in db.session.scalars(select(Project))}
    assert projects == {"YW-2025": Decimal("670000"), "DK-2025": Decimal("338700")}


def _snapshot() -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for model in (Unit, Project, Contract, SlaTerm, BudgetLine, Indicator):
        columns = [c.key for c in inspect(model).mapper.column_attrs]
        rows = [
            {c: str(getattr(obj, c)) for c in columns}
            for obj in db.session.scalars(select(model).order_by(model.id))  # type: ignore[attr-defined]
        ]
        tables[model.__tablename__] = rows
    return tables


def test_second_load_changes_nothing(app: Flask) -> None:
    before = _snapshot()
    audit_before = db.session.query(AuditRecord).count()
    assert load_reference() == []
    assert _snapshot() == before
    assert db.session.query(AuditRecord).count() == audit_before


def test_edited_file_updates_what_changed_and_says_so(app: Flask, tmp_path: Path) -> None:
    edited = tmp_path / "reference.toml"
    shutil.copy(DEFAULT_FILE, edited)
    text = edited.read_text()
    text = text.replace('target = 98\ntarget_text = "≥98%"', 'target = 99\ntarget_text = "≥99%"')
    text = text.replace(
        "terms = { P1 = [30, 120], P2 = [30, 240], P3 = [30, 480], P4 = [30, 4320] }\n\n[[budget",
        "terms = { P1 = [15, 120], P2 = [30, 240], P3 = [30, 480], P4 = [30, 4320] }\n\n[[budget",
    )
    edited.write_text(text)
    changes = load_reference(edited)
    assert "更新指标 YW-2025-08：target, target_text" in changes
    assert "更新合同 OM-2025 的 P1 服务时限" in changes
    assert len(changes) == 2
    row = db.session.scalar(select(Indicator).where(Indicator.code == "YW-2025-08"))
    assert row is not None and float(row.target) == 99  # type: ignore[arg-type]
    update = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == "indicators").order_by(AuditRecord.id.desc())
    ).first()
    assert update is not None
    assert update.action == "update"
    assert json.loads(json.dumps(update.after))["target_text"] == "≥99%"


def test_the_seed_names_no_placeholder_vendor_and_keeps_an_entered_one(app: Flask) -> None:
    """The approval forms do not name the vendor: the file leaves it empty, and loading it again never blanks
    a vendor entered since (issue 13: the report prints the contract's 乙方, never a placeholder)."""
    contracts = {c.code: c for c in db.session.scalars(select(Contract))}
    assert {c.vendor for c in contracts.values()} == {""}
    contracts["OM-2025"].vendor = "黔南州某信息技术有限公司"
    db.session.commit()
    load_reference()
    assert db.session.scalar(select(Contract.vendor).where(Contract.code == "OM-2025")) == "黔南州某信息技术有限公司"
    assert "系统运维服务单位" not in DEFAULT_FILE.read_text(encoding="utf-8")
