"""The hazard log names a real test for every control (and so does the security page).

A renamed or deleted test would silently leave a hazard unproven; this fails instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`")


def _references(doc: str) -> list[tuple[str, str | None]]:
    return REFERENCE.findall((ROOT / "docs" / doc).read_text(encoding="utf-8"))


@pytest.mark.parametrize("doc", ["safety.md", "security.md"])
def test_every_test_the_docs_name_exists(doc: str) -> None:
    missing = []
    for path, name in _references(doc):
        source = ROOT / path
        if not source.exists():
            missing.append(path)
        elif name and not re.search(rf"^(async )?def {name}\(", source.read_text("utf-8"), re.M):
            missing.append(f"{path}::{name}")
    assert missing == []
    assert _references(doc)


def test_every_hazard_has_controls_and_at_least_one_test() -> None:
    log = (ROOT / "docs" / "safety.md").read_text(encoding="utf-8")
    hazards = re.split(r"^### ", log, flags=re.M)[1:]
    assert len(hazards) >= 20
    for hazard in hazards:
        title = hazard.splitlines()[0]
        assert "**Controls:**" in hazard, title
        verified = hazard.split("**Verified by:**")[1] if "**Verified by:**" in hazard else ""
        assert REFERENCE.search(verified), f"{title}: no test proves its controls"
    summary = {m for m in re.findall(r"^\| (H\d\d) \|", log, flags=re.M)}
    assert summary == {h.split(" ")[0] for h in hazards}
