//! Which tests are informative at a run's N: the rules behind the report's note.

use super::reference::TestId;

/// Smallest N at which an exact two-sided sign or signed-rank p-value can fall below 5 %
/// (2 · 0.5^N < 0.05 from N = 6).
const EXACT_MIN_N: usize = 6;
/// Below this N a t(N − 1) test estimating its variance from the N events has little power
/// (5 % critical value above 2.26).
const CROSS_SECTION_MIN_N: usize = 10;

/// Whether Binder's joint test (`binder_joint`, `joint_tests.csv`) applies to a sample of
/// `n` events: two or more events, all on one date (one calendar grid), at most
/// [`super::binder::JOINT_MAX_N`]. Its row exists only then; it is the test to lead with for
/// a few events on one date (it uses their contemporaneous covariance and, under normal
/// errors, has an exact F distribution at any N). The lead-test logic should also check
/// that the row's p-value is finite (too few common estimation sessions for N events
/// make it undefined).
pub fn joint_test_applies(n: usize, same_date: bool) -> bool {
    same_date && (2..=super::binder::JOINT_MAX_N).contains(&n)
}

/// Whether `test` is informative with `n` events, and why (one sentence).
/// `same_date`: every event shares one calendar date, so their abnormal returns share the
/// market's and the industry's shocks (event-date clustering).
pub fn informative(test: TestId, n: usize, same_date: bool) -> (bool, &'static str) {
    if n == 0 {
        return (false, "no event has a value");
    }
    let clustered = same_date && n > 1;
    match test {
        TestId::Cda => (
            true,
            "portfolio test: its variance comes from the estimation-window time series of the average abnormal return, so it keeps the cross-correlation of events on one date and works at any N",
        ),
        TestId::Placebo => (
            true,
            "compares the (C)AAR with the same statistic at every pseudo-event window of the estimation period: no distributional assumption, keeps the events' cross-correlation, valid at any N",
        ),
        TestId::CorradoRank => (
            true,
            "its scale comes from the time series of mean ranks, so it keeps cross-correlation and is robust to non-normal returns; at very small N the mean of N ranks is coarse",
        ),
        TestId::MackinlayJ1 | TestId::PatellZ | TestId::MackinlayJ2 if clustered => (
            false,
            "assumes independent events: events on one date share market shocks and the test overstates significance (use the adjusted Patell Z or the portfolio test)",
        ),
        TestId::MackinlayJ1 | TestId::PatellZ | TestId::MackinlayJ2 => (
            true,
            "uses each event's own estimation-window variance: usable at small N when events are independent, but not robust to event-induced variance",
        ),
        TestId::AdjustedPatellZ if n < 2 => {
            (false, "needs two events to estimate their correlation")
        }
        TestId::AdjustedPatellZ => (
            true,
            "Patell's Z corrected for the average cross-correlation of the events' estimation residuals (Kolari-Pynnönen), the parametric test for events on one date",
        ),
        TestId::CrossSectionalT | TestId::Bmp if clustered => (
            false,
            "estimates the variance from the N events themselves, which misses the shocks that events on one date share, and has N − 1 degrees of freedom",
        ),
        TestId::CrossSectionalT | TestId::Bmp | TestId::AdjustedBmp if n < CROSS_SECTION_MIN_N => (
            false,
            "estimates the variance from the N events themselves: N − 1 degrees of freedom leave it with little power",
        ),
        TestId::CrossSectionalT | TestId::Bmp | TestId::AdjustedBmp => (
            true,
            "estimates the variance from the events themselves: robust to event-induced variance",
        ),
        TestId::SkewnessCorrectedT if n < 30 => (
            false,
            "the skewness correction rests on a sample skewness that is unreliable below about 30 events",
        ),
        TestId::SkewnessCorrectedT => (true, "a t test corrected for skewed abnormal returns"),
        TestId::Sign | TestId::GeneralizedSign if n < 20 => (
            false,
            "normal approximation of a count of N events: its size drifts from the nominal level below about 20 events (the _exact version is the small-sample test)",
        ),
        TestId::SignExact
        | TestId::GeneralizedSignExact
        | TestId::GeneralizedSignExactMinlike
        | TestId::Wilcoxon
            if n < EXACT_MIN_N =>
        {
            (
                false,
                "exact small-sample test: below 6 events even the most extreme outcome has a two-sided p-value above 5 %",
            )
        }
        TestId::Sign
        | TestId::SignExact
        | TestId::GeneralizedSign
        | TestId::GeneralizedSignExact
        | TestId::GeneralizedSignExactMinlike
        | TestId::Wilcoxon
            if clustered =>
        {
            (
                false,
                "assumes independent events: events on one date move together and the count of positive values overstates the evidence",
            )
        }
        TestId::Sign
        | TestId::SignExact
        | TestId::GeneralizedSign
        | TestId::GeneralizedSignExact
        | TestId::GeneralizedSignExactMinlike
        | TestId::Wilcoxon => (true, "non-parametric: robust to outliers and skewness"),
        TestId::BinderJoint if !joint_test_applies(n, same_date) => (
            false,
            "the joint test of Binder's multivariate regression needs two or more events on one date (their abnormal returns on common sessions)",
        ),
        TestId::BinderJoint => (
            true,
            "tests every event's abnormal return jointly with their contemporaneous covariance from the estimation window (Binder's multivariate regression): built for events on one date, exact F under normal errors at any N",
        ),
        TestId::BmpBootstrap if n < 3 => (
            false,
            "needs three events for a cross-sectional sd in each resample",
        ),
        TestId::BmpBootstrap => (
            true,
            "BMP against its distribution over resampled estimation-window dates (Hein-Westfall): keeps the events' cross-correlation on a common date and needs no normality",
        ),
        TestId::WildBootstrapT if n < EXACT_MIN_N => (
            false,
            "sign-flip resampling of N events: below 6 events no pattern is rare enough for a two-sided p-value under 5 %",
        ),
        TestId::WildBootstrapT if clustered => (
            false,
            "resamples events as independent: events on one date share shocks and it overstates significance",
        ),
        TestId::WildBootstrapT => (
            true,
            "the cross-sectional t against its wild-bootstrap (sign-flip) distribution: robust to non-normal and heteroskedastic abnormal returns",
        ),
        TestId::Grank if n < 2 => (
            false,
            "needs two events to re-standardize by the cross-sectional sd",
        ),
        TestId::Grank => (
            true,
            "rank test robust to event-induced volatility and to cross-correlation (Kolari-Pynnönen); the re-standardization uses the sd of N values",
        ),
    }
}

/// The report's note; see [`crate::stats::informativeness_note`].
pub(crate) fn note(n: usize, same_date: bool) -> String {
    note_with_joint(n, same_date, None)
}

/// The note, leading with Binder's joint test when it applies and `joint` (its line in
/// `tests.csv` for the window the note is about, with the window's label) is given and
/// defined: its F, degrees of freedom and p-value are quoted first.
pub(crate) fn note_with_joint(
    n: usize,
    same_date: bool,
    joint: Option<(&super::TestStat, &str)>,
) -> String {
    if n == 0 {
        return "No event has a value: no test is informative.".into();
    }
    let lead = joint.filter(|(t, _)| {
        t.test == TestId::BinderJoint && t.p_value.is_finite() && joint_test_applies(n, same_date)
    });
    let mut s = String::new();
    if let Some((t, window)) = lead {
        let df = match t.distribution {
            super::Reference::F(a, b) => format!("F({a}, {b})"),
            other => other.to_string(),
        };
        s.push_str(&format!(
            "With {n} events on one date, lead with Binder's joint test (`binder_joint`, details in joint_tests.csv): the {n} CARs{window} tested together with their covariance from the estimation window give {df} = {:.3}, p = {}. ",
            t.statistic,
            fmt_p(t.p_value)
        ));
    }
    s.push_str(&note_body(n, same_date, lead.is_some()));
    s
}

/// A p-value in the note: three decimals, or "< 0.001".
fn fmt_p(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

fn note_body(n: usize, same_date: bool, joint_first: bool) -> String {
    let events = if n == 1 {
        "1 event".to_string()
    } else if same_date {
        format!("{n} events on one date")
    } else {
        format!("{n} events")
    };
    let mut s = if joint_first {
        "Beside it, the portfolio test (crude dependence adjustment, `cda`) and the placebo p-value (`placebo`) take their scale from the estimation-window time series of the average abnormal return".to_string()
    } else {
        format!(
            "With {events}, lead with the portfolio test (crude dependence adjustment, `cda`) and the placebo p-value (`placebo`): both take their scale from the estimation-window time series of the average abnormal return"
        )
    };
    if same_date && n > 1 {
        s.push_str(", so they keep the shocks the events share on their common date.");
    } else {
        s.push('.');
    }
    let df = n.saturating_sub(1);
    if n < CROSS_SECTION_MIN_N {
        if n < 2 {
            s.push_str(" The cross-sectional tests (cross-sectional t, BMP, adjusted BMP, skewness-corrected t) are undefined with one event.");
        } else {
            let cv = super::Reference::StudentT(df as f64)
                .critical_value(0.05)
                .unwrap_or(f64::NAN);
            s.push_str(&format!(
                " The cross-sectional tests (cross-sectional t, BMP, adjusted BMP, skewness-corrected t) have {df} degree{} of freedom (5 % critical value ±{cv:.2}) and little power.",
                if df == 1 { "" } else { "s" }
            ));
        }
    }
    if n < EXACT_MIN_N {
        s.push_str(&format!(
            " Sign, generalized sign and Wilcoxon tests cannot reject at 5 % with {n} event{}: the smallest exact two-sided p-value is {:.3}.",
            if n == 1 { "" } else { "s" },
            (2.0 * 0.5f64.powi(n as i32)).min(1.0)
        ));
    }
    let yes: Vec<&str> = TestId::ALL
        .into_iter()
        .filter(|t| informative(*t, n, same_date).0)
        .map(TestId::as_str)
        .collect();
    let no: Vec<&str> = TestId::ALL
        .into_iter()
        .filter(|t| !informative(*t, n, same_date).0)
        .map(TestId::as_str)
        .collect();
    if same_date && n > 1 {
        s.push_str(" J1, J2 and Patell's Z assume independent events and overstate significance for events on one date; the Kolari-Pynnönen adjusted Patell Z corrects for their correlation.");
    }
    s.push_str(&format!(" Informative here: {}.", yes.join(", ")));
    if !no.is_empty() {
        s.push_str(&format!(" Not informative here: {}.", no.join(", ")));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_events_on_one_date() {
        let s = note(4, true);
        assert!(s.contains("crude dependence adjustment, `cda`"), "{s}");
        assert!(s.contains("placebo"), "{s}");
        assert!(
            s.contains("have 3 degrees of freedom (5 % critical value ±3.18)"),
            "{s}"
        );
        assert!(
            s.contains("smallest exact two-sided p-value is 0.125"),
            "{s}"
        );
        assert!(informative(TestId::Cda, 4, true).0);
        assert!(informative(TestId::Placebo, 4, true).0);
        assert!(!informative(TestId::CrossSectionalT, 4, true).0);
        assert!(!informative(TestId::PatellZ, 4, true).0);
        assert!(informative(TestId::PatellZ, 4, false).0);
        assert!(!informative(TestId::Sign, 4, false).0);
        assert!(informative(TestId::Sign, 40, false).0);
    }

    /// Every test has a rule: `informative` matches on `TestId` without a wildcard, so the
    /// compiler checks it; here, the notes at N = 0 and 1.
    /// With the joint test's line for the window, the note leads with it, quoting F, its
    /// degrees of freedom and p; without it (or when its p is undefined) the note is as
    /// before.
    #[test]
    fn the_note_leads_with_the_joint_test() {
        let t = super::super::TestStat {
            test: TestId::BinderJoint,
            statistic: 2.5,
            p_value: 0.0412,
            n: 4,
            distribution: super::super::Reference::F(4.0, 236.0),
        };
        let s = note_with_joint(4, true, Some((&t, "[0, +5]")));
        assert!(
            s.starts_with(
                "With 4 events on one date, lead with Binder's joint test (`binder_joint`"
            ),
            "{s}"
        );
        assert!(s.contains("F(4, 236) = 2.500, p = 0.041"), "{s}");
        assert!(s.contains("Beside it, the portfolio test"), "{s}");
        let nan = super::super::TestStat {
            p_value: f64::NAN,
            ..t.clone()
        };
        assert_eq!(
            note_with_joint(4, true, Some((&nan, "[0, +5]"))),
            note(4, true)
        );
        assert_eq!(
            note_with_joint(4, false, Some((&t, "[0, +5]"))),
            note(4, false)
        );
        assert!(joint_test_applies(4, true) && !joint_test_applies(1, true));
        assert!(!joint_test_applies(4, false));
        assert!(informative(TestId::BinderJoint, 4, true).0);
        assert!(!informative(TestId::BinderJoint, 4, false).0);
        assert!(!informative(TestId::WildBootstrapT, 4, false).0);
        assert!(informative(TestId::BmpBootstrap, 4, true).0);
    }

    #[test]
    fn notes_at_zero_and_one_event() {
        assert_eq!(
            note(0, false),
            "No event has a value: no test is informative."
        );
        assert!(note(1, false).contains("undefined with one event"));
    }
}
