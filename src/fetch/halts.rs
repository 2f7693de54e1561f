//! Halts and calendars derived from fetched series.
//!
//! A security is halted on a session when its market index traded that session but the
//! security did not: no row at all (Eastmoney leaves suspended sessions out), a row with
//! `trade_status=0`, zero volume, or an empty price. Only sessions between the security's
//! first and last traded rows count (before its first row it was not listed yet, after its
//! last the series ends). Consecutive halted index sessions make one halt row
//! `security,start,end,reason,source` with inclusive dates, the project's halts format.
//!
//! A calendar is the index's own dates (`date`), the sessions on which the exchange traded.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use super::Table;

/// A daily series reduced to what halts need: each row's date and whether it traded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Traded {
    pub dates: Vec<NaiveDate>,
    pub traded: Vec<bool>,
}

/// Reads a price CSV (`date`, `adj_close` or `close`, optional `volume`, `trade_status`).
///
/// # Errors
/// The file cannot be read, or lacks a `date` column or a price column, or has a bad date,
/// naming the file and line.
pub fn read_traded(path: &Path) -> Result<Traded, String> {
    let mut r = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let h = r
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .clone();
    let col = |n: &str| h.iter().position(|c| c.trim() == n);
    let cd = col("date").ok_or_else(|| format!("{}:1: missing column 'date'", path.display()))?;
    let cp = col("adj_close").or_else(|| col("close")).ok_or_else(|| {
        format!(
            "{}:1: missing column 'adj_close' or 'close'",
            path.display()
        )
    })?;
    let (cv, cs) = (col("volume"), col("trade_status"));
    let mut t = Traded::default();
    for (k, rec) in r.records().enumerate() {
        let line = k + 2;
        let rec = rec.map_err(|e| format!("{}:{line}: {e}", path.display()))?;
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").trim();
        let ds = get(Some(cd));
        let d = super::parse_day(ds).ok_or_else(|| {
            format!(
                "{}:{line}: column 'date': expected YYYY-MM-DD, found \"{ds}\"",
                path.display()
            )
        })?;
        let price = !get(Some(cp)).is_empty();
        let vol = get(cv).parse::<f64>().map(|v| v > 0.0).unwrap_or(true);
        let status = get(cs) != "0";
        t.dates.push(d);
        t.traded.push(price && vol && status);
    }
    Ok(t)
}

/// The same from a converted table.
pub fn traded_of(t: &Table) -> Traded {
    let (Some(cd), Some(cp)) = (t.col("date"), t.col("adj_close").or_else(|| t.col("close")))
    else {
        return Traded::default();
    };
    let (cv, cs) = (t.col("volume"), t.col("trade_status"));
    let mut out = Traded::default();
    for r in &t.rows {
        let Some(d) = super::parse_day(&r[cd]) else {
            continue;
        };
        let get = |c: Option<usize>| c.map(|c| r[c].as_str()).unwrap_or("");
        let vol = get(cv).parse::<f64>().map(|v| v > 0.0).unwrap_or(true);
        out.dates.push(d);
        out.traded.push(!r[cp].is_empty() && vol && get(cs) != "0");
    }
    out
}

/// Halt rows for one security against its index's sessions.
pub fn derive_halts(
    security: &str,
    series: &Traded,
    index: &Traded,
    index_name: &str,
    source: &str,
) -> Vec<Vec<String>> {
    let traded_days: Vec<NaiveDate> = series
        .dates
        .iter()
        .zip(&series.traded)
        .filter(|(_, t)| **t)
        .map(|(d, _)| *d)
        .collect();
    let (Some(first), Some(last)) = (traded_days.first(), traded_days.last()) else {
        return Vec::new();
    };
    let row_of: HashMap<NaiveDate, bool> = series
        .dates
        .iter()
        .copied()
        .zip(series.traded.iter().copied())
        .collect();
    let sessions: Vec<NaiveDate> = index
        .dates
        .iter()
        .zip(&index.traded)
        .filter(|(d, t)| **t && *d >= first && *d <= last)
        .map(|(d, _)| *d)
        .collect();
    let mut out = Vec::new();
    let mut run: Vec<(NaiveDate, &'static str)> = Vec::new();
    let flush = |run: &mut Vec<(NaiveDate, &'static str)>, out: &mut Vec<Vec<String>>| {
        if let (Some(a), Some(b)) = (run.first(), run.last()) {
            let how = if run.iter().all(|r| r.1 == "no row") {
                "no row"
            } else if run.iter().all(|r| r.1 != "no row") {
                "a row without trading (trade_status 0, zero volume or no price)"
            } else {
                "no row or a row without trading"
            };
            out.push(vec![
                security.to_string(),
                a.0.to_string(),
                b.0.to_string(),
                format!(
                    "no trading in the {source} series ({how}) on {} session(s) while {index_name} traded",
                    run.len()
                ),
                format!("derived by evimpact fetch halts from {source} daily data ({security} vs {index_name})"),
            ]);
        }
        run.clear();
    };
    for d in sessions {
        match row_of.get(&d) {
            Some(true) => flush(&mut run, &mut out),
            Some(false) => run.push((d, "no trade")),
            None => run.push((d, "no row")),
        }
    }
    flush(&mut run, &mut out);
    out
}

/// A halts table from rows.
pub fn halts_table(rows: Vec<Vec<String>>) -> Table {
    let mut t = Table::new(&["security", "start", "end", "reason", "source"]);
    t.rows = rows;
    t.unit("start", "exchange-local date, inclusive");
    t.unit("end", "exchange-local date, inclusive");
    t.notes.push(
        "a session is a halt when the index traded and the security has no row, trade_status 0, zero volume or no price, between its first and last traded rows".into(),
    );
    t
}

/// A calendar table: the index's traded dates.
pub fn calendar_table(index: &Traded) -> Table {
    let mut t = Table::new(&["date"]);
    t.rows = index
        .dates
        .iter()
        .zip(&index.traded)
        .filter(|(_, t)| **t)
        .map(|(d, _)| vec![d.to_string()])
        .collect();
    t.notes.push(
        "sessions = the dates on which the market index has a traded row in the fetched period"
            .into(),
    );
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(v: &[&str]) -> Vec<NaiveDate> {
        v.iter().map(|s| s.parse().expect("date")).collect()
    }

    #[test]
    fn missing_and_zero_volume_sessions_become_halt_runs() {
        let index = Traded {
            dates: days(&[
                "2019-09-27",
                "2019-09-30",
                "2019-10-08",
                "2019-10-09",
                "2019-10-10",
                "2019-10-11",
            ]),
            traded: vec![true; 6],
        };
        let sec = Traded {
            dates: days(&["2019-09-27", "2019-09-30", "2019-10-09", "2019-10-10"]),
            traded: vec![true, true, false, true],
        };
        let rows = derive_halts("002415.SZ", &sec, &index, "000300.SH", "eastmoney");
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0][1..3],
            ["2019-10-08".to_string(), "2019-10-09".to_string()]
        );
        assert!(rows[0][3].contains("2 session(s)"));
        // 10-11 is after the last traded row: not a halt.
    }
}
