#!/usr/bin/env python3
"""The README's size table from `evimpact simulate` outputs: each test's rejection rate at 5 %
(k = 0) per design, on day 0 and on one CAR window, rates outside the 99 % acceptance interval
around 5 % in bold, a dash where the test does not exist in that design.

    scripts/size_table.py WINDOW NAME=DIR [NAME=DIR ...]

DIR holds rejections.csv and rejections_windows.csv of one design; WINDOW is a CAR window
label such as -10:10. Prints Markdown.
"""
import csv
import math
import sys


def rates(path, scope=None):
    out = {}
    for r in csv.DictReader(open(path)):
        if r["k"] != "0" or r["level"] != "0.05":
            continue
        if scope is not None and r["scope"] != scope:
            continue
        out[r["test"]] = (int(r["rejections"]), int(r["draws"]))
    return out


def cell(x):
    if x is None:
        return "–"
    rej, n = x
    rate = rej / n
    half = 2.5758293035489004 * math.sqrt(0.05 * 0.95 / n)
    s = f"{100 * rate:.1f} %"
    return f"**{s}**" if not (0.05 - half <= rate <= 0.05 + half) else s


def main():
    window = sys.argv[1]
    designs = [a.split("=", 1) for a in sys.argv[2:]]
    day = {name: rates(f"{d}/rejections.csv") for name, d in designs}
    win = {name: rates(f"{d}/rejections_windows.csv", window) for name, d in designs}
    tests = []
    for name, _ in designs:
        for t in list(day[name]) + list(win[name]):
            if t not in tests:
                tests.append(t)
    a, b = (int(x) for x in window.split(":"))
    label = "[" + ", ".join(f"{v:+d}" if v else "0" for v in (a, b)) + "]"
    head = "| test | " + " | ".join(f"{n}, day 0" for n, _ in designs) + " | " + " | ".join(
        f"{n}, {label}" for n, _ in designs) + " |"
    print(head)
    print("|---|" + "---:|" * (2 * len(designs)))
    for t in tests:
        cells = [cell(day[n].get(t)) for n, _ in designs] + [cell(win[n].get(t)) for n, _ in designs]
        print(f"| {t} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
