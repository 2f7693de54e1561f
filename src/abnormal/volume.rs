//! Abnormal trading volume of one event: log volume against its estimation-window
//! distribution, per session, per window, and on the sessions that end a halt.

use chrono::NaiveDate;

use super::ArRow;
use crate::returns::{Status, Timeline};
use crate::stats::p_student;
use crate::window::Window;

/// Abnormal log volume on one session of the event window with volume:
/// AV_t = ln V_t - mean of ln V over the estimation window's traded sessions;
/// t = AV_t / sd (the estimation-window sd of ln V), on t(M_v - 1).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VolumeRow {
    pub tau: i32,
    pub date: NaiveDate,
    pub volume: f64,
    /// The p-value of t on t(M_v - 1). ln V_t, AV_t and t are computed from `volume` and
    /// the estimation moments where they are read ([`AbnormalVolume::abnormal`],
    /// [`AbnormalVolume::t`]): the same operations, so the same bits, without holding three
    /// more numbers per session of every event.
    pub p: f64,
}

impl VolumeRow {
    /// ln V_t.
    pub fn log_volume(&self) -> f64 {
        self.volume.ln()
    }
}

/// Cumulative abnormal log volume over one window: CAV = Σ AV_t over the window's sessions
/// with volume; t = CAV / (sd·√n), n those sessions (independent days), on t(M_v - 1).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VolumeWindow {
    pub window: Window,
    /// NaN when no session of the window has volume.
    pub cav: f64,
    pub t: f64,
    pub p: f64,
    pub n_days: usize,
}

/// Abnormal volume of one event: the estimation-window distribution of ln(volume) and the
/// event window's abnormal log volumes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AbnormalVolume {
    /// Mean and sample sd of ln(volume) over the estimation window's traded sessions.
    pub est_mean_log: f64,
    pub est_sd_log: f64,
    /// M_v: estimation sessions with volume.
    pub n_est: usize,
    pub days: Vec<VolumeRow>,
    pub windows: Vec<VolumeWindow>,
}

impl AbnormalVolume {
    /// AV_t = ln V_t − the estimation-window mean of ln V.
    pub fn abnormal(&self, d: &VolumeRow) -> f64 {
        d.log_volume() - self.est_mean_log
    }

    /// t = AV_t / sd.
    pub fn t(&self, d: &VolumeRow) -> f64 {
        self.abnormal(d) / self.est_sd_log
    }
}

/// Trading activity on the session a security resumed trading after a halt, against its
/// estimation-window distribution: log volume vs the mean and sd of log volume on the traded
/// estimation sessions.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Resumption {
    pub tau: i32,
    pub date: NaiveDate,
    /// Sessions the resumption return spans.
    pub span: u32,
    pub volume: f64,
    /// Mean of log volume over the estimation window's traded sessions.
    pub est_mean_log: f64,
    pub est_sd_log: f64,
    /// ln(volume) − mean: the abnormal log volume.
    pub abnormal_log_volume: f64,
    /// Abnormal log volume / sd.
    pub z: f64,
    /// Share of estimation sessions with a lower volume.
    pub percentile: f64,
    /// Estimation sessions with volume.
    pub n_est: usize,
}

/// ln(volume) on a traded session with a positive volume.
fn log_volume(tl: &Timeline, i: usize) -> Option<f64> {
    let v = tl.volume[i];
    (tl.status[i].traded() && v.is_finite() && v > 0.0).then(|| v.ln())
}

/// Abnormal log volume of the event window against the estimation window (log volume rather
/// than log turnover: turnover is volume over shares outstanding, so the abnormal log volume
/// equals the abnormal log turnover whenever the share count is constant over the estimation
/// and event windows, and every price source has volume). None when fewer than 2 estimation
/// sessions have volume.
///
/// # References
/// Campbell, C., Wasley, C. (1996). Measuring abnormal daily trading volume for samples of
/// NYSE/ASE and NASDAQ securities using parametric and nonparametric test statistics. Review of
/// Quantitative Finance and Accounting 6(3), 309-326 (log volume, standardized by its
/// estimation-period sd).
pub(super) fn abnormal_volume(
    tl: &Timeline,
    rows: &[ArRow],
    est: std::ops::RangeInclusive<usize>,
    day0: usize,
    windows: &[Window],
) -> Option<AbnormalVolume> {
    let logs: Vec<f64> = est.filter_map(|i| log_volume(tl, i)).collect();
    let m = logs.len();
    if m < 2 {
        return None;
    }
    let mean = logs.iter().sum::<f64>() / m as f64;
    let sd = (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (m - 1) as f64).sqrt();
    let dof = (m - 1) as f64;
    let mut days: Vec<VolumeRow> = rows
        .iter()
        .filter_map(|r| {
            let i = (day0 as i64 + r.tau as i64) as usize;
            let l = log_volume(tl, i)?;
            let t = (l - mean) / sd;
            Some(VolumeRow {
                tau: r.tau,
                date: r.date,
                volume: tl.volume[i],
                p: p_student(t, dof),
            })
        })
        .collect::<Vec<_>>();
    // Held for the whole run, per event: no room left over from growing.
    days.shrink_to_fit();
    let windows = windows
        .iter()
        .map(|w| {
            let taus = super::car::window_taus(rows, w);
            let v: Vec<f64> = days
                .iter()
                .filter(|d| taus.contains(&d.tau))
                .map(|d| d.log_volume() - mean)
                .collect();
            let cav = if v.is_empty() {
                f64::NAN
            } else {
                v.iter().sum::<f64>()
            };
            let t = cav / (sd * (v.len() as f64).sqrt());
            VolumeWindow {
                window: *w,
                cav,
                t,
                p: if v.is_empty() {
                    f64::NAN
                } else {
                    p_student(t, dof)
                },
                n_days: v.len(),
            }
        })
        .collect();
    Some(AbnormalVolume {
        est_mean_log: mean,
        est_sd_log: sd,
        n_est: m,
        days,
        windows,
    })
}

/// Abnormal volume on each session of the event window that ends a halt.
pub(super) fn resumptions(
    tl: &Timeline,
    rows: &[ArRow],
    est: std::ops::RangeInclusive<usize>,
    day0: usize,
) -> Vec<Resumption> {
    let logs: Vec<f64> = est
        .filter(|&i| tl.status[i].traded() && tl.volume[i] > 0.0)
        .map(|i| tl.volume[i].ln())
        .collect();
    if logs.len() < 2 {
        return Vec::new();
    }
    let mean = logs.iter().sum::<f64>() / logs.len() as f64;
    let sd = crate::stats::sample_sd(&logs);
    rows.windows(2)
        .filter(|w| w[0].status == Status::Suspended && w[1].status.traded())
        .filter_map(|w| {
            let r = &w[1];
            let i = (day0 as i64 + r.tau as i64) as usize;
            let v = tl.volume[i];
            (v > 0.0).then(|| {
                let a = v.ln() - mean;
                Resumption {
                    tau: r.tau,
                    date: r.date,
                    span: r.span,
                    volume: v,
                    est_mean_log: mean,
                    est_sd_log: sd,
                    abnormal_log_volume: a,
                    z: a / sd,
                    percentile: logs.iter().filter(|l| **l < v.ln()).count() as f64
                        / logs.len() as f64,
                    n_est: logs.len(),
                }
            })
        })
        .collect()
}
