//! A well-formedness check of XML 1.0 documents for the tests (the SVG charts, the parts of
//! `tables.xlsx`): one root element, every tag closed in order, attribute values quoted and
//! unique per element, no `<` or stray `&` in text or values, only XML characters, comments
//! without `--`. No DTDs (none of the documents checked has one), and no `>` inside an
//! attribute value (legal XML, but every writer checked here escapes it). Returns the elements
//! with their direct text, entities resolved, so that a test can look for a title.
//!
//! Depends on nothing of the crate: the integration tests compile this very file as their
//! own module (`tests/it/main.rs`), like the tolerance policy.

/// One element: its name, attributes and the text directly inside it (entities resolved).
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == ':'
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit() || matches!(c, '-' | '.') || c.is_alphanumeric()
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
        || ('\u{20}'..='\u{D7FF}').contains(&c)
        || ('\u{E000}'..='\u{FFFD}').contains(&c)
        || c >= '\u{10000}'
}

/// Text (or an attribute value) with its entity and character references resolved.
fn resolve(s: &str, at: usize) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let semi = rest[i..]
            .find(';')
            .ok_or_else(|| format!("byte {at}: '&' without ';'"))?;
        let ent = &rest[i + 1..i + semi];
        let c = match ent {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32)
                .filter(|c| is_xml_char(*c))
                .ok_or_else(|| format!("byte {at}: bad character reference &{e};"))?,
            e if e.starts_with('#') => e[1..]
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32)
                .filter(|c| is_xml_char(*c))
                .ok_or_else(|| format!("byte {at}: bad character reference &{e};"))?,
            e => return Err(format!("byte {at}: unknown entity &{e};")),
        };
        out.push(c);
        rest = &rest[i + semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn check_name(n: &str, at: usize) -> Result<(), String> {
    let mut cs = n.chars();
    match cs.next() {
        Some(c) if is_name_start(c) && cs.all(is_name_char) => Ok(()),
        _ => Err(format!("byte {at}: bad name {n:?}")),
    }
}

/// Attributes of a start tag (the text after its name).
fn attributes(mut s: &str, at: usize) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    loop {
        let t = s.trim_start();
        if t.is_empty() {
            return Ok(out);
        }
        if t.len() == s.len() {
            return Err(format!("byte {at}: no space before attribute {t:?}"));
        }
        let eq = t
            .find('=')
            .ok_or_else(|| format!("byte {at}: attribute without value: {t:?}"))?;
        let name = t[..eq].trim_end();
        check_name(name, at)?;
        let v = t[eq + 1..].trim_start();
        let q = v
            .chars()
            .next()
            .filter(|q| *q == '"' || *q == '\'')
            .ok_or_else(|| format!("byte {at}: attribute {name} not quoted"))?;
        let end = v[1..]
            .find(q)
            .ok_or_else(|| format!("byte {at}: attribute {name}: no closing quote"))?;
        // A '<' in a value was refused with the tag.
        let raw = &v[1..1 + end];
        if out.iter().any(|(n, _)| n == name) {
            return Err(format!("byte {at}: attribute {name} twice"));
        }
        out.push((name.to_string(), resolve(raw, at)?));
        s = &v[1 + end + 1..];
    }
}

/// Checks that `doc` is a well-formed XML document; returns its elements in document order.
///
/// # Errors
/// The first violation, with its byte offset.
pub fn parse(doc: &str) -> Result<Vec<Element>, String> {
    if let Some((i, c)) = doc.char_indices().find(|(_, c)| !is_xml_char(*c)) {
        return Err(format!(
            "byte {i}: character U+{:04X} is not allowed in XML",
            c as u32
        ));
    }
    let mut elements: Vec<Element> = Vec::new();
    // Open elements: (name, index in `elements`).
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut roots = 0usize;
    let mut pos = 0usize;
    while pos < doc.len() {
        let rest = &doc[pos..];
        if !rest.starts_with('<') {
            let end = rest.find('<').unwrap_or(rest.len());
            let raw = &rest[..end];
            if raw.contains("]]>") {
                return Err(format!("byte {pos}: ']]>' in text"));
            }
            let text = resolve(raw, pos)?;
            match stack.last() {
                Some((_, i)) => elements[*i].text.push_str(&text),
                None if raw.trim().is_empty() => {}
                None => return Err(format!("byte {pos}: text outside the root element")),
            }
            pos += end;
            continue;
        }
        if let Some(body) = rest.strip_prefix("<!--") {
            let end = body
                .find("-->")
                .ok_or_else(|| format!("byte {pos}: comment not closed"))?;
            if body[..end].contains("--") || body[..end].ends_with('-') {
                return Err(format!("byte {pos}: '--' inside a comment"));
            }
            pos += 4 + end + 3;
            continue;
        }
        if let Some(body) = rest.strip_prefix("<![CDATA[") {
            let end = body
                .find("]]>")
                .ok_or_else(|| format!("byte {pos}: CDATA not closed"))?;
            match stack.last() {
                Some((_, i)) => elements[*i].text.push_str(&body[..end]),
                None => return Err(format!("byte {pos}: CDATA outside the root element")),
            }
            pos += 9 + end + 3;
            continue;
        }
        if rest.starts_with("<!") {
            return Err(format!("byte {pos}: DTDs are not expected here"));
        }
        if let Some(body) = rest.strip_prefix("<?") {
            let end = body
                .find("?>")
                .ok_or_else(|| format!("byte {pos}: processing instruction not closed"))?;
            let target = body[..end].split_whitespace().next().unwrap_or("");
            check_name(target, pos)?;
            if target.eq_ignore_ascii_case("xml") && pos != 0 {
                return Err(format!("byte {pos}: XML declaration not at the start"));
            }
            pos += 2 + end + 2;
            continue;
        }
        let end = rest
            .find('>')
            .ok_or_else(|| format!("byte {pos}: tag not closed"))?;
        let inner = &rest[1..end];
        if inner.contains('<') {
            return Err(format!("byte {pos}: '<' inside a tag"));
        }
        if let Some(name) = inner.strip_prefix('/') {
            let name = name.trim_end();
            match stack.pop() {
                Some((open, _)) if open == name => {}
                Some((open, _)) => {
                    return Err(format!("byte {pos}: </{name}> closes <{open}>"));
                }
                None => return Err(format!("byte {pos}: </{name}> with nothing open")),
            }
        } else {
            let empty = inner.ends_with('/');
            let inner = inner.strip_suffix('/').unwrap_or(inner);
            let name_end = inner
                .find(|c: char| c.is_whitespace())
                .unwrap_or(inner.len());
            let name = &inner[..name_end];
            check_name(name, pos)?;
            let attrs = attributes(&inner[name_end..], pos)?;
            if stack.is_empty() {
                roots += 1;
                if roots > 1 {
                    return Err(format!("byte {pos}: a second root element <{name}>"));
                }
            }
            elements.push(Element {
                name: name.to_string(),
                attrs,
                text: String::new(),
            });
            if !empty {
                stack.push((name.to_string(), elements.len() - 1));
            }
        }
        pos += end + 1;
    }
    if let Some((open, _)) = stack.last() {
        return Err(format!("<{open}> is never closed"));
    }
    if roots == 0 {
        return Err("no root element".into());
    }
    Ok(elements)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_well_formed_and_names_what_is_wrong() {
        let ok = "<?xml version=\"1.0\"?>\n<svg a=\"1 &amp; 2\"><!-- c --><text x='3'>A &lt; B &#8722;</text><g/></svg>\n";
        let e = parse(ok).expect("well formed");
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].attrs, vec![("a".to_string(), "1 & 2".to_string())]);
        assert_eq!(e[1].text, "A < B \u{2212}");
        for (bad, why) in [
            ("<a><b></a></b>", "closes"),
            ("<a>", "never closed"),
            ("<a x=1/>", "not quoted"),
            ("<a x=\"1\" x=\"2\"/>", "twice"),
            ("<a>&nbsp;</a>", "unknown entity"),
            ("<a>R&D</a>", "without ';'"),
            ("<a/><b/>", "second root"),
            ("<a>\u{1}</a>", "not allowed"),
            ("<a><!-- x -- y --></a>", "inside a comment"),
            ("text", "outside the root"),
            ("<a x=\"<\"/>", "'<' inside a tag"),
        ] {
            let err = parse(bad).expect_err(bad);
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
