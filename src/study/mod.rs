//! The study definition: a TOML file ([`file`]), flags that override it, and validation.
//!
//! Paths in a study file: `events` and `halts` are relative to the study file; `prices`,
//! `market` and `calendar` are relative to the data directory (falling back to the study
//! file's directory). Paths given as flags are relative to the working directory, falling
//! back to the data directory.

pub mod file;
pub mod formats;
pub mod second_stage;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::abnormal::EventSpec;
use crate::align::EventDayRule;
use crate::data::factors::FactorUnits;
use crate::data::layout::Layouts;
use crate::error::InputError;
use crate::model::{MAX_K, ModelKind, ModelSpec};
use crate::returns::{HaltPolicy, LimitPolicy, Policies, ReturnKind};
use crate::stats::bootstrap::Resampling;
use crate::window::{DEFAULT_CARS, Window};

use file::OneOrMany;
pub use file::{StudyFile, read_study_file};

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
    /// Regressors of the cross-sectional regression (`--regressor`, repeatable).
    pub regressors: Vec<String>,
    /// Characteristics file of the regression (`--characteristics`).
    pub characteristics: Option<PathBuf>,
    /// Events files after `events` (`--events` given more than once).
    pub more_events: Vec<PathBuf>,
    pub max_return: Option<f64>,
    /// Resamples of the bootstrap and placebo draws.
    pub resamples: Option<usize>,
    /// Seed of the bootstrap and placebo draws.
    pub seed: Option<u64>,
    /// Table formats (`--formats`); `None`: the study file's, else by size.
    pub formats: Option<Vec<formats::TableFormat>>,
}

/// Fewest and most resamples a study may ask for (99: p-values down to 0.01).
pub const RESAMPLES: std::ops::RangeInclusive<usize> = 99..=1_000_000;

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
    /// Further events files after `events` (a study file's `events = [..]`), read in order.
    pub more_events: Vec<PathBuf>,
    /// Cross-sectional regression, groups, calendar time, diagnostics.
    pub second_stage: second_stage::SecondStageSpec,
    /// How each input file is written (delimiter, date format, column names); absent from
    /// `summary.json` when every input uses the defaults.
    #[serde(skip_serializing_if = "Layouts::is_default")]
    pub layouts: Layouts,
    /// Plausibility bound on one move between consecutive priced rows (simple return);
    /// absent from `summary.json` at its default.
    #[serde(skip_serializing_if = "is_default_max_return")]
    pub max_return: f64,
    /// The resampling tests' draws (bootstraps, placebo across dates) and their seed.
    pub resampling: Resampling,
    /// The table formats asked for (`--formats`, `[outputs] formats`); `None`: chosen by
    /// size (see [`crate::output::plan`]), and absent from `summary.json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formats: Option<Vec<formats::TableFormat>>,
}

/// The default plausibility bound: a move above +300 % or below −75 % (×4, ÷4).
pub const DEFAULT_MAX_RETURN: f64 = 3.0;

fn is_default_max_return(v: &f64) -> bool {
    *v == DEFAULT_MAX_RETURN
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

/// The data directory: `--data`, else `$EVIMPACT_DATA`, else `../shared/data` (from the
/// working directory, then from the crate's own directory).
pub fn default_data_dir(flag: Option<&Path>) -> PathBuf {
    data_dir_for(flag, None)
}

/// The data directory of a run: `--data`, else `$EVIMPACT_DATA`, else the study file's
/// `[inputs] data` (relative to the study file), else `../shared/data` as
/// [`default_data_dir`].
pub fn data_dir_for(flag: Option<&Path>, study: Option<(&Path, &StudyFile)>) -> PathBuf {
    if let Some(d) = flag {
        return d.to_path_buf();
    }
    if let Some(d) = std::env::var_os("EVIMPACT_DATA").filter(|v| !v.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some((path, f)) = study
        && let Some(d) = &f.inputs.data
    {
        return path.parent().unwrap_or(Path::new(".")).join(d);
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
        let layouts = layouts(&f.inputs)?;
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
        let mut event_files: Vec<PathBuf> = match ov.events {
            Some(p) => std::iter::once(p).chain(ov.more_events).collect(),
            None => f
                .inputs
                .events
                .map(OneOrMany::into_vec)
                .unwrap_or_default()
                .into_iter()
                .map(|p| study_dir.join(p))
                .collect(),
        };
        if event_files.is_empty() {
            return Err(missing("events file", "--events"));
        }
        let events = event_files.remove(0);
        let more_events = event_files;
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
        let markets = per_mic(ov.markets, f.inputs.markets, &market_data)?;
        if market.is_none() && markets.is_empty() {
            return Err(missing("market index", "--market"));
        }
        let calendar = market_data(ov.calendar, f.inputs.calendar);
        let calendars = per_mic(ov.calendars, f.inputs.calendars, &market_data)?;

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
        let (estimation, event_window, car_windows) =
            windows(ov.estimation, ov.event_window, ov.car, f.windows);
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
        let second_stage = resolve_second_stage(
            f.second_stage,
            ov.regressors,
            ov.characteristics,
            &study_dir,
            &market_data,
            event_window.start,
        )?;
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
            more_events,
            second_stage,
            layouts,
            max_return: ov
                .max_return
                .or(f.inputs.max_return)
                .unwrap_or(DEFAULT_MAX_RETURN),
            resampling: Resampling {
                resamples: ov
                    .resamples
                    .or(f.inference.resamples)
                    .unwrap_or(Resampling::default().resamples),
                seed: ov
                    .seed
                    .or(f.inference.seed)
                    .unwrap_or(Resampling::default().seed),
            },
            formats: ov.formats.or(f.outputs.formats),
        };
        study.validate()?;
        Ok(study)
    }

    /// The halt and limit policies and return kind the timelines are built with.
    pub fn policies(&self) -> Policies {
        Policies {
            kind: self.returns,
            halts: self.halt_policy,
            limits: self.limit_policy,
        }
    }

    /// What the per-event analysis reads from this study.
    pub fn event_spec(&self) -> EventSpec {
        EventSpec {
            estimation: self.estimation,
            event_window: self.event_window,
            car_windows: self.car_windows.clone(),
            model: self.model_spec.clone(),
            min_estimation: self.min_estimation,
            returns: self.returns,
            halt_policy: self.halt_policy,
            inject_day0: 0.0,
            day0_variance: 1.0,
        }
    }

    fn validate(&self) -> Result<(), InputError> {
        let bad = |m: String| Err(InputError::Usage(m));
        if !(self.max_return.is_finite() && self.max_return > 0.0) {
            return bad(format!(
                "max_return {} must be a positive number (a simple return, 3 = +300 %)",
                self.max_return
            ));
        }
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
            return bad(
                "no CAR window: give at least one, e.g. `car = [[-1, 1], [0, 5]]` under [windows] in the study file, or `--car -1:1 --car 0:5` (a window is [start, end] in sessions around day 0)".into(),
            );
        }
        if !RESAMPLES.contains(&self.resampling.resamples) {
            return bad(format!(
                "resamples {}: expected {} to {} (`--resamples` or `inference.resamples`)",
                self.resampling.resamples,
                RESAMPLES.start(),
                RESAMPLES.end()
            ));
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

/// The `[second_stage]` settings: flags, else the study file, else the defaults. The
/// characteristics file is relative to the study file (a flag: to the working directory);
/// factor files to the data directory.
fn resolve_second_stage(
    f: second_stage::SecondStageSection,
    regressors: Vec<String>,
    characteristics: Option<PathBuf>,
    study_dir: &Path,
    market_data: &dyn Fn(Option<PathBuf>, Option<PathBuf>) -> Option<PathBuf>,
    event_start: i32,
) -> Result<second_stage::SecondStageSpec, InputError> {
    let mut s = second_stage::SecondStageSpec::defaults(event_start);
    s.regressors = if regressors.is_empty() {
        f.regressors.unwrap_or_default()
    } else {
        regressors
    };
    for r in &s.regressors {
        let name = r.strip_prefix("group=").unwrap_or(r);
        let ok = !name.trim().is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !ok {
            return Err(InputError::Usage(format!(
                "regressor \"{r}\" is not a column name (letters, digits, `_`, `.`) or `group=NAME`"
            )));
        }
    }
    s.characteristics = characteristics.or_else(|| f.characteristics.map(|p| study_dir.join(p)));
    if let Some(p) = f.permutations {
        s.permutations = p;
    }
    if let Some(v) = f.seed {
        s.seed = v;
    }
    if let Some(w) = f.calendar_time {
        if w.start < 1 || w.is_traded() {
            return Err(InputError::Usage(format!(
                "second_stage.calendar_time {} must start after day 0 (e.g. [1, 250])",
                w.label()
            )));
        }
        s.calendar_time = w;
    }
    s.factors = f
        .factors
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| market_data(None, Some(p)))
        .collect();
    s.factor_units = f.factor_units;
    if !s.factors.is_empty() && s.factor_units.is_none() {
        return Err(InputError::Usage(
            "second_stage.factors needs second_stage.factor_units = \"percent\" or \"decimal\""
                .into(),
        ));
    }
    if let Some(x) = f.factor_exchange {
        s.factor_exchange = x;
    }
    if let Some(w) = f.drift {
        if w.end >= 0 || w.is_traded() {
            return Err(InputError::Usage(format!(
                "second_stage.drift {} must end before day 0 (e.g. [-10, -1])",
                w.label()
            )));
        }
        s.drift = w;
    }
    Ok(s)
}

/// The evimpact column names each input's `columns` mapping may name.
const KNOWN_COLUMNS: [(&str, &[&str]); 6] = [
    (
        "events",
        &[
            "event_id", "security", "entity", "date", "time", "tz", "headline", "source", "url",
            "exchange", "market", "group",
        ],
    ),
    (
        "prices",
        &[
            "security",
            "date",
            "price",
            "adj_close",
            "close",
            "volume",
            "trade_status",
            "preclose",
            "is_st",
            "ret",
        ],
    ),
    (
        "market",
        &["date", "price", "adj_close", "close", "volume", "ret"],
    ),
    ("halts", &["security", "start", "end", "reason", "source"]),
    ("calendar", &["date"]),
    ("factors", &["date"]),
];

/// Each input's layout from `[inputs.format]`, its per-input tables and `[inputs.columns]`
/// (the price tables' column names).
fn layouts(inputs: &file::InputsSection) -> Result<Layouts, InputError> {
    use crate::data::layout::{CRSP_COLUMNS, Convention, FileLayout};
    let bad = |m: String| InputError::Usage(m);
    let all = inputs.format.clone().unwrap_or_default();
    let one = |role: &str, keys: Option<&file::FormatKeys>| -> Result<FileLayout, InputError> {
        let keys = keys.cloned().unwrap_or_default();
        let delimiter = keys
            .delimiter
            .as_deref()
            .or(all.delimiter.as_deref())
            .map(crate::data::delimited::parse_delimiter)
            .transpose()
            .map_err(|e| bad(format!("[inputs.format] {role}: {e}")))?;
        let decimal_comma = match keys.decimal.as_deref().or(all.decimal.as_deref()) {
            None | Some(".") => false,
            Some(",") => true,
            Some(d) => {
                return Err(bad(format!(
                    "[inputs.format] {role}: decimal = \"{d}\": expected \".\" or \",\""
                )));
            }
        };
        if decimal_comma && delimiter == Some(b',') {
            return Err(bad(format!(
                "[inputs.format] {role}: a decimal comma needs another delimiter than ',' (declare delimiter = \";\" or \"tab\")"
            )));
        }
        let price_table = role == "prices" || role == "market";
        let mut columns: BTreeMap<String, String> = BTreeMap::new();
        if keys.convention == Some(Convention::Crsp) {
            if !price_table {
                return Err(bad(format!(
                    "[inputs.format.{role}] convention = \"crsp\" applies to prices and market only"
                )));
            }
            for (k, v) in CRSP_COLUMNS {
                columns.insert(k.into(), v.into());
            }
        }
        let given = keys
            .columns
            .clone()
            .or_else(|| price_table.then(|| inputs.columns.clone()).flatten())
            .unwrap_or_default();
        let known = KNOWN_COLUMNS
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, k)| *k)
            .unwrap_or(&[]);
        for (k, v) in given {
            let k = k.trim().to_ascii_lowercase();
            if !known.contains(&k.as_str()) {
                return Err(bad(format!(
                    "column mapping of {role}: unknown column '{k}' (evimpact's names for {role}: {})",
                    known.join(", ")
                )));
            }
            columns.insert(k, v);
        }
        Ok(FileLayout {
            delimiter,
            date_format: keys.date_format.or(all.date_format).unwrap_or_default(),
            decimal_comma,
            columns,
            sheet: keys.sheet.clone(),
            convention: keys.convention,
        })
    };
    Ok(Layouts {
        events: one("events", all.events.as_ref())?,
        prices: one("prices", all.prices.as_ref())?,
        market: one("market", all.market.as_ref())?,
        halts: one("halts", all.halts.as_ref())?,
        calendar: one("calendar", all.calendar.as_ref())?,
        factors: one("factors", all.factors.as_ref())?,
    })
}

/// The estimation, event and CAR windows: flags, else the study file, else the defaults
/// (-260:-11, -10:10, and the default CAR windows inside the event window).
fn windows(
    estimation: Option<Window>,
    event: Option<Window>,
    car: Vec<Window>,
    file: file::WindowsSection,
) -> (Window, Window, Vec<Window>) {
    let estimation = estimation
        .or(file.estimation)
        .unwrap_or(Window::event(-260, -11));
    let event_window = event.or(file.event).unwrap_or(Window::event(-10, 10));
    let car_windows = if !car.is_empty() {
        car
    } else {
        file.car.unwrap_or_else(|| {
            DEFAULT_CARS
                .iter()
                .map(|&(a, b)| Window::event(a, b))
                .filter(|w| event_window.contains(w.start) && event_window.contains(w.end))
                .collect()
        })
    };
    (estimation, event_window, car_windows)
}

/// A path per exchange MIC, from the study file then the flags (a flag wins), each resolved
/// with `resolve`.
fn per_mic(
    flags: Vec<(String, PathBuf)>,
    file: Option<BTreeMap<String, PathBuf>>,
    resolve: &dyn Fn(Option<PathBuf>, Option<PathBuf>) -> Option<PathBuf>,
) -> Result<BTreeMap<String, PathBuf>, InputError> {
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
        if let Some(p) = resolve(flag, path) {
            m.insert(ex.mic.to_string(), p);
        }
    }
    Ok(m)
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
    fn flags_override_file_and_validate() {
        let f: StudyFile = toml::from_str(
            "name = \"s\"\n[inputs]\nevents = \"e.csv\"\nprices = \"p\"\nmarket = \"m.csv\"\n\
             [windows]\nestimation = [-200, -11]\ncar = [\"-1:1\"]\n",
        )
        .expect("valid toml");
        let ov = Overrides {
            estimation: Some(Window::event(-150, -11)),
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
            car: vec![Window::event(-20, 0)],
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
}
