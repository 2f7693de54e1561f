//! Events CSV: one row per event and security.
//!
//! Columns: `event_id,security,entity,date,time,tz,headline,source,url`. `event_id` and
//! `date` are required; `time` (HH:MM, 24 h) and `tz` (IANA name) are optional; an empty
//! `security` marks an entity with no listed shares (reported as "no market data"). An
//! optional `group` column names each row's group (results per group and their difference).

use std::path::Path;

use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;

use super::{parse_date, read_small_csv};
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

/// Loads and validates an events file.
///
/// # Errors
/// A missing `event_id`/`security`/`date` column, an unparsable date or time, an unknown
/// time zone, a duplicate (event_id, security) pair or an empty file, each naming the file,
/// line, column and value.
pub fn load_events(path: &Path) -> Result<Vec<Event>, InputError> {
    let (header, rows) = read_small_csv(path)?;
    let c_id = header.require(path, "event_id")?;
    let c_sec = header.require(path, "security")?;
    let c_date = header.require(path, "date")?;
    let c_entity = header.find("entity");
    let c_time = header.find("time");
    let c_tz = header.find("tz");
    let c_head = header.find("headline");
    let c_src = header.find("source");
    let c_url = header.find("url");
    let c_exchange = header.find("exchange");
    let c_market = header.find("market");
    let c_group = header.find("group");
    let get = |rec: &csv::StringRecord, c: Option<usize>| -> String {
        c.and_then(|c| rec.get(c)).unwrap_or("").trim().to_string()
    };

    let mut out: Vec<Event> = Vec::with_capacity(rows.len());
    let mut seen: std::collections::HashMap<(String, String), usize> = Default::default();
    for (line, rec) in rows {
        let event_id = get(&rec, Some(c_id));
        if event_id.is_empty() {
            return Err(InputError::cell(
                path,
                line,
                c_id + 1,
                "event_id",
                "",
                "a non-empty event id",
            ));
        }
        let sec = get(&rec, Some(c_sec));
        let date_s = get(&rec, Some(c_date));
        let date = parse_date(&date_s).ok_or_else(|| {
            InputError::cell(path, line, c_date + 1, "date", &date_s, "a date YYYY-MM-DD")
        })?;
        let time_s = get(&rec, c_time);
        let time = if time_s.is_empty() {
            None
        } else {
            Some(
                NaiveTime::parse_from_str(&time_s, "%H:%M")
                    .or_else(|_| NaiveTime::parse_from_str(&time_s, "%H:%M:%S"))
                    .map_err(|_| {
                        InputError::cell(
                            path,
                            line,
                            c_time.unwrap_or(0) + 1,
                            "time",
                            &time_s,
                            "a time HH:MM (24 h)",
                        )
                    })?,
            )
        };
        let tz_s = get(&rec, c_tz);
        let tz = if tz_s.is_empty() {
            None
        } else {
            Some(tz_s.parse::<Tz>().map_err(|_| {
                InputError::cell(
                    path,
                    line,
                    c_tz.unwrap_or(0) + 1,
                    "tz",
                    &tz_s,
                    "an IANA time zone name such as America/New_York",
                )
            })?)
        };
        // Rows without a security (unlisted entities) are keyed by their entity instead.
        let key = if sec.is_empty() {
            format!("entity:{}", get(&rec, c_entity))
        } else {
            sec.clone()
        };
        if let Some(first) = seen.insert((event_id.clone(), key), line) {
            return Err(InputError::Duplicate {
                path: path.to_path_buf(),
                line,
                col: c_id + 1,
                column: "event_id,security".into(),
                value: format!("{event_id},{sec}"),
                first_line: first,
            });
        }
        let ex_s = get(&rec, c_exchange);
        let exchange = if ex_s.is_empty() {
            None
        } else {
            Some(
                crate::data::calendar::Exchange::from_mic(&ex_s).ok_or_else(|| {
                    InputError::cell(
                        path,
                        line,
                        c_exchange.unwrap_or(0) + 1,
                        "exchange",
                        &ex_s,
                        "an exchange MIC: XSHG, XSHE, XHKG, XNYS or XNAS",
                    )
                })?,
            )
        };
        let market = Some(get(&rec, c_market))
            .filter(|m| !m.is_empty())
            .map(std::path::PathBuf::from);
        out.push(Event {
            event_id,
            security: if sec.is_empty() { None } else { Some(sec) },
            entity: get(&rec, c_entity),
            date,
            time,
            tz,
            headline: get(&rec, c_head),
            source: get(&rec, c_src),
            url: get(&rec, c_url),
            exchange,
            market,
            group: Some(get(&rec, c_group)).filter(|g| !g.is_empty()),
            line,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(s: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(s.as_bytes()).expect("write");
        f
    }

    #[test]
    fn reads_optional_time_and_zone() {
        let f = write(
            "event_id,security,entity,date,time,tz,headline,source,url\n\
             E1,002415.SZ,Hikvision,2019-10-07,18:00,America/New_York,h,s,u\n\
             E1,,Megvii,2019-10-07,,,h,s,u\n",
        );
        let ev = load_events(f.path()).expect("valid file");
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
        let msg = load_events(f.path()).unwrap_err().to_string();
        assert!(msg.contains(":2:5: column 'tz'"), "{msg}");
        assert!(msg.contains("\"Mars/Olympus\""), "{msg}");
    }

    #[test]
    fn duplicate_event_security_is_an_error() {
        let f = write("event_id,security,date\nE1,A,2019-10-07\nE1,A,2019-10-08\n");
        let msg = load_events(f.path()).unwrap_err().to_string();
        assert!(msg.contains("first seen on line 2"), "{msg}");
    }
}
