//! A window of event time: sessions relative to day 0, inclusive at both ends, counted in
//! the exchange's sessions (`-1:1`) or in the security's own traded sessions (`t0:t1`).

use serde::{Deserialize, Serialize};

/// What a window counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
pub enum Sessions {
    /// Sessions of the exchange calendar relative to day 0 (τ); a halted security has no
    /// return on some of them.
    #[default]
    Event,
    /// The security's own returns: t0 is its first return on or after day 0 (the first
    /// traded session after the news, whatever the halts), t1 the next return, t-1 its last
    /// return before day 0. A halted stock's reaction is then measured on the same footing
    /// as the others'.
    Traded,
}

/// A window [start, end], inclusive, in event-time sessions or in traded sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "WindowRepr")]
pub struct Window {
    pub start: i32,
    pub end: i32,
    pub sessions: Sessions,
}

/// The largest distance of a window bound from day 0, in sessions (about 40 years of
/// trading days: longer than any exchange calendar evimpact has). Beyond it a window is
/// refused before anything is computed from it.
pub const MAX_BOUND: i32 = 10_000;

#[derive(Serialize)]
#[serde(untagged)]
enum WindowRepr {
    Pair([i32; 2]),
    Text(String),
}

/// What a window looks like, for messages.
const WINDOW_FORMS: &str =
    "a window is [start, end] such as [-1, 1], or a text \"-1:1\" (\"t0:t5\" in traded sessions)";

impl<'de> Deserialize<'de> for Window {
    /// `[start, end]` or `"start:end"`, with messages that say what a window looks like
    /// (never serde's own), including the common `car = [-1, 1]` for `car = [[-1, 1]]`.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Window;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(WINDOW_FORMS)
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Window, E> {
                s.parse().map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Window, E> {
                Err(E::custom(format!(
                    "found the number {v} where a window was expected: {WINDOW_FORMS}; a list of windows has one pair per window, e.g. car = [[-1, 1], [0, 5]] (not car = [-1, 1])"
                )))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Window, E> {
                self.visit_i64(v as i64)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Window, E> {
                Err(E::custom(format!(
                    "found {v} where a window was expected: {WINDOW_FORMS}"
                )))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Window, A::Error> {
                use serde::de::Error;
                let bad =
                    || A::Error::custom(format!("expected two whole numbers: {WINDOW_FORMS}"));
                let a: i64 = seq.next_element()?.ok_or_else(bad)?;
                let b: i64 = seq.next_element()?.ok_or_else(bad)?;
                if seq.next_element::<i64>()?.is_some() {
                    return Err(bad());
                }
                let to = |v: i64| {
                    i32::try_from(v).map_err(|_| {
                        A::Error::custom(format!(
                            "window bound {v} is beyond ±{MAX_BOUND} sessions (about 40 years): a window must fit inside an exchange calendar"
                        ))
                    })
                };
                Window::new(to(a)?, to(b)?).map_err(A::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl From<Window> for WindowRepr {
    /// Event windows as `[start, end]` (the study file's form), traded windows as `t0:t1`.
    fn from(w: Window) -> Self {
        match w.sessions {
            Sessions::Event => WindowRepr::Pair([w.start, w.end]),
            Sessions::Traded => WindowRepr::Text(w.label()),
        }
    }
}

impl Window {
    /// An event-time window [start, end].
    ///
    /// # Errors
    /// `start` after `end`, or a bound beyond ±[`MAX_BOUND`] sessions.
    pub fn new(start: i32, end: i32) -> Result<Self, String> {
        if let Some(b) = [start, end]
            .into_iter()
            .find(|b| b.unsigned_abs() > MAX_BOUND as u32)
        {
            return Err(format!(
                "window bound {b} is beyond ±{MAX_BOUND} sessions (about 40 years): a window must fit inside an exchange calendar"
            ));
        }
        if start > end {
            return Err(format!("window start {start} is after its end {end}"));
        }
        Ok(Window {
            start,
            end,
            sessions: Sessions::Event,
        })
    }

    /// An event-time window from bounds known to be ordered (constants, defaults).
    pub const fn event(start: i32, end: i32) -> Window {
        Window {
            start,
            end,
            sessions: Sessions::Event,
        }
    }

    /// A window in traded sessions [t`start`, t`end`] (see [`Sessions::Traded`]).
    ///
    /// # Errors
    /// `start` after `end`.
    pub fn traded(start: i32, end: i32) -> Result<Self, String> {
        Window::new(start, end).map(|w| Window {
            sessions: Sessions::Traded,
            ..w
        })
    }

    pub fn is_traded(&self) -> bool {
        self.sessions == Sessions::Traded
    }

    /// `-1:1` (or `t0:t1`): the label used in output tables and on the command line.
    pub fn label(&self) -> String {
        match self.sessions {
            Sessions::Event => format!("{}:{}", self.start, self.end),
            Sessions::Traded => format!("t{}:t{}", self.start, self.end),
        }
    }

    /// `[-1, +1]` (or `[t0, t+1]`): the label used in reports.
    pub fn pretty(&self) -> String {
        let t = if self.is_traded() { "t" } else { "" };
        let f = |v: i32| {
            if v > 0 {
                format!("{t}+{v}")
            } else {
                format!("{t}{v}")
            }
        };
        format!("[{}, {}]", f(self.start), f(self.end))
    }

    /// What the window counts, for the report.
    pub fn describe(&self) -> String {
        match self.sessions {
            Sessions::Event => format!("{}: exchange sessions relative to day 0", self.pretty()),
            Sessions::Traded => format!(
                "{}: the security's own returns, t0 its first return on or after day 0 (after any halt), counted in traded sessions",
                self.pretty()
            ),
        }
    }

    pub fn contains(&self, tau: i32) -> bool {
        self.start <= tau && tau <= self.end
    }

    pub fn len(&self) -> usize {
        (self.end - self.start + 1) as usize
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

impl std::str::FromStr for Window {
    type Err = String;
    /// Parses `A:B` (e.g. `-260:-11`), also accepting `[A,B]`; `tA:tB` (e.g. `t0:t5`) is a
    /// window in traded sessions.
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().trim_start_matches('[').trim_end_matches(']');
        let (a, b) = t.split_once(':').or_else(|| t.split_once(',')).ok_or_else(|| {
            if t.trim().parse::<i32>().is_ok() {
                format!(
                    "expected a window START:END in one argument, such as -250:-30 (write --estimation=-250:-30, not --estimation -250 -30), found \"{s}\""
                )
            } else {
                format!("expected a window START:END such as -10:10, found \"{s}\"")
            }
        })?;
        let (a, b) = (a.trim(), b.trim());
        let traded = a.starts_with('t') || b.starts_with('t');
        let p = |v: &str| {
            let v = v.trim_start_matches('t').trim_start_matches('+');
            match v.parse::<i64>() {
                Ok(x) => i32::try_from(x).map_err(|_| {
                    format!(
                        "window bound {x} is beyond ±{MAX_BOUND} sessions (about 40 years): a window must fit inside an exchange calendar"
                    )
                }),
                Err(_) => Err(format!(
                    "expected a window START:END of integers such as -10:10 (or t0:t5 in traded sessions), found \"{s}\""
                )),
            }
        };
        if traded && !(a.starts_with('t') && b.starts_with('t')) {
            return Err(format!(
                "a window in traded sessions has both ends in traded sessions, such as t0:t5, found \"{s}\""
            ));
        }
        if traded {
            Window::traded(p(a)?, p(b)?)
        } else {
            Window::new(p(a)?, p(b)?)
        }
    }
}

/// Default CAR windows: [-1,+1], [0,+1], [0,+5], [-5,+5], [-10,+10].
pub const DEFAULT_CARS: [(i32, i32); 5] = [(-1, 1), (0, 1), (0, 5), (-5, 5), (-10, 10)];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_both_forms() {
        assert_eq!("-260:-11".parse::<Window>(), Window::new(-260, -11));
        assert_eq!("[0,+5]".parse::<Window>(), Window::new(0, 5));
        assert!("5:1".parse::<Window>().is_err());
        assert!("a:b".parse::<Window>().is_err());
        assert_eq!(Window::new(-1, 1).expect("window").pretty(), "[-1, +1]");
    }

    #[test]
    fn traded_windows_parse_print_and_serialize() {
        let w: Window = "t0:t5".parse().expect("traded");
        assert_eq!(w, Window::traded(0, 5).expect("window"));
        assert!(w.is_traded());
        assert_eq!(
            (w.label(), w.pretty()),
            ("t0:t5".into(), "[t0, t+5]".into())
        );
        assert_eq!("t-1:t+1".parse::<Window>().expect("w").label(), "t-1:t1");
        assert!("t0:5".parse::<Window>().is_err());
        assert_eq!(
            serde_json::to_value(w).expect("json"),
            serde_json::json!("t0:t5")
        );
        let e = Window::new(-1, 1).expect("window");
        assert_eq!(
            serde_json::to_value(e).expect("json"),
            serde_json::json!([-1, 1])
        );
        let back: Vec<Window> = serde_json::from_str(r#"[[-1, 1], "t0:t1"]"#).expect("parse");
        assert_eq!(back, vec![e, Window::traded(0, 1).expect("w")]);
    }

    /// The study file's common mistakes get messages that say what a window looks like.
    #[test]
    fn window_mistakes_say_what_a_window_looks_like() {
        let e = serde_json::from_str::<Vec<Window>>("[-1, 1]")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("car = [[-1, 1], [0, 5]] (not car = [-1, 1])"),
            "{e}"
        );
        let e = serde_json::from_str::<Window>("[-1]")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("expected two whole numbers: a window is [start, end]"),
            "{e}"
        );
        let e = serde_json::from_str::<Window>("[5, 1]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("window start 5 is after its end 1"), "{e}");
        assert!(!e.contains("untagged"), "{e}");
    }

    /// Bounds far beyond any calendar are refused when the window is made, from a flag or a
    /// study file, before anything computes with them.
    #[test]
    fn huge_bounds_are_refused() {
        for s in [
            "-2147483648:-30",
            "-99999999999:0",
            "0:100001",
            "-10001:-30",
        ] {
            let e = s.parse::<Window>().unwrap_err();
            assert!(e.contains("beyond ±10000 sessions"), "{s}: {e}");
        }
        assert!("-10000:10000".parse::<Window>().is_ok());
        #[derive(Debug, Deserialize)]
        struct W {
            #[allow(dead_code)]
            car: Vec<Window>,
        }
        let e = toml::from_str::<W>("car = [-1, 1]")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("found the number -1 where a window was expected")
                && e.contains("[[-1, 1], [0, 5]]"),
            "{e}"
        );
        let e = toml::from_str::<W>("car = [[-1, 1, 2]]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected two whole numbers"), "{e}");
        let e = toml::from_str::<W>("car = [[-3000000000, 1]]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("beyond ±10000"), "{e}");
        let w: W = toml::from_str("car = [[-1, 1], \"0:5\"]").expect("valid");
        assert_eq!(w.car.len(), 2);
    }
}
