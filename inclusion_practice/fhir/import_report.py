"""What an import did and every problem it found, as text or as an OperationOutcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inclusion_practice.errors import InclusionPracticeError
from inclusion_practice.services.imports import UpsertCounts

Json = dict[str, Any]
MAX_ISSUES = 1000
"""A report lists at most this many problems (and says how many more there were)."""


@dataclass(frozen=True)
class Problem:
    """One problem with one resource: where (entry and path in the resource) and why."""

    location: str
    """E.g. ``entry[3].resource.subject.reference`` or ``line 17: Observation.code``."""
    reason: str
    code: str = "invalid"
    """OperationOutcome issue type: invalid, structure, required, value, code-invalid,
    not-found, conflict, not-supported."""

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did, and every problem found (as an OperationOutcome on request)."""

    source: str
    kind: str
    """transaction | collection | ndjson | resource."""
    read: int = 0
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    rejected: int = 0
    skipped: int = 0
    """Schedule and Slot resources (the book is generated from practice.toml, not imported)."""
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    committed: bool = False
    possible_duplicates: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    """New records that may be the same person as one already registered: (where, ids). Each
    has a ``duplicate_review`` task for the practice."""
    health_checks: int = 0
    """New-patient health-check tasks created (recently registered new patients)."""

    @property
    def ok(self) -> bool:
        return not self.problems and not self.more_problems

    def add_problem(self, problem: Problem) -> None:
        if len(self.problems) < MAX_ISSUES:
            self.problems.append(problem)
        else:
            self.more_problems += 1

    def summary(self) -> str:
        created = sum(self.counts.created.values())
        updated = sum(self.counts.updated.values())
        unchanged = sum(self.counts.unchanged.values())
        head = f"{self.source}: {self.kind}, {self.read} resources read"
        if self.kind == "transaction" and not self.committed:
            return f"{head}; nothing written: {self.rejected} resources have problems"
        skipped = f", {self.skipped} Schedule/Slot skipped" if self.skipped else ""
        dups = (f", {len(self.possible_duplicates)} possible duplicates to review"
                if self.possible_duplicates else "")
        checks = f", {self.health_checks} health checks due" if self.health_checks else ""
        return (f"{head}; {created} created, {updated} updated, {unchanged} unchanged, "
                f"{self.rejected} rejected{skipped}{dups}{checks}")

    def operation_outcome(self) -> Json:
        issues: list[Json] = [
            {"severity": "error", "code": p.code, "diagnostics": p.reason,
             "location": [p.location], "expression": [p.location]}
            for p in self.problems
        ]
        issues += [
            {"severity": "warning", "code": "duplicate",
             "diagnostics": "may be the same person as patient "
             + ", ".join(f"#{i}" for i in ids) + " (a duplicate_review task was created)",
             "location": [where], "expression": [where]}
            for where, ids in self.possible_duplicates
        ]
        if self.more_problems:
            issues.append({"severity": "error", "code": "too-costly",
                           "diagnostics": f"{self.more_problems} more problems not listed"})
        issues.append({"severity": "information", "code": "informational",
                       "diagnostics": self.summary()})
        return {"resourceType": "OperationOutcome", "issue": issues}


class ImportRefused(InclusionPracticeError):
    """A transaction Bundle with problems: nothing was written. Carries the full report."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        first = "; ".join(str(p) for p in report.problems[:3])
        more = len(report.problems) + report.more_problems - 3
        super().__init__(
            f"{report.summary()}: {first}" + (f" (and {more} more)" if more > 0 else "")
        )
