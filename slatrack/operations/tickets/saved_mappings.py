"""Mappings of vendor logs kept under a name, and the uploaded log kept between the page's steps
(map, preview, import) so the user chooses the file once."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from slatrack.extensions import db
from slatrack.models import ImportMapping, User
from slatrack.operations import OperationError
from slatrack.operations.tickets.mapping import Mapping, parse

UPLOAD_LIFETIME = 24 * 3600  # seconds an uploaded log is kept for the next step
MAX_UPLOAD = 20 * 1024 * 1024


def saved() -> list[ImportMapping]:
    return list(db.session.scalars(select(ImportMapping).order_by(ImportMapping.name)))


def load(mapping_id: int) -> ImportMapping:
    found = db.session.get(ImportMapping, mapping_id)
    if found is None:
        raise OperationError("没有这个已保存的映射", status=404)
    return found


def save(name: str, body: str, user: User | None) -> tuple[ImportMapping, Mapping]:
    """Keep ``body`` (a MAP.toml, checked first) under ``name``; a mapping of the same name is replaced."""
    name = name.strip()
    if not name or len(name) > 64:
        raise OperationError("映射名称不能为空，且不超过 64 个字", fields={"name": "名称有误"})
    mapping = parse(body)
    found = db.session.scalar(select(ImportMapping).where(ImportMapping.name == name))
    if found is None:
        found = ImportMapping(name=name, body=body)
        db.session.add(found)
    found.body = body
    found.updated_by_id = user.id if user is not None else None
    db.session.commit()
    return found, mapping


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_upload(data: bytes, filename: str) -> str:
    """Keep an uploaded log for the next step; returns its token. Uploads older than a day are removed."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise OperationError(
            f"不支持的文件类型：{filename}，只支持 .xlsx 或 .csv 文件", fields={"file": "文件格式应为 .xlsx 或 .csv"}
        )
    if len(data) > MAX_UPLOAD:
        raise OperationError("文件过大（最大 20 MB）", fields={"file": "文件过大"})
    folder = _folder()
    cutoff = time.time() - UPLOAD_LIFETIME
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16) + suffix
    (folder / token).write_bytes(data)
    return token


def upload_path(token: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}\.(xlsx|csv)", token or ""):
        raise OperationError("请先选择要导入的文件", fields={"file": "请选择文件"})
    path = _folder() / token
    if not path.is_file():
        raise OperationError("上传的文件已过期，请重新选择文件", fields={"file": "请重新选择文件"})
    return path
