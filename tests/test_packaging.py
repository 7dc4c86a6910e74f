"""The wheel carries the library, the app, reports, migrations and the FHIR artefacts;
the library never imports the terminal app."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True, capture_output=True,
    )
    return next(out.glob("inclusion_practice-*.whl"))


@pytest.mark.slow
def test_the_wheel_contains_every_package_and_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "inclusion_practice/__init__.py",
        "inclusion_practice/storage/migrations/env.py",
        "inclusion_practice/storage/migrations/script.py.mako",
        "inclusion_practice/storage/migrations/versions/0001_initial_schema.py",
        "inclusion_practice/storage/migrations/versions/0002_audit_append_only.py",
        "inclusion_practice/storage/migrations/versions/0004_sign_in_attempts.py",
        "inclusion_practice/data/practice.example.toml",
        "tui/app.py",
        "reports/__init__.py",
        "fhir_profiles/__init__.py",
    ):
        assert required in names, required
    shipped_json = {n for n in names if n.startswith("fhir_profiles/") and n.endswith(".json")}
    source_json = {
        str(p.relative_to(ROOT)) for p in (ROOT / "fhir_profiles").rglob("*.json")
    }
    assert shipped_json == source_json


@pytest.mark.slow
def test_the_installed_wheel_imports_and_loads_its_resources_outside_the_source_tree(
    wheel: Path, tmp_path: Path
) -> None:
    # The wheel goes into its own directory, first on the path: the test checks every module
    # really came from there, not from the source tree.
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True,
    )
    code = (
        "import sys, json, importlib.resources as r\n"
        f"sys.path.insert(0, {str(target)!r})\n"
        "import inclusion_practice, tui, reports, fhir_profiles\n"
        "from inclusion_practice.config import example_config_text\n"
        "from inclusion_practice.storage.migrate import head_revision\n"
        "files = [p.name for p in r.files('fhir_profiles').iterdir() if p.name.endswith('.json')]\n"
        "print(json.dumps({'mods': [m.__file__ for m in (inclusion_practice, tui, reports)],"
        " 'head': head_revision(), 'example': len(example_config_text()), 'files': files}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                            cwd=tmp_path)
    info = json.loads(result.stdout)
    assert all(str(target) in m for m in info["mods"]), info["mods"]
    assert info["head"] == "0009"
    assert info["example"] > 1000


def test_the_library_and_reports_never_import_the_terminal_app() -> None:
    code = (
        "import sys\n"
        "import inclusion_practice.api, inclusion_practice.cli.app, reports\n"
        "import pkgutil, importlib\n"
        "for pkg in (inclusion_practice, reports):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if '.migrations' in m.name: continue\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')"
        " or m == 'tui' or m.startswith('tui.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    assert result.stdout.strip() == ""


def test_the_import_linter_contracts_hold() -> None:
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], capture_output=True,
                            text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
