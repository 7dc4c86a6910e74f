#!/usr/bin/env bash
# Render the first pages of a PDF to PNG so a person can look at them before sending it.
#   scripts/render_pdf_pages.sh les-2025-26.pdf [pages=3] [outdir=<pdf name>-pages] [dpi=80]
# Needs pdftoppm (Debian/Ubuntu: apt-get install -y poppler-utils).
set -euo pipefail
if [ $# -lt 1 ]; then
    echo "usage: $0 FILE.pdf [PAGES] [OUTDIR] [DPI]" >&2
    exit 2
fi
pdf=$1
pages=${2:-3}
out=${3:-${pdf%.pdf}-pages}
dpi=${4:-80}
if ! command -v pdftoppm >/dev/null 2>&1; then
    echo "pdftoppm not found: install poppler-utils (apt-get install -y poppler-utils)" >&2
    exit 2
fi
mkdir -p "$out"
rm -f "$out"/page-*.png  # pdftoppm pads numbers by page count: never mix two runs
pdftoppm -png -r "$dpi" -f 1 -l "$pages" "$pdf" "$out/page"
ls -1 "$out"/page*.png
