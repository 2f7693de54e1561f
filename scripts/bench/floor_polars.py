#!/usr/bin/env python3
"""FLOOR reference (not a study): a bare read of the long prices CSV with polars plus
per-security simple returns, to show what reading the input alone costs from Python.

    floor_polars.py PRICES_LONG.csv

Reads `security,date,adj_close[,volume,trade_status]` with polars' multi-threaded CSV reader,
keeps the traded rows (`trade_status != 0` where the column exists, a price present), and
computes each security's return from its previous traded row (adj_close / previous - 1, over
`security`; the file order is the date order). No calendar, no declared halts, no
zero-volume check, no market model, no output file: it prints the row count and the sum of the
returns so that nothing is optimised away. The Rust floor is measured separately.
"""

import sys
import time

import polars as pl


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    df = pl.read_csv(sys.argv[1], schema_overrides={"adj_close": pl.Float64})
    t1 = time.perf_counter()
    traded = pl.col("adj_close").is_not_null()
    if "trade_status" in df.columns:
        traded = traded & (pl.col("trade_status") != 0)
    r = (
        df.lazy()
        .filter(traded)
        .with_columns((pl.col("adj_close") / pl.col("adj_close").shift(1).over("security") - 1.0).alias("ret"))
        .select(pl.len().alias("rows"), pl.col("ret").count().alias("returns"), pl.col("ret").sum().alias("sum"))
        .collect()
    )
    t2 = time.perf_counter()
    print(
        f"floor (polars {pl.__version__}): {df.height:,} rows, {r['returns'][0]:,} returns, "
        f"sum {r['sum'][0]:.6f}; read {t1 - t0:.3f} s, returns {t2 - t1:.3f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
