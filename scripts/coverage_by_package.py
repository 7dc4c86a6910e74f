"""Print branch coverage per package from the ``.coverage`` file a ``pytest --cov`` run left.

One total hides where the untested code is: a well-tested domain can carry an untested terminal
app past the gate. ``scripts/check`` runs this after pytest, so every run shows the spread.
Usage: ``python scripts/coverage_by_package.py [DATA_FILE]`` (default ``.coverage``).
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import coverage

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Tally:
    """Counts for one package, summed over its files (the same counts coverage.py reports)."""

    files: int = 0
    statements: int = 0
    covered_statements: int = 0
    branches: int = 0
    covered_branches: int = 0

    def add(self, summary: dict[str, int]) -> None:
        self.files += 1
        self.statements += summary["num_statements"]
        self.covered_statements += summary["covered_lines"]
        self.branches += summary.get("num_branches", 0)
        self.covered_branches += summary.get("covered_branches", 0)

    def branch_percent(self) -> float:
        return 100.0 * self.covered_branches / self.branches if self.branches else 100.0

    def combined_percent(self) -> float:
        """Statements and branches together: the figure ``fail_under`` gates."""
        total = self.statements + self.branches
        covered = self.covered_statements + self.covered_branches
        return 100.0 * covered / total if total else 100.0


def package_of(path: str) -> str:
    """Dotted package a file belongs to: one row per subpackage of a top-level package;
    modules directly in a top-level package (``inclusion_practice/api.py``) share its row."""
    parts = Path(path).resolve().relative_to(ROOT).parts
    return ".".join(parts[:2]) if len(parts) > 2 else parts[0]


def file_summaries(data_file: Path) -> dict[str, dict[str, int]]:
    """Per-file summaries through coverage.py's own JSON report, so the counts (and the
    exclusions configured in pyproject.toml) match what pytest-cov reported."""
    cov = coverage.Coverage(data_file=str(data_file), config_file=str(ROOT / "pyproject.toml"))
    cov.load()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coverage.json"
        cov.json_report(outfile=str(out))
        report = json.loads(out.read_text(encoding="utf-8"))
    return {name: body["summary"] for name, body in report["files"].items()}


def table(summaries: dict[str, dict[str, int]]) -> list[str]:
    tallies: dict[str, Tally] = {}
    for path, summary in summaries.items():
        tallies.setdefault(package_of(path), Tally()).add(summary)
    total = Tally()
    for tally in tallies.values():
        total.files += tally.files
        total.statements += tally.statements
        total.covered_statements += tally.covered_statements
        total.branches += tally.branches
        total.covered_branches += tally.covered_branches
    width = max(len("package"), *(len(name) for name in tallies))
    header = (f"{'package':<{width}}  {'files':>5}  {'stmts':>6}  {'miss':>5}  "
              f"{'branches':>8}  {'miss':>5}  {'branch %':>8}  {'combined %':>10}")
    lines = [header, "-" * len(header)]
    for name, tally in [*sorted(tallies.items()), ("TOTAL", total)]:
        if name == "TOTAL":
            lines.append("-" * len(header))
        lines.append(
            f"{name:<{width}}  {tally.files:>5}  {tally.statements:>6}  "
            f"{tally.statements - tally.covered_statements:>5}  {tally.branches:>8}  "
            f"{tally.branches - tally.covered_branches:>5}  {tally.branch_percent():>8.1f}  "
            f"{tally.combined_percent():>10.1f}"
        )
    return lines


def main(argv: list[str]) -> int:
    data_file = Path(argv[1]) if len(argv) > 1 else ROOT / ".coverage"
    if not data_file.exists():
        print(f"no coverage data at {data_file}: run pytest with --cov first", file=sys.stderr)
        return 1
    print("\n".join(table(file_summaries(data_file))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
