"""``inclusion-practice web``: the reception app in a browser, for desks without a terminal.

Each browser tab that connects gets its own app process (``inclusion-practice tui`` under
Textual's web driver), so every session signs in on its own, holds only its own user's screens,
locks itself after the same idle time as a terminal and ends when the tab closes. The server
itself holds no patient data; it only relays each session's screen.

It binds to the loopback address unless ``--public`` is given: patient data must travel over
TLS, so a practice puts its own TLS proxy (nginx, caddy) in front and passes ``--public-url``.
"""

from __future__ import annotations

import ipaddress
import shlex
import sys
from pathlib import Path
from urllib.parse import urlsplit

import typer

from inclusion_practice.errors import InclusionPracticeError, InvalidInput

LOCK_SECONDS_ENV = "INCLUSION_PRACTICE_LOCK_SECONDS"
"""The terminal app's idle-lock override (``tui.app`` reads it); set for every session."""

SECRET_ENVS = ("INCLUSION_PRACTICE_TOKEN", "INCLUSION_PRACTICE_PASSWORD")
"""Credentials the server may have been started with (the CLI's ``TOKEN_ENV`` and
``PASSWORD_ENV``): never handed to a browser session."""


def register(app: typer.Typer) -> None:
    app.command("web")(web_cmd)


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine (``localhost``, 127.0.0.0/8, ``::1``); a
    host name other than ``localhost`` may resolve to anything, so it is not."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_unspecified(host: str) -> bool:
    """``0.0.0.0`` or ``::``: every address, so no address a browser could be sent to."""
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_unspecified
    except ValueError:
        return False


def check_public_url(url: str) -> str:
    """``--public-url`` as textual-serve wants it: scheme and host, no trailing slash."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput("--public-url", f"{url!r} is not an http:// or https:// address")
    if parts.query or parts.fragment:
        raise InvalidInput("--public-url", "give the address only, without ?query or #fragment")
    return url.strip().rstrip("/")


def session_environment(url: str, config_path: Path | None,
                        lock_seconds: float | None) -> dict[str, str]:
    """What every session's process is told: the same database, config and idle lock."""
    env = {"INCLUSION_PRACTICE_DB": url}
    if config_path is not None:
        env["INCLUSION_PRACTICE_CONFIG"] = str(config_path.resolve())
    if lock_seconds is not None:
        env[LOCK_SECONDS_ENV] = f"{lock_seconds:g}"
    return env


def session_command() -> str:
    """The command textual-serve runs for each browser session: this Python's ``tui``."""
    return shlex.join([sys.executable, "-m", "inclusion_practice", "tui"])


def web_cmd(
    ctx: typer.Context,
    host: str = typer.Option(
        "127.0.0.1", "--host",
        help="Address to listen on. Loopback only unless --public (put a TLS proxy in front).",
    ),
    port: int = typer.Option(8080, "--port", min=1, max=65535, help="Port to listen on."),
    public: bool = typer.Option(
        False, "--public",
        help="Allow listening on a non-loopback address (patient data: use TLS, see README).",
    ),
    public_url: str | None = typer.Option(
        None, "--public-url",
        help="Address browsers use, e.g. https://reception.practice.example behind a TLS proxy.",
    ),
    lock_seconds: float | None = typer.Option(
        None, "--lock-seconds", min=5, max=3600,
        help=f"Idle time before a session locks (default ${LOCK_SECONDS_ENV} or 5 minutes).",
    ),
    max_sessions: int = typer.Option(
        20, "--max-sessions", min=1, max=500,
        help="Most browser sessions open at once (each is an app process).",
    ),
) -> None:
    """Serve the reception app to browsers: each tab signs in separately, same roles and lock."""
    from importlib.metadata import entry_points

    from inclusion_practice.api import InclusionPractice
    from inclusion_practice.cli.app import state

    if not host.strip():
        raise InvalidInput("--host", "give an address to listen on, e.g. 127.0.0.1")
    if not is_loopback(host) and not public:
        raise InvalidInput(
            "--host",
            f"{host} is not a loopback address: browsers would reach patient data without TLS. "
            "Listen on 127.0.0.1 behind the practice's TLS proxy (see README, 'Reception in a "
            "browser'), or pass --public if a proxy on another machine must reach it",
        )
    checked_url = check_public_url(public_url) if public_url is not None else None
    if checked_url is None and is_unspecified(host):
        raise InvalidInput("--public-url", f"listening on {host}, say the address browsers use "
                           "(e.g. https://reception.practice.example, the TLS proxy's)")
    if public and not (checked_url or "").startswith("https://"):
        typer.echo("warning: --public without an https:// --public-url: browsers will send "
                   "passwords and patient data unencrypted unless a TLS proxy is in front",
                   err=True)
    if not entry_points(group="inclusion_practice.ui", name="tui"):
        raise InclusionPracticeError("the terminal app (tui) is not installed")

    st = state(ctx)
    cfg = st.config()
    url = st.database_url()
    # Open once here so a wrong URL or an old schema is said now, not in every browser tab.
    InclusionPractice.open(url, config=cfg).close()

    from inclusion_practice.cli.web_server import PracticeWebServer

    shown_host = f"[{host}]" if ":" in host else host
    server = PracticeWebServer(
        session_command(),
        host=host,
        port=port,
        title=cfg.practice.name,
        public_url=checked_url or f"http://{shown_host}:{port}",
        session_env=session_environment(url, st.config_path, lock_seconds),
        drop_env=SECRET_ENVS,
        max_sessions=max_sessions,
    )
    server.serve()
