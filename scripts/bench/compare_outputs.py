#!/usr/bin/env python3
"""Compares numpy_study.py's outputs with evimpact's on the same data.

    compare_outputs.py EVIMPACT_OUT NUMPY_OUT [--tol 1e-8]

For ar.csv (keyed by event_id, tau), car.csv (event_id, window), caar.csv and the four tests of
tests.csv (scope, window/tau, test) it prints, per numeric column, the number of compared
values, the max absolute and max relative difference, and any mismatch in which values are
missing (NaN in one and not the other) or in the keys (events analysed by one only).
Exit status 1 when a difference exceeds --tol (absolute) or a key/NaN pattern differs.
"""

import argparse
import sys

import numpy as np
import pandas as pd

FOUR = ["mackinlay_j1", "cross_sectional_t", "patell_z", "bmp"]


def read(path):
    return pd.read_csv(path, dtype={"window": str, "tau": str, "event_id": str, "security": str}, keep_default_na=True)


def compare(name, a, b, keys, cols, tol, text=()):
    bad = False
    ka = a.set_index(keys)
    kb = b.set_index(keys)
    only_a = ka.index.difference(kb.index)
    only_b = kb.index.difference(ka.index)
    if len(only_a) or len(only_b):
        bad = True
        print(f"{name}: {len(only_a)} keys only in evimpact (e.g. {list(only_a[:3])}), {len(only_b)} only in numpy (e.g. {list(only_b[:3])})")
    common = ka.index.intersection(kb.index)
    ka, kb = ka.loc[common], kb.loc[common]
    print(f"{name}: {len(common)} common rows")
    for c in text:
        diff = (ka[c].astype(str) != kb[c].astype(str)).sum()
        print(f"  {c:<12} differing values: {diff}")
        bad |= diff > 0
    for c in cols:
        x = pd.to_numeric(ka[c], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(kb[c], errors="coerce").to_numpy(dtype=float)
        nan_mismatch = int((np.isnan(x) != np.isnan(y)).sum())
        both = ~np.isnan(x) & ~np.isnan(y)
        if both.any():
            d = np.abs(x[both] - y[both])
            rel = d / np.maximum(np.abs(x[both]), 1e-300)
            i = int(np.argmax(d))
            mx, mr = d.max(), rel.max()
        else:
            mx = mr = 0.0
        flag = "" if (mx <= tol and nan_mismatch == 0) else "   <-- exceeds tolerance"
        bad |= bool(flag)
        print(f"  {c:<12} n={int(both.sum()):>8}  max|diff|={mx:.3e}  max rel={mr:.3e}  NaN mismatches={nan_mismatch}{flag}")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("evimpact_out")
    ap.add_argument("numpy_out")
    ap.add_argument("--tol", type=float, default=1e-8)
    a = ap.parse_args()
    e, n = a.evimpact_out, a.numpy_out
    bad = False
    bad |= compare(
        "ar.csv",
        read(f"{e}/ar.csv"),
        read(f"{n}/ar.csv"),
        ["event_id", "tau"],
        ["span", "ret", "market_ret", "normal_ret", "ar", "ar_var", "sar"],
        a.tol,
        text=["security", "date", "status"],
    )
    bad |= compare(
        "car.csv",
        read(f"{e}/car.csv"),
        read(f"{n}/car.csv"),
        ["event_id", "window"],
        ["car", "car_var", "t_stat", "p_value", "n_returns"],
        a.tol,
    )
    ca, cb = read(f"{e}/caar.csv"), read(f"{n}/caar.csv")
    for df in (ca, cb):
        df["key"] = df["window"].fillna("") + "|" + df["tau"].fillna("")
    bad |= compare("caar.csv", ca, cb, ["scope", "key"], ["n", "mean"], a.tol)
    ta, tb = read(f"{e}/tests.csv"), read(f"{n}/tests.csv")
    ta = ta[ta["test"].isin(FOUR)].copy()
    for df in (ta, tb):
        df["key"] = df["window"].fillna("") + "|" + df["tau"].fillna("")
    bad |= compare("tests.csv (J1, CS t, Patell Z, BMP)", ta, tb, ["scope", "key", "test"], ["statistic", "p_value", "n"], a.tol, text=["distribution"])
    for t in FOUR:
        x = ta[ta.test == t].set_index(["scope", "key"])["statistic"]
        y = tb[tb.test == t].set_index(["scope", "key"])["statistic"]
        common = x.index.intersection(y.index)
        d = (x.loc[common] - y.loc[common]).abs().max()
        print(f"    {t:<18} max|diff| of the statistic over {len(common)} days/windows: {d:.3e}")
    bad |= compare("model.csv", read(f"{e}/model.csv"), read(f"{n}/model.csv"), ["event_id"], ["n_estimation", "alpha", "beta", "sigma"], a.tol)
    ev_ids = set(read(f"{e}/car.csv")["event_id"])
    np_skipped = read(f"{n}/skipped.csv")
    both_skip = np_skipped[~np_skipped["event_id"].isin(ev_ids)]
    print(f"skipped: numpy {len(np_skipped)}, of which {len(both_skip)} are also absent from evimpact's car.csv")
    bad |= len(both_skip) != len(np_skipped)
    print("RESULT:", "DIFFERENT" if bad else f"agree within {a.tol:g}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
