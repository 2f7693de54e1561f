//! Tests of the per-event analysis: estimation, ARs and CARs, policies, every model.

use super::*;
use crate::returns::ReturnKind;
use crate::study::Study;
use crate::window::Window;

/// The study of a test's study-file text (inputs named, never read) with `overrides`.
fn study_from(toml_text: &str, overrides: crate::study::Overrides) -> Study {
    let f: crate::study::StudyFile = toml::from_str(toml_text).expect("toml");
    Study::resolve(
        Some((std::path::Path::new("s.toml"), f)),
        overrides,
        std::path::Path::new("."),
    )
    .expect("study")
}

mod basics {
    use super::*;
    use crate::data::calendar::Calendar;
    use crate::returns::Status;
    use crate::testutil::{ROUNDOFF, assert_close, prop_assert_close};
    use chrono::Duration;
    use proptest::prelude::*;

    fn study(min: usize) -> Study {
        let ov = crate::study::Overrides {
            min_estimation: Some(min),
            ..Default::default()
        };
        study_from(
            "[inputs]\nevents='e'\nprices='p'\nmarket='m'\n[windows]\nestimation=[-60,-11]\nevent=[-5,5]\ncar=[[-1,1],[0,0],[-5,5]]\n",
            ov,
        )
    }

    fn timeline(rets: &[f64], mrets: &[f64], spans: &[u32]) -> (Calendar, Timeline) {
        let n = rets.len();
        let d0 = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
        let cal = Calendar {
            name: "t".into(),
            sessions: (0..n).map(|i| d0 + Duration::days(i as i64)).collect(),
        };
        let tl = Timeline::from_spans(rets, mrets, spans);
        (cal, tl)
    }

    proptest! {
        /// Returns exactly on the model line (r = α·d + β·m) give ARs of 0 and CARs of 0 in every
        /// window that holds a return, with suspensions anywhere.
        #[test]
        fn car_of_zero_ars_is_zero(alpha in -0.002f64..0.002, beta in 0.2f64..2.0,
                                   ms in proptest::collection::vec(-0.04f64..0.04, 80),
                                   halts in proptest::collection::vec(0u8..10, 80)) {
            let mut spans = vec![1u32; 80];
            let mut last = 0usize;
            for i in 1..80 {
                if halts[i] == 0 && i != 75 { spans[i] = 0; } else { spans[i] = (i - last) as u32; last = i; }
            }
            let rets: Vec<f64> = (0..80).map(|i| alpha * spans[i] as f64 + beta * ms[i]).collect();
            let (cal, tl) = timeline(&rets, &ms, &spans);
            let a = analyze(&tl, &cal, 70, &study(30).event_spec()).expect("analysed");
            for r in a.rows.iter().filter(|r| r.ar.is_finite()) {
                prop_assert_close!(r.ar, 0.0, ROUNDOFF);
            }
            for c in &a.cars {
                if c.n_returns > 0 { prop_assert_close!(c.car, 0.0, ROUNDOFF); } else { prop_assert!(c.car.is_nan()); }
            }
        }
    }

    #[test]
    fn window_inside_a_halt_has_no_car() {
        let n = 80;
        let ms: Vec<f64> = (0..n)
            .map(|i| ((i * 37 % 11) as f64 - 5.0) / 500.0)
            .collect();
        let rets: Vec<f64> = ms
            .iter()
            .enumerate()
            .map(|(i, m)| 0.001 + 1.2 * m + ((i * 13 % 7) as f64 - 3.0) / 1000.0)
            .collect();
        let mut spans = vec![1u32; n];
        spans[0] = 0;
        spans[70] = 0;
        spans[71] = 3;
        let (cal, tl) = timeline(&rets, &ms, &spans);
        let a = analyze(&tl, &cal, 70, &study(30).event_spec()).expect("analysed");
        let c00 = &a.cars[1];
        assert_eq!((c00.n_returns, c00.car.is_nan()), (0, true));
        assert_eq!(a.rows[5].status, Status::Suspended);
        assert_eq!(a.rows[6].span, 3);
        // Var(CAR[-1,1]) uses D = 1 + 3 = 4 sessions and the summed rows (not L·s²).
        let c = &a.cars[0];
        let x = [4.0, ms[69] + ms[71]];
        assert_close!(c.var, a.fit.s2 * (4.0 + a.fit.leverage(&x)), ROUNDOFF.rel());
        assert_eq!(c.n_returns, 2);
        // Estimation ARs by τ = -60..-11 (sessions 10..59): residuals of the fit, mean-zero
        // under span weighting (Σ ε/1 = 0 with all spans 1 here).
        assert_eq!(a.est_ar.len(), 50);
        let s: f64 = a.est_ar.iter().sum();
        assert_close!(s, 0.0, ROUNDOFF);
    }

    #[test]
    fn too_few_estimation_returns_is_a_skip_reason() {
        let n = 80;
        let ms: Vec<f64> = (0..n)
            .map(|i| ((i * 37 % 11) as f64 - 5.0) / 500.0)
            .collect();
        // A halt inside the estimation window [-60,-11] (sessions 10..59): 49 returns remain.
        let mut spans = [1u32; 80];
        spans[30] = 0;
        spans[31] = 2;
        let (cal, tl) = timeline(&ms, &ms, &spans);
        let e = analyze(&tl, &cal, 70, &study(50).event_spec()).unwrap_err();
        assert!(
            e.to_string()
                .contains("has 49 usable returns, fewer than the 50 required"),
            "{e}"
        );
        assert!(analyze(&tl, &cal, 70, &study(49).event_spec()).is_ok());
    }
}

mod policy_tests {
    use super::*;
    use crate::data::calendar::Calendar;
    use chrono::Duration;

    /// `drop_event` skips an event whose event window holds a suspended session; the default
    /// policy analyses it.
    #[test]
    fn drop_event_skips_events_with_a_halt_in_the_window() {
        let n = 80;
        let d0 = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
        let cal = Calendar {
            name: "t".into(),
            sessions: (0..n).map(|i| d0 + Duration::days(i as i64)).collect(),
        };
        let ms: Vec<f64> = (0..n)
            .map(|i| ((i * 37 % 11) as f64 - 5.0) / 500.0)
            .collect();
        let mut span = vec![1u32; n];
        span[0] = 0;
        span[72] = 0;
        span[73] = 2;
        let ret: Vec<f64> = (0..n)
            .map(|i| 0.001 + ms[i] + ((i * 13 % 7) as f64 - 3.0) / 1000.0)
            .collect();
        let tl = Timeline::from_spans(&ret, &ms, &span);
        let mut study = study_from(
            "[inputs]\nevents='e'\nprices='p'\nmarket='m'\n[windows]\nestimation=[-60,-11]\nevent=[-5,5]\ncar=[[-1,1]]\n[model]\nmin_estimation=30\n",
            Default::default(),
        );
        assert!(analyze(&tl, &cal, 70, &study.event_spec()).is_ok());
        study.halt_policy = crate::returns::HaltPolicy::DropEvent;
        let e = analyze(&tl, &cal, 70, &study.event_spec()).unwrap_err();
        assert!(
            e.to_string()
                .contains("drop_event: suspended on 2020-03-13 (τ=+2)"),
            "{e}"
        );
    }
}

mod model_tests {
    //! Every model through the engine, with trade-to-trade spans, against data generated by
    //! formulas written out here (independent of `ModelSpec::design` and `over_span`).
    use super::*;
    use crate::model::{ModelKind, ModelSpec};
    use crate::testutil::{EXACT, ROUNDOFF, assert_close, prop_assert_close, uniform};
    use chrono::Duration;
    use proptest::prelude::*;

    const N: usize = 120;
    const DAY0: usize = 100;

    fn study(spec: ModelSpec) -> Study {
        let mut s = study_from(
            "[inputs]\nevents='e'\nprices='p'\nmarket='m'\n[windows]\nestimation=[-80,-11]\nevent=[-5,5]\ncar=[[-1,1],[0,0],[-5,5]]\n[model]\nmin_estimation=40\n",
            Default::default(),
        );
        s.model = spec.kind;
        s.model_spec = spec;
        s
    }

    /// A calendar of N sessions, market levels, 3 factors and a risk-free rate per session, and
    /// spans (0: suspended) with a few halts; the market return of a span-d return at i is
    /// px[i]/px[i-d] - 1.
    struct World {
        cal: Calendar,
        px: Vec<f64>,
        fac: AlignedFactors,
        spans: Vec<u32>,
    }

    fn world(seed: u64, halts: &[usize]) -> World {
        let mut rnd = uniform(seed, 0, -0.5, 0.5);
        let d0 = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
        let cal = Calendar {
            name: "t".into(),
            sessions: (0..N).map(|i| d0 + Duration::days(i as i64)).collect(),
        };
        let mut px = vec![100.0];
        for _ in 1..N {
            let last = *px.last().expect("non-empty");
            px.push(last * (1.0 + 0.04 * rnd()));
        }
        let cols: Vec<Vec<f64>> = (0..3)
            .map(|_| (0..N).map(|_| 0.03 * rnd()).collect())
            .collect();
        let rf: Vec<f64> = (0..N).map(|_| 0.0001 + 0.0001 * rnd()).collect();
        let mut spans = vec![1u32; N];
        spans[0] = 0;
        for &h in halts {
            spans[h] = 0;
        }
        let mut last = 0;
        for (i, s) in spans.iter_mut().enumerate().skip(1) {
            if *s != 0 {
                *s = (i - last) as u32;
                last = i;
            }
        }
        World {
            cal,
            px,
            fac: AlignedFactors {
                names: vec!["a".into(), "b".into(), "c".into()],
                cols,
                rf: Some(rf),
                first: None,
                last: None,
                source: "test".into(),
            },
            spans,
        }
    }

    /// Π(1 + v) - 1 over sessions i-d+1..=i, written out.
    fn compound(v: &[f64], i: usize, d: usize) -> f64 {
        let mut p = 1.0;
        for x in &v[i + 1 - d..=i] {
            p *= 1.0 + x;
        }
        p - 1.0
    }

    /// The market return over the d sessions ending at i + k, written out.
    fn market(px: &[f64], i: usize, d: usize, k: i64) -> f64 {
        let (a, b) = (i as i64 + k - d as i64, i as i64 + k);
        if a < 0 || b >= N as i64 {
            f64::NAN
        } else {
            px[b as usize] / px[a as usize] - 1.0
        }
    }

    fn timeline(w: &World, ret: impl Fn(usize, usize, &dyn Fn(i64) -> f64) -> f64) -> Timeline {
        let mut rets = vec![f64::NAN; N];
        let mut mrets = vec![f64::NAN; N];
        for i in 1..N {
            let d = w.spans[i] as usize;
            if d == 0 {
                continue;
            }
            let m = |k: i64| market(&w.px, i, d, k);
            mrets[i] = market(&w.px, i, d, 0);
            rets[i] = ret(i, d, &m);
        }
        Timeline::from_spans(&rets, &mrets, &w.spans)
    }

    /// The GARCH market model through the engine, with a halt in the estimation window and
    /// one in the event window (a span-3 return at τ = +2): each event-window AR's forecast
    /// `h` is the sum of its sessions' variance forecasts from the last estimation
    /// observation, its variance is h + x'Vx with V = (Σ_t x_t x_t'/H_t)⁻¹ computed here by
    /// hand from the estimation rows and H_t, the SAR is AR/√var, a CAR's variance is the sum
    /// of its returns' forecasts plus x_w'V x_w for the summed rows x_w (more than the sum of
    /// the returns' variances: the cross-day terms of the common mean error), and the fit ran
    /// over the sessions (the halt's gap counted).
    #[test]
    fn garch_variances_come_from_the_forecast() {
        let w = world(7, &[50, 51, 101, 102]);
        let mut rnd = uniform(99, 0, -0.5, 0.5);
        let noise: Vec<f64> = (0..N).map(|_| 0.02 * rnd()).collect();
        let st = study(ModelSpec::new(ModelKind::Garch));
        let tl = timeline(&w, |i, d, m| {
            0.0004 * d as f64 + 0.9 * m(0) + noise[i] * (d as f64).sqrt()
        });
        let a = analyze(&tl, &w.cal, DAY0, &st.event_spec()).expect("analysed");
        let c = a.fit.conditional.as_ref().expect("conditional variance");
        assert_eq!(c.last_session, DAY0 - 11);
        // V by hand: the estimation rows (unscaled, [d, Σm]) in order, each over its H_t.
        let rows_est: Vec<[f64; 2]> = (0..a.est_ar.len())
            .filter(|&j| a.est_ar[j].is_finite())
            .map(|j| [a.est_x[2 * j], a.est_x[2 * j + 1]])
            .collect();
        assert_eq!(rows_est.len(), c.fit.h.len());
        assert!(
            rows_est.iter().any(|x| x[0] > 1.0),
            "a span return in the estimation"
        );
        let mut s = [[0.0; 2]; 2];
        for (x, h) in rows_est.iter().zip(&c.fit.h) {
            for p in 0..2 {
                for q in 0..2 {
                    s[p][q] += x[p] * x[q] / h;
                }
            }
        }
        let det = s[0][0] * s[1][1] - s[0][1] * s[1][0];
        let v = [
            [s[1][1] / det, -s[0][1] / det],
            [-s[1][0] / det, s[0][0] / det],
        ];
        let xvx = |x: &[f64]| -> f64 {
            (0..2)
                .flat_map(|p| (0..2).map(move |q| (p, q)))
                .map(|(p, q)| x[p] * v[p][q] * x[q])
                .sum()
        };
        let mut spans_seen = 0;
        for (j, r) in a.rows.iter().enumerate() {
            if !r.ar.is_finite() {
                continue;
            }
            let i = DAY0 - 5 + j;
            let k = i - c.last_session;
            let want: f64 = (k + 1 - r.span as usize..=k)
                .map(|q| c.fit.forecast(q))
                .sum();
            assert_close!(r.h, want, EXACT.rel());
            let x = &a.pred_rows[2 * j..2 * j + 2];
            assert_eq!(x[0], f64::from(r.span));
            assert_close!(r.var, want + xvx(x), ROUNDOFF.rel());
            assert!(r.var > want);
            assert_close!(r.sar, r.ar / r.var.sqrt(), EXACT);
            spans_seen += usize::from(r.span > 1);
        }
        assert_eq!(spans_seen, 1);
        for car in &a.cars {
            let w = car.window;
            let (mut xw, mut sum_h, mut sum_var, mut n) = ([0.0; 2], 0.0, 0.0, 0);
            for (j, r) in a.rows.iter().enumerate() {
                if w.contains(r.tau) && r.ar.is_finite() {
                    xw[0] += a.pred_rows[2 * j];
                    xw[1] += a.pred_rows[2 * j + 1];
                    sum_h += r.h;
                    sum_var += r.var;
                    n += 1;
                }
            }
            assert_close!(car.var, sum_h + xvx(&xw), ROUNDOFF.rel());
            if n > 1 {
                assert!(car.var > sum_var, "{}: {} vs {sum_var}", w.label(), car.var);
            }
        }
        assert!(a.cars.iter().any(|car| car.n_returns > 1));
        assert!(a.fit.params.iter().any(|p| p.name == "persistence"));
    }

    proptest! {
        /// Noise-free returns generated by each model (written out here with compounded
        /// factors and span-shifted market returns) are recovered exactly through the engine,
        /// with halts in the estimation and event windows: the coefficients equal the true
        /// ones, every AR and CAR is 0, s² is 0.
        #[test]
        fn engine_recovers_every_model(seed in 0u64..1_000_000, which in 0usize..7,
                                       h1 in 25usize..85, h2 in 96usize..104) {
            let w = world(seed, &[h1, h1 + 1, h2]);
            let mut rnd = uniform(seed, 0x9e37, -0.5, 0.5);
            let alpha = 0.002 * rnd();
            let b: Vec<f64> = (0..3).map(|_| 1.0 + rnd()).collect();
            let rf = w.fac.rf.clone().expect("rf");
            let (spec, want): (ModelSpec, Vec<f64>) = match which {
                0 => (ModelSpec::new(ModelKind::ConstantMean), vec![alpha]),
                1 => (ModelSpec::new(ModelKind::Market), vec![alpha, b[0]]),
                2 => (ModelSpec::new(ModelKind::Capm), vec![alpha, b[0]]),
                3 => {
                    let mut s = ModelSpec::new(ModelKind::Factors);
                    s.factors = vec!["a".into(), "b".into(), "c".into()];
                    (s, vec![alpha, b[0], b[1], b[2]])
                }
                4 => (ModelSpec::new(ModelKind::Dimson), vec![alpha, b[0], b[1], b[2]]),
                5 => {
                    let mut s = ModelSpec::new(ModelKind::Factors);
                    s.factors = vec!["c".into(), "a".into()];
                    s.rf = false;
                    (s, vec![alpha, b[0], b[1]])
                }
                _ => (ModelSpec::new(ModelKind::MarketAdjusted), vec![]),
            };
            let st = study(spec.clone());
            let f = &w.fac.cols;
            let tl = timeline(&w, |i, d, m| {
                let df = d as f64;
                match which {
                    0 => alpha * df,
                    1 => alpha * df + b[0] * m(0),
                    2 => {
                        let r = compound(&rf, i, d);
                        r + alpha * df + b[0] * (m(0) - r)
                    }
                    3 => compound(&rf, i, d) + alpha * df
                        + b[0] * compound(&f[0], i, d) + b[1] * compound(&f[1], i, d) + b[2] * compound(&f[2], i, d),
                    4 => alpha * df + b[0] * m(-1) + b[1] * m(0) + b[2] * m(1),
                    5 => alpha * df + b[0] * compound(&f[2], i, d) + b[1] * compound(&f[0], i, d),
                    _ => m(0),
                }
            });
            let data = ModelData { market_px: Some(&w.px), factors: Some(&w.fac), no_factors: None };
            let mut fac = w.fac.clone();
            if which == 5 {
                fac.cols = vec![w.fac.cols[2].clone(), w.fac.cols[0].clone()];
            }
            let data = if which == 5 { ModelData { factors: Some(&fac), ..data } } else { data };
            let a = analyze_with(&tl, &w.cal, DAY0, &st.event_spec(), data).expect("analysed");
            prop_assert_eq!(a.fit.coef.len(), want.len());
            for (got, want) in a.fit.coef.iter().zip(&want) {
                prop_assert_close!(*got, *want, ROUNDOFF, "{}", spec.kind.as_str());
            }
            prop_assert_close!(a.fit.s2.sqrt(), 0.0, ROUNDOFF);
            for r in a.rows.iter().filter(|r| r.ret.is_finite()) {
                prop_assert_close!(r.ar, 0.0, ROUNDOFF, "{} τ={}", spec.kind.as_str(), r.tau);
            }
            for c in &a.cars {
                if c.n_returns > 0 { prop_assert_close!(c.car, 0.0, ROUNDOFF); } else { prop_assert!(c.car.is_nan()); }
            }
            for b in &a.bhars {
                if b.n_returns > 0 { prop_assert_close!(b.bhar, 0.0, ROUNDOFF); }
            }
        }

        /// Adding a constant c per session to every return (c·d to a span-d return) leaves
        /// constant-mean (mean-adjusted) ARs unchanged.
        #[test]
        fn constant_mean_ars_ignore_a_constant(seed in 0u64..1_000_000, c in -0.01f64..0.01) {
            let w = world(seed, &[40, 99]);
            let mut rnd = uniform(seed, 7, -0.5, 0.5);
            let noise: Vec<f64> = (0..N).map(|_| 0.02 * rnd()).collect();
            let st = study(ModelSpec::new(ModelKind::ConstantMean));
            let base = timeline(&w, |i, _, _| noise[i]);
            let shifted = timeline(&w, |i, d, _| noise[i] + c * d as f64);
            let a = analyze(&base, &w.cal, DAY0, &st.event_spec()).expect("a");
            let b = analyze(&shifted, &w.cal, DAY0, &st.event_spec()).expect("b");
            for (x, y) in a.rows.iter().zip(&b.rows) {
                prop_assert_eq!(x.ar.is_finite(), y.ar.is_finite());
                if x.ar.is_finite() {
                    prop_assert_close!(y.ar, x.ar, ROUNDOFF);
                    prop_assert_close!(y.var, x.var, ROUNDOFF.rel());
                }
            }
            prop_assert_close!(b.fit.coef[0], a.fit.coef[0] + c, ROUNDOFF);
        }

        /// Market-model ARs are invariant to an affine change of the market return,
        /// m → a·m + b·d (α and β absorb it), and so to a scaling of the index level
        /// (which leaves market returns unchanged).
        #[test]
        fn market_model_ars_are_affine_invariant(seed in 0u64..1_000_000, scale in 0.2f64..5.0,
                                                 shift in -0.005f64..0.005) {
            let w = world(seed, &[50, 101]);
            let mut rnd = uniform(seed, 11, -0.5, 0.5);
            let noise: Vec<f64> = (0..N).map(|_| 0.02 * rnd()).collect();
            let st = study(ModelSpec::new(ModelKind::Market));
            let base = timeline(&w, |i, _, m| 0.5 * m(0) + noise[i]);
            let mut moved = base.clone();
            for i in 0..N {
                moved.market_ret[i] = scale * base.market_ret[i] + shift * base.span[i] as f64;
            }
            let a = analyze(&base, &w.cal, DAY0, &st.event_spec()).expect("a");
            let b = analyze(&moved, &w.cal, DAY0, &st.event_spec()).expect("b");
            for (x, y) in a.rows.iter().zip(&b.rows) {
                if x.ar.is_finite() {
                    prop_assert_close!(y.ar, x.ar, ROUNDOFF);
                    prop_assert_close!(y.var, x.var, ROUNDOFF.rel());
                }
            }
            for (x, y) in a.cars.iter().zip(&b.cars) {
                if x.n_returns > 0 { prop_assert_close!(y.car, x.car, ROUNDOFF); }
            }
            // Index level scaled: the returns built from it are the same numbers.
            let scaled: Vec<f64> = w.px.iter().map(|p| p * scale).collect();
            let series = crate::data::prices::PriceSeries {
                security: "X".into(),
                dates: w.cal.sessions.clone(),
                price: w.px.iter().map(|p| Some(p * 1.3 + noise[0])).collect(),
                volume: vec![None; N],
                trade_status: vec![None; N],
                lines: (2..N + 2).collect(),
                ..Default::default()
            };
            let on = |index: &[f64]| {
                crate::returns::build_timeline(
                    &w.cal,
                    &series,
                    &crate::data::halts::Halts::default(),
                    index,
                    Default::default(),
                )
            };
            let tl = on(&w.px);
            let mut tl2 = tl.clone();
            tl2.market_ret = on(&scaled).market_ret;
            let a = analyze(&tl, &w.cal, DAY0, &st.event_spec()).expect("a");
            let b = analyze(&tl2, &w.cal, DAY0, &st.event_spec()).expect("b");
            for (x, y) in a.rows.iter().zip(&b.rows) {
                if x.ar.is_finite() { prop_assert_close!(y.ar, x.ar, ROUNDOFF); }
            }
        }
    }

    /// The CAR path in one pass has the bits of each cumulative window computed alone
    /// (`car_over` on τ ≤ t), for an OLS model and a conditional-variance one, with a halt in
    /// the event window (τ without a return, then a return spanning it) and before the first
    /// return (τ = −5 suspended: the path starts at −4); `running_car` gives its CARs.
    #[test]
    fn cumulative_car_equals_each_window_alone() {
        let w = world(5, &[95, 101, 102]);
        let mut rnd = uniform(3, 0, -0.5, 0.5);
        let noise: Vec<f64> = (0..N).map(|_| 0.02 * rnd()).collect();
        for kind in [ModelKind::Market, ModelKind::Garch] {
            let st = study(ModelSpec::new(kind));
            let tl = timeline(&w, |i, d, m| 0.0003 * d as f64 + 1.1 * m(0) + noise[i]);
            let a = analyze(&tl, &w.cal, DAY0, &st.event_spec()).expect("analysed");
            let path = a.cumulative_car();
            let alone: Vec<(i32, f64, f64)> = a
                .rows
                .iter()
                .filter_map(|r| {
                    let (car, var, n, _) = a.car_over(|t| t <= r.tau);
                    (n > 0).then_some((r.tau, car, var))
                })
                .collect();
            assert_eq!(path.first().map(|p| p.0), Some(-4), "{kind:?}");
            assert_eq!(path.len(), alone.len(), "{kind:?}");
            let mut running = Vec::new();
            a.running_car(|t, c| running.push((t, c.to_bits())));
            let want: Vec<(i32, u64)> = path.iter().map(|p| (p.0, p.1.to_bits())).collect();
            assert_eq!(running, want, "{kind:?}: running_car");
            for (p, q) in path.iter().zip(&alone) {
                assert_eq!(p.0, q.0);
                assert_eq!(p.1.to_bits(), q.1.to_bits(), "{kind:?} CAR at τ={}", p.0);
                assert_eq!(
                    p.2.to_bits(),
                    q.2.to_bits(),
                    "{kind:?} variance at τ={}",
                    p.0
                );
            }
        }
    }

    /// Several events of one security analysed with its shared rows: the estimation spans
    /// and prediction rows are windows of the security's values (held once), bit for bit
    /// what each event computes alone, for models with a separate estimation row
    /// (Scholes-Williams), factors and a plain market model, with halts in the windows; an
    /// event whose estimation window starts before the calendar keeps its own values.
    #[test]
    fn shared_estimation_rows_equal_each_events_own() {
        let w = world(11, &[30, 31, 62, 88]);
        let mut rnd = uniform(5, 0, -0.5, 0.5);
        let noise: Vec<f64> = (0..N).map(|_| 0.02 * rnd()).collect();
        for kind in [
            ModelKind::Market,
            ModelKind::ScholesWilliams,
            ModelKind::Ff3,
        ] {
            let st = study(ModelSpec::new(kind));
            let es = st.event_spec();
            let tl = timeline(&w, |i, d, m| 0.001 * d as f64 + 0.8 * m(0) + noise[i]);
            let data = ModelData {
                market_px: Some(&w.px),
                factors: Some(&w.fac),
                no_factors: None,
            };
            let shared = SharedRows::default();
            for day0 in [100, 95, 114, 70, 90] {
                let own = analyze_with(&tl, &w.cal, day0, &es, data).expect("analysed");
                let got =
                    analyze_shared(&tl, &w.cal, day0, &es, data, Some(&shared)).expect("analysed");
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got.est_x), bits(&own.est_x), "{kind:?} day0 {day0}");
                assert_eq!(*got.est_span, *own.est_span, "{kind:?} day0 {day0}");
                assert_eq!(bits(&got.est_ar), bits(&own.est_ar), "{kind:?} day0 {day0}");
                assert!(
                    own.est_span.iter().any(|&d| d > 1),
                    "a halt inside the window"
                );
                let is_shared = |v: &EstValues<f64>| matches!(v, EstValues::Shared { .. });
                let truncated = day0 < 80;
                assert_eq!(got.est_truncated > 0, truncated);
                assert_eq!(is_shared(&got.est_x), !truncated, "{kind:?} day0 {day0}");
                assert_eq!(
                    matches!(got.est_span, EstValues::Shared { .. }),
                    !truncated,
                    "{kind:?} day0 {day0}"
                );
                assert!(!is_shared(&own.est_x));
            }
        }
    }

    /// No factor data for the security's exchange: a skip reason, never a panic or zeros.
    #[test]
    fn factor_model_without_factors_is_a_skip() {
        let w = world(3, &[]);
        let tl = timeline(&w, |_, _, m| m(0));
        let st = study(ModelSpec::new(ModelKind::Ff3));
        let why = NoFactorData {
            model: ModelKind::Ff3,
            security: "X".into(),
            mic: "XSHG".into(),
            files: "f.csv".into(),
            factor_mic: "XNYS".into(),
        };
        let e = analyze_with(
            &tl,
            &w.cal,
            DAY0,
            &st.event_spec(),
            ModelData {
                market_px: Some(&w.px),
                factors: None,
                no_factors: Some(&why),
            },
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "model ff3: no factor data for X on XSHG: the factor file(s) f.csv hold XNYS sessions (set `[model] factor_exchange` only if they are XSHG factors)"
        );
        // Factors that end before the estimation window: too few returns, with the coverage.
        let mut fac = w.fac.clone();
        for c in fac.cols.iter_mut().chain(fac.rf.iter_mut()) {
            c[10..].iter_mut().for_each(|v| *v = f64::NAN);
        }
        let mut spec = ModelSpec::new(ModelKind::Factors);
        spec.factors = vec!["a".into()];
        let e = analyze_with(
            &tl,
            &w.cal,
            DAY0,
            &study(spec).event_spec(),
            ModelData {
                market_px: Some(&w.px),
                factors: Some(&fac),
                no_factors: None,
            },
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("has 0 usable returns")
                && e.to_string().contains("cover 0 of these sessions"),
            "{e}"
        );
    }

    /// BHAR by hand (Barber & Lyon 1997) on three returns, one spanning 2 sessions.
    #[test]
    fn bhar_by_hand() {
        let row = |tau: i32, ret: f64, normal: f64| ArRow {
            tau,
            date: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date"),
            status: Status::Trading,
            sources: 0,
            span: 1,
            ret,
            market_ret: f64::NAN,
            normal,
            ar: ret - normal,
            var: f64::NAN,
            sar: f64::NAN,
            h: f64::NAN,
        };
        let rows = [
            row(-1, 0.02, 0.01),
            row(0, -0.05, 0.004),
            row(1, f64::NAN, f64::NAN),
            row(2, 0.03, 0.002),
        ];
        let w = Window::event(-1, 2);
        let b = bhar(&rows, w, ReturnKind::Simple);
        let want = 1.02 * 0.95 * 1.03 - 1.01 * 1.004 * 1.002;
        assert_close!(b.bhar, want, EXACT);
        assert_eq!(b.n_returns, 3);
        let b = bhar(&rows, w, ReturnKind::Log);
        let want = (0.02f64 - 0.05 + 0.03).exp() - (0.01f64 + 0.004 + 0.002).exp();
        assert_close!(b.bhar, want, EXACT);
        let b = bhar(&rows, Window::event(1, 1), ReturnKind::Simple);
        assert!(b.bhar.is_nan() && b.n_returns == 0);
    }

    /// Abnormal log volume by hand: estimation volumes cycling 100, 200, 400 over sessions
    /// 20..=89 (the window [-80,-11]); only day 0 has a positive volume (800) in the event
    /// window: AV = ln 800 - mean, t = AV / sd (sample sd, 69 degrees of freedom).
    #[test]
    fn abnormal_volume_by_hand() {
        let w = world(5, &[]);
        let mut tl = timeline(&w, |_, _, m| m(0));
        for i in 20..=89 {
            tl.volume[i] = [100.0, 200.0, 400.0][i % 3];
        }
        tl.volume[100] = 800.0;
        tl.volume[101] = 0.0;
        let st = study(ModelSpec::new(ModelKind::Market));
        let a = analyze(&tl, &w.cal, DAY0, &st.event_spec()).expect("analysed");
        let v = a.volume.expect("volume");
        let logs: Vec<f64> = (20..=89)
            .map(|i| [100.0f64, 200.0, 400.0][i % 3].ln())
            .collect();
        let mean = logs.iter().sum::<f64>() / 70.0;
        let sd = (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / 69.0).sqrt();
        assert_eq!(v.n_est, 70);
        assert_close!(v.est_mean_log, mean, EXACT);
        assert_close!(v.est_sd_log, sd, EXACT);
        assert_eq!(v.days.len(), 1, "only day 0 has a positive volume");
        let d = &v.days[0];
        assert_eq!(d.tau, 0);
        assert_close!(d.log_volume(), 800f64.ln(), EXACT);
        assert_close!(v.abnormal(d), 800f64.ln() - mean, EXACT);
        assert_close!(v.t(d), v.abnormal(d) / sd, EXACT);
        assert_close!(d.p, crate::stats::p_student(v.t(d), 69.0), EXACT);
        let c = &v.windows[0];
        assert_eq!(c.n_days, 1);
        assert_close!(c.cav, v.abnormal(d), EXACT.abs());
        assert_close!(c.t, v.t(d), EXACT);
        assert!(v.windows[1].n_days == 1 && v.windows[2].n_days == 1);
    }
}
