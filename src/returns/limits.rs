//! Daily price limits of A-shares and limit-locked closes.
//!
//! Limits (as a fraction of the exchange's previous-close reference price, `preclose`):
//! ±10 % main board and SME; ChiNext (300xxx, 301xxx) ±10 % before 2020-08-24 and ±20 % from
//! then; STAR (688xxx, 689xxx) ±20 %; ST stocks ±5 % (±20 % on ChiNext and STAR after their
//! reforms). No limit on the first five sessions of a price file, taken as listing days
//! (IPO days have no ±10 % limit; ChiNext/STAR have none for five days). Securities outside
//! Shanghai/Shenzhen have no limits. A close equal to the limit price, rounded half up to
//! 0.01 CNY as the exchanges do, is flagged: the observed return understates the reaction.

use chrono::NaiveDate;

/// The board of an A-share by its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Board {
    Main,
    ChiNext,
    Star,
}

/// ChiNext's registration reform: ±20 % from this date.
pub fn chinext_reform() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 8, 24).expect("valid date")
}

/// The board of a Shanghai/Shenzhen security, `None` for other exchanges.
pub fn board(security: &str) -> Option<Board> {
    let (code, suffix) = security.rsplit_once('.')?;
    if !matches!(suffix.to_ascii_uppercase().as_str(), "SZ" | "SH" | "SS") {
        return None;
    }
    if code.starts_with("300") || code.starts_with("301") {
        Some(Board::ChiNext)
    } else if code.starts_with("688") || code.starts_with("689") {
        Some(Board::Star)
    } else {
        Some(Board::Main)
    }
}

/// The daily limit as a fraction (0.10 for ±10 %), `None` when the security has none.
pub fn daily_limit(security: &str, date: NaiveDate, is_st: bool) -> Option<f64> {
    let wide = match board(security)? {
        Board::Main => false,
        Board::ChiNext => date >= chinext_reform(),
        Board::Star => true,
    };
    Some(match (wide, is_st) {
        (true, _) => 0.20,
        (false, true) => 0.05,
        (false, false) => 0.10,
    })
}

/// The limit prices (down, up) for a reference price, rounded half up to 0.01.
pub fn limit_prices(preclose: f64, limit: f64) -> (f64, f64) {
    let r = |x: f64| (x * 100.0 + 0.5 + 1e-9).floor() / 100.0;
    (r(preclose * (1.0 - limit)), r(preclose * (1.0 + limit)))
}

/// +1 if `close` is at the upper limit, -1 at the lower limit, 0 otherwise.
pub fn limit_hit(close: f64, preclose: f64, limit: f64) -> i8 {
    let (down, up) = limit_prices(preclose, limit);
    if (close - up).abs() < 5e-7 {
        1
    } else if (close - down).abs() < 5e-7 {
        -1
    } else {
        0
    }
}

/// A short description of a board's limit, for the audit and status tables.
pub fn describe(security: &str, date: NaiveDate, is_st: bool) -> String {
    let (name, pct) = match (board(security), daily_limit(security, date, is_st)) {
        (Some(Board::Main), Some(l)) => ("main board/SME", l),
        (Some(Board::ChiNext), Some(l)) => ("ChiNext", l),
        (Some(Board::Star), Some(l)) => ("STAR", l),
        _ => return "no daily limit".into(),
    };
    format!(
        "±{:.0} % {name}{}",
        pct * 100.0,
        if is_st { ", ST" } else { "" }
    )
}

/// A close beyond its daily limit by more than the exchange's rounding.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    /// Line (or row) and date of the row.
    pub line: usize,
    pub date: NaiveDate,
    /// close / reference − 1.
    pub change: f64,
    /// The limit in force (0.10 for ±10 %).
    pub limit: f64,
}

/// The rows of an A-share price series whose close lies beyond the daily limit price by
/// more than rounding: one tick (0.01 CNY) when the close is the raw close, 0.5 % of the
/// reference price when only an adjusted price is known. The reference is `preclose`, else
/// the previous row's close; listing days (the first five rows) have no limit. Such a row
/// is a data error or a day without a limit (a resumption after a restructuring): either
/// way the reader is told.
pub fn beyond_limit(series: &crate::data::prices::PriceSeries) -> Vec<Breach> {
    let mut out = Vec::new();
    if board(&series.security).is_none() || series.price_is_index() {
        return out;
    }
    let raw_is_close = series.price_column == "close";
    for r in super::LISTING_DAYS_WITHOUT_LIMIT..series.dates.len() {
        let date = series.dates[r];
        let is_st = series.is_st.get(r).copied().flatten().unwrap_or(false);
        let Some(rate) = daily_limit(&series.security, date, is_st) else {
            continue;
        };
        let close_col = |k: usize| series.close.get(k).copied().flatten();
        let raw = |k: usize| close_col(k).or(series.price[k]);
        let Some(close) = raw(r) else { continue };
        let Some(pre) = series
            .preclose
            .get(r)
            .copied()
            .flatten()
            .or_else(|| raw(r - 1))
        else {
            continue;
        };
        let tol = if raw_is_close || close_col(r).is_some() {
            0.0101
        } else {
            0.005 * pre
        };
        let (down, up) = limit_prices(pre, rate);
        if close > up + tol || close < down - tol {
            out.push(Breach {
                line: series.lines.get(r).copied().unwrap_or(0),
                date,
                change: close / pre - 1.0,
                limit: rate,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-made: a +15 % close on a ±10 % main-board share is a breach; +10 % (at the limit,
    /// rounded) is not; the first five rows have no limit.
    #[test]
    fn closes_beyond_the_limit_are_found() {
        let d = |k: u32| NaiveDate::from_ymd_opt(2019, 3, k).expect("date");
        let closes = [10.0, 20.0, 20.0, 20.0, 20.0, 20.0, 22.0, 25.3, 25.3];
        let s = crate::data::prices::PriceSeries {
            security: "002415.SZ".into(),
            price_column: "close".into(),
            dates: (1..=9).map(d).collect(),
            price: closes.iter().map(|&c| Some(c)).collect(),
            close: vec![None; 9],
            preclose: vec![None; 9],
            is_st: vec![None; 9],
            lines: (2..11).collect(),
            ..Default::default()
        };
        let b = beyond_limit(&s);
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!((b[0].line, b[0].limit), (9, 0.10));
        assert!((b[0].change - 0.15).abs() < 1e-12);
        let us = crate::data::prices::PriceSeries {
            security: "QCOM".into(),
            ..s.clone()
        };
        assert!(beyond_limit(&us).is_empty());
    }

    fn d(s: &str) -> NaiveDate {
        crate::data::parse_date(s).expect("date")
    }

    #[test]
    fn limits_by_board_date_and_st() {
        assert_eq!(daily_limit("002415.SZ", d("2019-10-10"), false), Some(0.10));
        assert_eq!(daily_limit("600519.SH", d("2019-10-10"), true), Some(0.05));
        assert_eq!(daily_limit("300188.SZ", d("2020-08-21"), false), Some(0.10));
        assert_eq!(daily_limit("300188.SZ", d("2020-08-24"), false), Some(0.20));
        assert_eq!(daily_limit("688981.SH", d("2020-07-16"), false), Some(0.20));
        assert_eq!(daily_limit("QCOM", d("2019-10-10"), false), None);
        assert_eq!(daily_limit("0700.HK", d("2019-10-10"), false), None);
    }

    /// Real closes (shared data, baostock): 300188.SZ on 2019-04-02 closed at 18.93 on a
    /// preclose of 17.21 (17.21 × 1.1 = 18.931 → 18.93), limit up; 300188.SZ on 2015-08-21
    /// closed at 33.44 on 37.15 (37.15 × 0.9 = 33.435 → 33.44, half up), limit down.
    #[test]
    fn real_limit_closes() {
        assert_eq!(limit_hit(18.93, 17.21, 0.10), 1);
        assert_eq!(limit_hit(33.44, 37.15, 0.10), -1);
        assert_eq!(limit_hit(18.07, 17.53, 0.10), 0);
        assert_eq!(limit_prices(37.15, 0.10), (33.44, 40.87));
    }
}
