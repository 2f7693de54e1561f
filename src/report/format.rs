//! Numbers as the report writes them: rounding and significance marks live here only.

use crate::outcome::Outcome;

/// Significance marks: *** p < 0.01, ** p < 0.05, * p < 0.10.
pub fn stars(p: f64) -> &'static str {
    if !p.is_finite() {
        ""
    } else if p < 0.01 {
        "***"
    } else if p < 0.05 {
        "**"
    } else if p < 0.10 {
        "*"
    } else {
        ""
    }
}

/// A fraction as a signed percentage with 2 decimals; `–` when absent.
pub fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:+.2}%", v * 100.0)
    } else {
        "–".into()
    }
}

/// A statistic with 2 decimals; `–` when absent.
pub fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else {
        "–".into()
    }
}

pub fn pval(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.3}")
    } else {
        "–".into()
    }
}

/// A percentage for prose: typographic minus, 2 decimals, e.g. "−10.52 %".
pub fn pct_prose(v: f64) -> String {
    if !v.is_finite() {
        return "undefined".into();
    }
    let s = format!("{:.2} %", v * 100.0);
    match s.strip_prefix('-') {
        Some(r) => format!("−{r}"),
        None => format!("+{s}"),
    }
}

/// A statistic for prose with a typographic minus.
pub fn num_prose(v: f64) -> String {
    if !v.is_finite() {
        return "undefined".into();
    }
    let s = format!("{v:.2}");
    match s.strip_prefix('-') {
        Some(r) => format!("−{r}"),
        None => s,
    }
}

/// "rejects at 5 %" style verdict of a p-value.
pub fn verdict(p: f64) -> &'static str {
    if !p.is_finite() {
        "undefined at this N"
    } else if p < 0.01 {
        "significant at 1 %"
    } else if p < 0.05 {
        "significant at 5 %"
    } else if p < 0.10 {
        "significant at 10 % only"
    } else {
        "not significant at 10 %"
    }
}

/// The securities whose window ends before their first return after the news, with that
/// first return's τ: "002415.SZ, 002236.SZ (first return after the news at τ = +2)".
pub fn missed_reaction(o: &Outcome, window: usize) -> Option<String> {
    let missed: Vec<(&str, Option<i32>)> = o
        .results
        .iter()
        .filter_map(|r| {
            let c = r.analysis.cars.get(window)?;
            c.misses_reaction
                .then_some((r.security.as_str(), c.first_return))
        })
        .collect();
    if missed.is_empty() {
        return None;
    }
    let names: Vec<&str> = missed.iter().map(|m| m.0).collect();
    let names = some_of(&names, MISSED_NAMES, "car.csv");
    let firsts: Vec<i32> = missed.iter().filter_map(|m| m.1).collect();
    let when = match (firsts.iter().min(), firsts.iter().max()) {
        (Some(a), Some(b)) if a == b => format!("first return after the news at τ = {a:+}"),
        (Some(a), Some(b)) => format!("first returns after the news at τ = {a:+}..{b:+}"),
        _ => "no return after the news in the event window".into(),
    };
    Some(format!("{names} ({when})"))
}

/// Firms named in a missed-reaction line before the rest are counted: at large N the line
/// led the report and the terminal with thousands of names.
pub const MISSED_NAMES: usize = 10;

/// The first `max` names joined by commas, then how many more there are and where they
/// all are: "A, B and 3 more in car.csv".
pub fn some_of(names: &[&str], max: usize, table: &str) -> String {
    if names.len() <= max {
        return names.join(", ");
    }
    format!(
        "{} and {} more in {table}",
        names[..max].join(", "),
        crate::text::thousands(names.len() - max)
    )
}

/// A word quoted for a POSIX shell: as is when it holds only safe characters, else in single
/// quotes (a quote inside becomes `'\''`).
pub fn shell_word(w: &str) -> String {
    let safe = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c));
    if safe {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// The command that reproduces a run, for a shell: `cd DIR && evimpact run ...`.
pub fn shell_command(c: &crate::outcome::RunCommand) -> String {
    let words: Vec<String> = c.args.iter().map(|a| shell_word(a)).collect();
    format!(
        "cd {} && {}",
        shell_word(&c.dir.display().to_string()),
        words.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::some_of;

    /// Up to the limit every name; beyond it the first ones, then how many more and where.
    #[test]
    fn long_name_lists_are_cut_with_a_count() {
        let names: Vec<String> = (0..1_234).map(|i| format!("S{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(some_of(&names[..2], 10, "car.csv"), "S0, S1");
        assert_eq!(
            some_of(&names[..10], 10, "car.csv"),
            "S0, S1, S2, S3, S4, S5, S6, S7, S8, S9"
        );
        assert_eq!(
            some_of(&names, 3, "car.csv"),
            "S0, S1, S2 and 1,231 more in car.csv"
        );
    }
}
