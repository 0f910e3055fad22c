"""Downloadable documents: the quarterly maintenance report (季度运维报告) and the annual self-evaluation
(项目支出绩效自评表).

Each document is first gathered into a plain model (``document.Document``) from the measurement core —
``operations.sla.measure_period`` and ``operations.indicators.evaluate_indicators`` — and then rendered to
.docx (``docx_render``) or .xlsx (``xlsx_render``), so both formats always carry the same figures.
"""
