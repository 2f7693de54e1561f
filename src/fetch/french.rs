//! Fama-French daily factors from Kenneth French's data library:
//! `/pages/faculty/ken.french/ftp/F-F_Research_Data_Factors_daily_CSV.zip`.
//!
//! The zip holds one CSV (`F-F_Research_Data_Factors_daily.CSV`): a few preamble lines
//! ("This file was created by CMPT_ME_BEME_RETS_DAILY using the 202307 CRSP database. …"),
//! a header `,Mkt-RF,SMB,HML,RF`, rows `YYYYMMDD,  0.10, -0.25, -0.27, 0.009`, then a blank
//! line and a copyright footer. Values are daily **percent** (0.58 = 0.58 %); `-99.99` and
//! `-999` mark missing values and become empty cells.
//!
//! Output: `date,mkt_rf,smb,hml,rf` in percent, as published (units in the provenance; the
//! preamble, which names the CRSP vintage, is kept in the provenance notes).

use chrono::NaiveDate;

use super::{Ctx, FetchError, FetchErrorKind, Query, Table, fmt_num, zip};

pub const ZIP_PATH: &str = "/pages/faculty/ken.french/ftp/F-F_Research_Data_Factors_daily_CSV.zip";

/// Fetches (through `ctx`) and converts: this source's [`super::Source::fetch`].
pub fn fetch(ctx: &Ctx<'_>, q: &Query) -> Result<Table, FetchError> {
    let Query::Factors { from, to } = q else {
        return Err(ctx.usage("not a factor query"));
    };
    let url = ctx.url(ZIP_PATH, &[])?;
    let body = ctx.get(&url)?;
    let entries = zip::read_all(&body)
        .map_err(|m| ctx.err(FetchErrorKind::Parse, &url, format!("bad zip: {m}")))?;
    let e = entries
        .iter()
        .find(|e| e.name.to_ascii_lowercase().ends_with(".csv"))
        .ok_or_else(|| {
            ctx.err(
                FetchErrorKind::Parse,
                &url,
                format!(
                    "no CSV in the zip (entries: {})",
                    entries
                        .iter()
                        .map(|e| e.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
    parse_factors(&e.data, *from, *to)
        .map_err(|(k, m)| ctx.err(k, &url, format!("{}: {m}", e.name)))
}

/// Parses the daily factor CSV.
///
/// # Errors
/// `(kind, message)`: no `Mkt-RF` header (parse), a bad row with its line (parse), no rows in
/// the period (empty).
pub fn parse_factors(
    csv: &[u8],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Table, (FetchErrorKind, String)> {
    let perr = |m: String| (FetchErrorKind::Parse, m);
    let text = String::from_utf8_lossy(csv);
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let h = lines
        .iter()
        .position(|l| l.contains("Mkt-RF"))
        .ok_or_else(|| perr("no header line with Mkt-RF".into()))?;
    let header: Vec<String> = lines[h].split(',').map(|c| c.trim().to_string()).collect();
    let want = ["Mkt-RF", "SMB", "HML", "RF"];
    let cols: Vec<usize> = want
        .iter()
        .map(|w| {
            header.iter().position(|c| c == w).ok_or_else(|| {
                perr(format!(
                    "line {}: header \"{}\" has no column {w}",
                    h + 1,
                    lines[h]
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    let mut t = Table::new(&["date", "mkt_rf", "smb", "hml", "rf"]);
    let preamble: Vec<String> = lines[..h]
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let mut last: Option<NaiveDate> = None;
    let mut footer = Vec::new();
    for (k, l) in lines.iter().enumerate().skip(h + 1) {
        let line = k + 1;
        let first = l.split(',').next().unwrap_or("").trim();
        if first.len() != 8 || !first.bytes().all(|b| b.is_ascii_digit()) {
            // The data block ends at the first line that does not start with a YYYYMMDD date.
            footer.extend(
                lines[k..]
                    .iter()
                    .map(|l| l.trim())
                    .filter(|l| !l.is_empty()),
            );
            break;
        }
        let date = NaiveDate::parse_from_str(first, "%Y%m%d")
            .map_err(|_| perr(format!("line {line}: \"{first}\" is not a date YYYYMMDD")))?;
        if last.is_some_and(|p| p >= date) {
            return Err(perr(format!(
                "line {line}: {date} is not after the previous row"
            )));
        }
        last = Some(date);
        let cells: Vec<&str> = l.split(',').map(str::trim).collect();
        let mut row = vec![date.to_string()];
        for (w, &c) in want.iter().zip(&cols) {
            let s = cells.get(c).copied().unwrap_or("");
            let v: f64 = s.parse().map_err(|_| {
                perr(format!(
                    "line {line}: column {w}: expected a number, found \"{s}\""
                ))
            })?;
            row.push(if v <= -99.99 {
                String::new()
            } else {
                fmt_num(v)
            });
        }
        if from.is_some_and(|f| date < f) || to.is_some_and(|t| date > t) {
            continue;
        }
        t.rows.push(row);
    }
    if t.rows.is_empty() {
        return Err((
            FetchErrorKind::Empty,
            format!(
                "no factor rows{}",
                match (from, to) {
                    (None, None) => String::new(),
                    _ => format!(
                        " between {} and {}",
                        from.map(|d| d.to_string())
                            .unwrap_or_else(|| "the start".into()),
                        to.map(|d| d.to_string())
                            .unwrap_or_else(|| "the end".into())
                    ),
                }
            ),
        ));
    }
    for c in ["mkt_rf", "smb", "hml", "rf"] {
        t.unit(c, "percent per day (0.58 = 0.58 %), as published");
    }
    t.notes
        .extend(preamble.into_iter().map(|p| format!("preamble: {p}")));
    t.notes
        .extend(footer.into_iter().map(|p| format!("footer: {p}")));
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_rows_footer() {
        let csv = b"This file was created by CMPT_ME_BEME_RETS_DAILY using the 201910 CRSP database.\r\n\
The Tbill return is the simple daily rate.\r\n\r\n,Mkt-RF,SMB,HML,RF\r\n\
20191007,   -0.44,   -0.16,   -0.07,    0.008\r\n20191008,   -1.59,    0.05,    0.25,    0.008\r\n\r\n\
Copyright 2019 Kenneth R. French\r\n";
        let t = parse_factors(csv, None, None).expect("parses");
        assert_eq!(t.rows.len(), 2);
        assert_eq!(
            t.rows[1],
            vec!["2019-10-08", "-1.59", "0.05", "0.25", "0.008"]
        );
        assert!(t.notes.iter().any(|n| n.contains("201910 CRSP")));
        assert!(t.notes.iter().any(|n| n.contains("Copyright 2019")));
        let e = parse_factors(b"nothing here", None, None).unwrap_err();
        assert!(e.1.contains("Mkt-RF"));
    }
}
