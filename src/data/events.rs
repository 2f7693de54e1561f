//! Events CSV: one row per event and security.
//!
//! Columns: `event_id,security,entity,date,time,tz,headline,source,url`. `event_id` and
//! `date` are required; `time` (HH:MM, 24 h) and `tz` (IANA name) are optional; an empty
//! `security` marks an entity with no listed shares (reported as "no market data"). An
//! optional `group` column names each row's group (results per group and their difference).

use std::path::Path;

use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;

use super::layout::FileLayout;
use super::table::read_table;
use crate::error::InputError;

/// One event row: an announcement about one entity, and the security (if any) it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event_id: String,
    /// `None` for an entity without listed shares.
    pub security: Option<String>,
    pub entity: String,
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    pub tz: Option<Tz>,
    pub headline: String,
    pub source: String,
    pub url: String,
    /// Exchange named in the optional `exchange` column (else the security's suffix decides).
    pub exchange: Option<crate::data::calendar::Exchange>,
    /// Market index file named in the optional `market` column (else the study's).
    pub market: Option<std::path::PathBuf>,
    /// The optional `group` column (e.g. `listed_entity`, `supplier`): results are also
    /// reported per group, and groups are compared.
    pub group: Option<String>,
    /// A short name for legends (the optional `short_name` or `label` column), e.g.
    /// "Hikvision" for "Hangzhou Hikvision Digital Technology Co. Ltd.".
    pub short_name: Option<String>,
    /// Line of the events file this row came from.
    pub line: usize,
}

impl Event {
    /// The announcement as written: `2019-10-07`, `2019-10-07 18:00`, or with its time zone.
    pub fn announced(&self) -> String {
        let mut s = self.date.format("%Y-%m-%d").to_string();
        if let Some(t) = self.time {
            s.push(' ');
            s.push_str(&t.format("%H:%M").to_string());
        }
        if let Some(tz) = self.tz {
            s.push(' ');
            s.push_str(tz.name());
        }
        s
    }
}

/// Loads and validates an events file (CSV, Parquet or `.xlsx`, in `layout`).
///
/// # Errors
/// A missing `event_id`/`security`/`date` column, an unparsable date or time, an unknown
/// time zone, a security id that is not a name (see [`super::ids`]), a `market` path that
/// leaves the data directory, a duplicate (event_id, security) pair or an empty file, each
/// naming the file, line, column and value.
pub fn load_events(path: &Path, layout: &FileLayout) -> Result<Vec<Event>, InputError> {
    let t = read_table(path, layout, false)?;
    let h = &t.header;
    let c_id = h.require(path, "event_id")?;
    let c_sec = h.require(path, "security")?;
    let c_date = h.require(path, "date")?;
    let c_entity = h.find("entity");
    let c_time = h.find("time");
    let c_tz = h.find("tz");
    let c_head = h.find("headline");
    let c_src = h.find("source");
    let c_url = h.find("url");
    let c_exchange = h.find("exchange");
    let c_market = h.find("market");
    let c_group = h.find("group");
    let c_short = h.find("short_name").or_else(|| h.find("label"));
    let dates = layout.date_format;

    let mut out: Vec<Event> = Vec::with_capacity(t.rows.len());
    let mut seen: std::collections::HashMap<(String, String), usize> = Default::default();
    for row in &t.rows {
        let line = row.line;
        let get = |c: Option<usize>| t.text(row, c).map(str::to_string);
        let event_id = get(Some(c_id))?;
        if event_id.is_empty() {
            return Err(t.error(row, c_id, "", "a non-empty event id"));
        }
        let sec = get(Some(c_sec))?;
        if !sec.is_empty()
            && let Some(why) = super::ids::invalid_id(&sec)
        {
            return Err(t.error(
                row,
                c_sec,
                &sec,
                &format!("{} — this one {why}", super::ids::ID_EXPECTED),
            ));
        }
        let date_s = get(Some(c_date))?;
        let date = dates
            .parse(&date_s)
            .ok_or_else(|| t.error(row, c_date, &date_s, &dates.expected_for(&date_s)))?;
        let time_s = get(c_time)?;
        let time = if time_s.is_empty() {
            None
        } else {
            Some(
                NaiveTime::parse_from_str(&time_s, "%H:%M")
                    .or_else(|_| NaiveTime::parse_from_str(&time_s, "%H:%M:%S"))
                    .map_err(|_| {
                        t.error(row, c_time.unwrap_or(0), &time_s, "a time HH:MM (24 h)")
                    })?,
            )
        };
        let tz_s = get(c_tz)?;
        let tz = if tz_s.is_empty() {
            None
        } else {
            Some(tz_s.parse::<Tz>().map_err(|_| {
                t.error(
                    row,
                    c_tz.unwrap_or(0),
                    &tz_s,
                    "an IANA time zone name such as America/New_York",
                )
            })?)
        };
        let entity = get(c_entity)?;
        // Rows without a security (unlisted entities) are keyed by their entity instead.
        let key = if sec.is_empty() {
            format!("entity:{entity}")
        } else {
            sec.clone()
        };
        if let Some(first) = seen.insert((event_id.clone(), key), line) {
            return Err(t.duplicate(
                row,
                c_id,
                "event_id,security",
                &format!("{event_id},{sec}"),
                first,
            ));
        }
        let ex_s = get(c_exchange)?;
        let exchange = if ex_s.is_empty() {
            None
        } else {
            Some(
                crate::data::calendar::Exchange::from_mic(&ex_s).ok_or_else(|| {
                    t.error(
                        row,
                        c_exchange.unwrap_or(0),
                        &ex_s,
                        "an exchange MIC: XSHG, XSHE, XHKG, XNYS or XNAS",
                    )
                })?,
            )
        };
        let market_s = get(c_market)?;
        let market = if market_s.is_empty() {
            None
        } else {
            let p = std::path::PathBuf::from(&market_s);
            if p.is_absolute()
                || p.components()
                    .any(|c| !matches!(c, std::path::Component::Normal(_)))
            {
                return Err(t.error(
                    row,
                    c_market.unwrap_or(0),
                    &market_s,
                    "a relative path inside the data directory (no '..', not absolute)",
                ));
            }
            Some(p)
        };
        out.push(Event {
            event_id,
            security: if sec.is_empty() { None } else { Some(sec) },
            entity,
            date,
            time,
            tz,
            headline: get(c_head)?,
            source: get(c_src)?,
            url: get(c_url)?,
            exchange,
            market,
            group: Some(get(c_group)?).filter(|g| !g.is_empty()),
            short_name: Some(get(c_short)?).filter(|s| !s.is_empty()),
            line,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::temp_csv as write;

    /// The message of the error loading `f`.
    fn load_error(f: &tempfile::NamedTempFile) -> String {
        load_events(f.path(), &FileLayout::default())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn reads_optional_time_and_zone() {
        let f = write(
            "event_id,security,entity,date,time,tz,headline,source,url\n\
             E1,002415.SZ,Hikvision,2019-10-07,18:00,America/New_York,h,s,u\n\
             E1,,Megvii,2019-10-07,,,h,s,u\n",
        );
        let ev = load_events(f.path(), &FileLayout::default()).expect("valid file");
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].tz, Some(chrono_tz::America::New_York));
        assert_eq!(ev[0].time, NaiveTime::from_hms_opt(18, 0, 0));
        assert_eq!(ev[0].line, 2);
        assert_eq!(ev[1].security, None);
        assert_eq!(ev[0].announced(), "2019-10-07 18:00 America/New_York");
    }

    #[test]
    fn unknown_zone_names_line_column_and_value() {
        let f = write("event_id,security,date,time,tz\nE1,A,2019-10-07,10:00,Mars/Olympus\n");
        let msg = load_error(&f);
        assert!(msg.contains(":2:5: column 'tz'"), "{msg}");
        assert!(msg.contains("\"Mars/Olympus\""), "{msg}");
    }

    /// Security ids are names: a path in the security column is refused with its place.
    #[test]
    fn security_ids_are_not_paths() {
        for bad in ["../secret", "/abs/secret", "a/b"] {
            let f = write(&format!("event_id,security,date\nE1,{bad},2019-10-07\n"));
            let msg = load_error(&f);
            assert!(msg.contains(":2:2: column 'security'"), "{msg}");
            assert!(msg.contains(&format!("\"{bad}\"")), "{msg}");
        }
        let f = write("event_id,security,date,market\nE1,A,2019-10-07,../../etc/passwd\n");
        let msg = load_error(&f);
        assert!(msg.contains(":2:4: column 'market'"), "{msg}");
    }

    #[test]
    fn duplicate_event_security_is_an_error() {
        let f = write("event_id,security,date\nE1,A,2019-10-07\nE1,A,2019-10-08\n");
        let msg = load_error(&f);
        assert!(msg.contains("first seen on line 2"), "{msg}");
    }
}
