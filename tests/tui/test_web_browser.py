"""The reception app in a real browser: ``inclusion-practice web`` driven by headless Chromium.

The server runs as a subprocess on a free loopback port over a copy of the app tests' practice.
Chromium (Debian's ``chromium`` package, driven through Playwright without a browser download)
opens the page, signs in, finds a patient and takes a screenshot; a second browser session is
shown the sign-in screen, not the first user's; the first locks itself after the idle time.
What the app draws is read from the websocket frames (xterm paints on a canvas), and the
sign-in record says the session came through the web from the browser's address.

Skipped, with the reason, when no Chromium or no Playwright is installed (``.ci/run`` installs
Chromium when it is missing). Set ``INCLUSION_PRACTICE_WEB_SCREENSHOT`` to a path to keep a copy
of the screenshot (CI attaches it to its report).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.config import PracticeConfig
from inclusion_practice.services.access import SYSTEM
from tests.tui.conftest import PASSWORD, USERS

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

SCREENSHOT_ENV = "INCLUSION_PRACTICE_WEB_SCREENSHOT"
LOCK_SECONDS = 5
_ESCAPES = re.compile(r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium",
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Screen:
    """What one browser session's app has drawn, from the websocket frames it received."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.frames: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload: str | bytes) -> None:
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
        self.frames.append(text)

    def text(self, since: int = 0) -> str:
        return _ESCAPES.sub("", "".join(self.frames[since:]))

    def wait_for(self, words: str, *, since: int = 0, timeout: float = 30.0) -> None:
        """Wait until the app has drawn ``words`` (after frame ``since``)."""
        deadline = time.monotonic() + timeout
        while words not in self.text(since):
            if time.monotonic() > deadline:
                raise AssertionError(f"the app never showed {words!r}; last drawn: "
                                     f"{self.text(since)[-600:]!r}")
            self.page.wait_for_timeout(100)

    def type(self, text: str, *, enter: bool = True) -> None:
        self.page.keyboard.type(text, delay=15)
        if enter:
            self.page.keyboard.press("Enter")
            self.page.wait_for_timeout(400)  # the app moves focus before the next keys


@pytest.fixture
def web_server(tui_template: Path, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``inclusion-practice web`` on a free port over the test practice; (address, db url)."""
    shutil.copy(tui_template, tmp_path / "practice.db")
    url = f"sqlite:///{tmp_path / 'practice.db'}"
    port = _free_port()
    env = {**os.environ, "INCLUSION_PRACTICE_LOG": str(tmp_path / "web.log")}
    for name in ("INCLUSION_PRACTICE_DB", "INCLUSION_PRACTICE_CONFIG", "INCLUSION_PRACTICE_TOKEN",
                 "INCLUSION_PRACTICE_PASSWORD"):
        env.pop(name, None)
    log = (tmp_path / "server.out").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "inclusion_practice", "--db", url, "web", "--port", str(port),
         "--lock-seconds", str(LOCK_SECONDS)],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise AssertionError("the web server did not start: "
                                         + (tmp_path / "server.out").read_text()[-2000:]) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/", url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_reception_signs_in_finds_a_patient_and_locks_in_a_browser(
    web_server: tuple[str, str], tmp_path: Path, config: PracticeConfig,
) -> None:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("NO BROWSER: Chromium is not installed (apt-get install chromium), so the "
                    "web reception app was not tested in a browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("NO BROWSER DRIVER: playwright is not installed (pip install -e '.[test]')")
    address, db_url = web_server
    started = time.monotonic()
    shot = tmp_path / "reception-in-browser.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            first = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            desk = Screen(first)
            first.goto(address)
            desk.wait_for("Sign in to continue")
            first.locator(".xterm-helper-textarea").focus()
            desk.type(USERS["receptionist"])
            mark = len(desk.frames)
            desk.type(PASSWORD)
            desk.wait_for("receptionist", since=mark)  # who is signed in, on the top line
            mark = len(desk.frames)
            desk.type("Oduya", enter=False)
            desk.wait_for("Margaret", since=mark)  # the result row: the given name was not typed
            first.wait_for_timeout(300)
            first.screenshot(path=str(shot))
            found = time.monotonic() - started
            mark = len(desk.frames)

            # Another desk's browser: its own session, at the sign-in screen.
            other = browser.new_context(viewport={"width": 1000, "height": 700}).new_page()
            second = Screen(other)
            other.goto(address)
            second.wait_for("Sign in to continue")
            assert "Oduya" not in second.text()

            # Left alone, the first session locks itself like a terminal does.
            desk.wait_for("Screen locked", since=mark, timeout=LOCK_SECONDS + 25)
        finally:
            browser.close()
    elapsed = time.monotonic() - started
    assert shot.stat().st_size > 10_000
    if os.environ.get(SCREENSHOT_ENV):
        Path(os.environ[SCREENSHOT_ENV]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, os.environ[SCREENSHOT_ENV])

    ip = InclusionPractice.open(db_url, config=config)
    try:
        [attempt] = ip.users.sign_ins(SYSTEM, username=USERS["receptionist"])
    finally:
        ip.close()
    assert (attempt.channel, attempt.terminal, attempt.outcome) == (
        "web", "web:127.0.0.1", "success")
    print(f"browser: patient found after {found:.1f} s, all done in {elapsed:.1f} s; "
          f"screenshot {shot}")
