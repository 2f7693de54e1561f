#!/usr/bin/env python3
"""Writes the reference study's market data, trimmed from the shared data directory.

The reference study (data/studies/entity-list-2019.toml) reads four Shenzhen A-shares, the
CSI 300 and the XSHG session calendar from the data directory. This script copies just
the rows and columns it needs into data/reference/entity-list-2019/, with the layout the
study file expects, so that

    evimpact run data/studies/entity-list-2019.toml --data data/reference/entity-list-2019

runs on a fresh clone and gives the same numbers as the run on the full shared data.
See data/reference/entity-list-2019/SOURCES.md for where each file came from.

Rows: the dates START..END (inclusive, ISO dates compared as text). Columns: the ones
evimpact's price loader reads (src/data/prices.rs), in the source's order:
  securities  date, close, adj_close, volume, preclose, trade_status, is_st
  CSI 300     date, adj_close (a market index is used only through its price column)
  calendar    date
Every kept cell is the source's text, byte for byte: lines are split on commas and joined
again, never parsed as numbers (the source files have no quoted fields; this is checked).

Source directory: the first argument, else $EVIMPACT_DATA, else ../shared/data from the
working directory, else ../shared/data beside the repository (evimpact's own order).

Usage:
  scripts/trim_reference_data.py [DATA_DIR] [--out DIR] [--start DATE] [--end DATE] [--check]

--check writes nothing: it exits 1 if the files in --out differ from what would be written.
--start/--end/--out exist to make test samples (e.g. a too-tight trim); the shipped sample
uses the defaults. Standard library only.
"""

import argparse
import hashlib
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "data" / "reference" / "entity-list-2019"

# Whole months around what the study reads (2018-09-04 .. 2019-11-05: the session before
# the estimation window [-260, -11] and the end of the ±20-session price/volume series),
# with a margin of about three months before and two after.
START, END = "2018-06-01", "2019-12-31"

SECURITIES = ["002230.SZ", "002236.SZ", "002415.SZ", "300188.SZ"]
STOCK_COLUMNS = ["date", "close", "adj_close", "volume", "preclose", "trade_status", "is_st"]
INDEX_COLUMNS = ["date", "adj_close"]
CALENDAR_COLUMNS = ["date"]

# (relative path, columns); the same relative paths as in the study file.
FILES = (
    [(f"prices/cn/{s}.csv", STOCK_COLUMNS) for s in SECURITIES]
    + [("indices/cn/000300.SH.csv", INDEX_COLUMNS)]
    + [("calendars/XSHG_sessions_2015_2025.csv", CALENDAR_COLUMNS)]
)


def fail(msg):
    print(f"trim_reference_data: {msg}", file=sys.stderr)
    sys.exit(2)


def source_dir(arg):
    if arg:
        return Path(arg)
    env = os.environ.get("EVIMPACT_DATA")
    if env:
        return Path(env)
    cwd = Path("../shared/data")
    if cwd.is_dir():
        return cwd
    return REPO.parent / "shared" / "data"


def is_iso_date(s):
    return (
        len(s) == 10
        and s[4] == "-"
        and s[7] == "-"
        and (s[:4] + s[5:7] + s[8:]).isdigit()
    )


def trim(path, columns, start, end):
    """The trimmed file's bytes and its kept dates."""
    raw = path.read_bytes()
    if b"\r" in raw or b'"' in raw:
        fail(f"{path}: has CR or quote characters; this byte-preserving trim expects neither")
    text = raw.decode("utf-8")
    if not text.endswith("\n"):
        fail(f"{path}: does not end with a newline")
    lines = text[:-1].split("\n")
    header = lines[0].split(",")
    missing = [c for c in columns if c not in header]
    if missing:
        fail(f"{path}: missing column(s) {', '.join(missing)} (header: {lines[0]})")
    if len(set(header)) != len(header):
        fail(f"{path}: duplicate column names in the header")
    idx = [header.index(c) for c in columns]
    out = [",".join(columns)]
    dates = []
    prev = ""
    for n, line in enumerate(lines[1:], start=2):
        cells = line.split(",")
        if len(cells) != len(header):
            fail(f"{path}:{n}: {len(cells)} cells, header has {len(header)}")
        date = cells[header.index("date")]
        if not is_iso_date(date):
            fail(f"{path}:{n}: date {date!r} is not YYYY-MM-DD")
        if date <= prev:
            fail(f"{path}:{n}: dates not strictly increasing ({prev} then {date})")
        prev = date
        if start <= date <= end:
            out.append(",".join(cells[i] for i in idx))
            dates.append(date)
    if not dates:
        fail(f"{path}: no rows in {start}..{end}")
    return ("\n".join(out) + "\n").encode("utf-8"), dates


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", help="shared data directory")
    ap.add_argument("--out", default=str(OUT), help=f"output directory [default: {OUT}]")
    ap.add_argument("--start", default=START, help=f"first date kept [default: {START}]")
    ap.add_argument("--end", default=END, help=f"last date kept [default: {END}]")
    ap.add_argument("--check", action="store_true", help="compare with --out, write nothing")
    args = ap.parse_args()
    if not (is_iso_date(args.start) and is_iso_date(args.end) and args.start <= args.end):
        fail(f"bad range {args.start}..{args.end}")
    src = source_dir(args.data)
    if not src.is_dir():
        fail(f"no data directory {src} (give it as an argument or set EVIMPACT_DATA)")
    out = Path(args.out)

    results = []
    calendar_dates = None
    price_dates = {}
    for rel, cols in FILES:
        data, dates = trim(src / rel, cols, args.start, args.end)
        if (src / rel).read_bytes() == data:
            fail(f"{rel}: the trimmed file equals the source; nothing was trimmed")
        if rel.startswith("calendars/"):
            calendar_dates = dates
        else:
            price_dates[rel] = dates
        results.append((rel, data, dates))
    # Every price file has exactly one row per session (shared SOURCES.md); keep it so.
    for rel, dates in price_dates.items():
        if dates != calendar_dates:
            fail(f"{rel}: its dates differ from the calendar's over {args.start}..{args.end}")

    stale = []
    for rel, data, dates in results:
        dest = out / rel
        if args.check:
            if not dest.is_file() or dest.read_bytes() != data:
                stale.append(rel)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(dest)
    for rel, data, dates in results:
        sha = hashlib.sha256(data).hexdigest()
        print(f"{rel}: {len(dates)} rows {dates[0]}..{dates[-1]}, {len(data)} bytes, sha256 {sha}")
    if args.check:
        if stale:
            print(f"differs from what {Path(__file__).name} writes: {', '.join(stale)}", file=sys.stderr)
            sys.exit(1)
        print(f"{out}: up to date")
    else:
        print(f"wrote {len(results)} files under {out} from {src}")


if __name__ == "__main__":
    main()
