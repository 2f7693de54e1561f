//! Yahoo Finance chart JSON (`/v8/finance/chart/{symbol}?period1&period2&interval=1d&events=div,split`).
//!
//! The answer is `{"chart": {"result": [{"meta", "timestamp", "events", "indicators"}],
//! "error"}}`: `timestamp` holds each session's open in Unix seconds, `indicators.quote[0]`
//! the `open/high/low/close/volume` arrays (null where Yahoo has no value),
//! `indicators.adjclose[0].adjclose` Yahoo's own adjusted close, and `events.dividends` /
//! `events.splits` maps keyed by timestamp (`amount`; `numerator`, `denominator`).
//!
//! Conversion (`date,open,high,low,close,adj_close,volume`):
//! - dates are the exchange-local dates of the timestamps (`meta.exchangeTimezoneName`,
//!   else `meta.gmtoffset`); a repeated date keeps its last row;
//! - `close` is Yahoo's close, which is split-adjusted; at each split the series is checked
//!   for a jump of about the split ratio (an unadjusted series), and only then is the split
//!   factor applied to the earlier rows;
//! - `adj_close` is computed here from the adjustment data, the CRSP/Yahoo way: each dividend
//!   D with ex-date e multiplies every close before e by (1 − D / C), C the last close before
//!   e; so adj_close = close on and after the last ex-date. Yahoo's own `adjclose` is compared
//!   and the largest relative difference is noted in the provenance;
//! - a null close is written as an empty price (no trade), never dropped or zero-filled.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone};
use serde_json::Value;

use super::{Ctx, FetchError, FetchErrorKind, PRICE_COLUMNS, Query, Table, fmt_count, fmt_num};

/// Yahoo's symbol: `.SH` → `.SS`; an index without a suffix gets `^` (`GSPC` → `^GSPC`).
pub fn yahoo_symbol(symbol: &str, index: bool) -> String {
    let s = symbol.trim();
    let upper = s.to_ascii_uppercase();
    if let Some(stem) = upper.strip_suffix(".SH") {
        return format!("{stem}.SS");
    }
    if index && !s.starts_with('^') && !s.contains('.') {
        return format!("^{s}");
    }
    s.to_string()
}

/// Fetches (through `ctx`) and converts: this source's [`super::Source::fetch`].
pub fn fetch(ctx: &Ctx<'_>, q: &Query) -> Result<Table, FetchError> {
    let (symbol, index, from, to) = ctx.price_query(q)?;
    let ysym = yahoo_symbol(symbol, index);
    // A day either side: a session's timestamp is its local open, which is the previous
    // UTC day in Asia-Pacific time zones.
    let p1 = from
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp() - 86_400);
    let p2 = to
        .and_hms_opt(23, 59, 59)
        .map(|t| t.and_utc().timestamp() + 86_400);
    let (Some(p1), Some(p2)) = (p1, p2) else {
        return Err(ctx.usage("dates out of range"));
    };
    let path = format!("/v8/finance/chart/{}", encode_path(&ysym));
    let url = ctx.url(
        &path,
        &[
            ("period1", p1.to_string()),
            ("period2", p2.to_string()),
            ("interval", "1d".into()),
            ("events", "div,split".into()),
            ("includeAdjustedClose", "true".into()),
        ],
    )?;
    let body = ctx.get(&url)?;
    parse_chart(&body, from, to).map_err(|(kind, m)| ctx.err(kind, &url, m))
}

fn encode_path(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

type ParseError = (FetchErrorKind, String);

fn parse_err(m: impl Into<String>) -> ParseError {
    (FetchErrorKind::Parse, m.into())
}

/// A numeric array (null → None); absent → all None.
fn series(v: Option<&Value>, n: usize, name: &str) -> Result<Vec<Option<f64>>, ParseError> {
    match v {
        None | Some(Value::Null) => Ok(vec![None; n]),
        Some(Value::Array(a)) => {
            if a.len() != n {
                return Err(parse_err(format!(
                    "indicators '{name}' has {} values for {n} timestamps",
                    a.len()
                )));
            }
            a.iter()
                .enumerate()
                .map(|(i, x)| match x {
                    Value::Null => Ok(None),
                    Value::Number(n) => Ok(n.as_f64()),
                    other => Err(parse_err(format!(
                        "indicators '{name}'[{i}]: expected a number or null, found {other}"
                    ))),
                })
                .collect()
        }
        Some(other) => Err(parse_err(format!(
            "indicators '{name}': expected an array, found {}",
            short(other)
        ))),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 80 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(80).map(|(i, _)| i).unwrap_or(s.len())]
        )
    } else {
        s
    }
}

/// Converts a chart answer into a price table for [from, to].
///
/// # Errors
/// `(kind, message)`: Yahoo's own error (not found), no data in the period (empty), or a
/// body that is not a chart answer (parse).
pub fn parse_chart(body: &[u8], from: NaiveDate, to: NaiveDate) -> Result<Table, ParseError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| parse_err(format!("the body is not valid JSON: {e}")))?;
    let chart = v
        .get("chart")
        .ok_or_else(|| parse_err("no 'chart' object in the answer"))?;
    if let Some(err) = chart.get("error").filter(|e| !e.is_null()) {
        let code = err.get("code").and_then(Value::as_str).unwrap_or("error");
        let desc = err.get("description").and_then(Value::as_str).unwrap_or("");
        return Err((
            FetchErrorKind::NotFound,
            format!("Yahoo says {code}: {desc}"),
        ));
    }
    let r = chart.get("result").and_then(|r| r.get(0)).ok_or_else(|| {
        (
            FetchErrorKind::Empty,
            "the answer has no result".to_string(),
        )
    })?;
    let meta = r.get("meta").cloned().unwrap_or(Value::Null);
    let ts: Vec<i64> = match r.get("timestamp") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_i64()
                    .ok_or_else(|| parse_err(format!("timestamp {x} is not an integer")))
            })
            .collect::<Result<_, _>>()?,
        Some(o) => {
            return Err(parse_err(format!(
                "'timestamp' is not an array: {}",
                short(o)
            )));
        }
    };
    let n = ts.len();
    let quote = r.pointer("/indicators/quote/0");
    if n > 0 && quote.is_none() {
        return Err(parse_err("no indicators.quote[0] in the answer"));
    }
    let get = |k: &str| quote.and_then(|q| q.get(k));
    let open = series(get("open"), n, "open")?;
    let high = series(get("high"), n, "high")?;
    let low = series(get("low"), n, "low")?;
    let mut close = series(get("close"), n, "close")?;
    let volume = series(get("volume"), n, "volume")?;
    let yadj = series(r.pointer("/indicators/adjclose/0/adjclose"), n, "adjclose")?;

    let tz: Option<chrono_tz::Tz> = meta
        .get("exchangeTimezoneName")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok());
    let gmtoffset = meta.get("gmtoffset").and_then(Value::as_i64).unwrap_or(0);
    let local_date = |t: i64| -> Option<NaiveDate> {
        match tz {
            Some(tz) => tz.timestamp_opt(t, 0).single().map(|d| d.date_naive()),
            None => DateTime::from_timestamp(t + gmtoffset, 0).map(|d| d.date_naive()),
        }
    };

    // One row per local date (the last one wins: Yahoo may repeat the live session).
    let mut by_date: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for (i, &t) in ts.iter().enumerate() {
        let d = local_date(t).ok_or_else(|| parse_err(format!("timestamp {t} out of range")))?;
        by_date.insert(d, i);
    }
    let dates: Vec<NaiveDate> = by_date.keys().copied().collect();
    let idx: Vec<usize> = by_date.values().copied().collect();

    let mut table = Table::new(&PRICE_COLUMNS);
    let currency = meta
        .get("currency")
        .and_then(Value::as_str)
        .unwrap_or("unknown currency")
        .to_string();
    for c in ["open", "high", "low", "close", "adj_close"] {
        table.unit(c, currency.clone());
    }
    table.unit("volume", "shares (split-adjusted)");
    table.notes.push(format!(
        "dates: exchange-local ({})",
        tz.map(|t| t.name().to_string())
            .unwrap_or_else(|| format!("gmtoffset {gmtoffset} s"))
    ));

    // Splits: Yahoo's close is split-adjusted already; apply a split only if the series
    // jumps by about its ratio on the split date.
    let sessions = Sessions {
        dates: &dates,
        idx: &idx,
        local_date: &local_date,
    };
    let split_factor = split_factors(r, &sessions, &close, &mut table)?;
    for (k, &i) in idx.iter().enumerate() {
        if split_factor[k] != 1.0 {
            close[i] = close[i].map(|c| c * split_factor[k]);
        }
    }
    // Dividends → adj_close.
    let adj_factor = dividend_factors(r, &sessions, &close, &currency, &mut table)?;

    let mut max_diff = 0.0f64;
    for (k, (&d, &i)) in dates.iter().zip(&idx).enumerate() {
        if d < from || d > to {
            continue;
        }
        let adj = close[i].map(|c| c * adj_factor[k]);
        if let (Some(a), Some(y)) = (adj, yadj[i])
            && y != 0.0
        {
            max_diff = max_diff.max((a / y - 1.0).abs());
        }
        let sf = split_factor[k];
        let px = |v: Option<f64>| v.map(|x| fmt_num(x * sf)).unwrap_or_default();
        table.rows.push(vec![
            d.to_string(),
            px(open[i]),
            px(high[i]),
            px(low[i]),
            close[i].map(fmt_num).unwrap_or_default(),
            adj.map(fmt_num).unwrap_or_default(),
            volume[i].map(|v| fmt_count(v / sf)).unwrap_or_default(),
        ]);
    }
    if table.rows.is_empty() {
        return Err((
            FetchErrorKind::Empty,
            format!("no prices between {from} and {to}"),
        ));
    }
    if yadj.iter().any(Option::is_some) {
        table.notes.push(format!(
            "adj_close computed from the dividends; Yahoo's own adjclose differs by at most {:.2e} (relative)",
            max_diff
        ));
    }
    Ok(table)
}

/// The sessions the split and dividend factors act on: the exchange-local dates ascending,
/// each one's row in the chart's arrays, and the exchange-local date of a timestamp.
struct Sessions<'a> {
    dates: &'a [NaiveDate],
    idx: &'a [usize],
    local_date: &'a dyn Fn(i64) -> Option<NaiveDate>,
}

impl Sessions<'_> {
    /// The first session on or after `e` (an event between sessions acts on the next one).
    fn first_from(&self, e: NaiveDate) -> Option<usize> {
        self.dates.iter().position(|d| *d >= e)
    }

    /// The last close before session `pos` (`close` indexed by chart row).
    fn close_before(&self, close: &[Option<f64>], pos: usize) -> Option<f64> {
        (0..pos).rev().find_map(|k| close[self.idx[k]])
    }
}

/// The split factor of each date: 1, or 1/ratio before a split whose closes are not
/// split-adjusted yet (the series jumps by about the ratio on the split date), with a note
/// per split.
fn split_factors(
    r: &Value,
    s: &Sessions<'_>,
    close: &[Option<f64>],
    table: &mut Table,
) -> Result<Vec<f64>, ParseError> {
    let mut split_factor = vec![1.0f64; s.dates.len()];
    for (key, split) in events(r, "splits") {
        let num = split.get("numerator").and_then(Value::as_f64);
        let den = split.get("denominator").and_then(Value::as_f64);
        let (Some(num), Some(den)) = (num, den) else {
            return Err(parse_err(format!("split {key}: no numerator/denominator")));
        };
        if num <= 0.0 || den <= 0.0 {
            return Err(parse_err(format!("split {key}: ratio {num}:{den}")));
        }
        let t = event_time(&split, &key)?;
        let Some(e) = (s.local_date)(t) else { continue };
        let ratio = num / den;
        let Some(pos) = s.first_from(e) else { continue };
        let before = s.close_before(close, pos);
        let after = close[s.idx[pos]];
        let unadjusted = match (before, after) {
            (Some(b), Some(a)) if (ratio - 1.0).abs() > 0.25 => ((b / a) / ratio - 1.0).abs() < 0.2,
            _ => false,
        };
        if unadjusted {
            for f in split_factor.iter_mut().take(pos) {
                *f /= ratio;
            }
            table.notes.push(format!(
                "split {num}:{den} on {e}: the closes jump by the ratio, so they were not split-adjusted; earlier prices divided by {ratio}"
            ));
        } else {
            table.notes.push(format!(
                "split {num}:{den} on {e}: closes already split-adjusted by Yahoo; no further factor"
            ));
        }
    }
    Ok(split_factor)
}

/// The dividend factor of each date: the product of 1 - amount/previous close over the
/// dividends after it (adj_close = close · factor), with a note per dividend.
fn dividend_factors(
    r: &Value,
    s: &Sessions<'_>,
    close: &[Option<f64>],
    currency: &str,
    table: &mut Table,
) -> Result<Vec<f64>, ParseError> {
    let mut adj_factor = vec![1.0f64; s.dates.len()];
    let mut divs: Vec<(NaiveDate, f64)> = Vec::new();
    for (key, d) in events(r, "dividends") {
        let amount = d
            .get("amount")
            .and_then(Value::as_f64)
            .ok_or_else(|| parse_err(format!("dividend {key}: no amount")))?;
        let t = event_time(&d, &key)?;
        if let Some(e) = (s.local_date)(t) {
            divs.push((e, amount));
        }
    }
    divs.sort_by_key(|d| d.0);
    for (e, amount) in &divs {
        let Some(pos) = s.first_from(*e) else {
            continue;
        };
        let Some(prev) = s.close_before(close, pos) else {
            continue;
        };
        let m = 1.0 - amount / prev;
        if !(0.0..=1.0).contains(&m) {
            return Err(parse_err(format!(
                "dividend {amount} on {e} is not below the previous close {prev}"
            )));
        }
        for f in adj_factor.iter_mut().take(pos) {
            *f *= m;
        }
        table.notes.push(format!(
            "dividend {amount} {currency} ex {e}: closes before it multiplied by 1 - {amount}/{prev} = {m}"
        ));
    }
    Ok(adj_factor)
}

fn events(r: &Value, kind: &str) -> Vec<(String, Value)> {
    r.get("events")
        .and_then(|e| e.get(kind))
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn event_time(v: &Value, key: &str) -> Result<i64, ParseError> {
    v.get("date")
        .and_then(Value::as_i64)
        .or_else(|| key.parse().ok())
        .ok_or_else(|| parse_err(format!("event {key}: no date")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn symbols() {
        assert_eq!(yahoo_symbol("GSPC", true), "^GSPC");
        assert_eq!(yahoo_symbol("000300.SH", true), "000300.SS");
        assert_eq!(yahoo_symbol("002415.SZ", false), "002415.SZ");
        assert_eq!(yahoo_symbol("QCOM", false), "QCOM");
        assert_eq!(encode_path("^GSPC"), "%5EGSPC");
    }

    #[test]
    fn dividend_adjusts_earlier_closes() {
        // Three New York sessions (09:30 EDT = 13:30 UTC); a 1.00 dividend ex on the third.
        let body = br#"{"chart":{"result":[{"meta":{"currency":"USD","exchangeTimezoneName":"America/New_York","gmtoffset":-14400},
          "timestamp":[1570455000,1570541400,1570627800],
          "events":{"dividends":{"1570627800":{"amount":1.0,"date":1570627800}}},
          "indicators":{"quote":[{"open":[10,10,9],"high":[11,11,10],"low":[9,9,8],"close":[10,10,9.5],"volume":[100,200,null]}],
                        "adjclose":[{"adjclose":[9,9,9.5]}]}}],"error":null}}"#;
        let t = parse_chart(body, d("2019-10-07"), d("2019-10-09")).expect("parses");
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[0][0], "2019-10-07");
        assert_eq!(t.rows[0][5], "9");
        assert_eq!(t.rows[2][5], "9.5");
        assert_eq!(t.rows[2][6], "");
    }

    #[test]
    fn yahoo_error_and_empty() {
        let e = parse_chart(
            br#"{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}"#,
            d("2019-01-01"),
            d("2019-12-31"),
        )
        .unwrap_err();
        assert_eq!(e.0, FetchErrorKind::NotFound);
        assert!(e.1.contains("symbol may be delisted"));
        let e = parse_chart(
            br#"{"chart":{"result":[{"meta":{},"indicators":{"quote":[{}]}}],"error":null}}"#,
            d("2019-01-01"),
            d("2019-12-31"),
        )
        .unwrap_err();
        assert_eq!(e.0, FetchErrorKind::Empty);
        let e = parse_chart(
            b"{\"chart\":{\"result\":[{\"timest",
            d("2019-01-01"),
            d("2019-12-31"),
        )
        .unwrap_err();
        assert_eq!(e.0, FetchErrorKind::Parse);
    }
}
