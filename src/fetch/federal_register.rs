//! Federal Register documents API (`/api/v1/documents.json`): Entity List rules of the
//! Bureau of Industry and Security as event rows.
//!
//! Request: `conditions[agencies][]=industry-and-security-bureau`, `conditions[type][]=RULE`,
//! `conditions[term]=<term>`, `conditions[publication_date][gte|lte]`, `fields[]=…`,
//! `per_page=100`, `order=oldest`. Answer: `{"count", "total_pages", "next_page_url",
//! "results": [{"title", "document_number", "publication_date", "effective_on",
//! "html_url", "citation", "abstract", "body_html_url", "type"}]}`. Pages are followed through
//! `next_page_url` (moved onto the configured base URL, at most 50 pages).
//!
//! Rows (events CSV): one per rule — `event_id` = `FR<document_number>`, `date` = publication
//! date, `headline` = title plus "(effective …)", `source` = citation, document number and
//! effective date, `url` = the rule's page. Only rules whose title contains the term are kept
//! unless `--all-rules`.
//!
//! Entities (`--entities`): each rule's full-text HTML (`body_html_url`) is fetched and the
//! Supplement No. 4 table rows are read: in a row whose cell reads "For all items subject to
//! the EAR" (the license-requirement column), the cell before it is the entity entry
//! ("Name, a.k.a. …, address."). The name is that entry up to the first comma that does not
//! start a corporate suffix (", Ltd.", ", Inc." …) — a heuristic: an entry that does not
//! follow this layout gives no name, and such rules keep one row with an empty entity (the
//! provenance notes say so). With a `--securities` map (`entity,security` CSV), an entity
//! whose normalised name contains a mapped name gets that security.

use chrono::NaiveDate;
use serde_json::Value;

use super::{Ctx, FetchError, FetchErrorKind, Query, Table};

pub const EVENT_COLUMNS: [&str; 9] = [
    "event_id", "security", "entity", "date", "time", "tz", "headline", "source", "url",
];

const MAX_PAGES: usize = 50;

/// One rule from the API.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub document_number: String,
    pub title: String,
    pub publication_date: NaiveDate,
    pub effective_on: Option<NaiveDate>,
    pub html_url: String,
    pub citation: String,
    pub body_html_url: Option<String>,
}

type ParseError = (FetchErrorKind, String);

/// One page of results: its rules, the next page's URL and the total count.
pub type Page = (Vec<Rule>, Option<String>, Option<u64>);

/// One page: its rules and the next page's URL.
///
/// # Errors
/// Not JSON, or a result without a document number or publication date (parse).
pub fn parse_page(body: &[u8]) -> Result<Page, ParseError> {
    let perr = |m: String| (FetchErrorKind::Parse, m);
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| perr(format!("the body is not valid JSON: {e}")))?;
    if let Some(errs) = v.get("errors") {
        return Err((
            FetchErrorKind::NotFound,
            format!("the API refused the query: {errs}"),
        ));
    }
    let count = v.get("count").and_then(Value::as_u64);
    let results = match v.get("results") {
        Some(Value::Array(a)) => a.as_slice(),
        None | Some(Value::Null) => &[],
        Some(o) => return Err(perr(format!("'results' is not an array: {o}"))),
    };
    let s = |r: &Value, k: &str| {
        r.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let mut rules = Vec::with_capacity(results.len());
    for (i, r) in results.iter().enumerate() {
        let document_number = s(r, "document_number");
        if document_number.is_empty() {
            return Err(perr(format!("results[{i}]: no document_number")));
        }
        let pd = s(r, "publication_date");
        let publication_date = NaiveDate::parse_from_str(&pd, "%Y-%m-%d").map_err(|_| {
            perr(format!(
                "results[{i}] ({document_number}): publication_date: expected YYYY-MM-DD, found \"{pd}\""
            ))
        })?;
        let effective_on = NaiveDate::parse_from_str(&s(r, "effective_on"), "%Y-%m-%d").ok();
        rules.push(Rule {
            title: s(r, "title"),
            publication_date,
            effective_on,
            html_url: s(r, "html_url"),
            citation: s(r, "citation"),
            body_html_url: Some(s(r, "body_html_url")).filter(|u| !u.is_empty()),
            document_number,
        });
    }
    let next = v
        .get("next_page_url")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
        .map(str::to_string);
    Ok((rules, next, count))
}

/// Entity names in a rule's full-text HTML (see the module documentation).
pub fn extract_entities(html: &str) -> Vec<String> {
    let mut names = Vec::new();
    for row in html.split("<tr").skip(1) {
        let row = row.split("</tr>").next().unwrap_or("");
        let cells: Vec<String> = row
            .split("<td")
            .skip(1)
            .map(|c| strip_tags(c.split("</td>").next().unwrap_or("")))
            .collect();
        let Some(lr) = cells.iter().position(|c| {
            c.to_ascii_lowercase()
                .contains("for all items subject to the ear")
        }) else {
            continue;
        };
        if lr == 0 {
            continue;
        }
        let entry = cells[lr - 1].trim();
        if let Some(n) = entity_name(entry)
            && !names.contains(&n)
        {
            names.push(n);
        }
    }
    names
}

/// The name at the start of an entity entry: up to the first comma that does not start a
/// corporate suffix.
pub fn entity_name(entry: &str) -> Option<String> {
    const SUFFIXES: [&str; 16] = [
        "ltd", "inc", "co.", "co,", "llc", "limited", "s.a.", "gmbh", "corp", "plc", "ag", "llp",
        "pvt", "company", "jsc", "l.l.c.",
    ];
    let e = entry.trim().trim_start_matches(['*', ' ', '\u{a0}']);
    if e.is_empty() || e.starts_with("* *") {
        return None;
    }
    let mut end = e.len();
    let mut from = 0;
    while let Some(k) = e[from..].find(',') {
        let at = from + k;
        let rest = e[at + 1..].trim_start().to_ascii_lowercase();
        let suffix = SUFFIXES.iter().any(|s| {
            rest.starts_with(s) && !rest[s.len()..].starts_with(|c: char| c.is_alphabetic())
        });
        if !suffix {
            end = at;
            break;
        }
        from = at + 1;
    }
    let name = e[..end].trim().trim_end_matches([',', ';', '.']).trim();
    let name = if e[..end].trim().ends_with('.')
        && name.split_whitespace().last().is_some_and(|w| {
            SUFFIXES
                .iter()
                .any(|s| s.trim_end_matches([',', '.']) == w.to_ascii_lowercase())
        }) {
        format!("{name}.")
    } else {
        name.to_string()
    };
    (!name.is_empty() && name.len() < 200).then_some(name)
}

fn strip_tags(s: &str) -> String {
    // Drop the rest of the opening <td ...> tag, then every tag.
    let s = match s.find('>') {
        Some(i) => &s[i + 1..],
        None => s,
    };
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&nbsp;", " ")
        .replace("&#8217;", "\u{2019}")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lower-case alphanumerics only, for matching entity names.
pub fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Event rows for rules (and their entities).
pub fn rows(rules: &[(Rule, Option<Vec<String>>)], securities: &[(String, String)]) -> Table {
    let mut t = Table::new(&EVENT_COLUMNS);
    for (r, entities) in rules {
        let headline = match r.effective_on {
            Some(e) => format!("{} (effective {e})", r.title),
            None => r.title.clone(),
        };
        let source = format!(
            "Federal Register {}, document {}{}",
            if r.citation.is_empty() {
                "(no citation)"
            } else {
                &r.citation
            },
            r.document_number,
            r.effective_on
                .map(|e| format!("; effective {e}"))
                .unwrap_or_default()
        );
        let row = |entity: &str, security: &str| {
            vec![
                format!("FR{}", r.document_number),
                security.to_string(),
                entity.to_string(),
                r.publication_date.to_string(),
                String::new(),
                String::new(),
                headline.clone(),
                source.clone(),
                r.html_url.clone(),
            ]
        };
        match entities {
            Some(list) if !list.is_empty() => {
                let mut used = std::collections::HashSet::new();
                for e in list {
                    let n = normalise(e);
                    let sec = securities
                        .iter()
                        .find(|(k, _)| !k.is_empty() && n.contains(k.as_str()))
                        .map(|(_, s)| s.as_str())
                        .unwrap_or("");
                    // (event_id, security) must be unique in an events file.
                    let sec = if !sec.is_empty() && !used.insert(sec.to_string()) {
                        ""
                    } else {
                        sec
                    };
                    t.rows.push(row(e, sec));
                }
            }
            _ => t.rows.push(row("", "")),
        }
    }
    t
}

/// Fetches (through `ctx`) and converts: this source's [`super::Source::fetch`].
pub fn fetch(ctx: &Ctx<'_>, q: &Query) -> Result<Table, FetchError> {
    let Query::Rules {
        term,
        agency,
        from,
        to,
        entities,
        title_filter,
        securities,
    } = q
    else {
        return Err(ctx.usage("not a Federal Register query"));
    };
    let mut params: Vec<(&str, String)> = vec![
        ("conditions[agencies][]", agency.clone()),
        ("conditions[type][]", "RULE".into()),
        ("conditions[term]", format!("\"{term}\"")),
        ("conditions[publication_date][gte]", from.to_string()),
        ("conditions[publication_date][lte]", to.to_string()),
        ("per_page", "100".into()),
        ("order", "oldest".into()),
    ];
    for f in [
        "title",
        "document_number",
        "publication_date",
        "effective_on",
        "html_url",
        "citation",
        "abstract",
        "body_html_url",
        "type",
    ] {
        params.push(("fields[]", f.into()));
    }
    let mut url = ctx.url("/api/v1/documents.json", &params)?;
    let mut all: Vec<Rule> = Vec::new();
    let mut pages = 0;
    let mut expected = None;
    loop {
        pages += 1;
        let body = ctx.get(&url)?;
        let (rules, next, count) =
            parse_page(&body).map_err(|(k, m)| ctx.err(k, &url, format!("page {pages}: {m}")))?;
        expected = expected.or(count);
        all.extend(rules);
        match next {
            Some(n) if pages < MAX_PAGES => url = ctx.rebase(&n)?,
            Some(_) => {
                return Err(ctx.err(
                    FetchErrorKind::Parse,
                    &url,
                    format!("more than {MAX_PAGES} pages: narrow the dates"),
                ));
            }
            None => break,
        }
    }
    let n_all = all.len();
    let needle = term.to_ascii_lowercase();
    if *title_filter {
        all.retain(|r| r.title.to_ascii_lowercase().contains(&needle));
    }
    if all.is_empty() {
        return Err(ctx.err(
            FetchErrorKind::Empty,
            &url,
            format!(
                "no rules published between {from} and {to}{}",
                if n_all > 0 {
                    format!(" with \"{term}\" in the title ({n_all} other rule(s) mention it; --all-rules keeps them)")
                } else {
                    String::new()
                }
            ),
        ));
    }
    let mut with_entities = Vec::with_capacity(all.len());
    let mut notes = vec![format!(
        "{} rule(s) over {pages} page(s){}; {} kept",
        n_all,
        expected
            .map(|c| format!(" (the API counted {c})"))
            .unwrap_or_default(),
        all.len()
    )];
    for r in all {
        let ents = if *entities {
            match &r.body_html_url {
                Some(u) => {
                    let u = ctx.rebase(u)?;
                    let html = ctx.get(&u)?;
                    let names = extract_entities(&String::from_utf8_lossy(&html));
                    notes.push(format!(
                        "{}: {} entit{} read from the Supplement No. 4 table",
                        r.document_number,
                        names.len(),
                        if names.len() == 1 { "y" } else { "ies" }
                    ));
                    Some(names)
                }
                None => {
                    notes.push(format!(
                        "{}: no full text URL; entities not listed",
                        r.document_number
                    ));
                    None
                }
            }
        } else {
            None
        };
        with_entities.push((r, ents));
    }
    let mut t = rows(&with_entities, securities);
    t.notes = notes;
    t.notes.push(
        "date = Federal Register publication date; the effective date is in the headline and source".into(),
    );
    t.unit("date", "publication date (US Eastern)");
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_names() {
        assert_eq!(
            entity_name("Hangzhou Hikvision Digital Technology Co., Ltd., No. 555 Qianmo Road, Hangzhou, China.").as_deref(),
            Some("Hangzhou Hikvision Digital Technology Co., Ltd.")
        );
        assert_eq!(
            entity_name("Aksu District Public Security Bureau, Aksu District, Xinjiang, China.")
                .as_deref(),
            Some("Aksu District Public Security Bureau")
        );
        assert_eq!(
            entity_name(
                "Megvii Technology, a.k.a., the following one alias: Face++, Beijing, China."
            )
            .as_deref(),
            Some("Megvii Technology")
        );
        assert_eq!(entity_name("*    *    *    *"), None);
    }

    #[test]
    fn table_rows_are_found_by_the_license_requirement_cell() {
        let html = r#"<table><tr><th>Country</th><th>Entity</th></tr>
<tr><td class="left">CHINA, PEOPLE'S REPUBLIC OF</td><td>Dahua Technology, No. 1199 Bin'an Road, Hangzhou, China.</td><td>For all items subject to the EAR. (See &#167;744.11 of the EAR).</td><td>Presumption of denial.</td><td>84 FR 54002, 10/9/19.</td></tr>
<tr><td></td><td>Yitu Technologies, <i>a.k.a.</i>, Yitu, Shanghai, China.</td><td>For all items subject to the EAR.</td><td>Presumption of denial.</td><td>84 FR 54002</td></tr></table>"#;
        assert_eq!(
            extract_entities(html),
            vec!["Dahua Technology", "Yitu Technologies"]
        );
    }
}
