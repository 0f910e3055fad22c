"""Server-rendered pages in Simplified Chinese. Blueprints are thin: parse, call an operation, render."""

from __future__ import annotations

from flask import Flask

from slatrack.web import filters, navigation


def register(app: Flask) -> None:
    from slatrack.web import pages

    filters.install(app)
    navigation.install(app)
    app.register_blueprint(pages.bp)
