"""Every form's built-in messages in Simplified Chinese.

WTForms ships the Chinese texts of its own messages ("不是有效的日期值。" for "Not a valid date value."); the
forms use them instead of the English defaults. Flask-WTF would look them up through Flask-Babel, which
slatrack does not use: its lookup is switched off so that WTForms' own catalogue answers.
"""

from __future__ import annotations

from flask import Flask
from flask_wtf import FlaskForm

LOCALES = ("zh",)


def install(app: Flask) -> None:
    app.config["WTF_I18N_ENABLED"] = False
    FlaskForm.Meta.locales = LOCALES
