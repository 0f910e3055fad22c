"""Server-rendered pages in Simplified Chinese. Blueprints are thin: parse, call an operation, render."""

from __future__ import annotations

import importlib

from flask import Flask

from slatrack.web import audit_words, filters, form_language, navigation, periods, redirects

# Modules under slatrack/web/ that define a Blueprint named ``bp``, one per line.
PAGE_MODULES = (
    "monitoring",
    "monitoring_admin",
    "pages",
    "tickets",
    "ticket_mapping",
    "records",
    "reports",
    "dashboard",
    "admin",
    "audit_log",
    "jobs_log",
    "notifications",
    "late_entries",
    "ticket_priority",
    "ticket_closure",
    "payment_corrections",
    "alerts",
    "reference_admin",
    "reference_forms",
    "holidays",
)


def register(app: Flask) -> None:
    filters.install(app)
    form_language.install(app)
    redirects.install(app)
    audit_words.install(app)
    navigation.install(app)
    periods.install(app)
    for name in PAGE_MODULES:
        app.register_blueprint(importlib.import_module(f"slatrack.web.{name}").bp)
