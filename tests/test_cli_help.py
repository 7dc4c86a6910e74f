"""Every option and argument of the command line says what it is for (``--help``)."""

from __future__ import annotations

from typing import Any

import typer

from inclusion_practice.cli.app import app


def _walk(cmd: Any, path: list[str]) -> list[tuple[str, str]]:
    missing = []
    for name, sub in (getattr(cmd, "commands", None) or {}).items():
        missing += _walk(sub, [*path, name])
    for p in cmd.params:
        if p.param_type_name == "option" and not p.hidden and not p.help:
            missing.append((" ".join(path), p.opts[0]))
    return missing


def test_every_option_of_every_command_has_help_text() -> None:
    command = typer.main.get_command(app)
    assert len(getattr(command, "commands", {})) >= 15, "the walk must see the command groups"
    assert _walk(command, ["inclusion-practice"]) == []
