"""The layering holds at run time too: the library never loads the terminal UI, and the CLI and
the reception app start without the heavy edges (REST, PDF reports, FHIR models), which load
only when a command needs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["fastapi", "uvicorn", "reportlab", "fhir.resources"]


def _loaded(statement: str, modules: list[str]) -> dict[str, bool]:
    code = (
        "import json, sys\n"
        f"{statement}\n"
        f"print(json.dumps({{m: m in sys.modules for m in {modules!r}}}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result: dict[str, bool] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    "statement",
    ["import inclusion_practice.cli.app", "import tui.app", "import inclusion_practice.api"],
)
def test_start_up_does_not_load_the_heavy_edges(statement: str) -> None:
    assert _loaded(statement, HEAVY) == dict.fromkeys(HEAVY, False)


@pytest.mark.parametrize(
    "statement",
    [
        "import inclusion_practice.api",
        "import inclusion_practice.cli.app",
        "import inclusion_practice.rest",
        "import reports.service",
    ],
)
def test_the_library_and_reports_never_load_textual(statement: str) -> None:
    assert _loaded(statement, ["textual", "tui"]) == {"textual": False, "tui": False}


def test_the_reception_app_satisfies_the_protocol_its_screens_use() -> None:
    from tui.app import InclusionPracticeApp
    from tui.protocol import PracticeApp

    missing = [
        name for name in (*PracticeApp.__annotations__, "may", "sections", "open_booking",
                          "open_register", "signed_in", "unlocked")
        if not hasattr(InclusionPracticeApp, name) and name not in _instance_attributes()
    ]
    assert missing == []


def _instance_attributes() -> set[str]:
    import inspect

    from tui.app import InclusionPracticeApp

    source = inspect.getsource(InclusionPracticeApp.__init__)
    return {line.split("self.", 1)[1].split(":")[0].split("=")[0].strip()
            for line in source.splitlines() if "self." in line and "=" in line}
