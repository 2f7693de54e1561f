//! Outputs for papers on the reference study: `tables.xlsx` read back with the repo's own
//! reader holds every table of the run with the CSV's cells (numbers to the bit), listed in
//! its first sheet `contents`; every chart is also an SVG beside its PNG that is well-formed
//! XML and carries its title as `<text>`. (The LaTeX tables are checked in report.rs;
//! openpyxl's view of the workbook and Python's XML parser on the SVGs in
//! scripts/check_paper.py, run by CI.)

use std::path::{Path, PathBuf};

use evimpact::data::xlsx::read_sheet;

use crate::common::*;

fn run_reference(out: &Path) {
    let o = evimpact(&[
        "run",
        "data/studies/entity-list-2019.toml",
        "--out",
        out.to_str().expect("utf8"),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The files summary.json lists as written.
fn manifest(out: &Path) -> Vec<String> {
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("summary.json"))
            .expect("json");
    s["outputs"]
        .as_array()
        .expect("outputs")
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect()
}

/// A CSV cell and the workbook's cell (as the reader gives it) hold the same value: text
/// alike, numbers with the same bits, booleans as 1/0, NaN, infinities and missing values
/// as empty cells.
fn same_cell(csv: &str, xlsx: &str) -> bool {
    match csv {
        "" | "NaN" | "inf" | "-inf" => xlsx.is_empty(),
        "true" => xlsx == "1",
        "false" => xlsx == "0",
        _ => match (csv.parse::<f64>(), xlsx.parse::<f64>()) {
            (Ok(a), Ok(b)) => a.to_bits() == b.to_bits(),
            _ => csv == xlsx,
        },
    }
}

#[test]
fn workbook_holds_every_table_with_the_csv_cells() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("el");
    run_reference(&out);
    let files = manifest(&out);
    assert!(files.iter().any(|f| f == "tables.xlsx"), "{files:?}");
    let book = out.join("tables.xlsx");
    // Every table the run wrote: each top-level CSV.
    let tables: Vec<String> = files
        .iter()
        .filter(|f| !f.contains('/'))
        .filter_map(|f| f.strip_suffix(".csv"))
        .map(String::from)
        .collect();
    assert!(tables.len() >= 20, "{tables:?}");
    for t in [
        "ar",
        "car",
        "tests",
        "status",
        "series",
        "params",
        "volume",
        "regression",
    ] {
        assert!(tables.iter().any(|x| x == t), "{t} not among {tables:?}");
    }

    // The first sheet lists every table with its sheet, rows and columns.
    let contents = read_sheet(&book, None).expect("workbook");
    assert_eq!(contents.name, "contents");
    assert_eq!(
        contents.rows[0].1,
        ["sheet", "table", "rows", "columns", "files", "note"].map(String::from)
    );
    let listed: Vec<&Vec<String>> = contents.rows[1..].iter().map(|r| &r.1).collect();
    let mut listed_tables: Vec<String> = listed.iter().map(|r| r[1].clone()).collect();
    listed_tables.sort();
    let mut want = tables.clone();
    want.sort();
    assert_eq!(listed_tables, want, "contents lists every table once");

    for row in &listed {
        let (sheet, table) = (&row[0], &row[1]);
        assert_eq!(sheet, table, "the reference study's tables all fit a sheet");
        let csv_path = out.join(format!("{table}.csv"));
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(&csv_path)
            .expect("csv");
        let csv_rows: Vec<Vec<String>> = r
            .records()
            .map(|rec| rec.expect("record").iter().map(String::from).collect())
            .collect();
        assert_eq!(row[2], (csv_rows.len() - 1).to_string(), "{table}: rows");
        assert_eq!(row[3], csv_rows[0].len().to_string(), "{table}: columns");
        let s = read_sheet(&book, Some(sheet)).unwrap_or_else(|e| panic!("{sheet}: {e}"));
        // Sheet row k + 1 holds CSV record k (the header is row 1); the reader leaves out
        // rows without any cell.
        let sheet_rows: std::collections::HashMap<usize, &Vec<String>> =
            s.rows.iter().map(|(n, cells)| (*n, cells)).collect();
        assert!(
            s.rows.iter().all(|(n, _)| (1..=csv_rows.len()).contains(n)),
            "{table}: rows past the table"
        );
        let none = Vec::new();
        let mut numbers = 0usize;
        for (k, want) in csv_rows.iter().enumerate() {
            let got = sheet_rows.get(&(k + 1)).copied().unwrap_or(&none);
            assert!(
                got.len() <= want.len(),
                "{table} row {}: {} cells, the CSV has {}",
                k + 1,
                got.len(),
                want.len()
            );
            for (j, w) in want.iter().enumerate() {
                let g = got.get(j).map(String::as_str).unwrap_or("");
                assert!(
                    same_cell(w, g),
                    "{table} row {} column {}: CSV {w:?}, workbook {g:?}",
                    k + 1,
                    csv_rows[0][j]
                );
                numbers += usize::from(k > 0 && w.parse::<f64>().is_ok());
            }
        }
        if table == "car" || table == "ar" {
            assert!(numbers > 100, "{table}: only {numbers} numbers compared");
        }
    }

    // The parts that carry the look: bold header style, frozen first row, numeric cells.
    let bytes = std::fs::read(&book).expect("xlsx");
    let parts = evimpact::data::zip::read_all(&bytes).expect("zip");
    let part = |name: &str| {
        let p = parts
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no part {name}"));
        String::from_utf8(p.data.clone()).expect("utf8")
    };
    for p in &parts {
        let text = String::from_utf8(p.data.clone()).expect("utf8");
        crate::xml::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", p.name));
    }
    assert!(part("xl/styles.xml").contains("<b/>"));
    let car_index = 2 + listed
        .iter()
        .position(|r| r[1] == "car")
        .expect("car listed");
    let car = part(&format!("xl/worksheets/sheet{car_index}.xml"));
    assert!(car.contains("state=\"frozen\""));
    assert!(car.contains("<c r=\"A1\" s=\"1\" t=\"inlineStr\">"));
    let els = crate::xml::parse(&car).expect("car sheet");
    let numeric = els
        .iter()
        .filter(|e| e.name == "c" && !e.attrs.iter().any(|(k, _)| k == "t"))
        .count();
    assert!(numeric > 50, "car: {numeric} numeric cells");
    for name in ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"] {
        part(name);
    }
}

/// (chart file, its title as drawn: start and end) for the reference run.
fn titles(charts: &Path) -> Vec<(PathBuf, String, String)> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(charts).expect("charts") {
        let p = e.expect("entry").path();
        let Some(name) = p.file_name().and_then(|n| n.to_str()).map(String::from) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".png") else {
            continue;
        };
        let (start, end) = match stem {
            "car" => (
                "Cumulative abnormal returns around the event".to_string(),
                "",
            ),
            "ar_bars" => ("Abnormal returns per session".into(), ""),
            "car_distribution" => ("Cross-section of cumulative abnormal returns".into(), ""),
            "tests" => ("Tests of CAAR = 0: p-values per window".into(), ""),
            "volume" => ("Trading volume around the event".into(), ""),
            s => {
                let security = s
                    .strip_prefix("price_")
                    .and_then(|r| r.split('_').next())
                    .unwrap_or_else(|| panic!("unexpected chart {name}"));
                (format!("{security}: "), "around the event")
            }
        };
        v.push((p, start, end.to_string()));
    }
    v.sort();
    v
}

#[test]
fn every_chart_is_also_an_svg_with_its_title_as_text() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("el");
    run_reference(&out);
    let charts = out.join("charts");
    let t = titles(&charts);
    assert_eq!(t.len(), 9, "{t:?}");
    let files = manifest(&out);
    for (png, start, end) in &t {
        let svg = png.with_extension("svg");
        let rel = format!(
            "charts/{}",
            svg.file_name().expect("name").to_string_lossy()
        );
        assert!(files.contains(&rel), "{rel} not in the outputs manifest");
        let text = std::fs::read_to_string(&svg).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let els = crate::xml::parse(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(els[0].name, "svg", "{rel}");
        assert!(
            els[0]
                .attrs
                .contains(&("viewBox".to_string(), "0 0 1600 1000".to_string())),
            "{rel}: {:?}",
            els[0].attrs
        );
        let texts: Vec<&crate::xml::Element> = els.iter().filter(|e| e.name == "text").collect();
        assert!(
            texts.iter().any(|e| {
                let t = e.text.trim();
                t.starts_with(start.as_str()) && t.ends_with(end.as_str())
            }),
            "{rel}: no <text> {start:?}…{end:?} among {:?}",
            texts
                .iter()
                .take(5)
                .map(|e| e.text.trim())
                .collect::<Vec<_>>()
        );
        // Text is text, in the named font with generic fallbacks, and nothing is a bitmap.
        assert!(texts.len() > 20, "{rel}: {} texts", texts.len());
        for e in &texts {
            let family = e
                .attrs
                .iter()
                .find(|(k, _)| k == "font-family")
                .map(|(_, v)| v.as_str());
            assert_eq!(family, Some("DejaVu Sans, Verdana, sans-serif"), "{rel}");
        }
        assert!(
            !els.iter().any(|e| e.name == "image"),
            "{rel}: embeds a bitmap"
        );
    }
}
