"""Entry point the CLI loads to open the app (``inclusion_practice.ui`` group)."""

from __future__ import annotations

from inclusion_practice.api import InclusionPractice
from tui.app import make_app


def launch(ip: InclusionPractice) -> None:
    make_app(ip).run()
