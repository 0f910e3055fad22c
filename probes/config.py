"""The agent's TOML configuration: one ``[[targets]]`` table per target."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from probes.spec import SpecError, TargetSpec


class ConfigError(ValueError):
    """The configuration file cannot be used; the message says where and why."""


def load_config(path: str | Path) -> list[TargetSpec]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {path}：{exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 不是有效的 TOML：{exc}") from exc
    return parse_config(data)


def parse_config(data: dict[str, Any]) -> list[TargetSpec]:
    unknown = sorted(set(data) - {"targets"})
    if unknown:
        raise ConfigError(f"配置文件中有未知的项：{', '.join(unknown)}（只支持 [[targets]]）")
    tables = data.get("targets")
    if not isinstance(tables, list) or not tables:
        raise ConfigError("配置文件中没有监测对象：请至少写一个 [[targets]] 表")
    specs: list[TargetSpec] = []
    seen: set[str] = set()
    for index, table in enumerate(tables, start=1):
        where = f"第 {index} 个 [[targets]]"
        if isinstance(table, dict) and isinstance(table.get("name"), str):
            where += f"（{table['name']}）"
        try:
            spec = TargetSpec.from_mapping(table)
        except SpecError as exc:
            raise ConfigError(f"{where} {exc}") from exc
        if spec.kind == "push":
            raise ConfigError(
                f"{where} 字段 kind：push 类型由服务器接收被监测方推送的心跳，探针代理不检查它，请从配置中删除"
            )
        if spec.name in seen:
            raise ConfigError(f"{where} 字段 name：名称 {spec.name} 重复")
        seen.add(spec.name)
        specs.append(spec)
    return specs
