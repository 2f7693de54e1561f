#!/usr/bin/env python3
"""A market-model event study in vectorised numpy/pandas: the competitor of issue 15.

It is what a competent user would write in an afternoon to reproduce `evimpact run` with the
market model (MacKinlay 1997) and the four classic tests, on the same inputs:

* prices: ONE long CSV with a `security` column (`security,date,adj_close,volume,trade_status`,
  as written by `scripts/bench/make_long_csv.py`), read with pandas;
* market index (`date,adj_close`), session calendar (`date`), declared halts
  (`security,start,end`), events (`event_id,security,date,time,tz,...`).

Method (the defaults of evimpact, see README "Methods"):

* a session is *traded* when the security has a row with a price, `trade_status != 0`, not
  (volume 0 and the previous row's price repeated), and no declared halt covers it; a session
  without a row between the first and last row is suspended too;
* trade-to-trade simple returns: the return of a traded session runs from the previous traded
  session, spans d sessions and is paired with the market return over the same d sessions;
* day 0: the event date's session (next session for a non-session date); an announcement with
  a time at or after 16:00 New York time (the XNYS close) moves to the next session;
* market model by span-weighted OLS (a span-d return enters as y/sqrt(d) on [sqrt(d), m/sqrt(d)])
  on the returns observed in [-260, -11]; at least 120 returns; s^2 = SSE/(M - 2). The fit is
  batched for all events at once from per-security prefix sums (no Python loop per event);
* AR over [-10, +10], Var(AR) = s^2 (d + x'(X'X)^-1 x) with x = [d, m]; CAR over
  [-1,1], [0,1], [0,5], [-5,5], [-10,10] with Var(CAR) = s^2 (D + x_w'(X'X)^-1 x_w), x_w the sum
  of the window's rows and D their total span; single-event t on t(M - 2);
* across events, per day (AAR) and window (CAAR): MacKinlay J1 (Serra form), cross-sectional t
  (Brown & Warner 1985), Patell Z, BMP.

Outputs in --out: ar.csv, car.csv, caar.csv, tests.csv, skipped.csv (column names as evimpact's).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import numpy as np
import pandas as pd
from scipy import special

EXCHANGE_TZ = "America/New_York"  # XNYS: every synthetic security has no suffix
EXCHANGE_CLOSE_MIN = 16 * 60
DEFAULT_CARS = [(-1, 1), (0, 1), (0, 5), (-5, 5), (-10, 10)]

T0 = time.perf_counter()
VERBOSE = False


def log(msg: str) -> None:
    if VERBOSE:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"[{time.perf_counter() - T0:7.3f} s, peak RSS {peak:5.0f} MiB] {msg}", file=sys.stderr)


def parse_window(s: str) -> tuple[int, int]:
    a, b = s.split(":")
    return int(a), int(b)


def to_days(values) -> np.ndarray:
    """ISO dates (strings or datetimes) -> days since 1970 (int64)."""
    d = pd.to_datetime(values, format="%Y-%m-%d") if not pd.api.types.is_datetime64_any_dtype(values) else values
    return np.asarray(d, dtype="datetime64[D]").astype(np.int64)


def session_lookup(cal_days: np.ndarray):
    """A function mapping day numbers to calendar positions (-1 for a non-session)."""
    d0 = int(cal_days[0])
    lut = np.full(int(cal_days[-1]) - d0 + 1, -1, dtype=np.int64)
    lut[cal_days - d0] = np.arange(len(cal_days))

    def f(days: np.ndarray) -> np.ndarray:
        off = days - d0
        inside = (off >= 0) & (off < len(lut))
        out = np.full(len(days), -1, dtype=np.int64)
        out[inside] = lut[off[inside]]
        return out

    return f


# --------------------------------------------------------------------------------------------
# Inputs


def load_calendar(path: str | None, market_path: str):
    src = path if path else market_path
    cal = pd.read_csv(src, usecols=["date"], dtype={"date": str})["date"]
    days = np.sort(to_days(cal))
    return days


def load_market(path: str, cal_days: np.ndarray, lookup) -> np.ndarray:
    m = pd.read_csv(path)
    col = "adj_close" if "adj_close" in m.columns else "close"
    t = lookup(to_days(m["date"]))
    px = np.full(len(cal_days), np.nan)
    ok = t >= 0
    px[t[ok]] = m[col].to_numpy(dtype=np.float64)[ok]
    return px


def read_long_csv(path: str, engine: str):
    """The long price file -> (codes, sorted security names, day numbers, price, volume,
    trade_status) as numpy arrays (volume/status None when the column is absent)."""
    header = pd.read_csv(path, nrows=0).columns
    pcol = "adj_close" if "adj_close" in header else "close"
    extra = [c for c in ("volume", "trade_status") if c in header]
    use = ["security", "date", pcol] + extra
    if engine == "pyarrow":
        # Arrow's multi-threaded reader; dates come back as date32, numbers as int64/double.
        df = pd.read_csv(path, usecols=use, engine="pyarrow", dtype_backend="pyarrow", dtype={"security": "string[pyarrow]"})
        log(f"read {path}: {len(df):,} rows (pyarrow engine)")
        codes, secs = pd.factorize(df["security"], sort=True)
        if str(df["date"].dtype).startswith("date32"):
            days = df["date"].astype("int32[pyarrow]").to_numpy(dtype=np.int64)
        else:
            days = to_days(df["date"].astype(str))

        def num(c):
            return df[c].to_numpy(dtype=np.float64, na_value=np.nan)

    else:
        # The C parser; the date as a categorical (2,520 distinct values), so that each date
        # string is parsed once and every row is an integer code. The security stays a string
        # (a categorical would turn ids such as 000001 into numbers).
        dt = {"security": str, "date": "category", pcol: np.float64}
        dt.update({c: np.float64 for c in extra})
        df = pd.read_csv(path, usecols=use, dtype=dt)
        log(f"read {path}: {len(df):,} rows (C engine)")
        codes, secs = pd.factorize(df["security"], sort=True)
        dc = df["date"].cat
        dcodes = dc.codes.to_numpy()
        if (dcodes < 0).any():
            raise SystemExit(f"{path}: empty date on line {int(np.argmax(dcodes < 0)) + 2}")
        days = to_days(pd.Series(dc.categories.astype(str)))[dcodes]

        def num(c):
            return df[c].to_numpy(dtype=np.float64)

    codes = np.asarray(codes, dtype=np.int64)
    if (codes < 0).any():
        raise SystemExit(f"{path}: empty security on line {int(np.argmax(codes < 0)) + 2}")
    price = num(pcol)
    vol = num("volume") if "volume" in extra else None
    status = num("trade_status") if "trade_status" in extra else None
    return codes, pd.Index(secs), days, price, vol, status


def load_prices(path: str, cal_days: np.ndarray, lookup, engine: str):
    """The long price file -> (security names, dense traded-price matrix S x T, first/last row
    position of each security). Sessions that are not traded (see the module doc) are NaN."""
    codes, secs, days, price, vol, status = read_long_csv(path, engine)
    n_sessions = len(cal_days)
    # Sort by (security, date) unless the file already is (the usual case).
    d0 = days.min()
    key = codes * (days.max() - d0 + 1) + (days - d0)
    if not np.all(np.diff(key) > 0):
        order = np.argsort(key, kind="stable")
        codes, days, price, key = codes[order], days[order], price[order], key[order]
        vol = vol[order] if vol is not None else None
        status = status[order] if status is not None else None
        dup = np.flatnonzero(np.diff(key) == 0)
        if len(dup):
            raise SystemExit(f"{path}: duplicate date for security {secs[codes[dup[0]]]}")
    t = lookup(days)
    # Row-level suspension flags.
    suspended = np.isnan(price)
    if status is not None:
        suspended |= status == 0
    if vol is not None:
        same_sec = np.r_[False, codes[1:] == codes[:-1]]
        repeated = same_sec & np.r_[False, price[1:] == price[:-1]]
        suspended |= (vol == 0) & repeated
    on_cal = t >= 0
    n_off = int((~on_cal).sum())
    if n_off:
        print(f"warning: {n_off} price rows on non-session dates ignored", file=sys.stderr)
    S = len(secs)
    P = np.full((S, n_sessions), np.nan)
    ok = on_cal & ~suspended
    P[codes[ok], t[ok]] = price[ok]
    # Sessions from the first to the last row's date have data; outside them, none.
    starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    ends = np.r_[starts[1:] - 1, len(codes) - 1]
    first = np.full(S, n_sessions, dtype=np.int64)
    last = np.full(S, -1, dtype=np.int64)
    first[codes[starts]] = np.searchsorted(cal_days, days[starts], side="left")
    last[codes[ends]] = np.searchsorted(cal_days, days[ends], side="right") - 1
    return secs, P, first, last


def apply_halts(path: str | None, secs: pd.Index, P: np.ndarray, cal_days: np.ndarray) -> int:
    """Declared halts (inclusive dates) make their sessions non-traded."""
    if not path:
        return 0
    h = pd.read_csv(path, usecols=["security", "start", "end"], dtype=str)
    if h.empty:
        return 0
    s = secs.get_indexer(h["security"])
    a = np.searchsorted(cal_days, to_days(h["start"]), side="left")
    b = np.searchsorted(cal_days, to_days(h["end"]), side="right")  # exclusive
    keep = (s >= 0) & (b > a)
    s, a, b = s[keep], a[keep], b[keep]
    S, T = P.shape
    diff = np.zeros((S, T + 1), dtype=np.int32)
    np.add.at(diff, (s, a), 1)
    np.add.at(diff, (s, b), -1)
    covered = np.cumsum(diff[:, :T], axis=1) > 0
    P[covered] = np.nan
    return int(covered.sum())


def align_events(path: str, secs: pd.Index, cal_days: np.ndarray, lookup):
    """Events -> (frame, security code, day-0 position, skip reason or '')."""
    ev = pd.read_csv(path, dtype=str, keep_default_na=False)
    n = len(ev)
    days = to_days(ev["date"])
    has_time = ev["time"].str.len().to_numpy() > 0 if "time" in ev else np.zeros(n, bool)
    local_day = days.copy()
    after_close = np.zeros(n, dtype=bool)
    reason = np.full(n, "", dtype=object)
    if has_time.any():
        tz = ev["tz"].where(ev["tz"].str.len() > 0, EXCHANGE_TZ) if "tz" in ev else pd.Series(EXCHANGE_TZ, index=ev.index)
        idx = np.flatnonzero(has_time)
        stamp = pd.Series(pd.NaT, index=ev.index, dtype="datetime64[ns]")
        stamp.iloc[idx] = pd.to_datetime(ev["date"].iloc[idx] + " " + ev["time"].iloc[idx], format="ISO8601", errors="coerce")
        for zone in pd.unique(tz.iloc[idx]):
            sel = idx[(tz.iloc[idx] == zone).to_numpy()]
            loc = (
                pd.DatetimeIndex(stamp.iloc[sel])
                .tz_localize(zone, ambiguous=np.ones(len(sel), bool), nonexistent="NaT")
                .tz_convert(EXCHANGE_TZ)
            )
            bad = loc.isna()
            reason[sel[bad]] = "local time does not exist (clock change)"
            good = ~bad
            local_day[sel[good]] = np.asarray(loc[good].tz_localize(None), dtype="datetime64[D]").astype(np.int64)
            minutes = loc[good].hour * 60 + loc[good].minute
            after_close[sel[good]] = np.asarray(minutes >= EXCHANGE_CLOSE_MIN)
    T = len(cal_days)
    day0 = np.searchsorted(cal_days, local_day + after_close, side="left")
    outside = (day0 >= T) | (~after_close & (local_day < cal_days[0]))
    reason[(reason == "") & outside] = "announcement outside the calendar"
    code = secs.get_indexer(ev["security"])
    reason[(reason == "") & (code < 0)] = "unknown security: no price data"
    day0 = np.where(day0 >= T, 0, day0)
    return ev, code, day0, reason


# --------------------------------------------------------------------------------------------
# Returns and model


def trade_to_trade(P: np.ndarray, M: np.ndarray):
    """Dense (S x T) returns, spans and market returns over the same spans (NaN / 0 where a
    session has no return)."""
    S, T = P.shape
    traded = ~np.isnan(P)
    pos = np.where(traded, np.arange(T), -1)
    last = np.maximum.accumulate(pos, axis=1)
    prev = np.full_like(last, -1)
    prev[:, 1:] = last[:, :-1]
    has = traded & (prev >= 0)
    p0 = np.take_along_axis(P, np.maximum(prev, 0), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ret = np.where(has, P / p0 - 1.0, np.nan)
        mret = np.where(has, M[None, :] / M[np.maximum(prev, 0)] - 1.0, np.nan)
    span = np.where(has, np.arange(T) - prev, 0)
    return traded, ret, span, mret


def prefix_sums(ret, span, mret):
    """Cumulative sums along the calendar of the span-weighted OLS moments of the usable
    returns (return and market return both present): shape (7, S, T + 1)."""
    use = np.isfinite(ret) & np.isfinite(mret)
    d = np.where(use, span, 1).astype(np.float64)
    y = np.where(use, ret, 0.0)
    m = np.where(use, mret, 0.0)
    C = np.zeros((7, ret.shape[0], ret.shape[1] + 1))
    for k, q in enumerate((use, np.where(use, d, 0.0), m, m * m / d, y, m * y / d, y * y / d)):
        np.cumsum(q, axis=1, out=C[k, :, 1:])
    return C


def p_normal(z):
    return np.where(np.isfinite(z), 2.0 * special.ndtr(-np.abs(z)), np.nan)


def p_student(t, df):
    t = np.asarray(t, dtype=np.float64)
    df = np.broadcast_to(np.asarray(df, dtype=np.float64), t.shape)
    ok = np.isfinite(t) & (df >= 1)
    out = np.full(t.shape, np.nan)
    out[ok] = 2.0 * special.stdtr(df[ok], -np.abs(t[ok]))
    return out


def four_tests(val, var, std, dof, valid):
    """J1, cross-sectional t, Patell Z and BMP for each column of (E x K) arrays, over the
    rows where `valid`. Returns a dict test -> (statistic, p, n, distribution labels)."""
    n = valid.sum(axis=0)
    nf = n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.where(valid, val, 0.0)
        mean = x.sum(axis=0) / nf
        sd = np.sqrt(np.where(valid, (val - mean) ** 2, 0.0).sum(axis=0) / (nf - 1))
        j1 = mean / np.sqrt(np.where(valid, var, 0.0).sum(axis=0) / (nf * nf))
        cs = mean / (sd / np.sqrt(nf))
        z = np.where(valid, std, 0.0)
        zmean = z.sum(axis=0) / nf
        zsd = np.sqrt(np.where(valid, (std - zmean) ** 2, 0.0).sum(axis=0) / (nf - 1))
        pz = z.sum(axis=0) / np.sqrt(np.where(valid, dof / (dof - 2.0), 0.0).sum(axis=0))
        bmp = zmean / (zsd / np.sqrt(nf))
    j1 = np.where(n > 0, j1, np.nan)
    pz = np.where(n > 0, pz, np.nan)
    tdf = np.maximum(n - 1, 0)
    tlab = [f"t({k})" for k in tdf]
    nlab = ["N(0,1)"] * len(n)
    return mean, n, {
        "mackinlay_j1": (j1, p_normal(j1), nlab),
        "cross_sectional_t": (cs, p_student(cs, tdf), tlab),
        "patell_z": (pz, p_normal(pz), nlab),
        "bmp": (bmp, p_student(bmp, tdf), tlab),
    }


def write_csv(path: str, cols: dict, writer: str) -> None:
    """Writes columns (numpy arrays; a (values, missing) pair for a nullable integer column)
    as CSV: NaN and missing values as empty cells, floats in shortest round-trip form."""
    if writer == "pandas":
        frame = {}
        for k, v in cols.items():
            frame[k] = pd.arrays.IntegerArray(v[0], v[1]) if isinstance(v, tuple) else v
        pd.DataFrame(frame).to_csv(path, index=False)
        return
    import pyarrow as pa
    import pyarrow.csv as pacsv

    arrays = {}
    for k, v in cols.items():
        if isinstance(v, tuple):
            arrays[k] = pa.array(v[0], mask=v[1])
        elif v.dtype.kind == "f":
            arrays[k] = pa.array(v, from_pandas=True)  # NaN -> null (empty cell)
        elif v.dtype.kind == "O":
            arrays[k] = pa.array(v, type=pa.string())
        else:
            arrays[k] = pa.array(v)
    table = pa.table(arrays)
    with open(path, "wb") as f:
        f.write((",".join(cols) + "\n").encode())
        try:
            # No quotes (Arrow quotes every string otherwise); refused if a value needs them.
            pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, quoting_style="none"))
        except pa.ArrowInvalid:
            f.seek(0)
            f.truncate()
            f.write((",".join(cols) + "\n").encode())
            pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, quoting_style="needed"))


# --------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    global VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--prices", required=True, help="long price CSV with a security column")
    ap.add_argument("--market", required=True)
    ap.add_argument("--events", required=True)
    ap.add_argument("--calendar", help="session calendar (default: the market's dates)")
    ap.add_argument("--halts")
    ap.add_argument("--estimation", default="-260:-11")
    ap.add_argument("--window", default="-10:10")
    ap.add_argument("--car", action="append", help="CAR window A:B (repeatable)")
    ap.add_argument("--min-estimation", type=int, default=120)
    ap.add_argument("--csv-engine", default="pyarrow", choices=["c", "pyarrow"], help="pandas read_csv engine")
    ap.add_argument(
        "--writer",
        default="arrow",
        choices=["arrow", "pandas"],
        help="CSV writer for the tables: pyarrow.csv (default) or DataFrame.to_csv",
    )
    ap.add_argument("--out", required=True)
    ap.add_argument("-v", "--verbose", action="store_true", help="phase timings on stderr")
    a = ap.parse_args(argv)
    VERBOSE = a.verbose
    est_lo, est_hi = parse_window(a.estimation)
    w_lo, w_hi = parse_window(a.window)
    cars = [parse_window(c) for c in a.car] if a.car else [w for w in DEFAULT_CARS if w_lo <= w[0] and w[1] <= w_hi]
    os.makedirs(a.out, exist_ok=True)

    cal_days = load_calendar(a.calendar, a.market)
    T = len(cal_days)
    lookup = session_lookup(cal_days)
    M = load_market(a.market, cal_days, lookup)
    secs, P, first, last = load_prices(a.prices, cal_days, lookup, a.csv_engine)
    n_halted = apply_halts(a.halts, secs, P, cal_days)
    log(f"prices: {len(secs)} securities x {T} sessions; {n_halted} sessions under declared halts")
    traded, ret, span, mret = trade_to_trade(P, M)
    del P
    C = prefix_sums(ret, span, mret)
    log("returns and prefix sums")

    ev, code, day0, reason = align_events(a.events, secs, cal_days, lookup)
    taus = np.arange(w_lo, w_hi + 1)
    L = len(taus)
    ok = reason == ""
    bad_win = ok & ((day0 + w_lo < 0) | (day0 + w_hi >= T))
    reason[bad_win] = "the calendar does not cover the event window"
    ok = reason == ""
    s_ = np.where(ok, code, 0)
    nodata = ok & ((day0 + w_hi < first[s_]) | (day0 + w_lo > last[s_]))
    reason[nodata] = "no price data in the event window"
    ok = reason == ""

    # Batched market-model fits from the prefix sums.
    lo = np.clip(day0 + est_lo, 0, T - 1)
    hi = np.clip(day0 + est_hi, -1, T - 1)
    s_ = np.where(ok, code, 0)
    W = C[:, s_, hi + 1] - C[:, s_, lo]
    nobs, Sd, Sm, Smm, Sy, Smy, Syy = W
    nobs = np.rint(nobs).astype(np.int64)
    few = ok & (nobs < a.min_estimation)
    reason[few] = [f"estimation window has {k} usable returns, fewer than the {a.min_estimation} required" for k in nobs[few]]
    ok = reason == ""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = Sm / np.sqrt(Sd * Smm)
        singular = ok & ~(1.0 - r * r >= 1e-10)
    reason[singular] = "the estimation design is singular"
    ok = reason == ""

    keep = np.flatnonzero(ok)
    E = len(keep)
    s = code[keep]
    t0 = day0[keep]
    nobs, Sd, Sm, Smm, Sy, Smy, Syy = nobs[keep], Sd[keep], Sm[keep], Smm[keep], Sy[keep], Smy[keep], Syy[keep]
    det = Sd * Smm - Sm * Sm
    i00, i01, i11 = Smm / det, -Sm / det, Sd / det
    alpha = i00 * Sy + i01 * Smy
    beta = i01 * Sy + i11 * Smy
    dof = (nobs - 2).astype(np.float64)
    sse = Syy - alpha * Sy - beta * Smy
    s2 = sse / dof
    log(f"{E} of {len(ev)} events fitted")

    # Event window: AR and Var(AR).
    cols = t0[:, None] + taus[None, :]
    rows = s[:, None]
    R = ret[rows, cols]
    Mr = mret[rows, cols]
    D = span[rows, cols].astype(np.float64)
    valid = np.isfinite(R) & np.isfinite(Mr)
    with np.errstate(invalid="ignore"):
        normal = np.where(valid, alpha[:, None] * D + beta[:, None] * Mr, np.nan)
        AR = R - normal
        lev = i00[:, None] * D * D + 2.0 * i01[:, None] * D * Mr + i11[:, None] * Mr * Mr
        VAR = np.where(valid, s2[:, None] * (D + lev), np.nan)
        SAR = AR / np.sqrt(VAR)

    # CAR windows.
    car_cols = {}
    for (ca, cb) in cars:
        m = (taus >= ca) & (taus <= cb)
        v = valid & m[None, :]
        nret = v.sum(axis=1)
        car = np.where(v, AR, 0.0).sum(axis=1)
        Dw = np.where(v, D, 0.0).sum(axis=1)
        Mw = np.where(v, Mr, 0.0).sum(axis=1)
        var = s2 * (Dw + i00 * Dw * Dw + 2.0 * i01 * Dw * Mw + i11 * Mw * Mw)
        empty = nret == 0
        car[empty] = np.nan
        var[empty] = np.nan
        tstat = car / np.sqrt(var)
        car_cols[(ca, cb)] = (car, var, tstat, p_student(tstat, dof), nret)
    log("AR and CAR")

    # Tests: days (columns of the E x L arrays) and windows.
    mean_d, n_d, tests_d = four_tests(AR, VAR, SAR, dof[:, None], valid)
    Kc = len(cars)
    CAR = np.column_stack([car_cols[w][0] for w in cars]) if Kc else np.zeros((E, 0))
    CVAR = np.column_stack([car_cols[w][1] for w in cars]) if Kc else np.zeros((E, 0))
    CT = np.column_stack([car_cols[w][2] for w in cars]) if Kc else np.zeros((E, 0))
    mean_w, n_w, tests_w = four_tests(CAR, CVAR, CT, dof[:, None], np.isfinite(CAR))
    log("tests")

    # Outputs.
    out = lambda f: os.path.join(a.out, f)  # noqa: E731
    ids = ev["event_id"].to_numpy(dtype=object)[keep]
    names = np.asarray(secs, dtype=object)[s]
    in_data = (cols >= first[s][:, None]) & (cols <= last[s][:, None])
    status = np.where(~in_data, "no_data", np.where(traded[rows, cols], "trading", "suspended"))
    cal_str = np.datetime_as_string(cal_days.astype("datetime64[D]"))
    span_i = D.astype(np.int64).ravel()
    write_csv(
        out("ar.csv"),
        {
            "event_id": np.repeat(ids, L),
            "security": np.repeat(names, L),
            "tau": np.tile(taus, E),
            "date": cal_str[cols.ravel()],
            "status": status.ravel(),
            "span": (span_i, span_i == 0),  # (values, missing)
            "ret": R.ravel(),
            "market_ret": Mr.ravel(),
            "normal_ret": normal.ravel(),
            "ar": AR.ravel(),
            "ar_var": VAR.ravel(),
            "sar": SAR.ravel(),
        },
        a.writer,
    )
    log("ar.csv")
    K = len(cars)
    stack = lambda j: np.column_stack([car_cols[w][j] for w in cars]).ravel() if K else np.zeros(0)  # noqa: E731
    write_csv(
        out("car.csv"),
        {
            "event_id": np.repeat(ids, K),
            "security": np.repeat(names, K),
            "window": np.tile(np.array([f"{ca}:{cb}" for ca, cb in cars], dtype=object), E),
            "tau_start": np.tile(np.array([ca for ca, _ in cars]), E),
            "tau_end": np.tile(np.array([cb for _, cb in cars]), E),
            "car": stack(0),
            "car_var": stack(1),
            "t_stat": stack(2),
            "p_value": stack(3),
            "n_returns": stack(4).astype(np.int64),
        },
        a.writer,
    )
    write_csv(
        out("model.csv"),
        {"event_id": ids, "security": names, "n_estimation": nobs, "alpha": alpha, "beta": beta, "sigma": np.sqrt(s2)},
        a.writer,
    )
    caar_rows, test_rows = [], []
    for k, tau in enumerate(taus):
        caar_rows.append(("day", "", str(tau), int(n_d[k]), mean_d[k]))
        for name, (st, p, lab) in tests_d.items():
            test_rows.append(("day", "", str(tau), name, st[k], p[k], int(n_d[k]), lab[k]))
    for k, (ca, cb) in enumerate(cars):
        caar_rows.append(("window", f"{ca}:{cb}", "", int(n_w[k]), mean_w[k]))
        for name, (st, p, lab) in tests_w.items():
            test_rows.append(("window", f"{ca}:{cb}", "", name, st[k], p[k], int(n_w[k]), lab[k]))
    pd.DataFrame(caar_rows, columns=["scope", "window", "tau", "n", "mean"]).to_csv(out("caar.csv"), index=False)
    pd.DataFrame(test_rows, columns=["scope", "window", "tau", "test", "statistic", "p_value", "n", "distribution"]).to_csv(
        out("tests.csv"), index=False
    )
    sk = np.flatnonzero(~ok)
    pd.DataFrame({"event_id": ev["event_id"].to_numpy()[sk], "security": ev["security"].to_numpy()[sk], "reason": reason[sk]}).to_csv(
        out("skipped.csv"), index=False
    )
    log("car.csv, caar.csv, tests.csv, skipped.csv")
    print(f"{E} events analysed, {len(sk)} skipped; outputs in {a.out}")
    for k, (ca, cb) in enumerate(cars):
        print(f"  CAAR[{ca:+d}, {cb:+d}] {100 * mean_w[k]:+.2f}%  N={n_w[k]}  J1={tests_w['mackinlay_j1'][0][k]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
