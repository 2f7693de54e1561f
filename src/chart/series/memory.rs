//! [`ChartData`] from the run's results in memory: what `evimpact run` draws, the same
//! numbers as the tables it has just written (`evimpact chart` reads those back with
//! [`ChartData::load`] and draws the same figures), without reading them from disk.
//!
//! At large N (more than [`crate::output::plan::MANY_EVENTS`] events) the per-session rows
//! are built only for the events drawn one by one (the first price panels and AR panels);
//! the CAR and volume charts get their quantile bands from every event directly.

use std::collections::HashSet;
use std::path::Path;

use rayon::prelude::*;

use super::*;
use crate::outcome::{EventResult, Outcome};
use crate::output::series::{EventsBySecurity, SeriesRow, each_window_volume_ratio, series_rows};

fn fin(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// One `series.csv` row as the charts read it back.
fn series_csv(r: SeriesRow<'_>) -> SeriesCsv {
    SeriesCsv {
        event_id: r.event_id.to_string(),
        security: r.security.to_string(),
        date: r.date,
        tau: r.tau,
        status: r.status,
        price: r.price,
        volume: r.volume,
        volume_ratio: r.volume_ratio,
        car: r.car,
        car_var: r.car_var,
        marks: (!r.marks.is_empty()).then_some(r.marks),
    }
}

/// The `ar.csv` rows of one result.
fn ar_rows(r: &EventResult) -> impl Iterator<Item = ArCsv> + '_ {
    r.analysis.rows.iter().map(|x| ArCsv {
        event_id: r.event_id.clone(),
        security: r.security.clone(),
        tau: x.tau,
        status: x.status,
        span: (x.span > 0).then_some(x.span),
        ar: fin(x.ar),
        ar_var: fin(x.var),
    })
}

impl ChartData {
    /// The chart data of a run from its outcome; `dir` is the output directory (charts go
    /// to `dir/charts`), `many` whether charts show aggregates (see
    /// [`crate::output::Plan::many`]).
    pub fn from_outcome(o: &Outcome, dir: &Path, many: bool) -> ChartData {
        let st = &o.study;
        let lead_agg = o.lead_window().and_then(|i| o.windows.get(i));
        let lead_window = o.lead_window().map(|i| st.car_windows[i].label());
        // Six strings per event, built on every core (in order) at a million events.
        let mut events: Vec<EventKey> = o
            .results
            .par_iter()
            .map(|r| EventKey {
                event_id: r.event_id.clone(),
                security: r.security.clone(),
                entity: r.entity.clone(),
                label: r.label.clone(),
                price_column: r.timeline.price_column.clone(),
                currency: crate::data::calendar::Exchange::from_mic(r.exchange)
                    .map(|x| x.currency.to_string())
                    .unwrap_or_default(),
            })
            .collect();
        fill_labels(&mut events);

        // Per-session rows: every event at small N; at large N only those drawn one by one.
        let (mut series, mut ar) = (Vec::new(), Vec::new());
        let mut ar_total = None;
        if !many {
            let by_security = EventsBySecurity::new(o);
            for r in &o.results {
                series.extend(series_rows(o, &by_security, r).into_iter().map(series_csv));
                ar.extend(ar_rows(r));
            }
        } else {
            // The events drawn one by one, found from their rows without marks (whether a
            // row has τ = 0 does not depend on them); then their rows marked from the
            // events of their own securities only (an index of every security's events
            // was a hash per event of the file).
            let unmarked = EventsBySecurity::empty();
            let (mut drawn, mut panels) = (Vec::new(), 0);
            for r in &o.results {
                if panels == super::super::render::MAX_PRICE_PANELS {
                    break;
                }
                let rows = series_rows(o, &unmarked, r);
                panels += usize::from(rows.iter().any(|s| s.tau == Some(0)));
                drawn.push(r);
            }
            let securities: HashSet<&str> = drawn.iter().map(|r| r.security.as_str()).collect();
            let by_security = EventsBySecurity::only(o, &securities);
            for r in drawn {
                series.extend(series_rows(o, &by_security, r).into_iter().map(series_csv));
            }
            let with_ar = |r: &&EventResult| r.analysis.rows.iter().any(|x| x.ar.is_finite());
            for r in o
                .results
                .iter()
                .filter(with_ar)
                .take(super::super::render::MAX_AR_PANELS)
            {
                ar.extend(ar_rows(r));
            }
            ar_total = Some(o.results.iter().filter(with_ar).count());
        }

        // The rows `car.csv` holds, with the window's position among the study's (a
        // window the study does not list, none here, would not be drawn, as in `load`).
        let rows = o.results.iter().map(|r| r.analysis.cars.len()).sum();
        let (mut car, mut car_pos) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
        for (i, r) in o.results.iter().enumerate() {
            for c in &r.analysis.cars {
                let Some(window) = st.car_windows.iter().position(|w| *w == c.window) else {
                    continue;
                };
                car.push(CarRow {
                    window,
                    car: fin(c.car),
                    misses_reaction: Some(c.misses_reaction),
                });
                car_pos.push(Some(i));
            }
        }
        let tests = o
            .days
            .iter()
            .chain(&o.windows)
            .flat_map(|a| {
                a.tests.iter().map(|t| TestCsv {
                    scope: a.scope,
                    window: a.window.map(|w| w.label()),
                    test: t.test,
                    statistic: fin(t.statistic),
                    p_value: fin(t.p_value),
                    distribution: t.distribution,
                })
            })
            .collect();
        let caar = o
            .days
            .iter()
            .chain(&o.windows)
            .map(|a| CaarCsv {
                scope: a.scope,
                window: a.window.map(|w| w.label()),
                n: a.n,
                mean: fin(a.mean),
            })
            .collect();
        let path: Vec<PathCsv> = o
            .lead_path
            .iter()
            .map(|p| PathCsv {
                tau: p.tau,
                n: p.n,
                caar: fin(p.caar),
                test: p.test,
                lower: fin(p.lower),
                upper: fin(p.upper),
            })
            .collect();

        let (lo, hi) = (st.event_window.start, st.event_window.end);
        let large = many.then(|| {
            // Each event's path is computed where it is read, not held for every event.
            let car_bands = QuantileBands::from_columns(
                lo,
                hi,
                o.results.len(),
                car_columns(&o.results, lo, hi),
            );
            let volume = volume_from_columns(lo, hi, o.results.len(), volume_columns(o, lo, hi));
            // Without a lead test, the J1 band of the CAAR path from every event, as
            // `caar_path` computes it from series.csv.
            let fallback = path.is_empty().then(|| {
                let cum: Vec<Vec<(i32, f64, f64)>> = o
                    .results
                    .iter()
                    .map(|r| r.analysis.cumulative_car())
                    .collect();
                let per_tau = (lo..=hi).map(|t| {
                    cum.iter()
                        .filter_map(|p| p.iter().find(|x| x.0 == t))
                        .filter_map(|&(_, c, v)| Some((c, fin(v)?)))
                        .collect::<Vec<_>>()
                });
                j1_path(lo, hi, per_tau)
            });
            Large {
                car_bands,
                volume,
                ar_total,
                caar_fallback: fallback,
            }
        });

        ChartData {
            lead: o.lead.as_ref().map(|l| Lead {
                test: l.test,
                reason: l.reason.clone(),
                window: lead_window.clone(),
            }),
            path,
            lead_sample: lead_agg.map(|a| a.clustering.describe()),
            lead_clustering: lead_agg.map(|a| a.clustering),
            series_idx: index_by(&series, |s| (&s.event_id, &s.security)),
            ar_idx: index_by(&ar, |a| (&a.event_id, &a.security)),
            dir: dir.to_path_buf(),
            name: st.name.clone(),
            model: st.model.as_str().to_string(),
            estimation: crate::window::Window::event(st.estimation.start, st.estimation.end)
                .pretty(),
            event_window: (lo, hi),
            windows: st.car_windows.iter().map(|w| w.label()).collect(),
            events,
            ar,
            car,
            car_pos,
            tests,
            caar,
            series,
            many,
            large,
            groups: super::super::group_paths_of(o),
            group_headline: o
                .lead
                .as_ref()
                .and(lead_window.as_deref())
                .and_then(|w| super::super::group_headline_of(o, w)),
        }
    }
}

/// Each τ's finite CARs on `lo..=hi` (column k: τ = lo + k), every event's path computed
/// where it is read.
fn car_columns(results: &[EventResult], lo: i32, hi: i32) -> Vec<Vec<f64>> {
    crate::columns::columns_in_order(results, width(lo, hi), crate::columns::CHUNK, |r, push| {
        r.analysis.running_car(|t, c| push_car(t, c, lo, hi, push))
    })
}

/// Each τ's volume multiples above zero on `lo..=hi`, events in order.
fn volume_columns(o: &Outcome, lo: i32, hi: i32) -> Vec<Vec<f64>> {
    crate::columns::columns_in_order(
        &o.results,
        width(lo, hi),
        crate::columns::CHUNK,
        |r, push| {
            each_window_volume_ratio(o, r, |t, v| {
                if (lo..=hi).contains(&t) && v > 0.0 {
                    push((t - lo) as usize, v);
                }
            })
        },
    )
}

fn width(lo: i32, hi: i32) -> usize {
    (hi - lo + 1).max(0) as usize
}

/// A CAR at τ to its column when τ is in `lo..=hi` and the CAR is finite.
fn push_car(t: i32, c: f64, lo: i32, hi: i32, push: &mut dyn FnMut(usize, f64)) {
    if (lo..=hi).contains(&t) && c.is_finite() {
        push((t - lo) as usize, c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chunks of any size give the columns of one pass in order: out-of-range τ and
    /// non-finite values left out.
    #[test]
    fn path_columns_in_chunks_equal_one_pass() {
        let paths: Vec<Vec<(i32, f64, f64)>> = (0..50)
            .map(|i| {
                (-3..=3)
                    .map(|t| {
                        let v = if (i + t) % 7 == 0 {
                            f64::NAN
                        } else {
                            f64::from(i * 10 + t)
                        };
                        (t, v, 1.0)
                    })
                    .collect()
            })
            .collect();
        let mut want: Vec<Vec<f64>> = vec![Vec::new(); 5];
        for p in &paths {
            for &(t, v, _) in p {
                if (-2..=2).contains(&t) && v.is_finite() {
                    want[(t + 2) as usize].push(v);
                }
            }
        }
        assert!(want.iter().all(|c| c.len() > 30));
        for chunk in [1, 3, 50, 4096] {
            let got = crate::columns::columns_in_order(&paths, 5, chunk, |p, push| {
                for &(t, c, _) in p {
                    push_car(t, c, -2, 2, push);
                }
            });
            assert_eq!(got, want, "{chunk}");
        }
    }
}
