//! Security ids are names, never paths. A price directory holds `<security>.csv`, so an id
//! that could name another file (`../secret`, `/etc/x`, `a/b`) must be refused before any
//! path is built from it.
//!
//! An id is 1 to [`MAX_ID_LEN`] characters, each a letter or digit (any script) or one of
//! `. - _ ^ = & + # @ ! ~ $ %`, not starting with `.` (no `.`, `..` or hidden files), and
//! without blanks, control characters, `/`, `\` or `:`. This admits every ticker and code
//! format in use (`002415.SZ`, `BRK.B`, `BF-B`, `^GSPC`, `EURUSD=X`, `M&T`, CRSP PERMNOs).

/// The longest security id, in characters.
pub const MAX_ID_LEN: usize = 64;

/// The punctuation an id may hold besides letters and digits.
pub const ID_PUNCTUATION: &str = ".-_^=&+#@!~$%";

/// Why `id` is not a valid security id, or `None` when it is.
pub fn invalid_id(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("an empty security id".into());
    }
    if id.chars().count() > MAX_ID_LEN {
        return Some(format!("longer than {MAX_ID_LEN} characters"));
    }
    if id.starts_with('.') {
        return Some("starts with '.' (a security id is a name, not a path)".into());
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_alphanumeric() || ID_PUNCTUATION.contains(*c)))
    {
        let what = match c {
            '/' | '\\' => "a path separator (a security id is a name, not a path)".to_string(),
            c if c.is_whitespace() => "a blank".to_string(),
            c if c.is_control() => format!("a control character (U+{:04X})", c as u32),
            c => format!("the character '{c}'"),
        };
        return Some(format!(
            "holds {what}; allowed: letters, digits and {ID_PUNCTUATION}"
        ));
    }
    None
}

/// What a bad-id cell error expects, for messages.
pub const ID_EXPECTED: &str =
    "a security id (letters, digits and .-_^=&+#@!~$%, not starting with '.')";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickers_are_ids_and_paths_are_not() {
        for ok in [
            "002415.SZ",
            "BRK.B",
            "BF-B",
            "^GSPC",
            "EURUSD=X",
            "M&T",
            "10107",
            "0700.HK",
            "中国平安",
        ] {
            assert_eq!(invalid_id(ok), None, "{ok}");
        }
        for bad in [
            "../secret",
            "/abs/secret",
            "a/b",
            "a\\b",
            ".",
            "..",
            ".hidden",
            "a b",
            "a:b",
            "a\0b",
            "",
        ] {
            assert!(invalid_id(bad).is_some(), "{bad:?}");
        }
        assert!(invalid_id(&"A".repeat(65)).is_some());
        assert!(invalid_id("../x").expect("bad").contains("not a path"));
    }
}
