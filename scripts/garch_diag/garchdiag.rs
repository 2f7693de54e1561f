//! Scratch diagnostic (not committed): per pseudo-event, the market model's and the GARCH
//! model's day-0 AR and variance, the GARCH parameters and forecasts.
use evimpact::abnormal::{ModelData, analyze_with};
use evimpact::model::{ModelKind, ModelSpec};
use evimpact::pipeline::load::load_universe;
use evimpact::study::{Overrides, Study, default_data_dir};
use evimpact::synth::Rng;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args[1].parse().unwrap();
    let seed: u64 = args[2].parse().unwrap();
    let data_dir = default_data_dir(None);
    let ov = Overrides {
        name: Some("diag".into()),
        events: Some(PathBuf::from("(simulated)")),
        prices: vec![PathBuf::from("prices/us")],
        market: Some(PathBuf::from("indices/us/GSPC.csv")),
        model: Some(ModelKind::Garch),
        ..Default::default()
    };
    let study = Study::resolve(None, ov, &data_dir).expect("study");
    let u = load_universe(&study).expect("universe");
    let es_g = study.event_spec();
    let mut es_m = es_g.clone();
    es_m.model = ModelSpec::new(ModelKind::Market);
    let md = ModelData {
        market_px: Some(u.market_px.as_slice()),
        factors: None,
        no_factors: None,
    };
    let n_cal = u.calendar.sessions.len();
    let lo = (-es_g.estimation.start).max(0) as usize;
    let hi = n_cal - 1 - es_g.event_window.end.max(0) as usize;
    let mut rng = Rng::new(seed, 0);
    let mut out = String::from(
        "i,sec,day0,ok,reason,s2_mm,ar0_mm,var0_mm,ar0_g,var0_g,filt0,alpha,beta,omega,a,b,pers,iters,grad,h_last,h_next,h_mean_in,s2_in,m,carvar_mm,car_mm,carvar_g,car_g,sum_ar2_g,sum_filt,nev\n",
    );
    let mut done = 0;
    while done < n {
        let sec = rng.below(u.securities.len() as u64) as usize;
        let day0 = lo + rng.below((hi - lo + 1) as u64) as usize;
        let tl = &u.securities[sec].1;
        if !tl.ret[day0].is_finite() {
            continue;
        }
        let Ok(mm) = analyze_with(tl, &u.calendar, day0, &es_m, md) else {
            continue;
        };
        done += 1;
        let r0 = mm.rows.iter().find(|r| r.tau == 0).unwrap();
        let (car_mm, carvar_mm, _, _) = mm.car_over(|_| true);
        let _ = write!(
            out,
            "{done},{},{},",
            u.securities[sec].0, u.calendar.sessions[day0]
        );
        match analyze_with(tl, &u.calendar, day0, &es_g, md) {
            Err(e) => {
                let mut v: Vec<String> = vec![
                    "0".into(),
                    format!("\"{}\"", e.to_string().replace('"', "'")),
                    mm.fit.s2.to_string(),
                    r0.ar.to_string(),
                    r0.var.to_string(),
                ];
                v.extend(std::iter::repeat_n(String::new(), 15));
                v.extend([
                    mm.fit.n_obs.to_string(),
                    carvar_mm.to_string(),
                    car_mm.to_string(),
                ]);
                v.extend(std::iter::repeat_n(String::new(), 5));
                let _ = writeln!(out, "{}", v.join(","));
            }
            Ok(g) => {
                let c = g.fit.conditional.as_ref().unwrap();
                let f = &c.fit;
                let p = |s: &str| f.param(s).unwrap();
                let (om, a, b) = (p("omega"), p("a"), p("b"));
                let g0 = g.rows.iter().find(|r| r.tau == 0).unwrap();
                // filtered h through the event window with fixed parameters (span-1 only)
                let mut h = f.forecast(1);
                let first_k = g.rows.first().map(|r| (r.date, 0)).unwrap();
                let _ = first_k;
                let mut filt0 = f64::NAN;
                let mut sum_filt = 0.0;
                let mut sum_ar2 = 0.0;
                let mut nev = 0;
                // the rows start right after the last estimation session when the estimation ends at -11
                for r in &g.rows {
                    if r.tau == 0 {
                        filt0 = h;
                    }
                    if r.ar.is_finite() {
                        sum_filt += h;
                        sum_ar2 += r.ar * r.ar;
                        nev += 1;
                    }
                    let e2 = if r.ar.is_finite() && r.span == 1 {
                        r.ar * r.ar
                    } else {
                        h
                    };
                    h = om + a * e2 + b * h;
                }
                let (car_g, carvar_g, _, _) = g.car_over(|_| true);
                let hm = f.h.iter().sum::<f64>() / f.h.len() as f64;
                let _ = writeln!(
                    out,
                    "1,,{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                    mm.fit.s2,
                    r0.ar,
                    r0.var,
                    g0.ar,
                    g0.var,
                    filt0,
                    g.fit.coef[0],
                    g.fit.coef[1],
                    om,
                    a,
                    b,
                    f.persistence(),
                    f.iterations,
                    f.gradient,
                    f.h.last().unwrap(),
                    f.forecast(1),
                    hm,
                    f.h1,
                    f.h.len(),
                    carvar_mm,
                    car_mm,
                    carvar_g,
                    car_g,
                    sum_ar2,
                    sum_filt,
                    nev
                );
            }
        }
    }
    print!("{out}");
}
