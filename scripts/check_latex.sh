#!/usr/bin/env bash
# Compiles an output directory's LaTeX tables (latex/*.tex) with pdflatex in a minimal
# article that loads booktabs, and renders page 1 to PNG to look at. Run by hand (CI does
# not install TeX): Debian's texlive-latex-base + texlive-latex-recommended.
#   scripts/check_latex.sh OUT_DIR [WORK_DIR]
set -euo pipefail
out="$(cd "$1" && pwd)"
work="${2:-$(mktemp -d)}"
mkdir -p "$work"
{
  printf '%s\n' '\documentclass{article}' '\usepackage[T1]{fontenc}' '\usepackage[utf8]{inputenc}' \
    '\usepackage{booktabs}' '\usepackage[a4paper,margin=2cm]{geometry}' '\begin{document}'
  for f in "$out"/latex/*.tex; do printf '\\input{%s}\n' "$f"; done
  printf '%s\n' '\end{document}'
} > "$work/tables.tex"
(cd "$work" && pdflatex -interaction=nonstopmode -halt-on-error tables.tex >/dev/null) \
  || { echo "pdflatex failed: $work/tables.log" >&2; exit 1; }
command -v pdftoppm >/dev/null && pdftoppm -r 80 -png -f 1 -l 1 "$work/tables.pdf" "$work/page"
echo "ok: $work/tables.pdf (page 1: $work/page-1.png)"
