//! Results → chart series → PNG files (the drawing itself is in `chart`).

use std::path::Path;

use crate::chart::{CarSeries, car_paths};
use crate::returns::Status;
use crate::run::Outcome;

/// CAR path of each analysed event: cumulative AR over the event window; `None` on
/// sessions without a return (suspended, no data) so that the line breaks there.
pub fn car_series(o: &Outcome) -> Vec<CarSeries> {
    o.results
        .iter()
        .map(|r| {
            let mut acc = 0.0;
            let mut started = false;
            let car = r
                .analysis
                .rows
                .iter()
                .map(|row| {
                    if row.ar.is_finite() {
                        acc += row.ar;
                        started = true;
                        Some(acc)
                    } else if started && row.status == Status::Trading {
                        Some(acc)
                    } else {
                        None
                    }
                })
                .collect();
            let label = if r.entity.is_empty() {
                r.security.clone()
            } else {
                format!("{} {}", r.security, r.entity)
            };
            let multi = o
                .results
                .iter()
                .filter(|x| x.security == r.security)
                .count()
                > 1;
            CarSeries {
                label: if multi {
                    format!("{label} ({})", r.event_id)
                } else {
                    label
                },
                taus: r.analysis.rows.iter().map(|x| x.tau).collect(),
                car,
                suspended: r
                    .analysis
                    .rows
                    .iter()
                    .map(|x| x.status == Status::Suspended)
                    .collect(),
            }
        })
        .collect()
}

/// Writes `charts/car.png` when there is at least one analysed event; returns its path
/// relative to the output directory.
pub fn write_car_chart(o: &Outcome, dir: &Path) -> anyhow::Result<Option<String>> {
    let series = car_series(o);
    if series.is_empty() || series.iter().all(|s| s.car.iter().all(Option::is_none)) {
        return Ok(None);
    }
    let s = &o.study;
    let subtitle = format!(
        "{} · {} model, estimation {} · day 0 = first session that could react",
        s.name,
        s.model.as_str(),
        s.estimation.pretty()
    );
    car_paths(
        &dir.join("car.png"),
        "Cumulative abnormal returns around the event",
        &subtitle,
        &series,
    )?;
    Ok(Some("charts/car.png".into()))
}
