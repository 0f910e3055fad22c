"""Redirects say so in Chinese: Werkzeug's redirect body is an English page ("Redirecting..."), shown by a
client that does not follow the Location header. Every HTML redirect gets a short Chinese body instead."""

from __future__ import annotations

from flask import Flask, Response
from markupsafe import escape

BODY = (
    '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>正在跳转</title></head>'
    '<body><h1>正在跳转</h1><p>页面已移至 <a href="{url}">{url}</a>，浏览器未自动跳转时请点此链接。</p></body></html>\n'
)


def chinese_redirect(response: Response) -> Response:
    location = response.headers.get("Location")
    if 300 <= response.status_code < 400 and location and response.mimetype == "text/html":
        response.set_data(BODY.format(url=escape(location)))
    return response


def install(app: Flask) -> None:
    app.after_request(chinese_redirect)
