//! The `[second_stage]` section of a study file and its flags: the cross-sectional
//! regression's characteristics and regressors, the group comparison's permutations, the
//! calendar-time portfolio's window and factors, the diagnostics' drift window.
//!
//! ```toml
//! [second_stage]
//! regressors = ["log_size", "leverage"]        # columns of the characteristics file
//! characteristics = "../characteristics.csv"   # relative to the study file; default: the events file(s)
//! permutations = 9999                          # group difference: random relabellings
//! seed = 12
//! calendar_time = [1, 250]                     # window after day 0 of the calendar-time portfolio
//! factors = ["factors/ff3_daily.csv", "factors/mom_daily.csv"]   # FF3/Carhart alphas (data directory)
//! factor_units = "percent"
//! factor_exchange = "XNYS"
//! drift = [-10, -1]                            # pre-event drift window of the diagnostics
//! ```

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::data::factors::FactorUnits;
use crate::window::{Sessions, Window};

/// The section as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecondStageSection {
    pub regressors: Option<Vec<String>>,
    pub characteristics: Option<PathBuf>,
    pub permutations: Option<usize>,
    pub seed: Option<u64>,
    pub calendar_time: Option<Window>,
    pub factors: Option<Vec<PathBuf>>,
    pub factor_units: Option<FactorUnits>,
    pub factor_exchange: Option<String>,
    pub drift: Option<Window>,
}

/// The validated second-stage settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecondStageSpec {
    /// Regressors of the cross-sectional regression (an intercept is always included); empty:
    /// no regression.
    pub regressors: Vec<String>,
    /// Where the regressors are read from: a characteristics file, else the events file(s).
    pub characteristics: Option<PathBuf>,
    pub permutations: usize,
    pub seed: u64,
    /// The calendar-time portfolio's window in event time (sessions after day 0).
    pub calendar_time: Window,
    /// Factor files for the FF3 and Carhart calendar-time alphas (none: market model only).
    pub factors: Vec<PathBuf>,
    pub factor_units: Option<FactorUnits>,
    /// The exchange whose sessions the factor dates are.
    pub factor_exchange: String,
    /// The pre-event drift window of the diagnostics.
    pub drift: Window,
}

/// Default number of random relabellings of the group permutation test.
pub const DEFAULT_PERMUTATIONS: usize = 9999;
/// Default seed of the permutation test.
pub const DEFAULT_SEED: u64 = 12;

impl SecondStageSpec {
    /// Defaults for a study whose event window starts at `event_start`: drift over
    /// [max(−10, start), −1], calendar time over [+1, +250].
    pub fn defaults(event_start: i32) -> SecondStageSpec {
        SecondStageSpec {
            regressors: Vec::new(),
            characteristics: None,
            permutations: DEFAULT_PERMUTATIONS,
            seed: DEFAULT_SEED,
            calendar_time: Window {
                start: 1,
                end: 250,
                sessions: Sessions::Event,
            },
            factors: Vec::new(),
            factor_units: None,
            factor_exchange: "XNYS".into(),
            drift: Window {
                start: event_start.clamp(-10, -1),
                end: -1,
                sessions: Sessions::Event,
            },
        }
    }
}
