//! Exchange session calendars and the mapping from a security to its exchange.

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;

use super::{parse_date, read_small_csv};
use crate::error::InputError;

/// An exchange: its ISO 10383 MIC, time zone and regular close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exchange {
    pub mic: &'static str,
    pub tz: Tz,
    pub close: NaiveTime,
}

const fn hm(h: u32, m: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(h, m, 0) {
        Some(t) => t,
        None => panic!("valid constant time"),
    }
}

/// Shanghai and Shenzhen (one calendar; SZSE uses XSHG's sessions), close 15:00.
pub const XSHG: Exchange = Exchange {
    mic: "XSHG",
    tz: chrono_tz::Asia::Shanghai,
    close: hm(15, 0),
};
/// Hong Kong, close 16:00.
pub const XHKG: Exchange = Exchange {
    mic: "XHKG",
    tz: chrono_tz::Asia::Hong_Kong,
    close: hm(16, 0),
};
/// New York (NYSE and Nasdaq share the session calendar), close 16:00.
pub const XNYS: Exchange = Exchange {
    mic: "XNYS",
    tz: chrono_tz::America::New_York,
    close: hm(16, 0),
};

impl Exchange {
    /// The exchange of a security by its suffix: `.SZ`, `.SH`, `.SS` → XSHG (Shanghai/Shenzhen
    /// calendar); `.HK` → XHKG; anything else (no suffix, `.N`, `.O`, `.US`) → XNYS.
    pub fn for_security(security: &str) -> Exchange {
        let suffix = security
            .rsplit_once('.')
            .map(|(_, s)| s.to_ascii_uppercase());
        match suffix.as_deref() {
            Some("SZ" | "SH" | "SS") => XSHG,
            Some("HK") => XHKG,
            _ => XNYS,
        }
    }
}

/// A session calendar: the sorted dates on which the exchange was open.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// Where it came from: a file path, or a description.
    pub name: String,
    pub sessions: Vec<NaiveDate>,
}

impl Calendar {
    /// Index of the first session on or after `date`.
    pub fn first_on_or_after(&self, date: NaiveDate) -> Option<usize> {
        let i = self.sessions.partition_point(|d| *d < date);
        (i < self.sessions.len()).then_some(i)
    }

    /// Index of the last session on or before `date`.
    pub fn last_on_or_before(&self, date: NaiveDate) -> Option<usize> {
        let i = self.sessions.partition_point(|d| *d <= date);
        i.checked_sub(1)
    }

    /// Index of `date` if it is a session.
    pub fn index_of(&self, date: NaiveDate) -> Option<usize> {
        self.sessions.binary_search(&date).ok()
    }

    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }
}

/// Loads a calendar CSV with a `date` column (other columns ignored).
///
/// # Errors
/// Missing `date` column, unparsable or duplicate dates, an empty file.
pub fn load_calendar(path: &Path) -> Result<Calendar, InputError> {
    let (header, rows) = read_small_csv(path)?;
    let c = header.require(path, "date")?;
    let mut dated: Vec<(NaiveDate, usize)> = Vec::with_capacity(rows.len());
    for (line, rec) in rows {
        let s = rec.get(c).unwrap_or("").trim();
        let d = parse_date(s)
            .ok_or_else(|| InputError::cell(path, line, c + 1, "date", s, "a date YYYY-MM-DD"))?;
        dated.push((d, line));
    }
    dated.sort();
    for w in dated.windows(2) {
        if w[0].0 == w[1].0 {
            return Err(InputError::Duplicate {
                path: path.to_path_buf(),
                line: w[1].1,
                col: c + 1,
                column: "date".into(),
                value: w[1].0.to_string(),
                first_line: w[0].1,
            });
        }
    }
    Ok(Calendar {
        name: path.display().to_string(),
        sessions: dated.into_iter().map(|(d, _)| d).collect(),
    })
}

/// Finds `calendars/<MIC>_sessions*.csv` in a data directory.
pub fn find_calendar_file(data_dir: &Path, mic: &str) -> Option<PathBuf> {
    let dir = data_dir.join("calendars");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{mic}_sessions")) && n.ends_with(".csv"))
        })
        .collect();
    found.sort();
    found.pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_maps_to_exchange() {
        assert_eq!(Exchange::for_security("002415.SZ").mic, "XSHG");
        assert_eq!(Exchange::for_security("600519.SH").mic, "XSHG");
        assert_eq!(Exchange::for_security("600519.ss").mic, "XSHG");
        assert_eq!(Exchange::for_security("0700.HK").mic, "XHKG");
        assert_eq!(Exchange::for_security("QCOM").mic, "XNYS");
    }

    #[test]
    fn session_lookup() {
        let d = |s| parse_date(s).expect("date");
        let cal = Calendar {
            name: "t".into(),
            sessions: vec![d("2019-09-30"), d("2019-10-08"), d("2019-10-09")],
        };
        assert_eq!(cal.first_on_or_after(d("2019-10-01")), Some(1));
        assert_eq!(cal.first_on_or_after(d("2019-10-08")), Some(1));
        assert_eq!(cal.first_on_or_after(d("2019-10-10")), None);
        assert_eq!(cal.last_on_or_before(d("2019-10-07")), Some(0));
        assert_eq!(cal.last_on_or_before(d("2019-09-01")), None);
        assert_eq!(cal.index_of(d("2019-10-01")), None);
    }
}
