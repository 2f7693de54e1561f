//! A window of event time: sessions relative to day 0, inclusive at both ends.

use serde::{Deserialize, Serialize};

/// A window of event time [start, end] in sessions, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WindowRepr", into = "[i32; 2]")]
pub struct Window {
    pub start: i32,
    pub end: i32,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum WindowRepr {
    Pair([i32; 2]),
    Text(String),
}

impl TryFrom<WindowRepr> for Window {
    type Error = String;
    fn try_from(r: WindowRepr) -> Result<Self, String> {
        match r {
            WindowRepr::Pair([a, b]) => Window::new(a, b),
            WindowRepr::Text(s) => s.parse(),
        }
    }
}

impl From<Window> for [i32; 2] {
    fn from(w: Window) -> Self {
        [w.start, w.end]
    }
}

impl Window {
    pub fn new(start: i32, end: i32) -> Result<Self, String> {
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
            v.trim()
                .trim_start_matches('+')
                .parse::<i32>()
                .map_err(|_| {
                    format!("expected a window START:END of integers such as -10:10, found \"{s}\"")
                })
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
}
