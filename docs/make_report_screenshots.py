"""Generate the quarterly report and the self-evaluation from a realistic data set and render their first pages.

    python docs/make_report_screenshots.py

Builds a temporary SQLite instance with the 2025 reference data and bench/report_dataset.py's records
(two quarters, 150 requests each), submits 2025 Q2 (its document frozen as submitted), writes the .docx
files, converts them to PDF with LibreOffice
(``soffice --headless``) and the first pages to PNG with ``pdftoppm``, into docs/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "bench"))
sys.path.insert(0, str(HERE.parent))

from flask import Flask  # noqa: E402
from report_dataset import build  # noqa: E402

from slatrack import create_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Docs@Passw0rd"

AS_OF = datetime(2025, 7, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def _page_screenshot(app: Flask) -> None:
    """The quarter's page (status, texts, preview) in Chromium, served from this instance on a free port."""
    from werkzeug.serving import make_server

    from slatrack.operations.accounts.users import create_user

    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: no page screenshot")
        return
    create_user("docs-admin", "admin", PASSWORD)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 1500}, locale="zh-CN")
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "docs-admin")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{base}/reports/quarterly/2025Q2")
            page.screenshot(path=str(HERE / "report-page-quarter.png"))
            page.goto(f"{base}/reports?year=2025")
            page.screenshot(path=str(HERE / "report-page-list.png"))
            browser.close()
    finally:
        server.shutdown()


def main() -> int:
    for old in HERE.glob("report-quarterly-*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["SLATRACK_INSTANCE_PATH"] = folder
        app = create_app({"SECRET_KEY": "docs-secret-key-0123456789"})
        with app.app_context():
            from flask_migrate import upgrade

            from slatrack.operations.figures.documents import quarterly_file, self_evaluation_file
            from slatrack.operations.reference.loading import load_reference

            upgrade()
            load_reference()
            build(tickets_per_quarter=150, targets=6, seed=7, quarters=(1, 2))
            from slatrack.operations.figures.report_texts import save_quarterly_texts, save_self_evaluation_texts
            from slatrack.reports.data import ProjectTexts

            save_quarterly_texts(
                "2025Q2",
                "五月备份核验失败一次，已于次日重新备份并核验通过；个别单位上传附件超过大小限制。",
                "七月配合完成等保测评；八月前完成考核模块功能优化；每月按时完成安全检查与备份核验。",
            )
            save_self_evaluation_texts(2025, {
                "YW-2025": ProjectTexts("上半年系统运行稳定，补丁与功能优化按计划实施，咨询服务及时响应。", ""),
                "DK-2025": ProjectTexts("上半年督查调研、跟踪调度按计划开展。", ""),
            })  # fmt: skip
            from sqlalchemy import select

            from slatrack.extensions import db
            from slatrack.models import Contract
            from slatrack.operations.figures.submission import submit

            for contract in db.session.scalars(select(Contract)):
                contract.vendor = "黔南州某信息技术有限公司（示例）"  # the data set's 乙方
            db.session.commit()
            submit("2025Q2", None, now=AS_OF)  # the document as submitted: frozen, ready to sign
            files = {
                "report-quarterly": quarterly_file("2025Q2", "docx", AS_OF, via="docs"),
                "report-self-evaluation": self_evaluation_file("2025", "docx", AS_OF, via="docs"),
            }
            for stem, report in files.items():
                path = Path(folder) / f"{stem}.docx"
                path.write_bytes(report.content)
                subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", folder, str(path)],
                               check=True, capture_output=True, timeout=300)  # fmt: skip
                # The self-evaluation: one page per project (the official table, 2 projects in 2025); the
                # quarterly report: every page, from the cover to the sign-off.
                pages = {"report-quarterly": 99, "report-self-evaluation": 2}[stem]
                subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", str(pages),
                                str(Path(folder) / f"{stem}.pdf"), str(HERE / stem)], check=True)  # fmt: skip
            _page_screenshot(app)
            for png in sorted(HERE.glob("report-*.png")):
                print(png.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
