#!/usr/bin/env python3
"""Loads evimpact's report.html in headless Chromium and checks it is self-contained.

For each page: a screenshot (PNG), a print to PDF (the print stylesheet), and Chromium's
NetLog of everything the page requested. The check fails when the page started any request
to a network URL (http, https, ws, ftp), with or without the page's Content-Security-Policy
(the policy is also stripped from a copy, so the page itself must ask for nothing). Host
resolution is mapped to NOTFOUND so that nothing leaves the machine even if it did.
Browser-internal requests (update checks and the like, initiator "not an origin") are not
the page's and are ignored.

Before the real pages, a canary page with an http:// image must be caught, so the check
cannot pass by failing to see requests.

--xss PAGE: the page's DOM must contain no <script> element and must show the literal
text "<script>alert(1)</script>".

The printed PDF must keep every test: for each page with a report.md and a tests.csv beside
it, the "Every test, per window" tables of report.md must have one row per test of
tests.csv and each of those tests must head a column of an "AAR per event day" table; in
`pdftotext -layout`'s text of the PDF (whitespace removed) every header
cell of every table must appear, and every row of the tests' tables (CAAR and tests, Every
test, AAR per event day) must appear whole: its label and every statistic and p-value in
order on its printed line. A column cut off the page, or a row wrapped, fails.

Usage: check_html.py --out DIR [--xss PAGE] PAGE...
Exit status 1 on any failure. Standard library only.
"""

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

NETWORK = re.compile(r"^(https?|wss?|ftp)://", re.I)
CANARY = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>canary</title></head>
<body><p>canary</p><img src="http://canary.invalid/x.png" alt=""></body></html>"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    sys.exit("check_html: chromium not found (apt-get install -y chromium)")


def run_chrome(page: Path, extra, netlog: Path, timeout=120):
    user = tempfile.mkdtemp(prefix="evimpact-chrome-")
    cmd = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--hide-scrollbars",
        f"--user-data-dir={user}",
        '--host-resolver-rules=MAP * ~NOTFOUND',
        f"--log-net-log={netlog}", "--net-log-capture-mode=Default",
        *extra, page.resolve().as_uri(),
    ]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    finally:
        shutil.rmtree(user, ignore_errors=True)
    return r


def page_requests(netlog: Path):
    """Network URLs whose requests the page (not the browser itself) started."""
    d = json.loads(netlog.read_text())
    types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
    urls = []
    for e in d.get("events", []):
        if types.get(e.get("type")) != "URL_REQUEST_START_JOB":
            continue
        p = e.get("params", {})
        url = p.get("url", "")
        if NETWORK.match(url) and p.get("initiator") != "not an origin":
            urls.append(url)
    return urls


def md_unescape(cell: str) -> str:
    return re.sub(r"\\(.)", r"\1", cell.strip())


def md_tables(md: str):
    """(heading, header cells, rows) of every pipe table in a Markdown text."""
    tables, heading, lines = [], "", md.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        if (line.startswith("|") and i + 1 < len(lines)
                and re.match(r"^\|(\s*:?-+:?\s*\|)+\s*$", lines[i + 1])):
            split = lambda l: [md_unescape(c) for c in re.split(r"(?<!\\)\|", l.strip())[1:-1]]
            header, rows = split(line), []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(split(lines[i]))
                i += 1
            tables.append((heading, header, rows))
            continue
        i += 1
    return tables


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def check_pdf_tables(page: Path, pdf: Path):
    """Every table header cell and test label of report.md in the PDF's text."""
    md_path, tests_csv = page.parent / "report.md", page.parent / "tests.csv"
    if not (md_path.exists() and tests_csv.exists()):
        return [], 0
    if not shutil.which("pdftotext"):
        return [f"{page}: pdftotext not found (apt-get install -y poppler-utils)"], 0
    r = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    if r.returncode != 0:
        return [f"{pdf}: pdftotext exited {r.returncode}: {r.stderr[-300:]}"], 0
    text = squash(r.stdout)
    tables = md_tables(md_path.read_text(encoding="utf-8"))
    tests = {row["test"] for row in csv.DictReader(tests_csv.open(encoding="utf-8"))}
    errors, needles = [], set()
    rows_whole = [
        row for heading, _, rows in tables
        if heading in ("CAAR and tests", "Every test, per window", "AAR per event day")
        for row in rows
    ]
    if not rows_whole:
        errors.append(f"{md_path}: no tests' tables")
    cut = [row[0] for row in rows_whole if squash("".join(row)) not in text]
    if cut:
        errors.append(f"{pdf}: {len(cut)} rows of the tests' tables are cut or wrapped in print: {cut[:8]}")
    per_test = [t for t in tables if t[0].startswith("Every test")]
    if not per_test:
        errors.append(f"{md_path}: no 'Every test, per window' table")
    for heading, header, rows in per_test:
        if len(rows) != len(tests):
            errors.append(
                f"{md_path}: '{heading}' has {len(rows)} test rows, tests.csv has {len(tests)} tests")
        needles.update(row[0] for row in rows)
    labels = {row[0] for _, _, rows in per_test for row in rows}
    aar_heads = {c for heading, header, _ in tables if heading == "AAR per event day" for c in header}
    if labels - aar_heads:
        errors.append(f"{md_path}: tests missing from the AAR per event day tables: {sorted(labels - aar_heads)}")
    for _, header, _ in tables:
        needles.update(c for c in header if c)
    missing = sorted(n for n in needles if squash(n) not in text)
    if missing:
        errors.append(f"{pdf}: missing from the printed text: {missing}")
    return errors, len(needles) + len(rows_whole)


def png_size(path: Path):
    b = path.read_bytes()[:24]
    if b[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(b[16:20], "big"), int.from_bytes(b[20:24], "big")


def check_page(page: Path, out: Path, tag: str):
    errors = []
    shot = out / f"{tag}.png"
    pdf = out / f"{tag}.pdf"
    for what, extra in (
        ("screenshot", [f"--screenshot={shot}", "--window-size=1400,4000"]),
        ("print", [f"--print-to-pdf={pdf}", "--no-pdf-header-footer"]),
    ):
        log = out / f"{tag}.{what}.netlog.json"
        r = run_chrome(page, extra, log)
        if r.returncode != 0:
            errors.append(f"{page}: chromium {what} exited {r.returncode}: {r.stderr[-500:]}")
            continue
        reqs = page_requests(log)
        if reqs:
            errors.append(f"{page}: {what}: the page requested {reqs}")
    size = png_size(shot) if shot.exists() else None
    if size != (1400, 4000):
        errors.append(f"{page}: screenshot missing or wrong size: {size}")
    elif shot.stat().st_size < 50_000:
        errors.append(f"{page}: screenshot only {shot.stat().st_size} bytes: blank page?")
    if not pdf.exists() or pdf.stat().st_size < 20_000 or not pdf.read_bytes().startswith(b"%PDF"):
        errors.append(f"{page}: print to PDF failed")
    else:
        e, n = check_pdf_tables(page, pdf)
        errors += e
        if n and not e:
            print(f"ok: {pdf}: all {n} table headers, test labels and test rows of report.md are whole in the printed text")
    return errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--xss", type=Path)
    ap.add_argument("pages", nargs="+", type=Path)
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    errors = []

    # 1. The check must see a request when there is one.
    canary = a.out / "canary.html"
    canary.write_text(CANARY)
    log = a.out / "canary.netlog.json"
    run_chrome(canary, ["--dump-dom"], log)
    seen = page_requests(log)
    if not any("canary.invalid" in u for u in seen):
        errors.append(f"self-test: the canary's http:// image was not seen (saw {seen})")
    else:
        print("ok: canary request detected:", seen[0])

    # 2. Each page, as written and without its Content-Security-Policy.
    for i, page in enumerate(a.pages):
        html = page.read_text(encoding="utf-8")
        stripped = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        if stripped == html:
            errors.append(f"{page}: no Content-Security-Policy meta tag")
        nocsp = a.out / f"page{i}-nocsp.html"
        nocsp.write_text(stripped, encoding="utf-8")
        for p, tag in ((page, f"page{i}"), (nocsp, f"page{i}-nocsp")):
            e = check_page(p, a.out, tag)
            errors += e
            if not e:
                print(f"ok: {p}: no network request; screenshot {a.out / (tag + '.png')}")

    # 3. Escaping, as the browser parses it.
    if a.xss:
        r = run_chrome(a.xss, ["--dump-dom"], a.out / "xss.netlog.json")
        dom = r.stdout
        if not dom.strip():
            errors.append(f"{a.xss}: empty DOM dump")
        if re.search(r"<script\b", dom, re.I):
            errors.append(f"{a.xss}: the DOM has a <script> element")
        if "&lt;script&gt;alert(1)&lt;/script&gt;" not in dom:
            errors.append(f"{a.xss}: the headline is not shown as text")
        if re.search(r"<img[^>]+onerror", dom, re.I):
            errors.append(f"{a.xss}: an injected <img onerror> is in the DOM")
        if not errors:
            print(f"ok: {a.xss}: <script>alert(1)</script> shown as text, no script element")

    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
