//! Event timestamp + exchange calendar → day 0, with the reason for every decision.
//!
//! Day 0 is the first session of the security's exchange whose trading could react: the
//! announcement's own session if it came before that exchange's close (in the exchange's
//! time zone), else the next session. An announcement on a day without a session moves by
//! the event-day rule (`next` by default). The estimation window always moves with day 0.

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};

use crate::data::calendar::{Calendar, Exchange};
use crate::data::events::Event;

/// What to do with an announcement on a date without a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventDayRule {
    /// The next session (default).
    #[default]
    Next,
    /// The previous session.
    Previous,
    /// Skip the event for that security.
    Skip,
}

impl EventDayRule {
    pub fn as_str(self) -> &'static str {
        match self {
            EventDayRule::Next => "next",
            EventDayRule::Previous => "previous",
            EventDayRule::Skip => "skip",
        }
    }
}

/// Why an event has no day 0 on its exchange's calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unaligned {
    #[error("the calendar has no sessions")]
    NoSessions,
    #[error("{local} does not exist in {tz} (clock change)")]
    NoSuchTime { local: NaiveDateTime, tz: String },
    #[error("announcement {date} is outside the {mic} calendar ({first}..{last})")]
    Outside {
        date: NaiveDate,
        mic: &'static str,
        first: NaiveDate,
        last: NaiveDate,
    },
    #[error("{prefix}; {date} is not an {mic} session and the rule is 'skip'")]
    SkipRule {
        prefix: String,
        date: NaiveDate,
        mic: &'static str,
    },
    #[error("{reason}; that shifts day 0 by {shift} weekdays, more than the maximum {max}")]
    TooFar {
        reason: String,
        shift: u32,
        max: u32,
    },
}

/// Where day 0 fell and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// Index of day 0 in the calendar.
    pub day0: usize,
    /// `same_session`, `shifted` or `after_close`.
    pub outcome: &'static str,
    pub reason: String,
}

/// Aligns one event on one exchange calendar.
///
/// # Errors
/// Why the event cannot be aligned (outside the calendar, `skip` rule on a non-session, a
/// local time that does not exist, a shift beyond `max_shift`).
pub fn align(
    event: &Event,
    ex: &Exchange,
    cal: &Calendar,
    rule: EventDayRule,
    max_shift: Option<u32>,
) -> Result<Alignment, Unaligned> {
    let a = align_unbounded(event, ex, cal, rule)?;
    let from = local_date(event, ex);
    let to = cal.sessions[a.day0];
    let shift = weekdays_between(from, to);
    if let Some(m) = max_shift
        && shift > m
    {
        return Err(Unaligned::TooFar {
            reason: a.reason,
            shift,
            max: m,
        });
    }
    Ok(a)
}

/// Weekdays (Mon-Fri) d with min(a, b) < d <= max(a, b): the sessions a weekday calendar
/// would count between the announcement's local date and day 0.
pub fn weekdays_between(a: NaiveDate, b: NaiveDate) -> u32 {
    use chrono::Datelike;
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    lo.iter_days()
        .skip(1)
        .take_while(|d| *d <= hi)
        .filter(|d| d.weekday().number_from_monday() <= 5)
        .count() as u32
}

/// The announcement's date in the exchange's time zone (the written date when no time).
fn local_date(event: &Event, ex: &Exchange) -> NaiveDate {
    match event.time {
        Some(time) => {
            let tz = event.tz.unwrap_or(ex.tz);
            tz.from_local_datetime(&NaiveDateTime::new(event.date, time))
                .earliest()
                .map(|at| at.with_timezone(&ex.tz).date_naive())
                .unwrap_or(event.date)
        }
        None => event.date,
    }
}

fn align_unbounded(
    event: &Event,
    ex: &Exchange,
    cal: &Calendar,
    rule: EventDayRule,
) -> Result<Alignment, Unaligned> {
    let (Some(first), Some(last)) = (cal.sessions.first(), cal.sessions.last()) else {
        return Err(Unaligned::NoSessions);
    };
    let mut local_date = event.date;
    let mut after_close = false;
    let mut when = String::new();
    if let Some(time) = event.time {
        let naive = NaiveDateTime::new(event.date, time);
        let tz = event.tz.unwrap_or(ex.tz);
        let Some(at) = tz.from_local_datetime(&naive).earliest() else {
            return Err(Unaligned::NoSuchTime {
                local: naive,
                tz: tz.name().to_string(),
            });
        };
        let local = at.with_timezone(&ex.tz);
        local_date = local.date_naive();
        after_close = local.time() >= ex.close;
        when = format!(
            "{} {} = {} {} time",
            naive.format("%Y-%m-%d %H:%M"),
            tz.name(),
            local.format("%Y-%m-%d %H:%M"),
            ex.mic
        );
    }
    let outside = || Unaligned::Outside {
        date: local_date,
        mic: ex.mic,
        first: *first,
        last: *last,
    };
    if after_close {
        let next = local_date + Duration::days(1);
        let i = cal.first_on_or_after(next).ok_or_else(outside)?;
        return Ok(Alignment {
            day0: i,
            outcome: "after_close",
            reason: format!(
                "{when}, at or after the {} close: day 0 is the next session {}",
                ex.close.format("%H:%M"),
                cal.sessions[i]
            ),
        });
    }
    let prefix = if when.is_empty() {
        format!("date only, taken as the {} date {local_date}", ex.mic)
    } else {
        format!("{when}, before the {} close", ex.close.format("%H:%M"))
    };
    if let Some(i) = cal.index_of(local_date) {
        return Ok(Alignment {
            day0: i,
            outcome: "same_session",
            reason: format!("{prefix}: day 0 is that session"),
        });
    }
    if local_date < *first || local_date > *last {
        return Err(outside());
    }
    let i = match rule {
        EventDayRule::Next => cal.first_on_or_after(local_date),
        EventDayRule::Previous => cal.last_on_or_before(local_date),
        EventDayRule::Skip => {
            return Err(Unaligned::SkipRule {
                prefix,
                date: local_date,
                mic: ex.mic,
            });
        }
    }
    .ok_or_else(outside)?;
    Ok(Alignment {
        day0: i,
        outcome: "shifted",
        reason: format!(
            "{prefix}; {local_date} is not an {} session (weekend or exchange holiday): rule '{}' gives {}",
            ex.mic,
            rule.as_str(),
            cal.sessions[i]
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::calendar::{XNYS, XSHG};
    use crate::data::parse_date;
    use chrono::NaiveTime;

    fn ev(date: &str, time: Option<&str>, tz: Option<chrono_tz::Tz>) -> Event {
        Event {
            event_id: "E".into(),
            security: Some("X".into()),
            entity: String::new(),
            date: parse_date(date).expect("date"),
            time: time.map(|t| NaiveTime::parse_from_str(t, "%H:%M").expect("time")),
            tz,
            headline: String::new(),
            source: String::new(),
            url: String::new(),
            exchange: None,
            market: None,
            group: None,
            short_name: None,
            line: 2,
        }
    }

    fn cal(days: &[&str]) -> Calendar {
        Calendar {
            name: "t".into(),
            sessions: days.iter().map(|s| parse_date(s).expect("date")).collect(),
        }
    }

    #[test]
    fn holiday_moves_to_next_session() {
        let c = cal(&["2019-09-30", "2019-10-08", "2019-10-09"]);
        let a = align(
            &ev("2019-10-07", None, None),
            &XSHG,
            &c,
            EventDayRule::Next,
            None,
        )
        .expect("aligned");
        assert_eq!((a.day0, a.outcome), (1, "shifted"));
        let a = align(
            &ev("2019-10-07", None, None),
            &XSHG,
            &c,
            EventDayRule::Previous,
            None,
        )
        .expect("aligned");
        assert_eq!(a.day0, 0);
        assert!(
            align(
                &ev("2019-10-07", None, None),
                &XSHG,
                &c,
                EventDayRule::Skip,
                None
            )
            .is_err()
        );
    }

    #[test]
    fn new_york_evening_is_next_morning_in_shenzhen_and_after_close_in_new_york() {
        let ny = Some(chrono_tz::America::New_York);
        let cn = cal(&["2019-09-30", "2019-10-08", "2019-10-09"]);
        let us = cal(&["2019-10-04", "2019-10-07", "2019-10-08"]);
        let a = align(
            &ev("2019-10-07", Some("18:00"), ny),
            &XSHG,
            &cn,
            EventDayRule::Next,
            None,
        )
        .expect("aligned");
        assert_eq!(cn.sessions[a.day0].to_string(), "2019-10-08");
        let a = align(
            &ev("2019-10-07", Some("18:00"), ny),
            &XNYS,
            &us,
            EventDayRule::Next,
            None,
        )
        .expect("aligned");
        assert_eq!(
            (us.sessions[a.day0].to_string().as_str(), a.outcome),
            ("2019-10-08", "after_close")
        );
        let a = align(
            &ev("2019-10-07", Some("10:00"), ny),
            &XNYS,
            &us,
            EventDayRule::Next,
            None,
        )
        .expect("aligned");
        assert_eq!(us.sessions[a.day0].to_string(), "2019-10-07");
    }

    #[test]
    fn max_shift_counts_weekdays() {
        let d = |s| parse_date(s).expect("date");
        assert_eq!(weekdays_between(d("2019-10-01"), d("2019-10-08")), 5);
        assert_eq!(weekdays_between(d("2019-10-05"), d("2019-10-04")), 0);
        assert_eq!(weekdays_between(d("2019-10-04"), d("2019-10-07")), 1);
        let c = cal(&["2019-09-30", "2019-10-08", "2019-10-09"]);
        let e = ev("2019-10-01", None, None);
        assert!(align(&e, &XSHG, &c, EventDayRule::Next, Some(5)).is_ok());
        let err = align(&e, &XSHG, &c, EventDayRule::Next, Some(4)).unwrap_err();
        assert!(
            err.to_string()
                .contains("shifts day 0 by 5 weekdays, more than the maximum 4"),
            "{err}"
        );
    }

    #[test]
    fn outside_calendar_is_a_skip_reason() {
        let c = cal(&["2019-09-30"]);
        let e = align(
            &ev("2021-01-04", None, None),
            &XSHG,
            &c,
            EventDayRule::Next,
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("outside"), "{e}");
    }
}
