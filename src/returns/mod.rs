//! Prices + trading status → returns, on the security's exchange calendar.
//!
//! Each session of the calendar gets a status (trading, suspended, no data) and the
//! sources that made it so. A suspended session has no return, never 0 %. The first traded
//! session after a halt carries a trade-to-trade return spanning d sessions (Maynes &
//! Rumsey 1993), paired with the market return over the same d sessions.
//!
//! # References
//! Maynes, E., Rumsey, J. (1993). Conducting event studies with thinly traded stocks.
//! Journal of Banking & Finance 17(1), 145-157.

pub mod factors;
pub mod limits;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::data::calendar::Calendar;
use crate::data::halts::Halts;
use crate::data::prices::PriceSeries;

/// Trading status of a security on one exchange session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Trading,
    Suspended,
    /// Outside the price file's span (before listing, after delisting or end of data).
    NoData,
    /// Traded, but closed at the daily price limit (A-shares).
    LimitLocked,
    /// A weekday without a session of the exchange (status tables only; never in a timeline).
    Holiday,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Trading => "trading",
            Status::Suspended => "suspended",
            Status::NoData => "no_data",
            Status::LimitLocked => "limit_locked",
            Status::Holiday => "holiday",
        }
    }

    /// Traded that session (possibly at the limit).
    pub fn traded(self) -> bool {
        matches!(self, Status::Trading | Status::LimitLocked)
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [
            Status::Trading,
            Status::Suspended,
            Status::NoData,
            Status::LimitLocked,
            Status::Holiday,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
        .ok_or_else(|| format!("unknown trading status \"{s}\""))
    }
}

/// Why a session is suspended: a set of sources (bit flags).
pub mod source {
    /// Declared in the halts file.
    pub const HALTS: u8 = 1;
    /// The price file's `trade_status` is 0.
    pub const TRADE_STATUS: u8 = 2;
    /// Zero volume and the previous row's price repeated.
    pub const ZERO_VOLUME: u8 = 4;
    /// The session is missing from the price file while the exchange was open.
    pub const MISSING_ROW: u8 = 8;
    /// The row is there but its price cell is empty.
    pub const EMPTY_PRICE: u8 = 16;

    /// Human-readable list of the sources in a flag set.
    pub fn describe(flags: u8) -> String {
        let names = [
            (HALTS, "halts file"),
            (TRADE_STATUS, "trade_status=0"),
            (ZERO_VOLUME, "zero volume, repeated price"),
            (MISSING_ROW, "session missing from price file"),
            (EMPTY_PRICE, "empty price"),
        ];
        names
            .iter()
            .filter(|(f, _)| flags & f != 0)
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// Simple or log returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnKind {
    #[default]
    Simple,
    Log,
}

impl ReturnKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnKind::Simple => "simple",
            ReturnKind::Log => "log",
        }
    }

    /// The return from `p0` to `p1`: `p1/p0 - 1` (simple) or `ln(p1/p0)` (log).
    #[inline]
    pub fn ret(self, p0: f64, p1: f64) -> f64 {
        match self {
            ReturnKind::Simple => p1 / p0 - 1.0,
            ReturnKind::Log => (p1 / p0).ln(),
        }
    }
}

/// One security's sessions on its exchange calendar, as contiguous arrays indexed like
/// `Calendar::sessions`. Absent values are `NaN` (returns) or 0 (span).
#[derive(Debug, Clone)]
pub struct Timeline {
    pub security: String,
    /// The price file's column the prices come from (e.g. `adj_close`, `close`).
    pub price_column: String,
    pub status: Vec<Status>,
    /// Suspension sources (see [`source`]); 0 for trading and no-data sessions.
    pub sources: Vec<u8>,
    /// Price on trading sessions; NaN otherwise.
    pub price: Vec<f64>,
    pub volume: Vec<f64>,
    /// Return observed on this session (spanning `span` sessions); NaN if none.
    pub ret: Vec<f64>,
    /// Number of sessions the return spans (1 normally, d after a halt); 0 if no return.
    pub span: Vec<u32>,
    /// Market return over the same span; NaN if the market has no price at either end.
    pub market_ret: Vec<f64>,
    /// Price-file rows on dates that are not sessions of the calendar (ignored).
    pub off_calendar_rows: Vec<NaiveDate>,
    /// Declared halts whose dates conflict with a traded row of the price file.
    pub halt_overrides: Vec<NaiveDate>,
    /// The sessions closed at a daily limit, ascending ([`Timeline::limit`] says which
    /// limit): what the audit and the status table say about each. Held only where a limit was hit, since most sessions
    /// of most securities have none (24 bytes a session held for every session were a
    /// third of a loaded security).
    pub limit_hits: Vec<LimitHit>,
    /// A trade-to-trade return dropped by the `exclude_days` halt policy.
    pub excluded: Vec<bool>,
}

/// A session closed at its daily price limit ([`Timeline::limit_hits`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimitHit {
    /// The session's index on the calendar.
    pub session: usize,
    /// +1 close at the upper daily limit, -1 at the lower.
    pub direction: i8,
    /// Daily limit (fraction) in force.
    pub rate: f64,
    /// Raw close and reference price behind the flag.
    pub close: f64,
    pub reference: f64,
}

impl Timeline {
    /// The limit hit on session `i`, if its close was at a limit.
    pub fn limit_hit(&self, i: usize) -> Option<&LimitHit> {
        self.limit_hits
            .binary_search_by_key(&i, |h| h.session)
            .ok()
            .map(|k| &self.limit_hits[k])
    }

    /// +1 if session `i` closed at the upper daily limit, -1 at the lower, 0 otherwise.
    pub fn limit(&self, i: usize) -> i8 {
        self.limit_hit(i).map_or(0, |h| h.direction)
    }

    /// Session `i`'s limit (close, reference price, rate), NaN where its close was at no
    /// limit: what the audit and the status table print.
    pub fn limit_values(&self, i: usize) -> (f64, f64, f64) {
        self.limit_hit(i)
            .map_or((f64::NAN, f64::NAN, f64::NAN), |h| {
                (h.close, h.reference, h.rate)
            })
    }
}

/// Market index prices aligned on a calendar (NaN where the index has no price).
pub fn align_market(cal: &Calendar, market: &PriceSeries) -> Vec<f64> {
    cal.sessions
        .iter()
        .map(|d| {
            market
                .position(*d)
                .and_then(|i| market.price[i])
                .unwrap_or(f64::NAN)
        })
        .collect()
}

/// What to do with trading halts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HaltPolicy {
    /// The first trade after a halt carries a return spanning it (Maynes & Rumsey 1993).
    #[default]
    TradeToTrade,
    /// Skip an event whose event window contains a suspended session.
    DropEvent,
    /// Drop suspended sessions and the return spanning them; returns resume the next session.
    ExcludeDays,
}

impl HaltPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            HaltPolicy::TradeToTrade => "trade_to_trade",
            HaltPolicy::DropEvent => "drop_event",
            HaltPolicy::ExcludeDays => "exclude_days",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            HaltPolicy::TradeToTrade => {
                "trade_to_trade (Maynes & Rumsey 1993): a suspended session has no return; the first traded session after a halt carries the return over the whole halt, compared with the market over the same sessions, and enters the estimation with weight 1/d"
            }
            HaltPolicy::DropEvent => {
                "drop_event: an event whose event window contains a suspended session is skipped"
            }
            HaltPolicy::ExcludeDays => {
                "exclude_days: suspended sessions and the return spanning them are dropped (from estimation and event windows); returns resume on the session after the resumption"
            }
        }
    }
}

/// What to do with limit-locked sessions (close at the daily price limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitPolicy {
    /// Keep the return and flag the session (`limit_locked`).
    #[default]
    Flag,
    /// Carry the return forward to the first session that does not close at the limit, as one
    /// return spanning those sessions.
    Accumulate,
}

impl LimitPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitPolicy::Flag => "flag",
            LimitPolicy::Accumulate => "accumulate",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            LimitPolicy::Flag => {
                "flag: a close at the daily limit keeps its return and is flagged limit_locked (the observed return understates the reaction)"
            }
            LimitPolicy::Accumulate => {
                "accumulate: a limit-locked session has no return; the first session that does not close at the limit carries one return spanning them"
            }
        }
    }
}

/// How a timeline treats halts and limit-locked sessions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policies {
    pub kind: ReturnKind,
    pub halts: HaltPolicy,
    pub limits: LimitPolicy,
}

/// Sessions at the start of a price file on which no limit is checked (listing days).
pub const LISTING_DAYS_WITHOUT_LIMIT: usize = 5;

/// Builds a security's timeline: status per session, then trade-to-trade returns.
///
/// Limit-locked sessions (see [`limits`]) keep their return under
/// [`LimitPolicy::Flag`]; under [`LimitPolicy::Accumulate`] they have none and the next
/// session off the limit carries one return spanning them. Under
/// [`HaltPolicy::ExcludeDays`] a return spanning a suspension is dropped.
pub fn build_timeline(
    cal: &Calendar,
    series: &PriceSeries,
    halts: &Halts,
    market: &[f64],
    policies: Policies,
) -> Timeline {
    let kind = policies.kind;
    let n = cal.sessions.len();
    let mut t = Timeline {
        security: series.security.clone(),
        price_column: series.price_column.clone(),
        status: vec![Status::NoData; n],
        sources: vec![0; n],
        price: vec![f64::NAN; n],
        volume: vec![f64::NAN; n],
        ret: vec![f64::NAN; n],
        span: vec![0; n],
        market_ret: vec![f64::NAN; n],
        off_calendar_rows: Vec::new(),
        halt_overrides: Vec::new(),
        limit_hits: Vec::new(),
        excluded: vec![false; n],
    };
    for d in &series.dates {
        if cal.index_of(*d).is_none() {
            t.off_calendar_rows.push(*d);
        }
    }
    let (Some(first), Some(last)) = (series.dates.first(), series.dates.last()) else {
        return t;
    };
    let mut last_trade: Option<(usize, f64)> = None;
    let mut halted_since_trade = false;
    // The security's declared halts, looked up once (not by name at every session).
    let declared = halts.of(&series.security);
    for (i, d) in cal.sessions.iter().enumerate() {
        if d < first || d > last {
            continue;
        }
        let row = series.position(*d);
        let mut flags = 0u8;
        if declared.iter().any(|h| h.covers(*d)) {
            flags |= source::HALTS;
        }
        let mut price = None;
        match row {
            None => flags |= source::MISSING_ROW,
            Some(r) => {
                if series.trade_status.get(r) == Some(&Some(0)) {
                    flags |= source::TRADE_STATUS;
                }
                match series.price[r] {
                    None => flags |= source::EMPTY_PRICE,
                    Some(p) => {
                        let repeated = r > 0 && series.price[r - 1] == Some(p);
                        if series.volume[r] == Some(0.0) && repeated {
                            flags |= source::ZERO_VOLUME;
                        }
                        price = Some(p);
                    }
                }
                t.volume[i] = series.volume[r].unwrap_or(f64::NAN);
                if flags == source::HALTS && price.is_some() {
                    t.halt_overrides.push(*d);
                }
            }
        }
        if flags != 0 {
            t.status[i] = Status::Suspended;
            t.sources[i] = flags;
            halted_since_trade = true;
            continue;
        }
        let p = price.expect("a session without suspension flags has a price");
        let r = row.expect("a traded session has a row");
        t.price[i] = p;
        t.status[i] = Status::Trading;
        if let Some((hit, rate, close, pre)) = limit_flag(series, r, *d) {
            t.status[i] = Status::LimitLocked;
            t.limit_hits.push(LimitHit {
                session: i,
                direction: hit,
                rate,
                close,
                reference: pre,
            });
            if policies.limits == LimitPolicy::Accumulate {
                continue;
            }
        }
        // A returns file's row without a return (a missing-return code on a priced row).
        let no_return = series.no_return.get(r).copied().unwrap_or(false);
        if let Some((j, pj)) = last_trade.filter(|_| !no_return) {
            if halted_since_trade && policies.halts == HaltPolicy::ExcludeDays {
                t.excluded[i] = true;
            } else {
                t.ret[i] = kind.ret(pj, p);
                t.span[i] = (i - j) as u32;
                let (m0, m1) = (market[j], market[i]);
                if m0.is_finite() && m1.is_finite() {
                    t.market_ret[i] = kind.ret(m0, m1);
                }
            }
        }
        last_trade = Some((i, p));
        halted_since_trade = false;
    }
    t
}

/// The limit flag of row `r`: (+1/-1, limit rate, close, reference price) when the close is at
/// the daily limit. Uses the raw `close` and the exchange's `preclose` when the file has them,
/// else the price column and the previous row's price.
fn limit_flag(series: &PriceSeries, r: usize, date: NaiveDate) -> Option<(i8, f64, f64, f64)> {
    if r < LISTING_DAYS_WITHOUT_LIMIT {
        return None;
    }
    let is_st = series.is_st.get(r).copied().flatten().unwrap_or(false);
    let rate = limits::daily_limit(&series.security, date, is_st)?;
    // An index built from returns has no price level to hold against a limit price.
    let own = |k: usize| {
        (!series.price_is_index())
            .then_some(series.price[k])
            .flatten()
    };
    let raw = |k: usize| series.close.get(k).copied().flatten().or(own(k));
    let close = raw(r)?;
    let pre = series
        .preclose
        .get(r)
        .copied()
        .flatten()
        .or_else(|| raw(r - 1))?;
    match limits::limit_hit(close, pre, rate) {
        0 => None,
        hit => Some((hit, rate, close, pre)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::parse_date;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).expect("date")
    }

    fn cal(days: &[&str]) -> Calendar {
        Calendar {
            name: "t".into(),
            sessions: days.iter().map(|s| d(s)).collect(),
        }
    }

    /// (date, price, volume, trade_status)
    type Row<'a> = (&'a str, Option<f64>, Option<f64>, Option<u8>);

    fn series(rows: &[Row]) -> PriceSeries {
        PriceSeries {
            security: "X".into(),
            dates: rows.iter().map(|r| d(r.0)).collect(),
            price: rows.iter().map(|r| r.1).collect(),
            volume: rows.iter().map(|r| r.2).collect(),
            trade_status: rows.iter().map(|r| r.3).collect(),
            lines: (2..rows.len() + 2).collect(),
            ..Default::default()
        }
    }

    /// Hand-computed: a zero-volume repeated-price halt of 2 sessions; the resumption return
    /// spans 3 sessions and is compared with the market over the same 3 sessions.
    #[test]
    fn halt_gives_trade_to_trade_return() {
        let c = cal(&["2019-09-30", "2019-10-08", "2019-10-09", "2019-10-10"]);
        let s = series(&[
            ("2019-09-30", Some(32.30), Some(100.0), Some(1)),
            ("2019-10-08", Some(32.30), Some(0.0), Some(0)),
            ("2019-10-09", Some(32.30), Some(0.0), None),
            ("2019-10-10", Some(30.90), Some(500.0), Some(1)),
        ]);
        let m = [100.0, 101.0, 102.0, 103.0];
        let t = build_timeline(&c, &s, &Halts::default(), &m, Policies::default());
        assert_eq!(
            t.status,
            vec![
                Status::Trading,
                Status::Suspended,
                Status::Suspended,
                Status::Trading
            ]
        );
        assert_eq!(t.sources[1], source::TRADE_STATUS | source::ZERO_VOLUME);
        assert_eq!(t.sources[2], source::ZERO_VOLUME);
        assert!(t.ret[1].is_nan() && t.ret[2].is_nan());
        assert_eq!(t.span[3], 3);
        assert_eq!(t.ret[3], 30.90 / 32.30 - 1.0);
        assert_eq!(t.market_ret[3], 103.0 / 100.0 - 1.0);
    }

    #[test]
    fn missing_row_is_a_suspension_and_edges_are_no_data() {
        let c = cal(&[
            "2019-01-02",
            "2019-01-03",
            "2019-01-04",
            "2019-01-07",
            "2019-01-08",
        ]);
        let s = series(&[
            ("2019-01-03", Some(10.0), None, None),
            ("2019-01-07", Some(11.0), None, None),
        ]);
        let m = [1.0; 5];
        let t = build_timeline(
            &c,
            &s,
            &Halts::default(),
            &m,
            Policies {
                kind: ReturnKind::Log,
                ..Default::default()
            },
        );
        assert_eq!(
            t.status,
            vec![
                Status::NoData,
                Status::Trading,
                Status::Suspended,
                Status::Trading,
                Status::NoData
            ]
        );
        assert_eq!(t.sources[2], source::MISSING_ROW);
        assert_eq!(t.span[3], 2);
        assert_eq!(t.ret[3], (11.0f64 / 10.0).ln());
        assert_eq!(t.market_ret[3], 0.0);
    }

    #[test]
    fn off_calendar_rows_are_reported() {
        let c = cal(&["2019-01-02", "2019-01-04"]);
        let s = series(&[
            ("2019-01-02", Some(1.0), None, None),
            ("2019-01-03", Some(2.0), None, None),
        ]);
        let t = build_timeline(&c, &s, &Halts::default(), &[1.0, 1.0], Policies::default());
        assert_eq!(t.off_calendar_rows, vec![d("2019-01-03")]);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    proptest! {
        /// A halted session never yields a return (in particular never 0 %), and the next
        /// traded session's return spans exactly the sessions since the last trade and
        /// equals the price ratio over them.
        #[test]
        fn halted_sessions_have_no_return(prices in proptest::collection::vec(1.0f64..100.0, 5..60),
                                          halted in proptest::collection::vec(any::<bool>(), 60),
                                          form in proptest::collection::vec(0u8..3, 60)) {
            let n = prices.len();
            let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
            let cal = Calendar { name: "t".into(), sessions: (0..n).map(|i| start + Duration::days(i as i64)).collect() };
            let mut s = PriceSeries { security: "X".into(), ..Default::default() };
            let mut last_price = prices[0];
            for i in 0..n {
                let halt = i > 0 && i < n - 1 && halted[i];
                match (halt, form[i]) {
                    (true, 0) => continue, // missing row
                    (true, f) => {
                        s.dates.push(cal.sessions[i]);
                        s.price.push(Some(last_price));
                        s.volume.push(Some(0.0));
                        s.trade_status.push(if f == 1 { Some(0) } else { None });
                    }
                    (false, _) => {
                        s.dates.push(cal.sessions[i]);
                        s.price.push(Some(prices[i]));
                        s.volume.push(Some(100.0));
                        s.trade_status.push(Some(1));
                        last_price = prices[i];
                    }
                }
                s.lines.push(i + 2);
            }
            let market: Vec<f64> = (0..n).map(|i| 100.0 + i as f64).collect();
            let t = build_timeline(&cal, &s, &Halts::default(), &market, Policies::default());
            let mut last: Option<usize> = None;
            for i in 0..n {
                let halt = i > 0 && i < n - 1 && halted[i];
                if halt {
                    prop_assert_eq!(t.status[i], Status::Suspended);
                    prop_assert!(t.ret[i].is_nan() && t.span[i] == 0);
                } else {
                    prop_assert_eq!(t.status[i], Status::Trading);
                    if let Some(j) = last {
                        prop_assert_eq!(t.span[i] as usize, i - j);
                        prop_assert_eq!(t.ret[i], prices[i] / prices[j] - 1.0);
                        prop_assert_eq!(t.market_ret[i], market[i] / market[j] - 1.0);
                    }
                    last = Some(i);
                }
            }
        }
    }
}

#[cfg(test)]
mod policy_tests {
    use super::*;
    use crate::data::parse_date;
    use crate::testutil::ROUNDOFF;

    /// A hand-made A-share (600000.SH, ±10 %) series: five listing rows, then two limit-up
    /// closes (10.00 → 11.00 → 12.10), a normal day (12.50), a two-session suspension
    /// (trade_status 0, price repeated), the resumption (13.00) and one more day (13.10).
    /// The market index rises by 1 % a session.
    fn case() -> (Calendar, PriceSeries, Vec<f64>) {
        let days: Vec<NaiveDate> = (1..=12)
            .map(|d| parse_date(&format!("2019-07-{:02}", d)).expect("date"))
            .collect();
        let closes = [
            10.0, 10.0, 10.0, 10.0, 10.0, 11.0, 12.1, 12.5, 12.5, 12.5, 13.0, 13.1,
        ];
        let status = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1];
        let s = PriceSeries {
            security: "600000.SH".into(),
            dates: days.clone(),
            price: closes.iter().map(|c| Some(*c)).collect(),
            volume: status
                .iter()
                .map(|s| Some(if *s == 1 { 100.0 } else { 0.0 }))
                .collect(),
            trade_status: status.iter().map(|s| Some(*s)).collect(),
            close: closes.iter().map(|c| Some(*c)).collect(),
            preclose: (0..12)
                .map(|i| Some(if i == 0 { 10.0 } else { closes[i - 1] }))
                .collect(),
            is_st: vec![Some(false); 12],
            lines: (2..14).collect(),
            ..Default::default()
        };
        let market = (0..12).map(|i| 100.0 * 1.01f64.powi(i)).collect();
        (
            Calendar {
                name: "t".into(),
                sessions: days,
            },
            s,
            market,
        )
    }

    fn run(halts: HaltPolicy, limits: LimitPolicy) -> Timeline {
        let (c, s, m) = case();
        build_timeline(
            &c,
            &s,
            &Halts::default(),
            &m,
            Policies {
                kind: ReturnKind::Simple,
                halts,
                limits,
            },
        )
    }

    /// (session index, return, span, market return over the span), written out by hand.
    fn returns(t: &Timeline) -> Vec<(usize, f64, u32, f64)> {
        (5..12)
            .filter(|&i| t.ret[i].is_finite())
            .map(|i| (i, t.ret[i], t.span[i], t.market_ret[i]))
            .collect()
    }

    fn close(a: &[(usize, f64, u32, f64)], b: &[(usize, f64, u32, f64)]) -> bool {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                x.0 == y.0 && x.2 == y.2 && ROUNDOFF.accepts(x.1, y.1) && ROUNDOFF.accepts(x.3, y.3)
            })
    }

    #[test]
    fn flag_keeps_limit_returns_and_trade_to_trade_spans_the_halt() {
        let t = run(HaltPolicy::TradeToTrade, LimitPolicy::Flag);
        assert_eq!(t.status[5], Status::LimitLocked);
        assert_eq!(t.status[6], Status::LimitLocked);
        assert_eq!((t.limit(5), t.limit(6), t.limit(7)), (1, 1, 0));
        // The limit hits, held only on the flagged sessions: close, reference, rate.
        let hits: Vec<_> = t
            .limit_hits
            .iter()
            .map(|h| (h.session, h.close, h.reference, h.rate))
            .collect();
        assert_eq!(hits, [(5, 11.0, 10.0, 0.1), (6, 12.1, 11.0, 0.1)]);
        assert!(
            (0..t.status.len())
                .all(|i| { t.limit_hit(i).is_some() == (t.status[i] == Status::LimitLocked) })
        );
        assert_eq!(t.limit_hit(6).map(|h| h.close), Some(12.1));
        assert_eq!(t.limit_values(5), (11.0, 10.0, 0.1));
        assert!(t.limit_values(7).0.is_nan());
        assert_eq!(
            (t.status[8], t.status[9]),
            (Status::Suspended, Status::Suspended)
        );
        let want = [
            (5, 0.1, 1, 0.01),
            (6, 12.1 / 11.0 - 1.0, 1, 0.01),
            (7, 12.5 / 12.1 - 1.0, 1, 0.01),
            (10, 13.0 / 12.5 - 1.0, 3, 1.01f64.powi(3) - 1.0),
            (11, 13.1 / 13.0 - 1.0, 1, 0.01),
        ];
        assert!(close(&returns(&t), &want), "{:?}", returns(&t));
    }

    #[test]
    fn accumulate_carries_limit_returns_to_the_first_session_off_the_limit() {
        let t = run(HaltPolicy::TradeToTrade, LimitPolicy::Accumulate);
        assert_eq!(t.status[5], Status::LimitLocked);
        let want = [
            (7, 12.5 / 10.0 - 1.0, 3, 1.01f64.powi(3) - 1.0),
            (10, 13.0 / 12.5 - 1.0, 3, 1.01f64.powi(3) - 1.0),
            (11, 13.1 / 13.0 - 1.0, 1, 0.01),
        ];
        assert!(close(&returns(&t), &want), "{:?}", returns(&t));
    }

    #[test]
    fn exclude_days_drops_the_return_spanning_the_halt() {
        let t = run(HaltPolicy::ExcludeDays, LimitPolicy::Flag);
        assert!(t.excluded[10] && t.ret[10].is_nan() && t.span[10] == 0);
        let want = [
            (5, 0.1, 1, 0.01),
            (6, 12.1 / 11.0 - 1.0, 1, 0.01),
            (7, 12.5 / 12.1 - 1.0, 1, 0.01),
            (11, 13.1 / 13.0 - 1.0, 1, 0.01),
        ];
        assert!(close(&returns(&t), &want), "{:?}", returns(&t));
    }

    /// No limit on the first five rows (listing days), and none outside Shanghai/Shenzhen.
    #[test]
    fn no_limit_on_listing_days_or_other_exchanges() {
        let (c, mut s, m) = case();
        s.price[1] = Some(11.0);
        s.close[1] = Some(11.0);
        let t = build_timeline(&c, &s, &Halts::default(), &m, Policies::default());
        assert_eq!(t.status[1], Status::Trading);
        s.security = "QCOM".into();
        let t = build_timeline(&c, &s, &Halts::default(), &m, Policies::default());
        assert_eq!(t.status[5], Status::Trading);
    }
}
