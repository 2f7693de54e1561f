//! Input layouts other tools use (issue 14 item 3), one test per layout on the real binary:
//! the fixture's data written in that layout must give the same CARs as its canonical CSV
//! form (to 1e-12), and a bad value in each format is reported with its place.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use polars::prelude::*;

use crate::common::*;

const TOL: f64 = 1e-12;

/// The fixture's files as rows of cells.
fn rows(f: &Fixture, rel: &str) -> Vec<Vec<String>> {
    f.read(rel)
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn events(f: &Fixture) -> Vec<Vec<String>> {
    let cal = rows(f, "calendar.csv");
    let mut v = vec![
        ["event_id", "security", "entity", "date"]
            .map(String::from)
            .to_vec(),
    ];
    for (id, sec, k) in [
        ("E1", "A", 200),
        ("E1", "B", 200),
        ("E2", "A", 260),
        ("E3", "B", 230),
    ] {
        v.push(vec![
            id.into(),
            sec.into(),
            format!("Entity {sec}"),
            cal[k + 1][0].clone(),
        ]);
    }
    v
}

fn write_rows(path: &Path, rows: &[Vec<String>], sep: &str, eol: &str, bom: bool) {
    let mut s = String::new();
    if bom {
        s.push('\u{feff}');
    }
    for r in rows {
        s.push_str(&r.join(sep));
        s.push_str(eol);
    }
    std::fs::write(path, s).expect("write");
}

/// Maps the date cells (column `col`, header excluded) of a table.
fn map_dates(
    rows: &[Vec<String>],
    col: usize,
    f: impl Fn(chrono::NaiveDate) -> String,
) -> Vec<Vec<String>> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.clone();
            if i > 0 {
                let d = chrono::NaiveDate::parse_from_str(&r[col], "%Y-%m-%d").expect("iso date");
                r[col] = f(d);
            }
            r
        })
        .collect()
}

/// The inputs of one run: where each file is.
struct Inputs {
    events: PathBuf,
    prices: PathBuf,
    market: PathBuf,
    calendar: PathBuf,
}

fn canonical(f: &Fixture) -> Inputs {
    write_rows(&f.path("events.csv"), &events(f), ",", "\n", false);
    Inputs {
        events: f.path("events.csv"),
        prices: f.path("prices"),
        market: f.path("market.csv"),
        calendar: f.path("calendar.csv"),
    }
}

fn run(f: &Fixture, i: &Inputs, out: &str, study: Option<&str>) -> Output {
    let s = |p: &Path| p.display().to_string();
    let out = s(&f.path(out));
    let mut args: Vec<String> = vec!["run".into()];
    if let Some(toml) = study {
        let p = f.path(&format!("{}.toml", out.rsplit('/').next().unwrap_or("s")));
        std::fs::write(&p, toml).expect("study");
        args.push(s(&p));
    }
    args.extend(
        [
            "--events",
            &s(&i.events),
            "--prices",
            &s(&i.prices),
            "--market",
            &s(&i.market),
            "--calendar",
            &s(&i.calendar),
            "--estimation=-150:-11",
            "--min-estimation",
            "120",
            "--window=-5:5",
            "--car=-1:1",
            "--car=0:3",
            "--car=-5:5",
            "--out",
            &out,
            "-q",
        ]
        .map(String::from),
    );
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    evimpact(&refs)
}

type Cars = HashMap<(String, String, String), (f64, f64, f64)>;

fn cars(dir: &Path) -> Cars {
    let num = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN);
    read_csv(&dir.join("car.csv"))
        .into_iter()
        .map(|r| {
            (
                (
                    r["event_id"].clone(),
                    r["security"].clone(),
                    r["window"].clone(),
                ),
                (num(&r["car"]), num(&r["car_var"]), num(&r["t_stat"])),
            )
        })
        .collect()
}

/// Runs the canonical form and the layout, and compares every CAR (and its variance and t).
fn same_cars(f: &Fixture, layout: &Inputs, study: Option<&str>) {
    let o = run(f, &canonical(f), "canon", None);
    assert!(o.status.success(), "canonical: {}", stderr(&o));
    let o = run(f, layout, "layout", study);
    assert!(o.status.success(), "layout: {}", stderr(&o));
    let (a, b) = (cars(&f.path("canon")), cars(&f.path("layout")));
    assert_eq!(a.len(), 12, "four events × three windows: {a:?}");
    assert_eq!(a.len(), b.len());
    for (k, x) in &a {
        let y = b
            .get(k)
            .unwrap_or_else(|| panic!("{k:?} missing from the layout's CARs"));
        for (u, v) in [(x.0, y.0), (x.1, y.1), (x.2, y.2)] {
            assert!(
                u.is_finite() && (u - v).abs() <= TOL * u.abs().max(1.0),
                "{k:?}: {u} vs {v}"
            );
        }
    }
}

/// Writes every fixture table through `conv` into `dir`, keeping file names.
fn convert_all(f: &Fixture, dir: &str, conv: &dyn Fn(&Path, &[Vec<String>])) -> Inputs {
    std::fs::create_dir_all(f.path(&format!("{dir}/prices"))).expect("mkdir");
    for rel in ["prices/A.csv", "prices/B.csv", "market.csv", "calendar.csv"] {
        conv(&f.path(&format!("{dir}/{rel}")), &rows(f, rel));
    }
    conv(&f.path(&format!("{dir}/events.csv")), &events(f));
    Inputs {
        events: f.path(&format!("{dir}/events.csv")),
        prices: f.path(&format!("{dir}/prices")),
        market: f.path(&format!("{dir}/market.csv")),
        calendar: f.path(&format!("{dir}/calendar.csv")),
    }
}

#[test]
fn semicolon_delimiter_is_detected() {
    let f = Fixture::new(300);
    let i = convert_all(&f, "semi", &|p, r| write_rows(p, r, ";", "\n", false));
    same_cars(&f, &i, None);
}

#[test]
fn tab_delimiter_detected_and_declared() {
    let f = Fixture::new(300);
    let i = convert_all(&f, "tab", &|p, r| write_rows(p, r, "\t", "\n", false));
    same_cars(&f, &i, None);
    let f = Fixture::new(300);
    let i = convert_all(&f, "tab", &|p, r| write_rows(p, r, "\t", "\n", false));
    same_cars(&f, &i, Some("[inputs.format]\ndelimiter = \"tab\"\n"));
}

#[test]
fn utf8_bom_and_crlf_line_ends() {
    let f = Fixture::new(300);
    let i = convert_all(&f, "bom", &|p, r| write_rows(p, r, ",", "\r\n", true));
    same_cars(&f, &i, None);
}

/// YYYYMMDD and DD.MM.YYYY are read without a declaration (each is unambiguous).
#[test]
fn compact_and_dotted_dates_are_read() {
    for (name, fmt) in [("compact", "%Y%m%d"), ("dotted", "%d.%m.%Y")] {
        let f = Fixture::new(300);
        let col = |p: &Path| if p.ends_with("events.csv") { 3 } else { 0 };
        let i = convert_all(&f, name, &|p, r| {
            write_rows(
                p,
                &map_dates(r, col(p), |d| d.format(fmt).to_string()),
                ",",
                "\n",
                false,
            )
        });
        same_cars(&f, &i, None);
    }
}

/// MM/DD/YYYY and DD/MM/YYYY only as declared; undeclared, the slash is refused with the hint.
#[test]
fn slash_dates_are_declared_never_guessed() {
    for (name, fmt, decl) in [
        ("us", "%m/%d/%Y", "MM/DD/YYYY"),
        ("uk", "%d/%m/%Y", "DD/MM/YYYY"),
    ] {
        let f = Fixture::new(300);
        let col = |p: &Path| if p.ends_with("events.csv") { 3 } else { 0 };
        let i = convert_all(&f, name, &|p, r| {
            write_rows(
                p,
                &map_dates(r, col(p), |d| d.format(fmt).to_string()),
                ",",
                "\n",
                false,
            )
        });
        same_cars(
            &f,
            &i,
            Some(&format!("[inputs.format]\ndate_format = \"{decl}\"\n")),
        );
        let o = run(&f, &i, "undeclared", None);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains("column 'date'") && e.contains("declare date_format"),
            "{e}"
        );
    }
}

/// A date format declared for one input only.
#[test]
fn date_format_per_input() {
    let f = Fixture::new(300);
    let i = convert_all(&f, "mixed", &|p, r| {
        if p.ends_with("events.csv") {
            write_rows(
                p,
                &map_dates(r, 3, |d| d.format("%m/%d/%Y").to_string()),
                ",",
                "\n",
                false,
            )
        } else {
            write_rows(p, r, ",", "\n", false)
        }
    });
    same_cars(
        &f,
        &i,
        Some("[inputs.format.events]\ndate_format = \"MM/DD/YYYY\"\n"),
    );
}

/// Decimal commas with a semicolon delimiter, declared.
#[test]
fn decimal_comma_declared() {
    let f = Fixture::new(300);
    let i = convert_all(&f, "dec", &|p, r| {
        let r: Vec<Vec<String>> = r
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| {
                        if c.contains('-') {
                            c.clone()
                        } else {
                            c.replace('.', ",")
                        }
                    })
                    .collect()
            })
            .collect();
        write_rows(p, &r, ";", "\n", false)
    });
    same_cars(
        &f,
        &i,
        Some("[inputs.format]\ndelimiter = \";\"\ndecimal = \",\"\n"),
    );
}

/// The EventStudyTools / R EventStudy long layout `symbol,date,adjusted` with a column
/// mapping, in one long file.
#[test]
fn eventstudytools_long_layout_with_column_mapping() {
    let f = Fixture::new(300);
    let mut long = vec![vec!["symbol".to_string(), "Date".into(), "adjusted".into()]];
    for sec in ["A", "B"] {
        for r in rows(&f, &format!("prices/{sec}.csv")).into_iter().skip(1) {
            long.push(vec![sec.into(), r[0].clone(), r[1].clone()]);
        }
    }
    write_rows(&f.path("est.csv"), &long, ",", "\n", false);
    let mut i = canonical(&f);
    i.prices = f.path("est.csv");
    same_cars(
        &f,
        &i,
        Some(
            "[inputs.columns]\nsecurity = \"symbol\"\ndate = \"Date\"\nprice = \"adjusted\"\n[inputs.format.market]\ncolumns = {}\n",
        ),
    );
}

/// Returns instead of prices: `date,ret` files (the first row has no return).
#[test]
fn returns_instead_of_prices() {
    let f = Fixture::new(300);
    let to_returns = |r: &[Vec<String>]| -> Vec<Vec<String>> {
        let mut out = vec![vec!["date".to_string(), "ret".into()]];
        for k in 1..r.len() {
            let ret = if k == 1 {
                String::new()
            } else {
                let (a, b): (f64, f64) =
                    (r[k - 1][1].parse().expect("p"), r[k][1].parse().expect("p"));
                format!("{}", b / a - 1.0)
            };
            out.push(vec![r[k][0].clone(), ret]);
        }
        out
    };
    let i = canonical(&f);
    std::fs::create_dir_all(f.path("ret/prices")).expect("mkdir");
    for sec in ["A", "B"] {
        write_rows(
            &f.path(&format!("ret/prices/{sec}.csv")),
            &to_returns(&rows(&f, &format!("prices/{sec}.csv"))),
            ",",
            "\n",
            false,
        );
    }
    write_rows(
        &f.path("ret/market.csv"),
        &to_returns(&rows(&f, "market.csv")),
        ",",
        "\n",
        false,
    );
    let layout = Inputs {
        prices: f.path("ret/prices"),
        market: f.path("ret/market.csv"),
        ..i
    };
    same_cars(&f, &layout, None);
}

/// A CRSP daily extract (as WRDS writes it): PERMNO, YYYYMMDD dates, PRC negative on days
/// without a closing trade, RET with a letter code on the first row, VOL.
#[test]
fn crsp_daily_conventions() {
    let f = Fixture::new(300);
    let mut crsp = vec!["PERMNO,date,PRC,VOL,RET".to_string()];
    for sec in ["A", "B"] {
        let r = rows(&f, &format!("prices/{sec}.csv"));
        for k in 1..r.len() {
            let d = chrono::NaiveDate::parse_from_str(&r[k][0], "%Y-%m-%d").expect("d");
            let px: f64 = r[k][1].parse().expect("p");
            let prc = if k % 17 == 0 { -px } else { px };
            let ret = if k == 1 {
                "C".to_string()
            } else {
                let a: f64 = r[k - 1][1].parse().expect("p");
                format!("{}", px / a - 1.0)
            };
            crsp.push(format!(
                "{sec},{},{prc},{},{ret}",
                d.format("%Y%m%d"),
                r[k][2]
            ));
        }
    }
    std::fs::write(f.path("dsf.csv"), crsp.join("\n") + "\n").expect("write");
    let mut i = canonical(&f);
    i.prices = f.path("dsf.csv");
    same_cars(
        &f,
        &i,
        Some("[inputs.format.prices]\nconvention = \"crsp\"\n"),
    );
    let summary = std::fs::read_to_string(f.path("layout/summary.json")).expect("summary");
    assert!(
        summary.contains("C (CRSP -99 as WRDS exports it"),
        "the code's meaning is reported"
    );
    assert!(
        summary.contains("negative price(s) read as CRSP bid-ask midpoints"),
        "midpoints reported"
    );
}

fn parquet_of(rows: &[Vec<String>], path: &Path) {
    let header = &rows[0];
    let cols: Vec<Column> = header
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let cells: Vec<&str> = rows[1..].iter().map(|r| r[c].as_str()).collect();
            let is_date = cells
                .iter()
                .all(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok());
            let nums: Option<Vec<f64>> = cells.iter().map(|s| s.parse().ok()).collect();
            if is_date {
                let days: Vec<i32> = cells
                    .iter()
                    .map(|s| {
                        (chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("d")
                            - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch"))
                        .num_days() as i32
                    })
                    .collect();
                Column::new(name.as_str().into(), days)
                    .cast(&DataType::Date)
                    .expect("date")
            } else if let Some(v) = nums {
                Column::new(name.as_str().into(), v)
            } else {
                Column::new(name.as_str().into(), cells)
            }
        })
        .collect();
    let mut df = DataFrame::new_infer_height(cols).expect("frame");
    let file = std::fs::File::create(path).expect("create");
    ParquetWriter::new(file).finish(&mut df).expect("parquet");
}

/// Parquet for every table: prices (a directory of `.parquet`), market, calendar, events.
#[test]
fn parquet_for_every_table() {
    let f = Fixture::new(300);
    std::fs::create_dir_all(f.path("pq/prices")).expect("mkdir");
    for sec in ["A", "B"] {
        parquet_of(
            &rows(&f, &format!("prices/{sec}.csv")),
            &f.path(&format!("pq/prices/{sec}.parquet")),
        );
    }
    parquet_of(&rows(&f, "market.csv"), &f.path("pq/market.parquet"));
    parquet_of(&rows(&f, "calendar.csv"), &f.path("pq/calendar.parquet"));
    parquet_of(&events(&f), &f.path("pq/events.parquet"));
    let i = Inputs {
        events: f.path("pq/events.parquet"),
        prices: f.path("pq/prices"),
        market: f.path("pq/market.parquet"),
        calendar: f.path("pq/calendar.parquet"),
    };
    same_cars(&f, &i, None);
}

/// A long Parquet price file.
#[test]
fn parquet_long_price_file() {
    let f = Fixture::new(300);
    let mut long = vec![vec![
        "security".to_string(),
        "date".into(),
        "adj_close".into(),
        "volume".into(),
    ]];
    for sec in ["A", "B"] {
        for r in rows(&f, &format!("prices/{sec}.csv")).into_iter().skip(1) {
            long.push(vec![sec.into(), r[0].clone(), r[1].clone(), r[2].clone()]);
        }
    }
    parquet_of(&long, &f.path("long.parquet"));
    let mut i = canonical(&f);
    i.prices = f.path("long.parquet");
    same_cars(&f, &i, None);
}

/// A minimal `.xlsx` writer for the tests: numbers as numbers, dates as serial days with a
/// date style, text as shared strings (as Excel and openpyxl write them).
fn xlsx_of(rows: &[Vec<String>], path: &Path, sheet: &str) {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;");
    let mut shared: Vec<String> = Vec::new();
    let mut body = String::new();
    for (i, r) in rows.iter().enumerate() {
        body.push_str(&format!("<row r=\"{}\">", i + 1));
        for (c, v) in r.iter().enumerate() {
            let at = format!("{}{}", (b'A' + c as u8) as char, i + 1);
            if let Ok(d) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                let serial =
                    (d - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("e")).num_days();
                body.push_str(&format!("<c r=\"{at}\" s=\"1\"><v>{serial}</v></c>"));
            } else if i > 0 && v.parse::<f64>().is_ok() {
                body.push_str(&format!("<c r=\"{at}\"><v>{v}</v></c>"));
            } else {
                shared.push(v.clone());
                body.push_str(&format!(
                    "<c r=\"{at}\" t=\"s\"><v>{}</v></c>",
                    shared.len() - 1
                ));
            }
        }
        body.push_str("</row>");
    }
    let sst: String = shared
        .iter()
        .map(|s| format!("<si><t>{}</t></si>", esc(s)))
        .collect();
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let styles = r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#;
    let sheet_xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>"#
    );
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sst}</sst>"#
    );
    let bytes = evimpact::data::zip::write_deflated(&[
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ("xl/styles.xml", styles.as_bytes()),
        ("xl/sharedStrings.xml", sst.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet_xml.as_bytes()),
    ]);
    std::fs::write(path, bytes).expect("write");
}

/// Excel `.xlsx` for prices (a directory of workbooks), market, calendar and events.
#[test]
fn xlsx_workbooks() {
    let f = Fixture::new(300);
    std::fs::create_dir_all(f.path("xl/prices")).expect("mkdir");
    for sec in ["A", "B"] {
        xlsx_of(
            &rows(&f, &format!("prices/{sec}.csv")),
            &f.path(&format!("xl/prices/{sec}.xlsx")),
            "Sheet1",
        );
    }
    xlsx_of(&rows(&f, "market.csv"), &f.path("xl/market.xlsx"), "Sheet1");
    xlsx_of(
        &rows(&f, "calendar.csv"),
        &f.path("xl/calendar.xlsx"),
        "Sheet1",
    );
    xlsx_of(&events(&f), &f.path("xl/events.xlsx"), "Events");
    let i = Inputs {
        events: f.path("xl/events.xlsx"),
        prices: f.path("xl/prices"),
        market: f.path("xl/market.xlsx"),
        calendar: f.path("xl/calendar.xlsx"),
    };
    same_cars(&f, &i, None);
}

// ------------------------------------------------------------------ bad values per format

fn refused(o: &Output, needles: &[&str]) {
    let first = stderr(o).lines().next().unwrap_or("").to_string();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    for n in needles {
        assert!(first.contains(n), "first line lacks {n:?}: {first}");
    }
}

fn with_bad_cell(r: &[Vec<String>], row: usize, col: usize, v: &str) -> Vec<Vec<String>> {
    let mut r = r.to_vec();
    r[row][col] = v.into();
    r
}

#[test]
fn bad_value_in_a_semicolon_file() {
    let f = Fixture::new(300);
    let i = convert_all(&f, "semi", &|p, r| {
        let r = if p.ends_with("A.csv") {
            with_bad_cell(r, 6, 1, "12.5x")
        } else {
            r.to_vec()
        };
        write_rows(p, &r, ";", "\n", false)
    });
    refused(
        &run(&f, &i, "out", None),
        &["A.csv:7:2: column 'adj_close': expected a number, found \"12.5x\""],
    );
}

#[test]
fn bad_value_in_a_parquet_file() {
    let f = Fixture::new(300);
    let mut i = canonical(&f);
    std::fs::create_dir_all(f.path("pq")).expect("mkdir");
    parquet_of(
        &with_bad_cell(&rows(&f, "prices/A.csv"), 6, 1, "12.5x"),
        &f.path("pq/A.parquet"),
    );
    parquet_of(&rows(&f, "prices/B.csv"), &f.path("pq/B.parquet"));
    i.prices = f.path("pq");
    refused(
        &run(&f, &i, "out", None),
        &["A.parquet:row 6:2: column 'adj_close': expected a number, found \"12.5x\""],
    );
}

#[test]
fn bad_value_in_an_xlsx_file() {
    let f = Fixture::new(300);
    let mut i = canonical(&f);
    std::fs::create_dir_all(f.path("xl")).expect("mkdir");
    xlsx_of(
        &with_bad_cell(&rows(&f, "prices/A.csv"), 6, 1, "12.5x"),
        &f.path("xl/A.xlsx"),
        "Sheet1",
    );
    xlsx_of(&rows(&f, "prices/B.csv"), &f.path("xl/B.xlsx"), "Sheet1");
    i.prices = f.path("xl");
    refused(
        &run(&f, &i, "out", None),
        &["A.xlsx:Sheet1!B7: column 'adj_close': expected a number, found \"12.5x\""],
    );
}

#[test]
fn bad_value_in_a_returns_file() {
    let f = Fixture::new(300);
    std::fs::create_dir_all(f.path("ret")).expect("mkdir");
    for sec in ["A", "B"] {
        let mut s = String::from("date,ret\n");
        for (k, r) in rows(&f, &format!("prices/{sec}.csv"))
            .into_iter()
            .skip(1)
            .enumerate()
        {
            let v = if sec == "A" && k == 9 {
                "-1.2".to_string()
            } else {
                "0.001".to_string()
            };
            s.push_str(&format!("{},{v}\n", r[0]));
        }
        std::fs::write(f.path(&format!("ret/{sec}.csv")), s).expect("write");
    }
    let mut i = canonical(&f);
    i.prices = f.path("ret");
    refused(
        &run(&f, &i, "out", None),
        &[
            "A.csv:11:2: column 'ret': expected a simple return above -1",
            "\"-1.2\"",
        ],
    );
}

#[test]
fn bad_date_in_a_declared_format() {
    let f = Fixture::new(300);
    let i = convert_all(&f, "dm", &|p, r| {
        let col = if p.ends_with("events.csv") { 3 } else { 0 };
        let r = map_dates(r, col, |d| d.format("%d.%m.%Y").to_string());
        let r = if p.ends_with("B.csv") {
            with_bad_cell(&r, 4, 0, "2019-01-07")
        } else {
            r
        };
        write_rows(p, &r, ",", "\n", false)
    });
    refused(
        &run(
            &f,
            &i,
            "out",
            Some("[inputs.format]\ndate_format = \"DD.MM.YYYY\"\n"),
        ),
        &[
            "B.csv:5:1: column 'date': expected a date DD.MM.YYYY (the declared date_format), found \"2019-01-07\"",
        ],
    );
}

/// A semicolon file is read as such, and the terminal says so (issue 10, item 8): the note
/// names the first such file and how many more.
#[test]
fn semicolon_files_are_named_on_the_terminal() {
    let f = Fixture::new(300);
    let i = convert_all(&f, "semi", &|p, r| write_rows(p, r, ";", "\n", false));
    let s = |p: &Path| p.display().to_string();
    let out = s(&f.path("out"));
    let o = evimpact(&[
        "run",
        "--events",
        &s(&i.events),
        "--prices",
        &s(&i.prices),
        "--market",
        &s(&i.market),
        "--calendar",
        &s(&i.calendar),
        "--estimation=-150:-11",
        "--min-estimation",
        "120",
        "--window=-5:5",
        "--car=-1:1",
        "--out",
        &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    let note = text
        .lines()
        .find(|l| l.contains("as delimiter"))
        .unwrap_or_else(|| panic!("no delimiter note: {text}"));
    assert!(
        note.starts_with(&format!("  note: {}", s(&i.events)))
            && note.contains("other files use ';' (semicolon) as delimiter (detected from the header line; read as such)"),
        "{note}"
    );
    // A comma file has no note.
    let f = Fixture::new(300);
    let i = canonical(&f);
    let o = run(&f, &i, "out", None);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read_to_string(f.path("out/summary.json")).expect("summary");
    assert!(!summary.contains("\"delimiter\""), "{summary}");
}
