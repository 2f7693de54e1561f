//! Stooq's CSV download (`/q/d/l/?s={symbol}&d1=YYYYMMDD&d2=YYYYMMDD&i=d`), the second
//! source for US and global prices.
//!
//! The answer is `Date,Open,High,Low,Close,Volume` with ISO dates (`Volume` may be absent
//! for some indices), or the text `No data` when the symbol or period is unknown. Stooq's
//! history is adjusted for splits and dividends, so `adj_close` = `close` (noted in the
//! provenance). Symbols: `QCOM` → `qcom.us`; an index `GSPC` → `^spx`, other indices
//! `^name`; a suffix is kept in lower case (`0700.HK` → `0700.hk`). Stooq has no
//! Shanghai/Shenzhen A-shares.

use chrono::NaiveDate;

use super::{
    Ctx, FetchError, FetchErrorKind, PRICE_COLUMNS, Query, Table, fmt_count, fmt_num, is_a_share,
};

/// Stooq's symbol for a security or index.
///
/// # Errors
/// A Shanghai/Shenzhen listing (Stooq does not carry them).
pub fn stooq_symbol(symbol: &str, index: bool) -> Result<String, String> {
    if is_a_share(symbol) {
        return Err(format!(
            "Stooq has no Shanghai/Shenzhen A-shares or indices: use --source eastmoney for {symbol}"
        ));
    }
    let s = symbol.trim().trim_start_matches('^').to_ascii_lowercase();
    if index || symbol.starts_with('^') {
        return Ok(match s.as_str() {
            "gspc" | "spx" => "^spx".into(),
            "dji" => "^dji".into(),
            "ixic" => "^ndq".into(),
            _ => format!("^{s}"),
        });
    }
    if s.contains('.') {
        Ok(s)
    } else {
        Ok(format!("{s}.us"))
    }
}

/// Fetches (through `ctx`) and converts: this source's [`super::Source::fetch`].
pub fn fetch(ctx: &Ctx<'_>, q: &Query) -> Result<Table, FetchError> {
    let (symbol, index, from, to) = ctx.price_query(q)?;
    let s = stooq_symbol(symbol, index).map_err(|m| ctx.usage(m))?;
    let url = ctx.url(
        "/q/d/l/",
        &[
            ("s", s),
            ("d1", from.format("%Y%m%d").to_string()),
            ("d2", to.format("%Y%m%d").to_string()),
            ("i", "d".into()),
        ],
    )?;
    let body = ctx.get(&url)?;
    parse_csv(&body, from, to).map_err(|(k, m)| ctx.err(k, &url, m))
}

/// Converts Stooq's CSV into a price table for [from, to].
///
/// # Errors
/// `(kind, message)`: `No data` (empty), a missing column or a bad cell with its line (parse).
pub fn parse_csv(
    body: &[u8],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Table, (FetchErrorKind, String)> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with("No data") || trimmed.starts_with("Brak danych") {
        return Err((
            FetchErrorKind::Empty,
            format!(
                "Stooq has no data between {from} and {to} (\"{}\")",
                first_line(trimmed)
            ),
        ));
    }
    let parse = |m: String| (FetchErrorKind::Parse, m);
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(trimmed.as_bytes());
    let header = r
        .headers()
        .map_err(|e| parse(format!("line 1: {e}")))?
        .clone();
    let find = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(cd), Some(cc)) = (find("Date"), find("Close")) else {
        return Err(parse(format!(
            "line 1: expected a header Date,Open,High,Low,Close[,Volume], found \"{}\"",
            first_line(trimmed)
        )));
    };
    let (co, ch, cl, cv) = (find("Open"), find("High"), find("Low"), find("Volume"));
    let mut t = Table::new(&PRICE_COLUMNS);
    let mut last: Option<NaiveDate> = None;
    for (k, rec) in r.records().enumerate() {
        let line = k + 2;
        let rec = rec.map_err(|e| parse(format!("line {line}: {e}")))?;
        let ds = rec.get(cd).unwrap_or("").trim();
        let date = NaiveDate::parse_from_str(ds, "%Y-%m-%d").map_err(|_| {
            parse(format!(
                "line {line}: column Date: expected YYYY-MM-DD, found \"{ds}\""
            ))
        })?;
        if last.is_some_and(|l| l >= date) {
            return Err(parse(format!(
                "line {line}: date {date} is not after the previous row's"
            )));
        }
        last = Some(date);
        let num = |c: Option<usize>, name: &str| -> Result<String, (FetchErrorKind, String)> {
            let Some(c) = c else { return Ok(String::new()) };
            let s = rec.get(c).unwrap_or("").trim();
            if s.is_empty() {
                return Ok(String::new());
            }
            s.parse::<f64>()
                .map(|v| {
                    if name == "Volume" {
                        fmt_count(v)
                    } else {
                        fmt_num(v)
                    }
                })
                .map_err(|_| {
                    parse(format!(
                        "line {line}: column {name}: expected a number, found \"{s}\""
                    ))
                })
        };
        let close = num(Some(cc), "Close")?;
        if date < from || date > to {
            continue;
        }
        t.rows.push(vec![
            date.to_string(),
            num(co, "Open")?,
            num(ch, "High")?,
            num(cl, "Low")?,
            close.clone(),
            close,
            num(cv, "Volume")?,
        ]);
    }
    if t.rows.is_empty() {
        return Err((
            FetchErrorKind::Empty,
            format!("no prices between {from} and {to}"),
        ));
    }
    for c in ["open", "high", "low", "close", "adj_close"] {
        t.unit(c, "quote currency (split- and dividend-adjusted by Stooq)");
    }
    t.unit("volume", "shares (split-adjusted)");
    t.notes
        .push("Stooq's prices are adjusted for splits and dividends: adj_close = close".into());
    Ok(t)
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols() {
        assert_eq!(stooq_symbol("QCOM", false).as_deref(), Ok("qcom.us"));
        assert_eq!(stooq_symbol("GSPC", true).as_deref(), Ok("^spx"));
        assert_eq!(stooq_symbol("0700.HK", false).as_deref(), Ok("0700.hk"));
        assert!(stooq_symbol("002415.SZ", false).is_err());
    }

    #[test]
    fn csv_and_no_data() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let t = parse_csv(
            b"Date,Open,High,Low,Close,Volume\n2019-05-15,1,2,0.5,1.5,1000\n2019-05-16,1.5,2,1,1.25,2000\n",
            d("2019-05-16"),
            d("2019-05-16"),
        )
        .expect("parses");
        assert_eq!(
            t.rows,
            vec![vec!["2019-05-16", "1.5", "2", "1", "1.25", "1.25", "2000"]]
        );
        assert_eq!(
            parse_csv(b"No data", d("2019-05-16"), d("2019-05-16"))
                .unwrap_err()
                .0,
            FetchErrorKind::Empty
        );
        let e = parse_csv(
            b"Date,Open,High,Low,Close\n2019-05-16,1,2,1,x\n",
            d("2019-01-01"),
            d("2019-12-31"),
        )
        .unwrap_err();
        assert!(e.1.contains("line 2: column Close"), "{}", e.1);
    }
}
