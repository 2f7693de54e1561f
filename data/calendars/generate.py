#!/usr/bin/env python3
"""Generates the exchange session calendars shipped in data/calendars/.

Run by hand (not in CI), from the repository root:

    python3 -m venv /tmp/calvenv && /tmp/calvenv/bin/pip install exchange_calendars
    /tmp/calvenv/bin/python data/calendars/generate.py

Writes <MIC>_sessions.csv (one `date` column) for XSHG (Shanghai and Shenzhen share it),
XHKG and XNYS, 2005-01-01 .. 2030-12-31 where the package's calendar allows, and
`exchanges.csv` (mic, time zone, regular close, first and last session, package version).
Sessions after the generation date are projections from each exchange's holiday rules:
ad-hoc closures are not known in advance.
"""
import csv
import sys
from importlib.metadata import version
from pathlib import Path

import exchange_calendars as xcals

OUT = Path(__file__).resolve().parent
START, END = "2005-01-01", "2030-12-31"

# (MIC, IANA time zone, regular close, as evimpact's Exchange constants use them)
EXCHANGES = [
    ("XSHG", "Asia/Shanghai", "15:00"),
    ("XHKG", "Asia/Hong_Kong", "16:00"),
    ("XNYS", "America/New_York", "16:00"),
]


def main() -> int:
    ver = version("exchange_calendars")
    meta = []
    for mic, tz, close in EXCHANGES:
        cal = None
        # A calendar whose holidays are recorded only to an earlier year: the latest end it takes.
        for end_year in range(int(END[:4]), int(START[:4]), -1):
            try:
                cal = xcals.get_calendar(mic, start=START, end=f"{end_year}-12-31")
                break
            except ValueError as e:
                print(f"{mic}: {e}", file=sys.stderr)
        if cal is None:
            return 1
        sessions = [d.date().isoformat() for d in cal.sessions]
        if str(cal.tz) != tz:
            print(f"{mic}: package time zone {cal.tz} differs from {tz}", file=sys.stderr)
            return 1
        with open(OUT / f"{mic}_sessions.csv", "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["date"])
            for d in sessions:
                w.writerow([d])
        meta.append([mic, tz, close, sessions[0], sessions[-1], len(sessions), f"exchange_calendars {ver}"])
        print(f"{mic}: {len(sessions)} sessions {sessions[0]}..{sessions[-1]}")
    with open(OUT / "exchanges.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["mic", "tz", "close", "first_session", "last_session", "sessions", "generator"])
        w.writerows(meta)
    return 0


if __name__ == "__main__":
    sys.exit(main())
