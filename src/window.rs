//! A window of event time: sessions relative to day 0, inclusive at both ends.

use serde::{Deserialize, Serialize};

/// A window of event time [start, end] in sessions, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "[i32; 2]")]
pub struct Window {
    pub start: i32,
    pub end: i32,
}

/// The largest distance of a window bound from day 0, in sessions (about 40 years of
/// trading days: longer than any exchange calendar evimpact has). Beyond it a window is
/// refused before anything is computed from it.
pub const MAX_BOUND: i32 = 10_000;

/// How a window is written, for messages.
const WINDOW_SHAPE: &str =
    "a window [START, END] such as [-1, 1] or \"-1:1\" (a list of windows: [[-1, 1], [0, 5]])";

struct WindowVisitor;

impl<'de> serde::de::Visitor<'de> for WindowVisitor {
    type Value = Window;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(WINDOW_SHAPE)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Window, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Window, E> {
        Err(E::custom(format!(
            "expected {WINDOW_SHAPE}, found the number {v} alone"
        )))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Window, E> {
        self.visit_i64(v as i64)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Window, A::Error> {
        use serde::de::Error;
        let bound = |v: Option<i64>| -> Result<i32, A::Error> {
            let v = v.ok_or_else(|| {
                A::Error::custom(format!(
                    "expected {WINDOW_SHAPE}, found fewer than two bounds"
                ))
            })?;
            i32::try_from(v).map_err(|_| {
                A::Error::custom(format!(
                    "window bound {v} is beyond ±{MAX_BOUND} sessions: a window must fit inside an exchange calendar"
                ))
            })
        };
        let a = bound(seq.next_element()?)?;
        let b = bound(seq.next_element()?)?;
        if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
            return Err(A::Error::custom(format!(
                "expected {WINDOW_SHAPE}, found more than two bounds"
            )));
        }
        Window::new(a, b).map_err(A::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Window {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Window, D::Error> {
        d.deserialize_any(WindowVisitor)
    }
}

impl From<Window> for [i32; 2] {
    fn from(w: Window) -> Self {
        [w.start, w.end]
    }
}

impl Window {
    /// A window from its bounds.
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
        Ok(Window { start, end })
    }

    /// `-1:1`: the label used in output tables and on the command line.
    pub fn label(&self) -> String {
        format!("{}:{}", self.start, self.end)
    }

    /// `[-1, +1]`: the label used in reports.
    pub fn pretty(&self) -> String {
        let f = |v: i32| {
            if v > 0 {
                format!("+{v}")
            } else {
                v.to_string()
            }
        };
        format!("[{}, {}]", f(self.start), f(self.end))
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
    /// Parses `A:B` (e.g. `-260:-11`), also accepting `[A,B]`.
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().trim_start_matches('[').trim_end_matches(']');
        let (a, b) = t
            .split_once(':')
            .or_else(|| t.split_once(','))
            .ok_or_else(|| format!("expected a window START:END such as -10:10, found \"{s}\""))?;
        let p = |v: &str| {
            let v = v.trim().trim_start_matches('+');
            match v.parse::<i64>() {
                Ok(x) => i32::try_from(x).map_err(|_| {
                    format!(
                        "window bound {x} is beyond ±{MAX_BOUND} sessions (about 40 years): a window must fit inside an exchange calendar"
                    )
                }),
                Err(_) => Err(format!(
                    "expected a window START:END of integers such as -10:10, found \"{s}\""
                )),
            }
        };
        Window::new(p(a)?, p(b)?)
    }
}

/// Default CAR windows: [-1,+1], [0,+1], [0,+5], [-5,+5], [-10,+10].
pub const DEFAULT_CARS: [(i32, i32); 5] = [(-1, 1), (0, 1), (0, 5), (-5, 5), (-10, 10)];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_both_forms() {
        assert_eq!(
            "-260:-11".parse::<Window>(),
            Ok(Window {
                start: -260,
                end: -11
            })
        );
        assert_eq!("[0,+5]".parse::<Window>(), Ok(Window { start: 0, end: 5 }));
        assert!("5:1".parse::<Window>().is_err());
        assert!("a:b".parse::<Window>().is_err());
        assert_eq!(Window { start: -1, end: 1 }.pretty(), "[-1, +1]");
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
            e.contains("found the number -1 alone") && e.contains("[[-1, 1], [0, 5]]"),
            "{e}"
        );
        let e = toml::from_str::<W>("car = [[-1, 1, 2]]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than two bounds"), "{e}");
        let e = toml::from_str::<W>("car = [[-3000000000, 1]]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("beyond ±10000"), "{e}");
        let w: W = toml::from_str("car = [[-1, 1], \"0:5\"]").expect("valid");
        assert_eq!(w.car.len(), 2);
    }
}
