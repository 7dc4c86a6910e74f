"""``inclusion-practice web`` argument handling, without a browser or a listening socket."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from inclusion_practice.cli import web as web_cli
from inclusion_practice.cli.app import main
from inclusion_practice.cli.web_server import PracticeWebServer, client_address, local_page
from inclusion_practice.config import PracticeConfig
from inclusion_practice.services.users import WEB_CLIENT_ENV, session_origin


@pytest.fixture
def no_serving(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[PracticeWebServer]:
    """Record the server the command would start instead of starting it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INCLUSION_PRACTICE_DB", raising=False)
    monkeypatch.delenv("INCLUSION_PRACTICE_CONFIG", raising=False)
    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(tmp_path / "ip.log"))
    started: list[PracticeWebServer] = []
    monkeypatch.setattr(PracticeWebServer, "serve", lambda self, debug=False: started.append(self))
    return started


def _db(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "practice.db"
    target.write_bytes(sqlite_template.read_bytes())
    return f"sqlite:///{target}"


@pytest.mark.parametrize("port", ["0", "65536", "-1", "http"])
def test_a_bad_port_is_refused(port: str, no_serving: list[PracticeWebServer],
                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["web", "--port", port]) == 2
    err = capsys.readouterr().err
    assert "--port" in err and "Traceback" not in err
    assert not no_serving


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "reception.example.nhs.uk"])
def test_a_non_loopback_host_is_refused_without_public(
    host: str, no_serving: list[PracticeWebServer], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["web", "--host", host]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --host: ")
    assert "not a loopback address" in err and "TLS" in err and "--public" in err
    assert not no_serving


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2", "[::1]"])
def test_loopback_hosts_are_loopback(host: str) -> None:
    assert web_cli.is_loopback(host)


@pytest.mark.parametrize("url", ["ftp://x.example", "reception.example", "https://", "https://x?a=1"])
def test_a_bad_public_url_is_refused(url: str, no_serving: list[PracticeWebServer],
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["web", "--public-url", url]) == 2
    assert "--public-url: " in capsys.readouterr().err
    assert not no_serving


def test_an_unreachable_database_is_said_before_serving(
    no_serving: list[PracticeWebServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", f"sqlite:///{tmp_path / 'empty.db'}", "web"]) == 2
    assert "db upgrade" in capsys.readouterr().err
    assert not no_serving


def test_the_server_runs_each_session_as_the_tui_on_the_same_practice(
    no_serving: list[PracticeWebServer], sqlite_template: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from inclusion_practice.config import example_config_text

    url = _db(sqlite_template, tmp_path)
    (tmp_path / "practice.toml").write_text(example_config_text(), encoding="utf-8")
    monkeypatch.setenv("INCLUSION_PRACTICE_TOKEN", "never-handed-on")
    assert main(["--db", url, "--config", "practice.toml", "web", "--port", "8099",
                 "--lock-seconds", "90", "--max-sessions", "3"]) == 0
    [server] = no_serving
    assert (server.host, server.port, server.public_url) == ("127.0.0.1", 8099, "http://127.0.0.1:8099")
    assert shlex.split(server.command) == [sys.executable, "-m", "inclusion_practice", "tui"]
    assert server.session_env == {
        "INCLUSION_PRACTICE_DB": url,
        "INCLUSION_PRACTICE_CONFIG": str(tmp_path.resolve() / "practice.toml"),  # not cwd-relative
        "INCLUSION_PRACTICE_LOCK_SECONDS": "90",
    }
    assert "INCLUSION_PRACTICE_TOKEN" in server.drop_env
    assert "INCLUSION_PRACTICE_PASSWORD" in server.drop_env
    assert server.max_sessions == 3
    assert server.title  # the practice's name, as the tab's title


def test_public_behind_a_proxy_takes_the_public_url(
    no_serving: list[PracticeWebServer], sqlite_template: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = _db(sqlite_template, tmp_path)
    assert main(["--db", url, "web", "--host", "0.0.0.0", "--public",
                 "--public-url", "https://reception.practice.example/"]) == 0
    [server] = no_serving
    assert server.public_url == "https://reception.practice.example"
    assert server.origin_allowed("https://reception.practice.example")
    assert not server.origin_allowed("https://evil.example")
    assert "warning" not in capsys.readouterr().err


def test_listening_everywhere_needs_the_public_url(
    no_serving: list[PracticeWebServer], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["web", "--host", "0.0.0.0", "--public"]) == 2
    assert "--public-url: " in capsys.readouterr().err
    assert not no_serving


def test_on_loopback_the_page_works_under_any_loopback_name(
    no_serving: list[PracticeWebServer], sqlite_template: Path, tmp_path: Path,
) -> None:
    assert main(["--db", _db(sqlite_template, tmp_path), "web", "--host", "localhost"]) == 0
    [server] = no_serving
    for origin in ("http://localhost:8080", "http://127.0.0.1:8080", "http://[::1]:8080", None):
        assert server.origin_allowed(origin), origin
    for origin in ("http://127.0.0.1:3000", "https://evil.example", "http://localhost:x", "null"):
        assert not server.origin_allowed(origin), origin


def test_public_without_https_warns(
    no_serving: list[PracticeWebServer], sqlite_template: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = _db(sqlite_template, tmp_path)
    assert main(["--db", url, "web", "--host", "192.168.1.20", "--public"]) == 0
    assert "unencrypted" in capsys.readouterr().err


def test_the_variables_are_the_ones_the_app_and_cli_read() -> None:
    from inclusion_practice.cli.app import PASSWORD_ENV, TOKEN_ENV
    from tui.app import LOCK_SECONDS_ENV

    assert web_cli.LOCK_SECONDS_ENV == LOCK_SECONDS_ENV
    assert set(web_cli.SECRET_ENVS) == {PASSWORD_ENV, TOKEN_ENV}


def test_the_browser_address_comes_from_a_local_proxy_only() -> None:
    assert client_address("192.0.2.7", None) == "192.0.2.7"
    assert client_address("192.0.2.7", "203.0.113.9") == "192.0.2.7"  # not our proxy
    assert client_address("127.0.0.1", "198.51.100.1, 203.0.113.9") == "203.0.113.9"
    assert client_address(None, None) == "unknown"


def test_the_page_loads_its_font_from_here() -> None:
    page = local_page('<link rel="stylesheet"\n href="https://fonts.googleapis.com/css?x" />')
    assert "googleapis" not in page and "@font-face" in page


def test_a_browser_session_signs_in_as_web_from_its_address(
    monkeypatch: pytest.MonkeyPatch, config: PracticeConfig,
) -> None:
    monkeypatch.delenv(WEB_CLIENT_ENV, raising=False)
    assert session_origin(config.sign_in)[0] == "tui"
    monkeypatch.setenv(WEB_CLIENT_ENV, "203.0.113.9")
    assert session_origin(config.sign_in) == ("web", "web:203.0.113.9")
