#!/usr/bin/env python3
"""Outputs for papers, checked by other readers than evimpact's own (run by .ci/run in the
notebook venv, which has openpyxl and polars):

    python3 scripts/check_paper.py OUT_DIR [OUT_DIR ...]

- tables.xlsx opens with openpyxl; its first sheet is `contents`; every table it lists as
  written is a sheet whose cells equal the table's Parquet file (read with polars): numbers
  as numeric cells with the same float, text as text, booleans as booleans, dates as dates,
  null/NaN/inf as empty cells; the header row is bold and frozen. A table it lists without
  a sheet has a note saying why.
- every charts/*.png has a charts/*.svg beside it that Python's XML parser reads, whose root
  is an SVG element and which has text elements.
"""

import datetime
import math
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import polars as pl

SVG = "{http://www.w3.org/2000/svg}"


def fail(msg):
    sys.exit(f"check_paper: {msg}")


def same(value, cell, dtype, where):
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or value == "":
        if cell is not None:
            fail(f"{where}: expected an empty cell, found {cell!r}")
        return
    if dtype == pl.Boolean:
        ok = isinstance(cell, bool) and cell == value
    elif dtype.is_float():
        ok = isinstance(cell, (int, float)) and not isinstance(cell, bool) and float(cell) == value
    elif dtype.is_integer():
        ok = isinstance(cell, (int, float)) and not isinstance(cell, bool) and cell == value
    elif dtype == pl.Date:
        ok = isinstance(cell, datetime.datetime) and cell.date() == value
        if value < datetime.date(1900, 3, 1):
            ok = cell == value.isoformat()
    else:
        ok = isinstance(cell, str) and cell == str(value)
    if not ok:
        fail(f"{where}: {type(cell).__name__} {cell!r}, the table has {dtype} {value!r}")


def check_workbook(out):
    path = out / "tables.xlsx"
    wb = openpyxl.load_workbook(path)
    names = wb.sheetnames
    if names[0] != "contents":
        fail(f"{path}: first sheet {names[0]!r}, not 'contents'")
    contents = list(wb["contents"].iter_rows(values_only=True))
    if list(contents[0]) != ["sheet", "table", "rows", "columns", "files", "note"]:
        fail(f"{path}: contents header {contents[0]}")
    listed = [r[0] for r in contents[1:] if r[0] is not None]
    if names[1:] != listed:
        fail(f"{path}: sheets {names[1:]} but contents lists {listed}")
    csvs = sorted(p.stem for p in out.glob("*.csv"))
    if sorted(r[1] for r in contents[1:]) != csvs:
        fail(f"{path}: contents lists {[r[1] for r in contents[1:]]}, the run wrote {csvs}")
    cells = 0
    for sheet, table, rows, columns, _files, note in contents[1:]:
        df = pl.read_parquet(out / f"{table}.parquet")
        if (rows, columns) != df.shape:
            fail(f"{path}: contents says {table} is {rows}x{columns}, it is {df.shape}")
        if sheet is None:
            if not note:
                fail(f"{path}: {table} has no sheet and no note")
            continue
        ws = wb[sheet]
        if ws.freeze_panes != "A2":
            fail(f"{path}: {sheet}: frozen at {ws.freeze_panes}, not below the header")
        got = list(ws.iter_rows(values_only=True))
        header = list(got[0]) if got else []
        if header != df.columns:
            fail(f"{path}: {sheet}: header {header}, table {df.columns}")
        if not all(ws.cell(row=1, column=j + 1).font.b for j in range(df.width)):
            fail(f"{path}: {sheet}: header not bold")
        body = got[1:]
        # openpyxl stops at the last row with a cell; trailing all-empty rows are fine.
        if len(body) > df.height:
            fail(f"{path}: {sheet}: {len(body)} rows, the table has {df.height}")
        body += [()] * (df.height - len(body))
        for j, (name, dtype) in enumerate(df.schema.items()):
            for i, value in enumerate(df[name].to_list()):
                row = body[i]
                cell = row[j] if j < len(row) else None
                same(value, cell, dtype, f"{path}: {sheet}!{name} row {i + 2}")
                cells += 1
    print(f"check_paper: {path}: {len(names)} sheets, {cells} cells equal the Parquet tables")


def check_svgs(out):
    charts = out / "charts"
    pngs = sorted(charts.glob("*.png"))
    if not pngs:
        fail(f"{charts}: no charts")
    for png in pngs:
        svg = png.with_suffix(".svg")
        if not svg.is_file():
            fail(f"{svg} missing beside {png.name}")
        root = ET.parse(svg).getroot()
        if root.tag != SVG + "svg":
            fail(f"{svg}: root {root.tag}")
        texts = ["".join(t.itertext()).strip() for t in root.iter(SVG + "text")]
        if len(texts) < 5 or not texts[0]:
            fail(f"{svg}: {len(texts)} text elements")
    print(f"check_paper: {charts}: {len(pngs)} SVGs parse, each beside its PNG")


def main():
    if len(sys.argv) < 2:
        fail("usage: check_paper.py OUT_DIR [OUT_DIR ...]")
    for d in sys.argv[1:]:
        out = Path(d)
        check_workbook(out)
        check_svgs(out)


if __name__ == "__main__":
    main()
