"""(Re)build the generated FHIR CodeSystems and ValueSets under fhir_profiles/.

    python scripts/build_fhir_artefacts.py [--check]

The codes live in Python (enums, flag categories, codes.csv); this writes them out as FHIR R4
JSON. ``--check`` writes nothing and exits 1 if any file is missing or differs (the test suite
runs the same comparison).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from inclusion_practice.fhir.artefacts import dump_json
from inclusion_practice.fhir.conformance import all_generated

ROOT = Path(__file__).resolve().parents[1] / "fhir_profiles"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Only report files out of date.")
    args = parser.parse_args(argv)
    stale = []
    for rel, resource in all_generated().items():
        path = ROOT / rel
        text = dump_json(resource)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(rel)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    verb = "out of date" if args.check else "written"
    for rel in stale:
        print(f"{verb}: fhir_profiles/{rel}")
    if not stale:
        print("fhir_profiles: generated artefacts up to date")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
