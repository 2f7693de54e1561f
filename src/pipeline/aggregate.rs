//! ⑥ Cross-sectional statistics: AAR per event day and CAAR per CAR window, each with the
//! battery of tests (and Binder's joint test when the events share one date).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::abnormal::{EventAnalysis, EventSpec};
use crate::outcome::{Aggregate, DateAggregate, PathPoint, Scope};
use crate::stats::battery::{Sample, battery_with, run_test};
use crate::stats::bootstrap::Resampling;
use crate::stats::{Clustering, EXACT_CORRELATION_PAIRS, Panel, TestId, TestStat};

/// Each event's calendar grid: events with the same estimation-window and event-window
/// sessions (one date on one exchange calendar) get the same id, in order of appearance.
fn grids(analyses: &[&EventAnalysis]) -> Vec<u32> {
    let mut ids: BTreeMap<_, u32> = BTreeMap::new();
    analyses
        .iter()
        .map(|a| {
            let key = (
                a.est_first,
                a.est_last,
                a.est_truncated,
                a.rows.first().map(|r| r.date),
                a.rows.last().map(|r| r.date),
                a.rows.len(),
            );
            let next = ids.len() as u32;
            *ids.entry(key).or_insert(next)
        })
        .collect()
}

/// The panel of every event's series that the battery reads.
fn panel_of<'a>(analyses: &[&'a EventAnalysis]) -> Panel<'a> {
    let grid = grids(analyses);
    Panel::new(
        analyses
            .iter()
            .zip(grid)
            .map(|(a, grid)| crate::stats::PanelEvent {
                est_ar: &a.est_ar,
                est_span: &a.est_span,
                event_ar: a.rows.iter().map(|r| r.ar).collect(),
                event_span: a.rows.iter().map(|r| r.span).collect(),
                s2: a.fit.s2,
                k: a.fit.coef.len(),
                est_x: &a.est_x,
                event_x: &a.pred_rows,
                xtx_inv: a.fit.xtx_inv.as_slice(),
                grid,
            })
            .collect(),
    )
}

/// The sample of one day or window: every event with a value, as (value, variance,
/// standardized value) from `pick`, with the days it covers (positions in the event window)
/// and its length.
fn sample(
    analyses: &[&EventAnalysis],
    days: Vec<usize>,
    len: usize,
    key: u64,
    pick: impl Fn(usize, &EventAnalysis) -> (f64, f64, f64),
) -> Sample {
    let mut s = Sample {
        members: vec![],
        values: vec![],
        vars: vec![],
        std: vec![],
        dof: vec![],
        days,
        len,
        member_days: Vec::new(),
        key,
    };
    for (i, a) in analyses.iter().enumerate() {
        let (value, var, std) = pick(i, a);
        if value.is_finite() {
            s.members.push(i);
            s.values.push(value);
            s.vars.push(var);
            s.std.push(std);
            s.dof.push(a.fit.dof() as f64);
        }
    }
    s
}

fn aggregate(
    tau: Option<i32>,
    window: Option<crate::window::Window>,
    panel: &Panel,
    s: &Sample,
    day0: &[NaiveDate],
    r: &Resampling,
    placebo: Option<TestStat>,
) -> Aggregate {
    let b = battery_with(panel, s, r, placebo);
    Aggregate {
        scope: if tau.is_some() {
            Scope::Day
        } else {
            Scope::Window
        },
        tau,
        window,
        n: s.values.len(),
        clustering: Clustering::of(s.members.iter().map(|&i| day0[i])),
        mean: s.values.iter().sum::<f64>() / s.values.len() as f64,
        tests: b.tests,
        joint: b.joint,
    }
}

/// Which event days [`aggregates_for`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Days {
    /// Every day of the event window (a study).
    All,
    /// Day 0 only (`evimpact simulate`, which reads day 0 and the windows).
    Day0,
}

/// AAR per event day and CAAR per CAR window with the battery of tests, over the given
/// events' analyses (one per event; a security with several events appears several times)
/// and their day-0 dates (for the clustering of each sample). `r`: the resampling tests'
/// draws and seed (a day's random streams are keyed by τ, a window's by its index, so every
/// day and window draws its own).
pub fn aggregates(
    es: &EventSpec,
    analyses: &[&EventAnalysis],
    day0: &[NaiveDate],
    r: &Resampling,
) -> (Vec<Aggregate>, Vec<Aggregate>) {
    aggregates_for(es, analyses, day0, r, Days::All)
}

/// [`aggregates`] on the chosen days.
pub fn aggregates_for(
    es: &EventSpec,
    analyses: &[&EventAnalysis],
    day0: &[NaiveDate],
    r: &Resampling,
    which: Days,
) -> (Vec<Aggregate>, Vec<Aggregate>) {
    let ew = es.event_window;
    let mut panel = panel_of(analyses);
    // Without an analysed event there is no AAR: no row per day (so nothing grows with the
    // event window's length when every event was skipped).
    let taus: Vec<i32> = match which {
        _ if analyses.is_empty() => Vec::new(),
        Days::All => (ew.start..=ew.end).collect(),
        Days::Day0 => (ew.start..=ew.end).filter(|t| *t == 0).collect(),
    };
    let day_sample = |tau: i32| {
        let pos = (tau - ew.start) as usize;
        sample(analyses, vec![pos], 1, pos as u64, |_, a| {
            let r = &a.rows[pos];
            (r.ar, r.var, r.sar)
        })
    };
    let window_sample = |w: usize| {
        let win = &es.car_windows[w];
        let days = (win.start..=win.end)
            .map(|t| (t - ew.start) as usize)
            .collect();
        sample(analyses, days, win.len(), (1 << 16) + w as u64, |_, a| {
            let c = &a.cars[w];
            (c.car, c.var, c.t)
        })
    };
    // The days' placebo tests first, while the leave-one-out errors (an estimation window's
    // worth per event) are the only per-event series the panel holds, not beside the SARs,
    // ranks and correlations the other tests build.
    let placebo: Vec<TestStat> = taus
        .par_iter()
        .map(|&tau| run_test(&panel, &day_sample(tau), r, TestId::Placebo))
        .collect();
    // The event days' leave-one-out errors are not read again but by a one-session window.
    panel.forget_loo();
    crate::memory::release_freed();
    // The sums over members that several tests read (the estimation AAR, r̄, Corrado's
    // day sums), for every day and window in one pass over the events.
    let sets: Vec<Vec<usize>> = taus
        .iter()
        .map(|&tau| day_sample(tau).members)
        .chain((0..es.car_windows.len()).map(|w| window_sample(w).members))
        .collect();
    panel.prepare(&sets);
    drop(sets);
    let days = taus
        .par_iter()
        .zip(placebo)
        .map(|(&tau, placebo)| {
            // Built again (a pass over the events) rather than kept: 21 days' samples are
            // some 80 MB at 100,000 events.
            let s = day_sample(tau);
            aggregate(Some(tau), None, &panel, &s, day0, r, Some(placebo))
        })
        .collect();
    // The windows one after the other: each window's placebo holds every member's pseudo
    // CARs (an estimation window's worth per event: 200 MB at 100,000 events), and its
    // resampling tests run in parallel inside, so windows at once only added memory.
    let windows = es
        .car_windows
        .iter()
        .enumerate()
        .map(|(w, win)| {
            let mut s = window_sample(w);
            if win.is_traded() {
                // Each event's own sessions: its returns counted in traded sessions.
                s.member_days = s
                    .members
                    .iter()
                    .map(|&i| {
                        crate::abnormal::window_taus(&analyses[i].rows, win)
                            .into_iter()
                            .map(|t| (t - ew.start) as usize)
                            .collect()
                    })
                    .collect();
            }
            aggregate(None, Some(*win), &panel, &s, day0, r, None)
        })
        .collect();
    (days, windows)
}

/// The CAAR path over the event window with the lead test's band: at each τ, the lead
/// test on CAR[start, τ] (the cumulative window from the event window's first session),
/// and the 95 % interval CAAR ± c·se with se = |CAAR / statistic| the test's implied
/// standard error of the CAAR and c its 5 % critical value. For J1, the cross-sectional t
/// and the crude dependence adjustment this is the test's own interval; for standardized
/// tests (Patell, BMP, adjusted BMP) it is the CAAR interval their statistic implies.
pub fn lead_path(
    es: &EventSpec,
    analyses: &[&EventAnalysis],
    r: &Resampling,
    lead: TestId,
) -> Vec<PathPoint> {
    let ew = es.event_window;
    let panel = panel_of(analyses);
    let cumulative: Vec<Vec<(i32, f64, f64)>> =
        analyses.par_iter().map(|a| a.cumulative_car()).collect();
    // Each τ on its own (collected in order): the same values as one after the other.
    (ew.start..=ew.end)
        .into_par_iter()
        .map(|tau| {
            let pos = (tau - ew.start) as usize;
            let s = sample(
                analyses,
                (0..=pos).collect(),
                pos + 1,
                (2 << 16) + pos as u64,
                |i, _| match cumulative[i].iter().find(|c| c.0 == tau) {
                    Some(&(_, car, var)) => (car, var, car / var.sqrt()),
                    None => (f64::NAN, f64::NAN, f64::NAN),
                },
            );
            let n = s.values.len();
            let caar = s.values.iter().sum::<f64>() / n as f64;
            let t = run_test(&panel, &s, r, lead);
            let se = (caar / t.statistic).abs();
            let half = t.critical_value().map(|c| c * se).unwrap_or(f64::NAN);
            PathPoint {
                tau,
                n,
                caar,
                statistic: t.statistic,
                p_value: t.p_value,
                lower: caar - half,
                upper: caar + half,
                test: lead,
                distribution: t.distribution,
            }
        })
        .collect()
}

/// CAAR per event date (when events cluster on several dates): for each date, each CAR
/// window's N, CAAR and the lead test on that date's events alone. r̄ (the Kolari–Pynnönen
/// tests) is each date's exact mean of pairwise correlations while the dates' pairs number
/// [`EXACT_CORRELATION_PAIRS`] at most together, else every date's pooled estimate.
pub fn by_date(
    es: &EventSpec,
    analyses: &[&EventAnalysis],
    day0: &[NaiveDate],
    r: &Resampling,
    lead: TestId,
) -> Vec<DateAggregate> {
    by_date_within(es, analyses, day0, r, lead, EXACT_CORRELATION_PAIRS)
}

/// [`by_date`] with exact correlations for at most `pairs_max` pairs over all dates.
fn by_date_within(
    es: &EventSpec,
    analyses: &[&EventAnalysis],
    day0: &[NaiveDate],
    r: &Resampling,
    lead: TestId,
    pairs_max: usize,
) -> Vec<DateAggregate> {
    // Each date's events in their order, in one pass (not one scan of every event per date).
    let mut by: BTreeMap<NaiveDate, Vec<&EventAnalysis>> = BTreeMap::new();
    for (a, d) in analyses.iter().zip(day0) {
        by.entry(*d).or_default().push(*a);
    }
    // One rule for every date of the run: 400 events on each of 2,500 dates are 200 million
    // pairs, a cost that grows with the events per date.
    let pairs: usize = by.values().map(|v| v.len() * (v.len() - 1) / 2).sum();
    let exact = pairs <= pairs_max;
    // Each date on its own (collected in date order): the same values as one after the other.
    by.into_par_iter()
        .map(|(date, sub)| {
            let panel = if exact {
                panel_of(&sub)
            } else {
                panel_of(&sub).pooled_correlation()
            };
            let windows = es
                .car_windows
                .iter()
                .enumerate()
                .map(|(w, win)| {
                    let s = window_sample(&sub, w, win.len());
                    let n = s.values.len();
                    let caar = s.values.iter().sum::<f64>() / n as f64;
                    (n, caar, run_test(&panel, &s, r, lead))
                })
                .collect();
            DateAggregate {
                date,
                events: sub.len(),
                windows,
                pooled_rbar: !exact,
            }
        })
        .collect()
}

/// Window `w`'s sample of one date's events (its CARs), with the date path's seed.
fn window_sample(sub: &[&EventAnalysis], w: usize, len: usize) -> Sample {
    sample(sub, vec![], len, (3 << 16) + w as u64, |_, a| {
        let c = &a.cars[w];
        (c.car, c.var, c.t)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::calendar::Calendar;
    use crate::returns::Timeline;
    use crate::stats::binder::JointHypothesis as H;
    use nalgebra::{DMatrix, DVector};

    const N: usize = 4;
    /// Sessions: 80; day 0 at 70; estimation [-60, -11] (50 returns), event [-5, +5].
    const LEN: usize = 80;
    const DAY0: usize = 70;

    fn spec() -> EventSpec {
        let f: crate::study::StudyFile = toml::from_str(
            "[inputs]\nevents='e'\nprices='p'\nmarket='m'\n[windows]\nestimation=[-60,-11]\nevent=[-5,5]\ncar=[[-1,1],[0,2],[-5,5]]\n",
        )
        .expect("toml");
        let ov = crate::study::Overrides {
            min_estimation: Some(30),
            ..Default::default()
        };
        crate::study::Study::resolve(
            Some((std::path::Path::new("s.toml"), f)),
            ov,
            std::path::Path::new("."),
        )
        .expect("study")
        .event_spec()
    }

    /// N securities on one calendar and market, every session traded; returns with a
    /// common shock (cross-correlation) and an event effect on day 0.
    fn data(seed: u64) -> (Calendar, Vec<f64>, Vec<Vec<f64>>) {
        let mut r = crate::synth::Rng::new(seed, 1);
        let d0 = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
        let cal = Calendar {
            name: "t".into(),
            sessions: (0..LEN)
                .map(|i| d0 + chrono::Duration::days(i as i64))
                .collect(),
        };
        let m: Vec<f64> = (0..LEN).map(|_| 0.01 * r.normal()).collect();
        let c: Vec<f64> = (0..LEN).map(|_| 0.008 * r.normal()).collect();
        let y = (0..N)
            .map(|i| {
                (0..LEN)
                    .map(|t| {
                        0.0005 * i as f64
                            + (0.6 + 0.3 * i as f64) * m[t]
                            + c[t]
                            + 0.01 * r.normal()
                            + if t == DAY0 { 0.01 } else { 0.0 }
                    })
                    .collect()
            })
            .collect();
        (cal, m, y)
    }

    /// The textbook computation: the N equations stacked, each with an intercept, the
    /// market and one dummy per event-window session, estimated by feasible GLS with Σ̂ =
    /// E'E/(T − 2) from the OLS residuals of the estimation rows (with identical regressors
    /// GLS equals OLS), Cov(β̂) = (X'(Σ̂⁻¹ ⊗ I)X)⁻¹; each hypothesis as Rγ = 0 with the Wald
    /// form (Rγ̂)'(R Cov R')⁻¹(Rγ̂). Returns the dummies' coefficients and the Wald of each
    /// hypothesis for the window of event-window positions `win`.
    fn stacked(m: &[f64], y: &[Vec<f64>], win: &[usize]) -> (Vec<f64>, [f64; 4]) {
        let est: Vec<usize> = (DAY0 - 60..=DAY0 - 11).collect();
        let ev: Vec<usize> = (DAY0 - 5..=DAY0 + 5).collect();
        let (t, w) = (est.len(), ev.len());
        let rows: Vec<usize> = est.iter().chain(&ev).copied().collect();
        let p = 2 + w;
        let z = DMatrix::from_fn(t + w, p, |r, c| match c {
            0 => 1.0,
            1 => m[rows[r]],
            _ => f64::from(u8::from(r >= t && r - t == c - 2)),
        });
        let ny = |i: usize| DVector::from_iterator(t + w, rows.iter().map(|&s| y[i][s]));
        // OLS residuals on the estimation rows → Σ̂.
        let zz = (z.transpose() * &z).try_inverse().expect("invertible");
        let res: Vec<DVector<f64>> = (0..N)
            .map(|i| {
                let b = &zz * z.transpose() * ny(i);
                ny(i) - &z * b
            })
            .collect();
        let sigma = DMatrix::from_fn(N, N, |i, j| {
            (0..t).map(|r| res[i][r] * res[j][r]).sum::<f64>() / (t - 2) as f64
        });
        let sinv = sigma.clone().try_inverse().expect("Σ invertible");
        // Stacked X = I_N ⊗ Z, Ω⁻¹ = Σ⁻¹ ⊗ I.
        let big = N * (t + w);
        let x = DMatrix::from_fn(big, N * p, |r, c| {
            if r / (t + w) == c / p {
                z[(r % (t + w), c % p)]
            } else {
                0.0
            }
        });
        let om = DMatrix::from_fn(big, big, |r, c| {
            if r % (t + w) == c % (t + w) {
                sinv[(r / (t + w), c / (t + w))]
            } else {
                0.0
            }
        });
        let yy = DVector::from_iterator(
            big,
            (0..N).flat_map(|i| ny(i).iter().copied().collect::<Vec<_>>()),
        );
        let cov = (x.transpose() * &om * &x).try_inverse().expect("GLS");
        let beta = &cov * x.transpose() * &om * yy;
        let idx = |i: usize, pos: usize| i * p + 2 + pos;
        let gamma: Vec<f64> = (0..N)
            .flat_map(|i| (0..w).map(move |pos| (i, pos)))
            .map(|(i, pos)| beta[idx(i, pos)])
            .collect();
        let wald = |r: &DMatrix<f64>| {
            let rb = r * &beta;
            let v = r * &cov * r.transpose();
            (rb.transpose() * v.try_inverse().expect("RVR'") * rb)[(0, 0)]
        };
        let l = win.len();
        let ar_zero = DMatrix::from_fn(N * l, N * p, |q, c| {
            f64::from(u8::from(c == idx(q / l, win[q % l])))
        });
        let car = |i: usize, c: usize| -> f64 {
            f64::from(u8::from(win.iter().any(|&pos| c == idx(i, pos))))
        };
        let car_zero = DMatrix::from_fn(N, N * p, car);
        let car_equal = DMatrix::from_fn(N - 1, N * p, |q, c| car(q + 1, c) - car(0, c));
        let ar_equal = DMatrix::from_fn((N - 1) * l, N * p, |q, c| {
            let (i, pos) = (q / l + 1, win[q % l]);
            f64::from(u8::from(c == idx(i, pos))) - f64::from(u8::from(c == idx(0, pos)))
        });
        (
            gamma,
            [
                wald(&ar_zero),
                wald(&car_zero),
                wald(&ar_equal),
                wald(&car_equal),
            ],
        )
    }

    /// Binder's joint test from the pipeline (per-event fits, the panel, `binder_joint`)
    /// equals the stacked regression solved directly, to 1e-10 relative, on every CAR
    /// window and on day 0; its dummies equal the ARs of `ar.csv`.
    #[test]
    fn joint_test_equals_the_stacked_regression() {
        let es = spec();
        for seed in [1u64, 2, 3] {
            let (cal, m, y) = data(seed);
            let spans = vec![1u32; LEN];
            let analyses: Vec<EventAnalysis> = y
                .iter()
                .map(|yi| {
                    let tl = Timeline::from_spans(yi, &m, &spans);
                    crate::abnormal::analyze(&tl, &cal, DAY0, &es).expect("analysed")
                })
                .collect();
            let refs: Vec<&EventAnalysis> = analyses.iter().collect();
            let r = Resampling {
                resamples: 99,
                seed: 1,
            };
            let dates = vec![cal.sessions[DAY0]; refs.len()];
            let (days, windows) = aggregates(&es, &refs, &dates, &r);
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-10 * b.abs().max(1.0);
            let mut checked = 0;
            for (wi, win) in es.car_windows.iter().enumerate() {
                let pos: Vec<usize> = (win.start..=win.end).map(|t| (t + 5) as usize).collect();
                let (gamma, want) = stacked(&m, &y, &pos);
                for (i, a) in analyses.iter().enumerate() {
                    for (p, row) in a.rows.iter().enumerate() {
                        assert!(
                            close(row.ar, gamma[i * 11 + p]),
                            "{} {}",
                            row.ar,
                            gamma[i * 11 + p]
                        );
                    }
                }
                let j = windows[wi].joint.as_ref().expect("one date: joint test");
                assert_eq!((j.n, j.sessions, j.dof), (N, 50, 48));
                for (h, w) in [H::ArZero, H::CarZero, H::ArEqual, H::CarEqual]
                    .iter()
                    .zip(want)
                {
                    let got = j.row(*h).expect("row").wald;
                    assert!(
                        close(got, w),
                        "seed {seed} window {} {h:?}: {got} vs {w}",
                        win.label()
                    );
                    checked += 1;
                }
                let t =
                    crate::stats::find_test(&windows[wi].tests, crate::stats::TestId::BinderJoint)
                        .expect("binder_joint in tests");
                let row = j.row(H::CarZero).expect("row");
                assert_eq!((t.statistic, t.p_value), (row.f, row.f_p));
                assert_eq!(
                    t.distribution.to_string(),
                    format!("F({N}, {})", 48 - N + 1)
                );
            }
            let day0 = days.iter().find(|a| a.tau == Some(0)).expect("day 0");
            let (_, want) = stacked(&m, &y, &[5]);
            let j = day0.joint.as_ref().expect("joint");
            assert!(close(j.row(H::ArZero).expect("row").wald, want[0]));
            assert!(close(j.row(H::ArEqual).expect("row").wald, want[2]));
            assert!(close(want[0], want[1]) && j.row(H::CarZero).is_none());
            assert_eq!(checked, 12);
        }
    }

    /// The N events of `data(seed)` analysed on two dates (even events on day 0's date, odd
    /// ones on the session before), with their day-0 dates.
    fn on_two_dates(es: &EventSpec, seed: u64) -> (Vec<EventAnalysis>, Vec<NaiveDate>) {
        let (cal, m, y) = data(seed);
        let spans = vec![1u32; LEN];
        y.iter()
            .enumerate()
            .map(|(i, yi)| {
                let tl = Timeline::from_spans(yi, &m, &spans);
                let day0 = DAY0 - (i % 2);
                let a = crate::abnormal::analyze(&tl, &cal, day0, es).expect("analysed");
                (a, cal.sessions[day0])
            })
            .unzip()
    }

    /// Events on different dates: no joint test (and no `binder_joint` line).
    #[test]
    fn no_joint_test_across_dates() {
        let es = spec();
        let (analyses, dates) = on_two_dates(&es, 7);
        let refs: Vec<&EventAnalysis> = analyses.iter().collect();
        let (days, windows) = aggregates(&es, &refs, &dates, &Resampling::default());
        assert!(days.iter().chain(&windows).all(|a| a.joint.is_none()));
        assert!(windows.iter().all(|a| {
            crate::stats::find_test(&a.tests, crate::stats::TestId::BinderJoint).is_none()
        }));
    }

    /// The per-date lead test takes each date's exact r̄ while the dates' pairs together are
    /// within the bound, and every date's pooled estimate past it (one rule for the run):
    /// each equal to the test run on that date's panel directly, and the two different here
    /// (estimation ARs with gaps, where the pooled estimate is not the exact mean).
    #[test]
    fn dates_take_exact_correlations_within_the_run_bound_and_pooled_past_it() {
        let es = spec();
        // 2 dates × 2 events: 2 pairs in all.
        let (mut analyses, dates) = on_two_dates(&es, 11);
        for (i, a) in analyses.iter_mut().enumerate() {
            for t in (3 * i..a.est_ar.len()).step_by(5 + i) {
                a.est_ar[t] = f64::NAN;
            }
        }
        let refs: Vec<&EventAnalysis> = analyses.iter().collect();
        let r = Resampling::default();
        let lead = TestId::AdjustedBmp;
        let direct = |pooled: bool| -> Vec<Vec<(u64, u64)>> {
            // Date order: the earlier date holds the odd events.
            [1usize, 0]
                .iter()
                .map(|&parity| {
                    let sub: Vec<&EventAnalysis> = refs
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| i % 2 == parity)
                        .map(|(_, a)| *a)
                        .collect();
                    let panel = if pooled {
                        panel_of(&sub).pooled_correlation()
                    } else {
                        panel_of(&sub)
                    };
                    (0..es.car_windows.len())
                        .map(|w| {
                            let s = window_sample(&sub, w, es.car_windows[w].len());
                            let t = run_test(&panel, &s, &r, lead);
                            (t.statistic.to_bits(), t.p_value.to_bits())
                        })
                        .collect()
                })
                .collect()
        };
        let got = |pairs_max: usize| -> Vec<Vec<(u64, u64)>> {
            by_date_within(&es, &refs, &dates, &r, lead, pairs_max)
                .iter()
                .map(|d| {
                    assert_eq!(d.events, 2);
                    assert_eq!(d.pooled_rbar, pairs_max < 2);
                    d.windows
                        .iter()
                        .map(|(_, _, t)| (t.statistic.to_bits(), t.p_value.to_bits()))
                        .collect()
                })
                .collect()
        };
        let (exact, pooled) = (direct(false), direct(true));
        assert_ne!(
            exact, pooled,
            "gaps: the estimate differs from the exact mean"
        );
        assert!(
            exact
                .iter()
                .flatten()
                .all(|(s, _)| f64::from_bits(*s).is_finite()),
            "{exact:?}"
        );
        assert_eq!(got(2), exact);
        assert_eq!(got(EXACT_CORRELATION_PAIRS), exact);
        assert_eq!(got(1), pooled, "the dates' pairs count together");
        assert_eq!(got(0), pooled);
    }
}
