from datetime import date
from decimal import Decimal

import pytest

from slatrack.measure.budget import BudgetLine, Payment, budget_figures, service_months

LINES = [
    BudgetLine("OM-2023", "2023年度采购运维服务尾款", Decimal("218000")),
    BudgetLine("OM-2025", "2025年度运维服务采购", Decimal("452000")),
]


def pay(line: str, amount: str, day: date) -> Payment:
    return Payment(line, Decimal(amount), day)


def test_execution_per_line_and_in_total() -> None:
    payments = [pay("OM-2023", "218000", date(2025, 5, 10)), pay("OM-2025", "226000", date(2025, 7, 1))]
    figures = budget_figures(LINES, payments)
    # 218,000 / 218,000 = 100 %; 226,000 / 452,000 = 50 %; 444,000 / 670,000 = 66.2687 -> 66.27 %.
    assert [line.execution_rate for line in figures.lines] == [100.0, 50.0]
    assert figures.execution_rate == 66.27
    assert figures.budget_total == Decimal("670000")
    assert figures.spending_total == figures.paid_total == Decimal("444000")
    assert figures.cost_control_rate == 100.0
    # As of 2025-06-30 only the tail payment is made: 218,000 / 670,000 = 32.537 -> 32.54 %.
    assert budget_figures(LINES, payments, as_of=date(2025, 6, 30)).execution_rate == 32.54


def test_overspent_line_and_total() -> None:
    payments = [pay("OM-2023", "218000", date(2025, 5, 10)), pay("OM-2025", "500000", date(2025, 12, 1))]
    figures = budget_figures(LINES, payments)
    # OM-2025: 452,000 / 500,000 = 90.40 %; total 670,000 / 718,000 = 93.31 %; the worst is 90.40.
    assert [line.overspent for line in figures.lines] == [False, True]
    assert figures.lines[1].execution_rate == 110.62  # 500,000 / 452,000 = 110.619...
    assert figures.cost_control_rate == 90.4


def test_one_line_overspent_while_the_total_is_not() -> None:
    payments = [pay("OM-2023", "230000", date(2025, 5, 10)), pay("OM-2025", "100000", date(2025, 9, 1))]
    figures = budget_figures(LINES, payments)
    # Total 330,000 < 670,000, but OM-2023 is 12,000 over: 218,000 / 230,000 = 94.7826 -> 94.78 %.
    assert figures.cost_control_rate == 94.78


def test_bad_payments_and_empty_budgets() -> None:
    with pytest.raises(ValueError, match="预算科目不存在：OM-2099"):
        budget_figures(LINES, [pay("OM-2099", "1", date(2025, 1, 1))])
    figures = budget_figures([BudgetLine("X", "空科目", Decimal(0))], [])
    assert figures.lines[0].execution_rate is None
    assert figures.execution_rate is None
    assert figures.cost_control_rate == 100.0


def test_service_months_of_2025_without_a_gap() -> None:
    spans = [(date(2024, 8, 26), date(2025, 4, 13)), (date(2025, 4, 14), date(2025, 12, 31))]
    months = service_months(2025, spans)
    assert months.months == 12
    assert months.gaps == ()
    assert months.uncovered == ()


def test_service_months_with_a_gap_between_contracts() -> None:
    # OM-2025 starting 2025-05-06 leaves 04-14 .. 05-05 uncovered: April and May do not count.
    spans = [(date(2024, 8, 26), date(2025, 4, 13)), (date(2025, 5, 6), date(2025, 12, 31))]
    months = service_months(2025, spans)
    assert months.months == 10
    assert months.gaps == ((date(2025, 4, 14), date(2025, 5, 5)),)
    assert months.uncovered == ("2025-04", "2025-05")


def test_service_months_with_gaps_at_both_ends_and_overlaps() -> None:
    # Contracts 02-10..06-30 and 06-01..11-15 overlap in June; January 1..02-09 and 11-16..12-31 are gaps.
    spans = [(date(2025, 6, 1), date(2025, 11, 15)), (date(2025, 2, 10), date(2025, 6, 30))]
    months = service_months(2025, spans)
    # Covered in full: March .. October = 8 months.
    assert months.months == 8
    assert months.gaps == ((date(2025, 1, 1), date(2025, 2, 9)), (date(2025, 11, 16), date(2025, 12, 31)))
    assert service_months(2025, []).months == 0
    with pytest.raises(ValueError, match="早于开始日期"):
        service_months(2025, [(date(2025, 5, 1), date(2025, 4, 1))])
