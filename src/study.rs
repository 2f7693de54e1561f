//! The study definition: a TOML file, flags that override it, and validation.
//!
//! Paths in a study file: `events` and `halts` are relative to the study file; `prices`,
//! `market` and `calendar` are relative to the data directory (falling back to the study
//! file's directory). Paths given as flags are relative to the working directory, falling
//! back to the data directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::align::EventDayRule;
use crate::data::factors::FactorUnits;
use crate::error::InputError;
use crate::model::{MAX_K, ModelKind, ModelSpec};
use crate::returns::ReturnKind;

/// A window of event time [start, end] in sessions, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WindowRepr", into = "[i32; 2]")]
pub struct Window {
    pub start: i32,
    pub end: i32,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum WindowRepr {
    Pair([i32; 2]),
    Text(String),
}

impl TryFrom<WindowRepr> for Window {
    type Error = String;
    fn try_from(r: WindowRepr) -> Result<Self, String> {
        match r {
            WindowRepr::Pair([a, b]) => Window::new(a, b),
            WindowRepr::Text(s) => s.parse(),
        }
    }
}

impl From<Window> for [i32; 2] {
    fn from(w: Window) -> Self {
        [w.start, w.end]
    }
}

impl Window {
    pub fn new(start: i32, end: i32) -> Result<Self, String> {
        if start > end {
            return Err(format!("window start {start} is after its end {end}"));
        }
        Ok(Window { start, end })
    }

    /// `-1:1`: the label used in output tables and on the command line.
    pub fn label(&self) -> String {
        format!("{}:{}", self.start, self.end)
    }

    /// `[-1, +1]`: the label used in reports.
    pub fn pretty(&self) -> String {
        let f = |v: i32| {
            if v > 0 {
                format!("+{v}")
            } else {
                v.to_string()
            }
        };
        format!("[{}, {}]", f(self.start), f(self.end))
    }

    pub fn contains(&self, tau: i32) -> bool {
        self.start <= tau && tau <= self.end
    }

    pub fn len(&self) -> usize {
        (self.end - self.start + 1) as usize
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

impl std::str::FromStr for Window {
    type Err = String;
    /// Parses `A:B` (e.g. `-260:-11`), also accepting `[A,B]`.
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().trim_start_matches('[').trim_end_matches(']');
        let (a, b) = t
            .split_once(':')
            .or_else(|| t.split_once(','))
            .ok_or_else(|| format!("expected a window START:END such as -10:10, found \"{s}\""))?;
        let p = |v: &str| {
            v.trim()
                .trim_start_matches('+')
                .parse::<i32>()
                .map_err(|_| {
                    format!("expected a window START:END of integers such as -10:10, found \"{s}\"")
                })
        };
        Window::new(p(a)?, p(b)?)
    }
}

/// What to do with trading halts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HaltPolicy {
    /// The first trade after a halt carries a return spanning it (Maynes & Rumsey 1993).
    #[default]
    TradeToTrade,
    /// Skip an event whose event window contains a suspended session.
    DropEvent,
    /// Drop suspended sessions and the return spanning them; returns resume the next session.
    ExcludeDays,
}

impl HaltPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            HaltPolicy::TradeToTrade => "trade_to_trade",
            HaltPolicy::DropEvent => "drop_event",
            HaltPolicy::ExcludeDays => "exclude_days",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            HaltPolicy::TradeToTrade => {
                "trade_to_trade (Maynes & Rumsey 1993): a suspended session has no return; the first traded session after a halt carries the return over the whole halt, compared with the market over the same sessions, and enters the estimation with weight 1/d"
            }
            HaltPolicy::DropEvent => {
                "drop_event: an event whose event window contains a suspended session is skipped"
            }
            HaltPolicy::ExcludeDays => {
                "exclude_days: suspended sessions and the return spanning them are dropped (from estimation and event windows); returns resume on the session after the resumption"
            }
        }
    }
}

/// What to do with limit-locked sessions (close at the daily price limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitPolicy {
    /// Keep the return and flag the session (`limit_locked`).
    #[default]
    Flag,
    /// Carry the return forward to the first session that does not close at the limit, as one
    /// return spanning those sessions.
    Accumulate,
}

impl LimitPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitPolicy::Flag => "flag",
            LimitPolicy::Accumulate => "accumulate",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            LimitPolicy::Flag => {
                "flag: a close at the daily limit keeps its return and is flagged limit_locked (the observed return understates the reaction)"
            }
            LimitPolicy::Accumulate => {
                "accumulate: a limit-locked session has no return; the first session that does not close at the limit carries one return spanning them"
            }
        }
    }
}

/// One path or several (a study may read prices from several directories).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<PathBuf> {
        match self {
            OneOrMany::One(p) => vec![p],
            OneOrMany::Many(v) => v,
        }
    }
}

/// The study file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyFile {
    pub name: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub inputs: InputsSection,
    #[serde(default)]
    pub windows: WindowsSection,
    #[serde(default)]
    pub model: ModelSection,
    #[serde(default)]
    pub alignment: AlignmentSection,
    #[serde(default)]
    pub policies: PoliciesSection,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputsSection {
    pub events: Option<PathBuf>,
    pub prices: Option<OneOrMany>,
    pub market: Option<PathBuf>,
    /// Market index per exchange MIC, e.g. `{ XSHG = "...", XNYS = "..." }`.
    pub markets: Option<BTreeMap<String, PathBuf>>,
    pub calendar: Option<PathBuf>,
    /// Session calendar per exchange MIC.
    pub calendars: Option<BTreeMap<String, PathBuf>>,
    pub halts: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowsSection {
    pub estimation: Option<Window>,
    pub event: Option<Window>,
    pub car: Option<Vec<Window>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSection {
    pub kind: Option<ModelKind>,
    pub min_estimation: Option<usize>,
    pub returns: Option<ReturnKind>,
    /// Factor file(s) for `capm`, `ff3`, `ff5`, `carhart`, `factors` (relative to the data
    /// directory), e.g. `["factors/ff3_daily.csv", "factors/mom_daily.csv"]`.
    pub factors: Option<OneOrMany>,
    /// Factor columns in regression order [default: the model's Ken French names].
    pub factor_columns: Option<Vec<String>>,
    /// `percent` or `decimal`: required with a factor file (never guessed).
    pub factor_units: Option<FactorUnits>,
    /// Risk-free column of the factor file [default: `rf`]; `none`: raw returns (not for capm).
    pub rf: Option<String>,
    /// Exchange whose sessions the factor dates are [default: XNYS].
    pub factor_exchange: Option<String>,
    /// Dimson's K: market leads and lags [default: 1].
    pub dimson_lags: Option<usize>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlignmentSection {
    pub rule: Option<EventDayRule>,
    /// Largest shift of day 0 from the announcement date, in weekdays; beyond it the event is
    /// skipped.
    pub max_shift: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoliciesSection {
    pub halts: Option<HaltPolicy>,
    pub limits: Option<LimitPolicy>,
}

/// Values given on the command line; each overrides the study file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub name: Option<String>,
    pub events: Option<PathBuf>,
    pub prices: Vec<PathBuf>,
    pub market: Option<PathBuf>,
    pub markets: Vec<(String, PathBuf)>,
    pub calendar: Option<PathBuf>,
    pub calendars: Vec<(String, PathBuf)>,
    pub halts: Option<PathBuf>,
    pub estimation: Option<Window>,
    pub event_window: Option<Window>,
    pub car: Vec<Window>,
    pub model: Option<ModelKind>,
    pub factors: Vec<PathBuf>,
    pub factor_units: Option<FactorUnits>,
    pub rf: Option<String>,
    pub dimson_lags: Option<usize>,
    pub min_estimation: Option<usize>,
    pub returns: Option<ReturnKind>,
    pub rule: Option<EventDayRule>,
    pub max_shift: Option<u32>,
    pub halt_policy: Option<HaltPolicy>,
    pub limit_policy: Option<LimitPolicy>,
}

/// A validated study, every path resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Study {
    pub name: String,
    pub title: String,
    pub description: String,
    pub study_file: Option<PathBuf>,
    pub data_dir: PathBuf,
    pub events: PathBuf,
    /// Price sources, searched in order for each security.
    pub prices: Vec<PathBuf>,
    /// Default market index (for exchanges without their own in `markets`).
    pub market: Option<PathBuf>,
    pub markets: BTreeMap<String, PathBuf>,
    /// One calendar for every security (overrides `calendars`).
    pub calendar: Option<PathBuf>,
    pub calendars: BTreeMap<String, PathBuf>,
    pub halts: Option<PathBuf>,
    pub estimation: Window,
    pub event_window: Window,
    pub car_windows: Vec<Window>,
    pub model: ModelKind,
    /// The model as configured: its factor columns, risk-free rate and leads/lags.
    pub model_spec: ModelSpec,
    /// The factor files of a model that reads them.
    pub factors: Option<FactorSource>,
    pub min_estimation: usize,
    pub returns: ReturnKind,
    pub rule: EventDayRule,
    pub max_shift: Option<u32>,
    pub halt_policy: HaltPolicy,
    pub limit_policy: LimitPolicy,
    /// Abnormal return added to each event's day-0 return (0 in a study; `evimpact
    /// simulate` sets it to measure power, Brown & Warner 1985). Not part of the study file.
    #[serde(skip)]
    pub inject_day0: f64,
}

/// Where a factor model's factors come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorSource {
    pub files: Vec<PathBuf>,
    pub units: FactorUnits,
    /// Risk-free column (None: returns are not in excess of a risk-free rate).
    pub rf: Option<String>,
    /// MIC of the exchange whose sessions the factor dates are: only securities on that
    /// exchange's calendar get factor values.
    pub exchange: String,
}

/// Default CAR windows: [-1,+1], [0,+1], [0,+5], [-5,+5], [-10,+10].
pub const DEFAULT_CARS: [(i32, i32); 5] = [(-1, 1), (0, 1), (0, 5), (-5, 5), (-10, 10)];

/// The data directory: `--data`, else `$EVIMPACT_DATA`, else `../shared/data` (from the
/// working directory, then from the crate's own directory).
pub fn default_data_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(d) = flag {
        return d.to_path_buf();
    }
    if let Some(d) = std::env::var_os("EVIMPACT_DATA").filter(|v| !v.is_empty()) {
        return PathBuf::from(d);
    }
    let cwd = PathBuf::from("../shared/data");
    if cwd.is_dir() {
        return cwd;
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if built.is_dir() { built } else { cwd }
}

fn first_existing(candidates: &[PathBuf]) -> PathBuf {
    candidates
        .iter()
        .find(|p| p.exists())
        .unwrap_or(&candidates[0])
        .clone()
}

/// Reads a study file.
///
/// # Errors
/// The file cannot be read or is not a valid study (unknown keys included), naming the line.
pub fn read_study_file(path: &Path) -> Result<StudyFile, InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError::io(path, e))?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        InputError::parse(path, format!("line {line}: {}", e.message()))
    })
}

impl Study {
    /// Combines a study file (optional) with command-line overrides and validates the result.
    ///
    /// # Errors
    /// A required input missing from both, or windows that do not fit together.
    pub fn resolve(
        file: Option<(&Path, StudyFile)>,
        ov: Overrides,
        data_dir: &Path,
    ) -> Result<Study, InputError> {
        let (study_path, f) = match file {
            Some((p, f)) => (Some(p.to_path_buf()), f),
            None => (None, StudyFile::default()),
        };
        let study_dir = study_path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let own = |flag: Option<PathBuf>, file: Option<PathBuf>| -> Option<PathBuf> {
            flag.or_else(|| file.map(|p| study_dir.join(p)))
        };
        let market_data = |flag: Option<PathBuf>, file: Option<PathBuf>| -> Option<PathBuf> {
            match (flag, file) {
                (Some(p), _) if p.is_absolute() => Some(p),
                (Some(p), _) => Some(first_existing(&[p.clone(), data_dir.join(&p)])),
                (None, Some(p)) if p.is_absolute() => Some(p),
                (None, Some(p)) => Some(first_existing(&[data_dir.join(&p), study_dir.join(&p)])),
                (None, None) => None,
            }
        };
        let missing = |what: &str, flag: &str| {
            InputError::Usage(format!(
                "no {what} given: set `{flag}` on the command line or `inputs.{}` in the study file",
                flag.trim_start_matches("--")
            ))
        };
        let events =
            own(ov.events, f.inputs.events).ok_or_else(|| missing("events file", "--events"))?;
        let halts = own(ov.halts, f.inputs.halts);
        let prices: Vec<PathBuf> = if !ov.prices.is_empty() {
            ov.prices
                .into_iter()
                .filter_map(|p| market_data(Some(p), None))
                .collect()
        } else {
            (f.inputs
                .prices
                .map(OneOrMany::into_vec)
                .unwrap_or_default()
                .into_iter())
            .filter_map(|p| market_data(None, Some(p)))
            .collect()
        };
        if prices.is_empty() {
            return Err(missing("prices", "--prices"));
        }
        let market = market_data(ov.market, f.inputs.market);
        let per_mic = |flags: Vec<(String, PathBuf)>,
                       file: Option<BTreeMap<String, PathBuf>>|
         -> Result<BTreeMap<String, PathBuf>, InputError> {
            let mut m = BTreeMap::new();
            let file = file
                .unwrap_or_default()
                .into_iter()
                .map(|(k, p)| (k, None, Some(p)));
            let flags = flags.into_iter().map(|(k, p)| (k, Some(p), None));
            for (mic, flag, path) in file.chain(flags) {
                let ex = crate::data::calendar::Exchange::from_mic(&mic).ok_or_else(|| {
                    InputError::Usage(format!(
                        "unknown exchange \"{mic}\" (known: XSHG, XSHE, XHKG, XNYS, XNAS)"
                    ))
                })?;
                if let Some(p) = market_data(flag, path) {
                    m.insert(ex.mic.to_string(), p);
                }
            }
            Ok(m)
        };
        let markets = per_mic(ov.markets, f.inputs.markets)?;
        if market.is_none() && markets.is_empty() {
            return Err(missing("market index", "--market"));
        }
        let calendar = market_data(ov.calendar, f.inputs.calendar);
        let calendars = per_mic(ov.calendars, f.inputs.calendars)?;

        let name = ov
            .name
            .or(f.name)
            .or_else(|| {
                study_path
                    .as_deref()
                    .and_then(Path::file_stem)
                    .map(|s| s.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "study".into());
        let estimation = ov.estimation.or(f.windows.estimation).unwrap_or(Window {
            start: -260,
            end: -11,
        });
        let event_window = ov.event_window.or(f.windows.event).unwrap_or(Window {
            start: -10,
            end: 10,
        });
        let car_windows = if !ov.car.is_empty() {
            ov.car
        } else {
            f.windows.car.unwrap_or_else(|| {
                DEFAULT_CARS
                    .iter()
                    .map(|&(a, b)| Window { start: a, end: b })
                    .filter(|w| event_window.contains(w.start) && event_window.contains(w.end))
                    .collect()
            })
        };
        let model = ov.model.or(f.model.kind).unwrap_or_default();
        let factor_files: Vec<PathBuf> = if !ov.factors.is_empty() {
            ov.factors
                .into_iter()
                .filter_map(|p| market_data(Some(p), None))
                .collect()
        } else {
            (f.model
                .factors
                .map(OneOrMany::into_vec)
                .unwrap_or_default()
                .into_iter())
            .filter_map(|p| market_data(None, Some(p)))
            .collect()
        };
        let (model_spec, factors) = model_config(
            model,
            factor_files,
            f.model.factor_columns,
            ov.factor_units.or(f.model.factor_units),
            ov.rf.or(f.model.rf),
            f.model.factor_exchange,
            ov.dimson_lags.or(f.model.dimson_lags),
        )?;
        let min_estimation = ov.min_estimation.or(f.model.min_estimation).unwrap_or(120);
        let study = Study {
            title: f.title.unwrap_or_else(|| name.clone()),
            name,
            description: f.description.unwrap_or_default(),
            study_file: study_path,
            data_dir: data_dir.to_path_buf(),
            events,
            prices,
            market,
            markets,
            calendar,
            calendars,
            halts,
            estimation,
            event_window,
            car_windows,
            model,
            model_spec,
            factors,
            min_estimation,
            returns: ov.returns.or(f.model.returns).unwrap_or_default(),
            rule: ov.rule.or(f.alignment.rule).unwrap_or_default(),
            max_shift: ov.max_shift.or(f.alignment.max_shift),
            halt_policy: ov.halt_policy.or(f.policies.halts).unwrap_or_default(),
            limit_policy: ov.limit_policy.or(f.policies.limits).unwrap_or_default(),
            inject_day0: 0.0,
        };
        study.validate()?;
        Ok(study)
    }

    fn validate(&self) -> Result<(), InputError> {
        let bad = |m: String| Err(InputError::Usage(m));
        if self.estimation.end >= self.event_window.start {
            return bad(format!(
                "the estimation window {} must end before the event window {} starts",
                self.estimation.label(),
                self.event_window.label()
            ));
        }
        for w in &self.car_windows {
            if !(self.event_window.contains(w.start) && self.event_window.contains(w.end)) {
                return bad(format!(
                    "CAR window {} is not inside the event window {}",
                    w.label(),
                    self.event_window.label()
                ));
            }
        }
        if self.car_windows.is_empty() {
            return bad("no CAR window: give at least one `--car A:B`".into());
        }
        let k = self.model_spec.n_params();
        if self.min_estimation < k + 3 {
            return bad(format!(
                "min_estimation {} is too small: the {} model needs at least {} returns",
                self.min_estimation,
                self.model.as_str(),
                k + 3
            ));
        }
        if (self.estimation.len()) < self.min_estimation {
            return bad(format!(
                "the estimation window {} has {} sessions, fewer than min_estimation {}",
                self.estimation.label(),
                self.estimation.len(),
                self.min_estimation
            ));
        }
        Ok(())
    }
}

/// Validates a model's configuration: factor files, units, columns, risk-free rate, leads
/// and lags.
fn model_config(
    kind: ModelKind,
    files: Vec<PathBuf>,
    columns: Option<Vec<String>>,
    units: Option<FactorUnits>,
    rf: Option<String>,
    exchange: Option<String>,
    lags: Option<usize>,
) -> Result<(ModelSpec, Option<FactorSource>), InputError> {
    let bad = |m: String| Err(InputError::Usage(m));
    let mut spec = ModelSpec::new(kind);
    if let Some(k) = lags {
        if kind != ModelKind::Dimson {
            return bad(format!(
                "dimson_lags is set but the model is {}",
                kind.as_str()
            ));
        }
        if !(1..=(MAX_K - 2) / 2).contains(&k) {
            return bad(format!(
                "dimson_lags must be 1..={}, found {k}",
                (MAX_K - 2) / 2
            ));
        }
        spec.lags = k;
    }
    if !kind.uses_factor_file() {
        return Ok((spec, None));
    }
    let name = kind.as_str();
    if files.is_empty() {
        return bad(format!(
            "model {name} needs a factor file: set `[model] factors = \"factors/ff3_daily.csv\"` (a list for several files) or `--factors PATH`, with `factor_units`"
        ));
    }
    let Some(units) = units else {
        return bad(format!(
            "model {name}: the factor file's unit is not declared: set `[model] factor_units = \"percent\"` (Ken French's files) or \"decimal\", or `--factor-units`; it is never guessed"
        ));
    };
    let rf = match rf.as_deref().map(str::trim) {
        Some(r) if r.eq_ignore_ascii_case("none") => None,
        Some(r) => Some(r.to_ascii_lowercase()),
        None => Some("rf".to_string()),
    };
    if kind == ModelKind::Capm {
        if rf.is_none() {
            return bad("model capm needs a risk-free rate: `rf` cannot be \"none\"".into());
        }
        if columns.as_ref().is_some_and(|c| !c.is_empty()) {
            return bad(
                "model capm takes no factor_columns (the market is the study's index)".into(),
            );
        }
    }
    if let Some(c) = columns.filter(|c| !c.is_empty()) {
        spec.factors = c.iter().map(|s| s.trim().to_ascii_lowercase()).collect();
    }
    if kind == ModelKind::Factors && spec.factors.is_empty() {
        return bad("model factors needs `[model] factor_columns = [\"...\"]`".into());
    }
    if spec.factors.len() > MAX_K - 1 {
        return bad(format!(
            "at most {} factor columns, found {}",
            MAX_K - 1,
            spec.factors.len()
        ));
    }
    spec.rf = rf.is_some();
    let mic = exchange.unwrap_or_else(|| "XNYS".into());
    let ex = crate::data::calendar::Exchange::from_mic(&mic).ok_or_else(|| {
        InputError::Usage(format!(
            "unknown factor_exchange \"{mic}\" (known: XSHG, XSHE, XHKG, XNYS, XNAS)"
        ))
    })?;
    Ok((
        spec,
        Some(FactorSource {
            files,
            units,
            rf,
            exchange: ex.mic.to_string(),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_both_forms() {
        assert_eq!(
            "-260:-11".parse::<Window>(),
            Ok(Window {
                start: -260,
                end: -11
            })
        );
        assert_eq!("[0,+5]".parse::<Window>(), Ok(Window { start: 0, end: 5 }));
        assert!("5:1".parse::<Window>().is_err());
        assert!("a:b".parse::<Window>().is_err());
        assert_eq!(Window { start: -1, end: 1 }.pretty(), "[-1, +1]");
    }

    #[test]
    fn flags_override_file_and_validate() {
        let f: StudyFile = toml::from_str(
            "name = \"s\"\n[inputs]\nevents = \"e.csv\"\nprices = \"p\"\nmarket = \"m.csv\"\n\
             [windows]\nestimation = [-200, -11]\ncar = [\"-1:1\"]\n",
        )
        .expect("valid toml");
        let ov = Overrides {
            estimation: Some(Window {
                start: -150,
                end: -11,
            }),
            ..Default::default()
        };
        let s = Study::resolve(
            Some((Path::new("/x/study.toml"), f.clone())),
            ov,
            Path::new("/d"),
        )
        .expect("valid");
        assert_eq!(s.estimation.start, -150);
        assert_eq!(s.events, PathBuf::from("/x/e.csv"));
        assert_eq!(s.prices, vec![PathBuf::from("/d/p")]);
        let ov = Overrides {
            car: vec![Window { start: -20, end: 0 }],
            ..Default::default()
        };
        let e = Study::resolve(Some((Path::new("/x/s.toml"), f)), ov, Path::new("/d")).unwrap_err();
        assert!(e.to_string().contains("not inside the event window"), "{e}");
    }

    /// Model configuration: factor files and units are required, never guessed; CAPM needs a
    /// risk-free rate; Dimson's K only for Dimson; the default factor columns per model.
    #[test]
    fn model_section_is_validated() {
        let base = "[inputs]\nevents = \"e.csv\"\nprices = \"p\"\nmarket = \"m.csv\"\n[model]\n";
        let resolve = |model: &str| {
            let f: StudyFile = toml::from_str(&format!("{base}{model}")).expect("valid toml");
            Study::resolve(
                Some((Path::new("/x/s.toml"), f)),
                Overrides::default(),
                Path::new("/d"),
            )
        };
        let err = |model: &str| resolve(model).unwrap_err().to_string();
        assert!(err("kind = \"ff3\"\n").contains("needs a factor file"));
        assert!(
            err("kind = \"ff3\"\nfactors = \"f.csv\"\n").contains("factor_units"),
            "units are declared"
        );
        assert!(
            err(
                "kind = \"capm\"\nfactors = \"f.csv\"\nfactor_units = \"percent\"\nrf = \"none\"\n"
            )
            .contains("capm needs a risk-free rate")
        );
        assert!(err("kind = \"market\"\ndimson_lags = 2\n").contains("dimson_lags"));
        assert!(err("kind = \"dimson\"\ndimson_lags = 6\n").contains("1..=5"));
        assert!(
            err("kind = \"factors\"\nfactors = \"f.csv\"\nfactor_units = \"decimal\"\n")
                .contains("factor_columns")
        );
        let s = resolve(
            "kind = \"carhart\"\nfactors = [\"a.csv\", \"b.csv\"]\nfactor_units = \"percent\"\n",
        )
        .expect("valid");
        assert_eq!(s.model_spec.factors, ["mkt_rf", "smb", "hml", "mom"]);
        assert_eq!(s.model_spec.n_params(), 5);
        let fs = s.factors.expect("factors");
        assert_eq!(
            fs.files,
            [PathBuf::from("/d/a.csv"), PathBuf::from("/d/b.csv")]
        );
        assert_eq!(
            (fs.rf.as_deref(), fs.exchange.as_str()),
            (Some("rf"), "XNYS")
        );
        let s = resolve("kind = \"dimson\"\ndimson_lags = 3\n").expect("valid");
        assert_eq!(s.model_spec.n_params(), 8);
        assert!(s.factors.is_none());
    }

    #[test]
    fn unknown_key_is_rejected() {
        assert!(toml::from_str::<StudyFile>("[windows]\nestimate = [-1, 0]\n").is_err());
    }
}
