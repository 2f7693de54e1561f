//! Date cells. By default a date is `YYYY-MM-DD`, `YYYYMMDD` (CRSP, Ken French) or
//! `DD.MM.YYYY` (EventStudyTools): each is unambiguous. Dates with slashes are refused
//! unless the study declares which order they use (`MM/DD/YYYY` or `DD/MM/YYYY`): the two
//! are never guessed between. A declared format is the only one accepted in that file.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How a file writes its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DateFormat {
    /// `YYYY-MM-DD`, `YYYYMMDD` or `DD.MM.YYYY`, told apart by their shape.
    #[default]
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "YYYY-MM-DD")]
    Iso,
    #[serde(rename = "YYYYMMDD")]
    Compact,
    #[serde(rename = "DD.MM.YYYY")]
    DayDotMonth,
    #[serde(rename = "MM/DD/YYYY")]
    MonthSlashDay,
    #[serde(rename = "DD/MM/YYYY")]
    DaySlashMonth,
}

impl DateFormat {
    /// What a cell of this format looks like, for messages.
    pub fn expected(self) -> &'static str {
        match self {
            DateFormat::Auto => "a date YYYY-MM-DD",
            DateFormat::Iso => "a date YYYY-MM-DD (the declared date_format)",
            DateFormat::Compact => "a date YYYYMMDD (the declared date_format)",
            DateFormat::DayDotMonth => "a date DD.MM.YYYY (the declared date_format)",
            DateFormat::MonthSlashDay => "a date MM/DD/YYYY (the declared date_format)",
            DateFormat::DaySlashMonth => "a date DD/MM/YYYY (the declared date_format)",
        }
    }

    /// The expectation for a rejected cell: with slashes under `Auto`, the hint to declare
    /// the order.
    pub fn expected_for(self, cell: &str) -> String {
        if self == DateFormat::Auto && cell.contains('/') {
            return "a date YYYY-MM-DD (dates with '/' are ambiguous: declare date_format = \"MM/DD/YYYY\" or \"DD/MM/YYYY\" in the study file's [inputs.format])".into();
        }
        self.expected().into()
    }

    /// Parses one cell (surrounding blanks ignored).
    #[inline]
    pub fn parse(self, s: &str) -> Option<NaiveDate> {
        parse_bytes(self, s.trim().as_bytes())
    }
}

#[inline]
fn digits<const N: usize>(b: &[u8]) -> Option<u32> {
    if b.len() != N {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u32;
    }
    Some(v)
}

#[inline]
fn ymd(y: Option<u32>, m: Option<u32>, d: Option<u32>) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y? as i32, m?, d?)
}

/// Parses a trimmed cell's bytes in `format`.
#[inline]
pub fn parse_bytes(format: DateFormat, b: &[u8]) -> Option<NaiveDate> {
    let iso = |b: &[u8]| {
        (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
            .then(|| {
                ymd(
                    digits::<4>(&b[..4]),
                    digits::<2>(&b[5..7]),
                    digits::<2>(&b[8..]),
                )
            })
            .flatten()
    };
    let compact = |b: &[u8]| {
        (b.len() == 8)
            .then(|| {
                ymd(
                    digits::<4>(&b[..4]),
                    digits::<2>(&b[4..6]),
                    digits::<2>(&b[6..]),
                )
            })
            .flatten()
    };
    // DD?MM?YYYY with separator `sep`; `day_first` picks the order.
    let dmy = |b: &[u8], sep: u8, day_first: bool| {
        if b.len() != 10 || b[2] != sep || b[5] != sep {
            return None;
        }
        let (a, m) = (digits::<2>(&b[..2]), digits::<2>(&b[3..5]));
        let y = digits::<4>(&b[6..]);
        if day_first {
            ymd(y, m, a)
        } else {
            ymd(y, a, m)
        }
    };
    match format {
        DateFormat::Auto => match b.len() {
            10 if b[4] == b'-' => iso(b),
            10 if b[2] == b'.' => dmy(b, b'.', true),
            8 => compact(b),
            _ => None,
        },
        DateFormat::Iso => iso(b),
        DateFormat::Compact => compact(b),
        DateFormat::DayDotMonth => dmy(b, b'.', true),
        DateFormat::MonthSlashDay => dmy(b, b'/', false),
        DateFormat::DaySlashMonth => dmy(b, b'/', true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, dd)
    }

    #[test]
    fn unambiguous_forms_are_read_and_slashes_are_declared() {
        let a = DateFormat::Auto;
        assert_eq!(a.parse("2019-10-08"), d(2019, 10, 8));
        assert_eq!(a.parse(" 2019-10-08 "), d(2019, 10, 8));
        assert_eq!(a.parse("20191008"), d(2019, 10, 8));
        assert_eq!(a.parse("08.10.2019"), d(2019, 10, 8));
        assert_eq!(a.parse("10/08/2019"), None);
        assert!(a.expected_for("10/08/2019").contains("MM/DD/YYYY"));
        assert_eq!(
            DateFormat::MonthSlashDay.parse("10/08/2019"),
            d(2019, 10, 8)
        );
        assert_eq!(
            DateFormat::DaySlashMonth.parse("10/08/2019"),
            d(2019, 8, 10)
        );
        assert_eq!(DateFormat::Iso.parse("20191008"), None);
        assert_eq!(DateFormat::Compact.parse("2019-10-08"), None);
        for bad in [
            "2019-13-01",
            "2019-1-8",
            "2019-02-30",
            "",
            "2019-10-0x",
            "+019-10-08",
        ] {
            assert_eq!(a.parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_round_trip_through_toml() {
        #[derive(Deserialize)]
        struct T {
            f: DateFormat,
        }
        let t: T = toml::from_str("f = \"DD.MM.YYYY\"").expect("valid");
        assert_eq!(t.f, DateFormat::DayDotMonth);
        assert!(toml::from_str::<T>("f = \"DD-MM-YY\"").is_err());
    }
}
