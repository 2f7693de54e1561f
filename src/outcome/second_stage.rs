//! The second stage's results as plain values: the cross-sectional regressions, the groups'
//! aggregates and differences, abnormal volatility, residual diagnostics, calendar-time
//! portfolios and the multiple-testing corrections. `crate::second_stage` fills them;
//! tables, the report and charts read them.

use serde::Serialize;

use super::Aggregate;
use crate::stats::TestId;
use crate::stats::second_stage::group_difference::{Permutation, TwoSample};
use crate::stats::second_stage::jarque_bera::JarqueBera;
use crate::stats::second_stage::ljung_box::Portmanteau;
use crate::stats::second_stage::regression::{Coefficient, FitSummary};
use crate::stats::second_stage::shapiro_wilk::ShapiroWilk;
use crate::stats::second_stage::volatility::{CrossU, EventVolatility};
use crate::window::Window;

/// What a cross-sectional regression explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Car,
    Bhar,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Car => "car",
            Measure::Bhar => "bhar",
        }
    }
}

/// A covariance estimator of the cross-sectional regression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeType {
    Classical,
    Hc0,
    Hc1,
    Hc2,
    Hc3,
    /// Clustered by event date (day 0), CL1 small-sample factor.
    ClusterDate,
    /// Clustered by security, CL1.
    ClusterSecurity,
}

impl SeType {
    pub const ALL: [SeType; 7] = [
        SeType::Classical,
        SeType::Hc0,
        SeType::Hc1,
        SeType::Hc2,
        SeType::Hc3,
        SeType::ClusterDate,
        SeType::ClusterSecurity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SeType::Classical => "classical",
            SeType::Hc0 => "hc0",
            SeType::Hc1 => "hc1",
            SeType::Hc2 => "hc2",
            SeType::Hc3 => "hc3",
            SeType::ClusterDate => "cluster_date",
            SeType::ClusterSecurity => "cluster_security",
        }
    }
}

/// An event left out of a regression, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dropped {
    pub event_id: String,
    pub security: String,
    pub reason: String,
}

/// One coefficient under one covariance estimator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermRow {
    pub term: String,
    pub se_type: SeType,
    pub coef: Coefficient,
}

/// The regression of one measure over one window on the characteristics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossSection {
    pub measure: Measure,
    pub window: Window,
    /// `(Intercept)` then the regressors.
    pub terms: Vec<String>,
    /// None when the regression could not be fitted (`error` says why).
    pub fit: Option<FitSummary>,
    pub rows: Vec<TermRow>,
    pub dropped: Vec<Dropped>,
    pub error: Option<String>,
}

/// The AAR/CAAR tables and battery of one group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupAggregates {
    pub group: String,
    /// Analysed events in the group.
    pub n_events: usize,
    pub days: Vec<Aggregate>,
    pub windows: Vec<Aggregate>,
}

/// The difference between two groups' mean CAR (or BHAR) on one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupDifference {
    pub measure: Measure,
    pub window: Window,
    pub group_x: String,
    pub group_y: String,
    pub welch: TwoSample,
    pub pooled: TwoSample,
    pub permutation: Permutation,
    pub seed: u64,
}

/// One event's abnormal-volatility tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolatilityRow {
    pub event_id: String,
    pub security: String,
    pub group: Option<String>,
    pub tests: EventVolatility,
}

/// Beaver's cross-sectional U on one event day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolatilityDay {
    pub tau: i32,
    pub cross: CrossU,
}

/// A pre-event drift test: the CAR over the drift window against its variance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    pub window: Window,
    pub car: f64,
    pub t: f64,
    pub df: f64,
    pub p: f64,
}

/// What a diagnostic flags about an event's normal-return model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticFlag {
    /// Jarque–Bera or Shapiro–Wilk rejects normality at 1 %.
    NonNormal,
    /// Ljung–Box(10) rejects no autocorrelation at 1 %.
    Autocorrelation,
    /// Durbin–Watson d outside [1.5, 2.5].
    DurbinWatson,
    /// The pre-event drift's CAR is significant at 5 %.
    Drift,
}

impl DiagnosticFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticFlag::NonNormal => "non_normal",
            DiagnosticFlag::Autocorrelation => "autocorrelation",
            DiagnosticFlag::DurbinWatson => "durbin_watson",
            DiagnosticFlag::Drift => "drift",
        }
    }
}

/// One event's residual diagnostics on its estimation window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiagnosticsRow {
    pub event_id: String,
    pub security: String,
    /// Estimation residuals used (standardized by √span, or by √h for GARCH).
    pub n: usize,
    pub jarque_bera: JarqueBera,
    pub shapiro_wilk: ShapiroWilk,
    pub durbin_watson: f64,
    pub ljung_box5: Portmanteau,
    pub ljung_box10: Portmanteau,
    pub drift: Drift,
    /// What looks misspecified (empty: nothing flagged).
    pub flags: Vec<DiagnosticFlag>,
}

impl DiagnosticsRow {
    /// The flags' names joined by `sep` (empty when nothing is flagged).
    pub fn flag_names(&self, sep: &str) -> String {
        self.flags
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(sep)
    }
}

/// A calendar-time portfolio regression's coefficient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalendarTimeRow {
    /// The portfolio: `<exchange>` or `<exchange>:<group>`.
    pub portfolio: String,
    /// `market`, `ff3` or `carhart`.
    pub model: String,
    /// `ols`, `ols_nw` (Newey–West, lag L) or `wls` (weights: securities per day).
    pub estimator: String,
    pub term: String,
    pub coef: Coefficient,
    pub fit: FitSummary,
    /// Days in the regression and the mean number of securities per day.
    pub n_days: usize,
    pub mean_securities: f64,
    pub nw_lag: usize,
}

/// One calendar-time portfolio day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortfolioDay {
    pub portfolio: String,
    pub date: chrono::NaiveDate,
    pub n_securities: usize,
    pub ret: f64,
    pub market: f64,
}

/// A raw p-value with its Holm and Benjamini–Hochberg adjustments across a run's windows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdjustedP {
    /// `all` or the group.
    pub sample: String,
    pub test: TestId,
    pub window: Window,
    pub p: f64,
    pub holm: f64,
    pub bh: f64,
    /// The family's size: windows with a p-value for this test.
    pub m: usize,
}

/// Everything the second stage computed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SecondStage {
    pub regressions: Vec<CrossSection>,
    pub groups: Vec<GroupAggregates>,
    pub differences: Vec<GroupDifference>,
    pub volatility: Vec<VolatilityRow>,
    pub volatility_days: Vec<VolatilityDay>,
    pub diagnostics: Vec<DiagnosticsRow>,
    pub calendar_time: Vec<CalendarTimeRow>,
    pub portfolio_days: Vec<PortfolioDay>,
    pub adjusted: Vec<AdjustedP>,
    /// What was not computed, and why.
    pub notes: Vec<String>,
}
