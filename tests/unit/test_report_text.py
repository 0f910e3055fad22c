"""The documents' text rules: full-width punctuation in Chinese text, section numerals, the frozen form."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from slatrack.reports import frozen
from slatrack.reports.document import (
    Chart,
    Column,
    Document,
    Label,
    Section,
    Table,
    chinese_punctuation,
)
from slatrack.reports.quarterly_resources import chinese_numeral


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("运维服务(2023年度采购)", "运维服务（2023年度采购）"),
        ("各县(市)及州直有关单位对运维服务的满意度", "各县（市）及州直有关单位对运维服务的满意度"),
        ("规范了督考工作流程,提高了工作效率", "规范了督考工作流程，提高了工作效率"),
        ("按照州委州政府安排, 或协同相关部门", "按照州委州政府安排，或协同相关部门"),
        ("合同(OM-2023)的尾款", "合同（OM-2023）的尾款"),
        ("OM-2025 (x)", "OM-2025 (x)"),
        ("2025年7月7日 09:30", "2025年7月7日 09:30"),
        ("≥90%", "≥90%"),
        ("=1套", "=1套"),
    ],
)
def test_full_width_punctuation_only_in_chinese_text(text: str, shown: str) -> None:
    assert chinese_punctuation(text) == shown


def test_section_numerals() -> None:
    numerals = [chinese_numeral(n) for n in (1, 4, 10, 11, 14, 20, 23)]
    assert numerals == ["一", "四", "十", "十一", "十四", "二十", "二十三"]


def test_a_document_survives_its_json_form() -> None:
    moment = datetime(2025, 7, 7, 1, 30, tzinfo=UTC)
    table = Table(
        "表",
        [Column("名称"), Column("金额", "money"), Column("日期", "date"), Column("时间", "datetime")],
        [[Label("=1套"), Decimal("131040.00"), date(2025, 7, 7), moment], ["文字", 1.5, None, None]],
        empty_text="无",
        note="注",
        row_kinds=None,
    )
    document = Document(
        "标题",
        "副标题",
        [("数据截至", "2025年7月7日 09:30")],
        [Section("概述", [table, Chart("图", b"\x89PNG...")], page_break=True)],
        sheets=[table],
        contents=True,
    )
    back = frozen.from_json(frozen.to_json(document))
    assert back == document
    cell = back.sections[0].blocks[0].rows[0][0]  # type: ignore[union-attr]
    assert isinstance(cell, Label) and cell == "=1套"
    assert frozen.from_json(frozen.to_json(document), charts=False, records=False).sheets == []
