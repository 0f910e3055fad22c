"""Downloadable documents: the quarterly maintenance report (季度运维报告) and the annual self-evaluation
(项目支出绩效自评表).

Each document is built from the plain data of ``data.py`` (read by ``operations/figures/document_data.py``
from the measurement core: the SLA engine and ``evaluate_indicators``) into a plain model
(``document.Document``), then rendered to .docx (``docx_render``) or .xlsx (``xlsx_render``), so both formats
always carry the same figures. Nothing in this package reads the database (an import contract keeps it so).
"""
