"""The textual-serve server behind ``inclusion-practice web``, made fit for patient data.

textual-serve starts one process per browser websocket; this subclass adds what a practice
needs around that:

- each session's process is told the browser's address (its sign-ins are channel ``web`` from
  ``web:<address>``), the practice's database and config, and never the server's credentials;
- a websocket opened from another site's page is refused (its ``Origin`` must be the public URL),
  and at most ``max_sessions`` sessions run at once (each is a process);
- the page loads nothing from outside (upstream's page fetches a web font from a font CDN;
  the same font ships with textual-serve and is served locally instead), and says ``no-store``,
  ``DENY`` framing and ``no-referrer``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from inclusion_practice.cli.web import is_loopback
from inclusion_practice.services.users import WEB_CLIENT_ENV

log = logging.getLogger("inclusion_practice.web")

_FONT_CDN_LINK = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>", re.DOTALL)
_LOCAL_FONT = """<style>
      @font-face {
        font-family: "Roboto Mono";
        src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype");
        font-weight: 100 700;
      }
    </style>"""

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def local_page(source: str) -> str:
    """Upstream's page with the font served from here rather than a CDN."""
    return _FONT_CDN_LINK.sub(lambda _m: _LOCAL_FONT, source)


def client_address(peer: str | None, forwarded_for: str | None) -> str:
    """The browser's address: the peer's, or, when the peer is a proxy on this machine, the
    address that proxy put last in ``X-Forwarded-For`` (the one it saw connect)."""
    address = peer or "unknown"
    try:
        local_proxy = ipaddress.ip_address(address).is_loopback
    except ValueError:
        local_proxy = False
    if local_proxy and forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        if last:
            address = last
    return address[:100]


class _SessionService(AppService):
    """One browser session's app process, with the practice's environment."""

    def __init__(
        self,
        command: str,
        *,
        session_env: Mapping[str, str],
        drop_env: Iterable[str],
        write_bytes: Callable[[bytes], Awaitable[None]],
        write_str: Callable[[str], Awaitable[None]],
        close: Callable[[], Awaitable[None]],
        server: Server,
    ) -> None:
        super().__init__(command, write_bytes=write_bytes, write_str=write_str, close=close,
                         download_manager=server.download_manager, debug=server.debug)
        self._session_env = dict(session_env)
        self._drop_env = tuple(drop_env)

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        for name in self._drop_env:
            environment.pop(name, None)
        environment.update(self._session_env)
        return environment


class PracticeWebServer(Server):
    """textual-serve's server with per-session environment, origin check and session cap."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        title: str,
        public_url: str,
        session_env: Mapping[str, str],
        drop_env: Iterable[str] = (),
        max_sessions: int = 20,
    ) -> None:
        super().__init__(command, host=host, port=port, title=title, public_url=public_url)
        self.session_env = dict(session_env)
        self.drop_env = tuple(drop_env)
        self.max_sessions = max_sessions
        self.open_sockets: set[web.WebSocketResponse] = set()
        parts = urlsplit(public_url)
        self.allowed_origin = f"{parts.scheme}://{parts.netloc}".lower()
        self.local_only = is_loopback(host)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        templates = self.templates_path

        def load(name: str) -> str | None:
            path = templates / name
            return local_page(path.read_text(encoding="utf-8")) if path.is_file() else None

        aiohttp_jinja2.setup(app, loader=jinja2.FunctionLoader(load))
        app.middlewares.append(_security_headers)
        return app

    async def on_startup(self, app: web.Application) -> None:
        self.console.print(f"Reception app for browsers on {self.public_url} "
                           f"(listening on {self.host}:{self.port}); Ctrl+C stops it")

    async def on_shutdown(self, app: web.Application) -> None:
        """Close every session so each app process quits now, not when its tab closes."""
        for websocket in list(self.open_sockets):
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopped")

    def origin_allowed(self, origin: str | None) -> bool:
        """A browser sends ``Origin``; only our own page may open a session: the public URL's,
        or, listening on loopback, this port under any loopback name (``localhost``,
        ``127.0.0.1``), since the page works under each."""
        if origin is None:
            return True
        if origin.rstrip("/").lower() == self.allowed_origin:
            return True
        parts = urlsplit(origin)
        try:
            port = parts.port
        except ValueError:
            return False
        return (self.local_only and parts.scheme == "http" and port == self.port
                and is_loopback(parts.hostname or ""))

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One browser session: its own app process, told who is connecting."""
        if not self.origin_allowed(request.headers.get("Origin")):
            log.warning("refused a session opened from another site (%s)",
                        request.headers.get("Origin"))
            raise web.HTTPForbidden(text="sessions open only from the reception app's page")
        if len(self.open_sockets) >= self.max_sessions:
            log.warning("refused a session: %d already open", len(self.open_sockets))
            raise web.HTTPServiceUnavailable(text="too many sessions open: try again shortly")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        client = client_address(request.remote, request.headers.get("X-Forwarded-For"))
        service: _SessionService | None = None

        async def close() -> None:
            await websocket.close()

        self.open_sockets.add(websocket)
        try:
            await websocket.prepare(request)
            service = _SessionService(
                self.command,
                session_env={**self.session_env, WEB_CLIENT_ENV: client},
                drop_env=self.drop_env,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close,
                server=self,
            )
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # one broken session must not stop the others
            log.exception(error)
        finally:
            self.open_sockets.discard(websocket)
            if service is not None:
                await service.stop()
        return websocket


@web.middleware
async def _security_headers(
    request: web.Request,
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    response = await handler(request)
    if not response.prepared:  # a websocket has already sent its headers
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
    return response
