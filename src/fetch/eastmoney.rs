//! Eastmoney's daily K-line JSON (`push2his.eastmoney.com/api/qt/stock/kline/get`) for
//! Shanghai/Shenzhen stocks and indices.
//!
//! Request: `secid=<market>.<code>` (0 = Shenzhen, 1 = Shanghai), `klt=101` (daily),
//! `fqt` = 0 unadjusted / 1 forward-adjusted / 2 backward-adjusted, `beg`/`end` as
//! YYYYMMDD, `fields2=f51..f61`. Answer: `{"rc":0,"data":{"code","market","name",
//! "klines":["date,open,close,high,low,volume,amount,amplitude,pct_chg,change,turnover",…]}}`
//! with `data: null` when the code is unknown. Note the field order: f52 open, **f53 close**,
//! f54 high, f55 low; f56 volume is in lots of 100 shares; f57 amount in CNY; f61 turnover in
//! percent.
//!
//! Two requests per symbol: `fqt=0` (the exchange's unadjusted prices: open/high/low/close)
//! and `fqt=2` (backward-adjusted close → `adj_close`; backward adjustment keeps old values
//! fixed when new dividends arrive, so a refetch does not rescale the history, and its
//! returns equal the dividend-reinvested returns).
//!
//! Suspended sessions: Eastmoney leaves them out of the K-line series (missing rows, which
//! the loader reads as suspended when the exchange was open); a row with zero volume is
//! written with `trade_status=0`. `evimpact fetch halts` turns the missing sessions into a
//! halts file by comparing with the index.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;

use super::{Ctx, FetchError, FetchErrorKind, PRICE_COLUMNS, Query, Table, fmt_count, fmt_num};

/// Eastmoney's `secid` for `002415.SZ` (→ `0.002415`), `000300.SH`/`.SS` (→ `1.000300`).
///
/// # Errors
/// A symbol without a Shanghai/Shenzhen suffix or without a 6-digit code.
pub fn secid(symbol: &str) -> Result<String, String> {
    let s = symbol.trim().to_ascii_uppercase();
    let (code, market) = if let Some(c) = s.strip_suffix(".SZ") {
        (c, 0)
    } else if let Some(c) = s.strip_suffix(".SH").or_else(|| s.strip_suffix(".SS")) {
        (c, 1)
    } else {
        return Err(format!(
            "Eastmoney serves Shanghai/Shenzhen codes such as 002415.SZ or 000300.SH, not \"{symbol}\": use --source yahoo or stooq"
        ));
    };
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "\"{symbol}\": expected a 6-digit code before the suffix"
        ));
    }
    Ok(format!("{market}.{code}"))
}

/// One K-line.
#[derive(Debug, Clone, PartialEq)]
pub struct Kline {
    pub date: NaiveDate,
    pub open: f64,
    pub close: f64,
    pub high: f64,
    pub low: f64,
    /// Lots of 100 shares.
    pub volume_lots: f64,
    pub amount: f64,
    pub turnover_pct: Option<f64>,
}

type ParseError = (FetchErrorKind, String);

/// Parses a K-line answer.
///
/// # Errors
/// `(kind, message)`: `rc` ≠ 0 or `data: null` (not found), no K-lines (empty), a malformed
/// line with its position (parse).
pub fn parse_klines(body: &[u8]) -> Result<(String, Vec<Kline>), ParseError> {
    let perr = |m: String| (FetchErrorKind::Parse, m);
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| perr(format!("the body is not valid JSON: {e}")))?;
    if let Some(rc) = v.get("rc").and_then(Value::as_i64)
        && rc != 0
    {
        return Err((
            FetchErrorKind::NotFound,
            format!("Eastmoney answered rc={rc}"),
        ));
    }
    let data = match v.get("data") {
        Some(Value::Null) => {
            return Err((
                FetchErrorKind::NotFound,
                "Eastmoney has no such code (data: null)".into(),
            ));
        }
        Some(d) => d,
        None => return Err(perr("no 'data' object in the answer".into())),
    };
    let name = data
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let klines = match data.get("klines") {
        Some(Value::Array(a)) => a,
        Some(Value::Null) | None => return Ok((name, Vec::new())),
        Some(o) => return Err(perr(format!("'klines' is not an array: {o}"))),
    };
    let mut out = Vec::with_capacity(klines.len());
    for (i, k) in klines.iter().enumerate() {
        let s = k
            .as_str()
            .ok_or_else(|| perr(format!("klines[{i}]: expected a string, found {k}")))?;
        let f: Vec<&str> = s.split(',').map(str::trim).collect();
        if f.len() < 7 {
            return Err(perr(format!(
                "klines[{i}]: expected at least 7 comma-separated fields (f51..f57), found {}: \"{s}\"",
                f.len()
            )));
        }
        let num = |j: usize, name: &str| -> Result<f64, ParseError> {
            f[j].parse::<f64>().map_err(|_| {
                perr(format!(
                    "klines[{i}] field {name}: expected a number, found \"{}\"",
                    f[j]
                ))
            })
        };
        let date = NaiveDate::parse_from_str(f[0], "%Y-%m-%d").map_err(|_| {
            perr(format!(
                "klines[{i}] field f51 (date): expected YYYY-MM-DD, found \"{}\"",
                f[0]
            ))
        })?;
        out.push(Kline {
            date,
            open: num(1, "f52 (open)")?,
            close: num(2, "f53 (close)")?,
            high: num(3, "f54 (high)")?,
            low: num(4, "f55 (low)")?,
            volume_lots: num(5, "f56 (volume)")?,
            amount: num(6, "f57 (amount)")?,
            turnover_pct: f.get(10).and_then(|t| t.parse::<f64>().ok()),
        });
    }
    for w in out.windows(2) {
        if w[0].date >= w[1].date {
            return Err(perr(format!(
                "klines out of order: {} then {}",
                w[0].date, w[1].date
            )));
        }
    }
    Ok((name, out))
}

/// Merges the unadjusted and backward-adjusted series into a price table.
///
/// # Errors
/// No rows in the period (empty), or a date missing from the adjusted series (parse).
pub fn to_table(
    raw: &[Kline],
    adjusted: &[Kline],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Table, ParseError> {
    let adj: BTreeMap<NaiveDate, f64> = adjusted.iter().map(|k| (k.date, k.close)).collect();
    let mut t = Table::new(
        &[
            &PRICE_COLUMNS[..],
            &["trade_status", "amount_cny", "turnover_pct"],
        ]
        .concat(),
    );
    let mut suspended = Vec::new();
    for k in raw.iter().filter(|k| k.date >= from && k.date <= to) {
        let a = adj.get(&k.date).ok_or_else(|| {
            (
                FetchErrorKind::Parse,
                format!(
                    "{}: in the unadjusted series but not in the adjusted one",
                    k.date
                ),
            )
        })?;
        let traded = k.volume_lots > 0.0;
        if !traded {
            suspended.push(k.date.to_string());
        }
        t.rows.push(vec![
            k.date.to_string(),
            fmt_num(k.open),
            fmt_num(k.high),
            fmt_num(k.low),
            fmt_num(k.close),
            fmt_num(*a),
            fmt_count(k.volume_lots * 100.0),
            if traded { "1" } else { "0" }.into(),
            fmt_num(k.amount),
            k.turnover_pct.map(fmt_num).unwrap_or_default(),
        ]);
    }
    if t.rows.is_empty() {
        return Err((
            FetchErrorKind::Empty,
            format!("no K-lines between {from} and {to}"),
        ));
    }
    for c in ["open", "high", "low", "close"] {
        t.unit(c, "CNY, unadjusted (fqt=0)");
    }
    t.unit(
        "adj_close",
        "CNY, backward-adjusted (fqt=2): use for returns only",
    );
    t.unit("volume", "shares (Eastmoney lots × 100)");
    t.unit("amount_cny", "CNY");
    t.unit("turnover_pct", "percent of float");
    t.unit("trade_status", "1 traded, 0 suspended (zero volume)");
    t.notes.push(
        "sessions missing from Eastmoney's K-lines while the exchange was open are suspensions; they are left as missing rows (see `evimpact fetch halts`)".into(),
    );
    if !suspended.is_empty() {
        t.notes.push(format!(
            "zero-volume sessions written with trade_status=0: {}",
            suspended.join(", ")
        ));
    }
    Ok(t)
}

/// Fetches (through `ctx`) and converts: this source's [`super::Source::fetch`].
pub fn fetch(ctx: &Ctx<'_>, q: &Query) -> Result<Table, FetchError> {
    let (symbol, _, from, to) = ctx.price_query(q)?;
    let id = secid(symbol).map_err(|m| ctx.usage(m))?;
    let get = |fqt: &str| -> Result<(String, Vec<Kline>), FetchError> {
        let url = ctx.url(
            "/api/qt/stock/kline/get",
            &[
                ("secid", id.clone()),
                ("fields1", "f1,f2,f3,f4,f5,f6".into()),
                (
                    "fields2",
                    "f51,f52,f53,f54,f55,f56,f57,f58,f59,f60,f61".into(),
                ),
                ("klt", "101".into()),
                ("fqt", fqt.into()),
                ("beg", from.format("%Y%m%d").to_string()),
                ("end", to.format("%Y%m%d").to_string()),
            ],
        )?;
        let body = ctx.get(&url)?;
        parse_klines(&body).map_err(|(k, m)| ctx.err(k, &url, format!("fqt={fqt}: {m}")))
    };
    let (name, raw) = get("0")?;
    let (_, adjusted) = get("2")?;
    let mut t = to_table(&raw, &adjusted, from, to).map_err(|(k, m)| ctx.err(k, "", m))?;
    if !name.is_empty() {
        t.notes
            .insert(0, format!("Eastmoney name: {name} (secid {id})"));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secids() {
        assert_eq!(secid("002415.SZ").as_deref(), Ok("0.002415"));
        assert_eq!(secid("000300.SH").as_deref(), Ok("1.000300"));
        assert_eq!(secid("600519.ss").as_deref(), Ok("1.600519"));
        assert!(secid("QCOM").is_err());
        assert!(secid("12.SZ").is_err());
    }

    #[test]
    fn klines_field_order_and_units() {
        let body = r#"{"rc":0,"rt":17,"data":{"code":"002415","market":0,"name":"海康威视","klines":[
            "2019-09-30,32.95,32.30,33.06,32.17,296074,962000000.00,2.67,-2.68,-0.89,0.32"]}}"#;
        let (name, k) = parse_klines(body.as_bytes()).expect("parses");
        assert_eq!(name, "海康威视");
        assert_eq!(k[0].close, 32.30);
        assert_eq!(k[0].high, 33.06);
        let t = to_table(&k, &k, k[0].date, k[0].date).expect("table");
        assert_eq!(t.rows[0][6], "29607400");
        assert_eq!(t.rows[0][7], "1");
        let e = parse_klines(br#"{"rc":0,"data":null}"#).unwrap_err();
        assert_eq!(e.0, FetchErrorKind::NotFound);
        let e = parse_klines(br#"{"rc":0,"data":{"klines":["2019-09-30,1,2"]}}"#).unwrap_err();
        assert!(e.1.contains("klines[0]"), "{}", e.1);
    }
}
