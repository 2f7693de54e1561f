//! GDELT DOC 2.0 API (`/api/v2/doc/doc`): the news flow around an event.
//!
//! - `mode=timelinevolraw&format=json`: `{"query_details": {…}, "timeline": [{"series":
//!   "Article Count", "data": [{"date": "20191007T000000Z", "value": 12, "norm": 34567}]}]}`
//!   → `date,count` (articles per UTC day: GDELT's buckets, which are finer than a day for
//!   short periods, are summed per day);
//! - `mode=artlist&format=json`: `{"articles": [{"url", "title", "seendate":
//!   "20191007T123000Z", "domain", "language", "sourcecountry"}]}` → an events CSV of
//!   headlines (no security; time and `tz=UTC` from `seendate`).
//!
//! GDELT answers a query it cannot run with a plain-text message and HTTP 200 (e.g. "The
//! specified phrase is too short"), and a query without matches with `{}`: the first is a
//! parse error quoting the message, the second an empty result. GDELT asks for at most one
//! request every 5 seconds.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;

use super::federal_register::EVENT_COLUMNS;
use super::{Ctx, FetchError, FetchErrorKind, Query, Table, fmt_count};

type ParseError = (FetchErrorKind, String);

fn json(body: &[u8]) -> Result<Value, ParseError> {
    serde_json::from_slice(body).map_err(|e| {
        let text = String::from_utf8_lossy(body);
        let t = text.trim();
        if !t.starts_with('{') && !t.is_empty() {
            (
                FetchErrorKind::Parse,
                format!(
                    "GDELT answered with text, not JSON: \"{}\"",
                    t.chars().take(200).collect::<String>()
                ),
            )
        } else {
            (
                FetchErrorKind::Parse,
                format!("the body is not valid JSON: {e}"),
            )
        }
    })
}

fn gdelt_time(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y%m%dT%H%M%SZ").ok()
}

/// Articles per UTC day from a `timelinevolraw` answer, within [from, to].
///
/// # Errors
/// Not JSON (parse, quoting GDELT's text), no timeline (empty), a bad data point (parse).
pub fn parse_timeline(body: &[u8], from: NaiveDate, to: NaiveDate) -> Result<Table, ParseError> {
    let v = json(body)?;
    let perr = |m: String| (FetchErrorKind::Parse, m);
    let series = match v.get("timeline") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(Value::Array(_)) | None => {
            return Err((
                FetchErrorKind::Empty,
                format!("GDELT found no articles between {from} and {to}"),
            ));
        }
        Some(o) => return Err(perr(format!("'timeline' is not an array: {o}"))),
    };
    let data = series[0]
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| perr("timeline[0] has no 'data' array".into()))?;
    let mut per_day: BTreeMap<NaiveDate, f64> = BTreeMap::new();
    let mut d = from;
    while d <= to {
        per_day.insert(d, 0.0);
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    for (i, p) in data.iter().enumerate() {
        let ds = p.get("date").and_then(Value::as_str).unwrap_or("");
        let t = gdelt_time(ds).ok_or_else(|| {
            perr(format!(
                "timeline data[{i}]: date: expected YYYYMMDDTHHMMSSZ, found \"{ds}\""
            ))
        })?;
        let value = p
            .get("value")
            .and_then(Value::as_f64)
            .ok_or_else(|| perr(format!("timeline data[{i}] ({ds}): no numeric 'value'")))?;
        if let Some(c) = per_day.get_mut(&t.date()) {
            *c += value;
        }
    }
    let mut t = Table::new(&["date", "count"]);
    for (d, c) in per_day {
        t.rows.push(vec![d.to_string(), fmt_count(c)]);
    }
    t.unit(
        "count",
        "articles matching the query per UTC day (timelinevolraw 'value')",
    );
    t.unit("date", "UTC date");
    Ok(t)
}

/// Headlines from an `artlist` answer, as event rows.
///
/// # Errors
/// Not JSON (parse), no articles (empty), an article without a URL or date (parse).
pub fn parse_articles(body: &[u8]) -> Result<Table, ParseError> {
    let v = json(body)?;
    let perr = |m: String| (FetchErrorKind::Parse, m);
    let arts = match v.get("articles") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(Value::Array(_)) | None => {
            return Err((FetchErrorKind::Empty, "GDELT found no articles".into()));
        }
        Some(o) => return Err(perr(format!("'articles' is not an array: {o}"))),
    };
    let mut rows: Vec<(NaiveDateTime, Vec<String>)> = Vec::new();
    for (i, a) in arts.iter().enumerate() {
        let s = |k: &str| {
            a.get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let url = s("url");
        let seen = s("seendate");
        let t = gdelt_time(&seen).ok_or_else(|| {
            perr(format!(
                "articles[{i}]: seendate: expected YYYYMMDDTHHMMSSZ, found \"{seen}\""
            ))
        })?;
        if url.is_empty() {
            return Err(perr(format!("articles[{i}]: no url")));
        }
        rows.push((
            t,
            vec![
                String::new(),
                String::new(),
                String::new(),
                t.date().to_string(),
                t.format("%H:%M").to_string(),
                "UTC".into(),
                s("title"),
                format!(
                    "GDELT: {} ({}, {})",
                    s("domain"),
                    s("language"),
                    s("sourcecountry")
                ),
                url,
            ],
        ));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1[8].cmp(&b.1[8])));
    let mut t = Table::new(&EVENT_COLUMNS);
    for (k, (_, mut r)) in rows.into_iter().enumerate() {
        r[0] = format!("GDELT-{}", k + 1);
        t.rows.push(r);
    }
    t.notes
        .push("one row per article; seendate is when GDELT first saw it (UTC)".into());
    Ok(t)
}

/// Fetches (through `ctx`) and converts: this source's [`super::Source::fetch`].
pub fn fetch(ctx: &Ctx<'_>, q: &Query) -> Result<Table, FetchError> {
    let (query, from, to, mode, max) = match q {
        Query::Timeline { query, from, to } => (query, from, to, "timelinevolraw", None),
        Query::Articles {
            query,
            from,
            to,
            max,
        } => (query, from, to, "artlist", Some(*max)),
        _ => return Err(ctx.usage("not a news query")),
    };
    let mut params = vec![
        ("query", query.clone()),
        ("mode", mode.to_string()),
        ("format", "json".into()),
        ("startdatetime", format!("{}000000", from.format("%Y%m%d"))),
        ("enddatetime", format!("{}235959", to.format("%Y%m%d"))),
    ];
    if let Some(m) = max {
        params.push(("maxrecords", m.clamp(1, 250).to_string()));
        params.push(("sort", "dateasc".into()));
    }
    let url = ctx.url("/api/v2/doc/doc", &params)?;
    let body = ctx.get(&url)?;
    let r = match q {
        Query::Timeline { .. } => parse_timeline(&body, *from, *to),
        _ => parse_articles(&body),
    };
    r.map_err(|(k, m)| ctx.err(k, &url, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_sums_buckets_per_day_and_fills_zeros() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let (from, to) = (d("2019-10-07"), d("2019-10-09"));
        let body = br#"{"query_details":{"title":"x","date_resolution":"15m"},"timeline":[{"series":"Article Count","data":[
            {"date":"20191007T000000Z","value":3,"norm":100},{"date":"20191007T001500Z","value":4,"norm":100},
            {"date":"20191009T000000Z","value":1,"norm":100}]}]}"#;
        let t = parse_timeline(body, from, to).expect("parses");
        assert_eq!(
            t.rows,
            vec![
                vec!["2019-10-07", "7"],
                vec!["2019-10-08", "0"],
                vec!["2019-10-09", "1"]
            ]
        );
        assert_eq!(
            parse_timeline(b"{}", from, to).unwrap_err().0,
            FetchErrorKind::Empty
        );
        let e = parse_timeline(b"The specified phrase is too short.", from, to).unwrap_err();
        assert!(e.1.contains("too short"), "{}", e.1);
    }
}
