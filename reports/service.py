"""``ReturnsService``: the returns use case for the CLI and the terminal app.

It lives in ``reports`` (not ``inclusion_practice.services``) so the dependency points one way,
reports → library. Build it over an opened practice: ``ReturnsService(ip)``. Only managers and
admins may produce returns (``Permission.PRODUCE_RETURNS``).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.periods import Period
from inclusion_practice.errors import InvalidInput
from reports.csv_json import to_csv, to_json
from reports.fhir_bundle import to_fhir_json
from reports.figures import ReturnFigures, ReturnKind
from reports.pdf import render_pdf
from reports.returns import Progress, build_return

if TYPE_CHECKING:
    from inclusion_practice.api import InclusionPractice


@dataclass(frozen=True)
class Outputs:
    """Where to write each rendering (None: not wanted)."""

    pdf: Path | None = None
    csv: Path | None = None
    json: Path | None = None
    fhir: Path | None = None

    def check(self) -> None:
        """Refuse before any work is done if a folder is missing or two outputs collide."""
        named = {"--out": self.pdf, "--csv": self.csv, "--json": self.json, "--fhir": self.fhir}
        seen: dict[Path, str] = {}
        for option, path in named.items():
            if path is None:
                continue
            if not path.parent.exists():
                raise InvalidInput(option, f"folder {path.parent} does not exist")
            if not path.parent.is_dir():
                raise InvalidInput(option, f"{path.parent} is not a folder")
            if path.is_dir():
                raise InvalidInput(option, f"{path} is a folder; name a file")
            if not os.access(path.parent, os.W_OK):
                raise InvalidInput(option, f"folder {path.parent} cannot be written to")
            key = path.resolve()
            if key in seen:
                raise InvalidInput(option, f"{path} is also given to {seen[key]}")
            seen[key] = option


class ReturnsService:
    """Produce returns and write them as PDF, CSV, JSON and FHIR."""

    def __init__(self, ip: InclusionPractice) -> None:
        self._ip = ip

    def build(
        self,
        actor: Actor | None,
        kind: ReturnKind,
        period: str | Period | None = None,
        *,
        publishable: bool = False,
        indicator_set: str | None = None,
        with_trend: bool = True,
        progress: Progress | None = None,
        creation_date: dt.datetime | None = None,
    ) -> ReturnFigures:
        """The return's figures; ``creation_date`` fixes every date it prints."""
        return build_return(self._ip, actor, kind, period, publishable=publishable,
                            indicator_set=indicator_set, with_trend=with_trend,
                            progress=progress, creation_date=creation_date)

    def write(
        self,
        figures: ReturnFigures,
        outputs: Outputs,
        *,
        progress: Progress | None = None,
    ) -> list[Path]:
        """Render and write each requested output; returns the files written.

        Every output is stamped with the return's own creation moment (``figures.created_at``).
        Nothing is written unless every rendering succeeded; a folder that cannot be written
        is refused naming the option."""
        step = progress or (lambda _msg: None)
        outputs.check()
        if outputs.fhir is not None and figures.publishable:
            raise InvalidInput(
                "--fhir", "the FHIR Bundle carries exact counts; leave out --publishable for it"
            )
        rendered: list[tuple[Path, bytes]] = []
        if outputs.pdf is not None:
            step("drawing the PDF")
            rendered.append((outputs.pdf, render_pdf(figures)))
        if outputs.csv is not None:
            rendered.append((outputs.csv, to_csv(figures).encode("utf-8")))
        if outputs.json is not None:
            rendered.append((outputs.json, to_json(figures).encode("utf-8")))
        if outputs.fhir is not None:
            step("building the FHIR Bundle")
            rendered.append((outputs.fhir, to_fhir_json(figures).encode("utf-8")))
        option = {outputs.pdf: "--out", outputs.csv: "--csv", outputs.json: "--json",
                  outputs.fhir: "--fhir"}
        for path, data in rendered:  # nothing is written unless every rendering succeeded
            try:
                path.write_bytes(data)
            except OSError as exc:
                raise InvalidInput(option[path], f"cannot write {path}: {exc.strerror or exc}") from None
        return [p for p, _ in rendered]
