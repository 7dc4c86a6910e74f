"""The one-line bar at the top: the sections this role may use, and who is signed in."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.protocol import PracticeApp


class NavBar(Static):
    """Shows ``F2 Find  F3 Register …`` with the current section highlighted, and the user."""

    DEFAULT_CSS = """
    NavBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, current: str) -> None:
        super().__init__(id="nav-bar")
        self.current = current

    def on_mount(self) -> None:
        self.update(self._render_bar())

    def _render_bar(self) -> Text:
        app = self.app
        assert isinstance(app, PracticeApp)
        bar = Text(no_wrap=True, overflow="ellipsis")
        for section in app.sections():
            style = "reverse bold" if section.mode == self.current else ""
            bar.append(f" {section.key.upper()} ", style="bold " + style)
            bar.append(f"{section.label} ", style=style)
        if app.actor is not None:
            who = f" {app.actor.username} · {app.actor.role} "
            gap = max(1, self.size.width - bar.cell_len - len(who)) if self.size.width else 2
            bar.append(" " * gap)
            bar.append(who, style="italic")
        return bar

    def on_resize(self) -> None:
        self.update(self._render_bar())
