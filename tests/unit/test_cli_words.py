"""The command line speaks Chinese: every slatrack command's help, options and click's own words."""

from __future__ import annotations

import re

import click
from click.testing import CliRunner

from slatrack.cli import build_group

CJK = re.compile(r"[\u4e00-\u9fff]")
# Groups that Flask extensions add (Flask-Migrate, flask-smorest): their subcommands are the libraries'.
EXTENSION_GROUPS = {"db", "openapi"}


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in group.commands.items():
        if name in EXTENSION_GROUPS:
            continue
        found.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*prefix, name)))
    return found


def test_every_command_and_option_is_explained_in_chinese() -> None:
    commands = _commands(build_group())
    assert len(commands) > 15
    for path, command in commands:
        assert command.help and CJK.search(command.help), f"{' '.join(path)} has no Chinese help"
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                assert CJK.search(param.help), f"{' '.join(path)} {param.opts[0]}: {param.help}"


def test_help_and_errors_use_chinese_words_and_no_flask_options() -> None:
    runner = CliRunner()
    top = runner.invoke(build_group(), ["--help"], prog_name="slatrack")
    assert top.exit_code == 0
    assert "用法：" in top.output and "显示本帮助并退出" in top.output
    for english in ("Usage:", "Show this message", "--env-file", "--app", "--debug", "Flask application"):
        assert english not in top.output
    wrong = runner.invoke(build_group(), ["no-such-command"], prog_name="slatrack")
    assert wrong.exit_code == 2
    assert "没有命令 'no-such-command'" in wrong.output and "Error" not in wrong.output
    missing = runner.invoke(build_group(), ["years", "copy", "2027"], prog_name="slatrack")
    assert missing.exit_code == 2 and "缺少选项" in missing.output
    bad = runner.invoke(build_group(), ["indicators", "--year", "abc"], prog_name="slatrack")
    assert bad.exit_code == 2 and "取值无效" in bad.output and "不是有效的数值" in bad.output
