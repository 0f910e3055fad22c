"""Imports cannot exhaust the server (issue 17, finding 7): the file's size, its header's columns and its
rows are checked while it is read, and a file past a limit is refused with a Chinese message naming it;
nothing is written."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook

from slatrack.operations import OperationError, spreadsheets
from slatrack.operations.records.survey_import import MAX_ROWS, import_responses
from slatrack.operations.tickets.importing import import_tickets
from tests.integration.test_records_survey import CLEAN, HEADER, count, csv_bytes


def _xlsx(rows: list[list[object]], stray: tuple[int, str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    if stray is not None:
        row_number, text = stray
        sheet.cell(row=row_number, column=16384, value=text)  # column XFD, the last one Excel has
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_stray_cell_in_column_xfd_is_not_read(app: Flask) -> None:
    data = _xlsx([HEADER, *CLEAN], stray=(3, "x"))
    result = import_responses(io.BytesIO(data), "survey.xlsx")
    assert result.created == 3
    rows = list(spreadsheets.read_rows(io.BytesIO(data), "survey.xlsx", HEADER, max_rows=10))
    assert all(len(values) <= len(HEADER) for _, values in rows)


def test_a_header_wider_than_the_limit_is_refused(app: Flask) -> None:
    data = _xlsx([HEADER, *CLEAN], stray=(1, "多余的列"))
    with pytest.raises(OperationError, match="表头最多 64 列，这个文件的第 1 行有 16384 列"):
        import_responses(io.BytesIO(data), "survey.xlsx")
    with pytest.raises(OperationError, match="表头最多 64 列"):
        import_tickets(io.BytesIO(data), "tickets.xlsx")
    assert count() == 0


def test_rows_past_the_limit_are_refused_while_reading(app: Flask) -> None:
    rows = [["都匀市", "2025", "5", "", f"2025-12-10 09:{i % 60:02d}"] for i in range(MAX_ROWS + 1)]
    with pytest.raises(OperationError, match=f"一次最多导入 {MAX_ROWS} 行"):
        import_responses(io.BytesIO(csv_bytes(rows)), "survey.csv")
    assert count() == 0

    # The reader stops at the first row past the limit: what follows is never read.
    def endless() -> bytes:
        return (",".join(HEADER) + "\n" + "都匀市,2025,5,,2025-12-10 09:00\n" * 50).encode()

    read = spreadsheets.read_rows(io.BytesIO(endless()), "survey.csv", HEADER, max_rows=20)
    taken = []
    with pytest.raises(OperationError, match="一次最多导入 20 行"):
        for row in read:
            taken.append(row)
    assert len(taken) == 20


def test_a_sheet_of_blank_rows_is_refused(app: Flask) -> None:
    blank = (",".join(HEADER) + "\n" + ",,,,\n" * (10 + spreadsheets.BLANK_ROWS_ALLOWED + 1)).encode()
    with pytest.raises(OperationError, match="一次最多导入 10 行"):
        list(spreadsheets.read_rows(io.BytesIO(blank), "survey.csv", HEADER, max_rows=10))


def test_a_file_over_the_size_limit_is_refused(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "MAX_FILE_BYTES", 1024 * 1024)
    data = csv_bytes(CLEAN) + b"," * (1024 * 1024)
    with pytest.raises(OperationError, match="文件过大：最多 1 MB"):
        import_responses(io.BytesIO(data), "survey.csv")
    assert count() == 0


def test_the_upload_page_names_the_limit(client: FlaskClient, make_user: object, app: Flask) -> None:
    from tests.integration.conftest import PASSWORD

    make_user("boss", "admin")  # type: ignore[operator]
    client.post("/login", data={"username": "boss", "password": PASSWORD})
    data = _xlsx([HEADER, *CLEAN], stray=(1, "多余的列"))
    response = client.post(
        "/tickets/import",
        data={"file": (io.BytesIO(data), "tickets.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "表头最多 64 列" in response.get_data(as_text=True)
