//! Which tests are informative at a run's N: the rules behind the report's note.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::reference::TestId;
use crate::text::thousands;

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
/// `clustered`: the events crowd on a few calendar dates ([`Clustering::clustered`]), so
/// their abnormal returns share the market's and the industry's shocks.
pub fn informative(test: TestId, n: usize, clustered: bool) -> (bool, &'static str) {
    if n == 0 {
        return (false, "no event has a value");
    }
    let clustered = clustered && n > 1;
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
        TestId::BinderJoint if !joint_test_applies(n, clustered) => (
            false,
            "the joint test of Binder's multivariate regression needs two or more events on one date (their abnormal returns on common sessions)",
        ),
        TestId::BinderJoint => (
            true,
            "tests every event's abnormal return jointly with their contemporaneous covariance from the estimation window (Binder's multivariate regression): built for events on one date, exact F under normal errors at any N, but real returns' shared fat tails make the F reject too often (see `binder_joint_empirical`)",
        ),
        TestId::BinderJointEmpirical if !joint_test_applies(n, clustered) => (
            false,
            "the calibrated joint test needs two or more events on one date",
        ),
        TestId::BinderJointEmpirical => (
            true,
            "Binder's joint statistic against its own values on the estimation window's blocks of the window's length (model refitted without each block): keeps the covariance and the shared fat tails that the F assumes away",
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

/// How a sample's events spread over calendar dates (event-date clustering).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Clustering {
    /// Events in the sample.
    pub n: usize,
    /// Distinct event dates.
    pub dates: usize,
    /// Events on a date that at least one other event shares.
    pub shared: usize,
}

impl Clustering {
    /// The clustering of events on these dates (one per event).
    pub fn of(dates: impl IntoIterator<Item = NaiveDate>) -> Clustering {
        let mut count: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for d in dates {
            *count.entry(d).or_default() += 1;
        }
        Clustering {
            n: count.values().sum(),
            dates: count.len(),
            shared: count.values().filter(|c| **c > 1).sum(),
        }
    }

    /// Events crowd on few dates: at least a quarter of them share their date with another
    /// event. Tests that assume independent events then overstate significance.
    pub fn clustered(&self) -> bool {
        self.n > 1 && self.shared >= 2 && 4 * self.shared >= self.n
    }

    /// "1 event", "4 events on one date", "16 events on 2 dates", "250 events".
    pub fn describe(&self) -> String {
        match (self.n, self.dates) {
            (1, _) => "1 event".into(),
            (n, 1) => format!("{} events on one date", thousands(n)),
            (n, d) if self.clustered() => {
                format!("{} events on {} dates", thousands(n), thousands(d))
            }
            (n, _) => format!("{} events", thousands(n)),
        }
    }
}

/// The run's lead test: the one test the terminal, the report's first lines and the CAR
/// chart's band lead with, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lead {
    pub test: TestId,
    pub reason: String,
}

/// The lead test for a sample: the test a careful reader would quote first at this N and
/// clustering, among those informative here.
///
/// | sample | lead | why |
/// |---|---|---|
/// | 1 event | `mackinlay_j1` | the event's own prediction-error variance (its t) |
/// | clustered, N < 10 | `cda` | the portfolio's estimation-window time series keeps the shared shocks |
/// | clustered, N ≥ 10 | `adjusted_bmp` | cross-correlation and event-induced variance (Kolari-Pynnönen 2010) |
/// | independent, N < 10 | `patell_z` | each event's own variance; the cross-section has too few df |
/// | independent, N ≥ 10 | `bmp` | robust to event-induced variance (Boehmer et al. 1991) |
pub fn lead_test(c: &Clustering) -> Option<Lead> {
    let (test, why) = match c.n {
        0 => return None,
        1 => (
            TestId::MackinlayJ1,
            "one event: its CAR against its own prediction-error variance".to_string(),
        ),
        n if c.clustered() && n < CROSS_SECTION_MIN_N => (
            TestId::Cda,
            format!(
                "{}: the portfolio test takes its variance from the estimation-window time series of the average abnormal return, so it keeps the shocks the events share; tests that assume independent events overstate significance here",
                c.describe()
            ),
        ),
        _ if c.clustered() => (
            TestId::AdjustedBmp,
            format!(
                "{}: the BMP test corrected for the events' cross-correlation (Kolari-Pynnönen) is robust to shared shocks and to event-induced variance",
                c.describe()
            ),
        ),
        n if n < CROSS_SECTION_MIN_N => (
            TestId::PatellZ,
            format!(
                "{} on different dates: Patell's Z uses each event's own estimation-window variance; the cross-sectional tests have only {} degrees of freedom",
                c.describe(),
                n - 1
            ),
        ),
        _ => (
            TestId::Bmp,
            format!(
                "{} on different dates: the BMP test standardizes each CAR by its own variance and takes the scale from the cross-section, robust to event-induced variance",
                c.describe()
            ),
        ),
    };
    Some(Lead { test, reason: why })
}

/// The report's note; see [`crate::stats::informativeness_note`].
pub(crate) fn note(c: &Clustering) -> String {
    note_with_joint(c, None)
}

/// A p-value in the note: three decimals, or "< 0.001".
fn fmt_p(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// The joint test's lines for the note: `binder_joint` and `binder_joint_empirical` of
/// the window the note is about, and the window's label (e.g. "[0, +5]").
#[derive(Debug, Clone, Copy)]
pub struct JointLines<'a> {
    pub f: &'a super::TestStat,
    pub calibrated: Option<&'a super::TestStat>,
    pub window: &'a str,
}

/// The note, opening with Binder's joint test when it applies (the events on one date) and
/// `joint` is given and defined: its F, degrees of freedom and p-value are quoted first,
/// then the calibrated p-value where it is defined.
pub(crate) fn note_with_joint(c: &Clustering, joint: Option<JointLines<'_>>) -> String {
    let n = c.n;
    if n == 0 {
        return "No event has a value: no test is informative.".into();
    }
    let one_date = c.dates == 1;
    let clustered = c.clustered();
    let mut s = String::new();
    if let Some(j) = joint.filter(|j| {
        j.f.test == TestId::BinderJoint
            && j.f.p_value.is_finite()
            && joint_test_applies(n, one_date)
    }) {
        let t = j.f;
        let df = match t.distribution {
            super::Reference::F(a, b) => format!("F({a}, {b})"),
            other => other.to_string(),
        };
        s.push_str(&format!(
            "With {n} events on one date, Binder's joint test (`binder_joint`, details in joint_tests.csv) tests the {n} CARs{} together, with their covariance from the estimation window: {df} = {:.3}, p = {}. ",
            j.window,
            t.statistic,
            fmt_p(t.p_value)
        ));
        if let Some(cal) = j
            .calibrated
            .filter(|c| c.test == TestId::BinderJointEmpirical && c.p_value.is_finite())
        {
            let blocks = match cal.distribution {
                super::Reference::Empirical(b) => b,
                _ => 0,
            };
            s.push_str(&format!(
                "Its F assumes normal errors; against the same statistic on the estimation window's own {blocks} blocks of the window's length (`binder_joint_empirical`), which keep the fat tails the securities share, p = {}. ",
                fmt_p(cal.p_value)
            ));
        }
    }
    if let Some(l) = lead_test(c) {
        s.push_str(&format!(
            "With {}, the lead test is {} (`{}`): {}.",
            c.describe(),
            l.test.name(),
            l.test,
            l.reason
        ));
    }
    if clustered {
        s.push_str(" The placebo p-value (`placebo`) compares the (C)AAR with the same statistic at every pseudo-event window of the estimation period, so it keeps the shared shocks too.");
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
    let present = |t: &TestId| {
        !matches!(t, TestId::BinderJoint | TestId::BinderJointEmpirical)
            || joint_test_applies(n, one_date)
    };
    let yes: Vec<&str> = TestId::ALL
        .into_iter()
        .filter(present)
        .filter(|t| informative(*t, n, clustered).0)
        .map(TestId::as_str)
        .collect();
    let no: Vec<&str> = TestId::ALL
        .into_iter()
        .filter(present)
        .filter(|t| !informative(*t, n, clustered).0)
        .map(TestId::as_str)
        .collect();
    if clustered {
        s.push_str(" J1, J2 and Patell's Z assume independent events and overstate significance when events share dates; the Kolari-Pynnönen adjusted Patell Z corrects for their correlation.");
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

    fn on(n: usize, dates: usize, shared: usize) -> Clustering {
        Clustering { n, dates, shared }
    }

    #[test]
    fn four_events_on_one_date() {
        let c = Clustering::of(["2019-10-08"; 4].map(|d| d.parse::<NaiveDate>().expect("date")));
        assert_eq!(c, on(4, 1, 4));
        let s = note(&c);
        assert!(
            s.contains("the lead test is the crude dependence adjustment"),
            "{s}"
        );
        assert!(s.contains("(`cda`)"), "{s}");
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

    /// With the joint test's line for the window, the note opens with it, quoting F, its
    /// degrees of freedom and p, then names the lead test; without it (or when its p is
    /// undefined, or the events are on two dates) the note is as before.
    #[test]
    fn the_note_leads_with_the_joint_test() {
        let t = super::super::TestStat {
            test: TestId::BinderJoint,
            statistic: 2.5,
            p_value: 0.0412,
            n: 4,
            distribution: super::super::Reference::F(4.0, 236.0),
        };
        let lines = |f| JointLines {
            f,
            calibrated: None,
            window: "[0, +5]",
        };
        let s = note_with_joint(&on(4, 1, 4), Some(lines(&t)));
        assert!(
            s.starts_with("With 4 events on one date, Binder's joint test (`binder_joint`"),
            "{s}"
        );
        assert!(s.contains("F(4, 236) = 2.500, p = 0.041"), "{s}");
        assert!(
            s.contains("the lead test is the crude dependence adjustment"),
            "{s}"
        );
        assert!(s.contains("binder_joint"), "{s}");
        assert!(!s.contains("Its F assumes normal errors"), "{s}");
        // With the calibrated line, its p-value follows the F's.
        let cal = super::super::TestStat {
            test: TestId::BinderJointEmpirical,
            statistic: 2.5,
            p_value: 0.2,
            n: 4,
            distribution: super::super::Reference::Empirical(240),
        };
        let with = note_with_joint(
            &on(4, 1, 4),
            Some(JointLines {
                calibrated: Some(&cal),
                ..lines(&t)
            }),
        );
        assert!(
            with.contains("F(4, 236) = 2.500, p = 0.041. Its F assumes normal errors; against the same statistic on the estimation window's own 240 blocks of the window's length (`binder_joint_empirical`), which keep the fat tails the securities share, p = 0.200. With "),
            "{with}"
        );
        let undefined = super::super::TestStat {
            p_value: f64::NAN,
            ..cal.clone()
        };
        let without = note_with_joint(
            &on(4, 1, 4),
            Some(JointLines {
                calibrated: Some(&undefined),
                ..lines(&t)
            }),
        );
        assert_eq!(without, s);
        assert!(informative(TestId::BinderJointEmpirical, 4, true).0);
        assert!(!informative(TestId::BinderJointEmpirical, 4, false).0);
        let nan = super::super::TestStat {
            p_value: f64::NAN,
            ..t.clone()
        };
        assert_eq!(
            note_with_joint(&on(4, 1, 4), Some(lines(&nan))),
            note(&on(4, 1, 4))
        );
        assert_eq!(
            note_with_joint(&on(16, 2, 16), Some(lines(&t))),
            note(&on(16, 2, 16))
        );
        assert!(!note(&on(16, 2, 16)).contains("binder_joint"));
        assert!(joint_test_applies(4, true) && !joint_test_applies(1, true));
        assert!(!joint_test_applies(4, false));
        assert!(informative(TestId::BinderJoint, 4, true).0);
        assert!(!informative(TestId::BinderJoint, 4, false).0);
        assert!(!informative(TestId::WildBootstrapT, 4, false).0);
        assert!(informative(TestId::BmpBootstrap, 4, true).0);
    }

    /// Every test has a rule: `informative` matches on `TestId` without a wildcard, so the
    /// compiler checks it; here, the notes at N = 0 and 1.
    #[test]
    fn notes_at_zero_and_one_event() {
        assert_eq!(
            note(&on(0, 0, 0)),
            "No event has a value: no test is informative."
        );
        assert!(note(&on(1, 1, 0)).contains("undefined with one event"));
    }

    /// Clustering counts events on shared dates: 16 events on 2 dates are clustered, a few
    /// coinciding dates among many are not.
    #[test]
    fn clustering_on_a_few_dates() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let two =
            Clustering::of((0..16).map(|i| d(if i < 9 { "2019-05-16" } else { "2019-10-08" })));
        assert_eq!(two, on(16, 2, 16));
        assert!(two.clustered());
        assert_eq!(two.describe(), "16 events on 2 dates");
        let spread: Vec<NaiveDate> = (0..40)
            .map(|i| d("2018-01-01") + chrono::Duration::days(i))
            .chain([d("2018-01-01")])
            .collect();
        let c = Clustering::of(spread);
        assert_eq!((c.n, c.dates, c.shared), (41, 40, 2));
        assert!(!c.clustered());
        assert_eq!(c.describe(), "41 events");
    }

    /// The lead test follows the table in [`lead_test`]'s documentation.
    #[test]
    fn lead_test_by_size_and_clustering() {
        let lead = |c: Clustering| lead_test(&c).map(|l| l.test);
        assert_eq!(lead(on(0, 0, 0)), None);
        assert_eq!(lead(on(1, 1, 0)), Some(TestId::MackinlayJ1));
        assert_eq!(lead(on(4, 1, 4)), Some(TestId::Cda));
        assert_eq!(lead(on(16, 2, 16)), Some(TestId::AdjustedBmp));
        assert_eq!(lead(on(8, 8, 0)), Some(TestId::PatellZ));
        assert_eq!(lead(on(250, 240, 20)), Some(TestId::Bmp));
        let l = lead_test(&on(4, 1, 4)).expect("lead");
        assert!(
            l.reason
                .starts_with("4 events on one date: the portfolio test"),
            "{}",
            l.reason
        );
        // The lead test is always informative at that sample.
        for c in [
            on(1, 1, 0),
            on(4, 1, 4),
            on(16, 2, 16),
            on(8, 8, 0),
            on(250, 240, 20),
        ] {
            let l = lead_test(&c).expect("lead");
            assert!(informative(l.test, c.n, c.clustered()).0, "{c:?} {l:?}");
        }
    }
}
