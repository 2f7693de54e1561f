//! English for messages and the report: a count with its noun in the right number.

/// "1 event", "4 events", "1 security", "3 securities", "0 sessions". `noun` is the
/// singular; nouns ending in a consonant + "y" take "ies", the others "s".
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {}", plural(n, noun))
}

/// The noun for `n` of it: `plural(1, "halt")` = "halt", `plural(2, "security")` =
/// "securities".
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        return noun.to_string();
    }
    let consonant_y = noun.len() > 1
        && noun.ends_with('y')
        && !noun[..noun.len() - 1].ends_with(['a', 'e', 'i', 'o', 'u']);
    if consonant_y {
        format!("{}ies", &noun[..noun.len() - 1])
    } else if noun.ends_with('s') || noun.ends_with("sh") || noun.ends_with("ch") {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}

/// An integer with thousands separators: 10000 → "10,000".
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `text` with every run of four digits or more grouped by thousands ("t(989082)" →
/// "t(989,082)"), as the chart's other counts are; digits after a decimal point, or with
/// a leading zero, are left as they are.
pub fn grouped_digits(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 4);
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            let c = text[i..].chars().next().unwrap_or_default();
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let run = &text[start..i];
        let decimals = start > 0 && b[start - 1] == b'.';
        match run.parse::<usize>() {
            Ok(n) if run.len() >= 4 && !decimals && !run.starts_with('0') => {
                out.push_str(&thousands(n))
            }
            _ => out.push_str(run),
        }
    }
    out
}

/// Items joined as prose: "a", "a and b", "a, b and c" (empty for none).
pub fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(|s| s.as_ref()).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_a_distribution_are_grouped_by_thousands() {
        assert_eq!(grouped_digits("t(989082)"), "t(989,082)");
        assert_eq!(grouped_digits("F(2, 9997)"), "F(2, 9,997)");
        assert_eq!(grouped_digits("empirical(999)"), "empirical(999)");
        assert_eq!(grouped_digits("N(0,1)"), "N(0,1)");
        assert_eq!(grouped_digits("p = 0.00012345"), "p = 0.00012345");
        assert_eq!(grouped_digits("χ²(12345)"), "χ²(12,345)");
    }

    #[test]
    fn lists_in_prose() {
        assert_eq!(and_list::<&str>(&[]), "");
        assert_eq!(and_list(&["ar.parquet"]), "ar.parquet");
        assert_eq!(and_list(&["ar.csv", "ar.parquet"]), "ar.csv and ar.parquet");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
    }

    #[test]
    fn counts_in_both_numbers() {
        assert_eq!(count(1, "event"), "1 event");
        assert_eq!(count(4, "event"), "4 events");
        assert_eq!(count(0, "session"), "0 sessions");
        assert_eq!(count(1, "security"), "1 security");
        assert_eq!(count(3, "security"), "3 securities");
        assert_eq!(count(2, "weekday"), "2 weekdays");
        assert_eq!(count(2, "close"), "2 closes");
        assert_eq!(count(2, "row"), "2 rows");
    }
}
