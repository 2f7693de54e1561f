//! The study file as written (TOML): its sections and keys, read without interpretation.
//! [`super::Study::resolve`] combines it with the flags and validates the result.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::align::EventDayRule;
use crate::data::factors::FactorUnits;
use crate::error::InputError;
use crate::model::ModelKind;
use crate::returns::{HaltPolicy, LimitPolicy, ReturnKind};
use crate::window::Window;

/// One path or several (a study may read prices from several directories).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

impl OneOrMany {
    pub(crate) fn into_vec(self) -> Vec<PathBuf> {
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
    #[serde(default)]
    pub inference: InferenceSection,
    #[serde(default)]
    pub second_stage: super::second_stage::SecondStageSection,
    #[serde(default)]
    pub outputs: OutputsSection,
}

/// `[outputs]`: what the run writes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputsSection {
    /// Table formats, e.g. `["csv", "parquet"]` [default: both, the per-session tables and
    /// any per-event table Parquet only when they are very long; see the README].
    #[serde(default, deserialize_with = "formats")]
    pub formats: Option<Vec<super::formats::TableFormat>>,
}

/// `formats = ["csv", "parquet"]` or `formats = "csv,parquet"`, each format once.
fn formats<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<super::formats::TableFormat>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        List(Vec<String>),
        One(String),
    }
    let joined = match Given::deserialize(d)? {
        Given::List(v) => v.join(","),
        Given::One(s) => s,
    };
    super::formats::parse_formats(&joined)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputsSection {
    /// The study's own data directory (relative to the study file), used when neither
    /// `--data` nor `$EVIMPACT_DATA` is given: e.g. the reference study's shipped sample.
    pub data: Option<PathBuf>,
    /// One events file or several (e.g. the listed firms and their suppliers).
    pub events: Option<OneOrMany>,
    pub prices: Option<OneOrMany>,
    pub market: Option<PathBuf>,
    /// Market index per exchange MIC, e.g. `{ XSHG = "...", XNYS = "..." }`.
    pub markets: Option<BTreeMap<String, PathBuf>>,
    pub calendar: Option<PathBuf>,
    /// Session calendar per exchange MIC.
    pub calendars: Option<BTreeMap<String, PathBuf>>,
    pub halts: Option<PathBuf>,
    /// How the input files are written: `[inputs.format]` for all, `[inputs.format.events]`
    /// (and `prices`, `market`, `halts`, `calendar`, `factors`) for one.
    pub format: Option<FormatSection>,
    /// Column names of the price tables (prices and market): evimpact's name = the file's,
    /// e.g. `security = "symbol", date = "Date", price = "adjusted"`.
    pub columns: Option<BTreeMap<String, String>>,
    /// Plausibility bound on the simple return between consecutive priced rows: beyond it
    /// (or below its mirror, 1/(1 + bound) − 1) the row is named in a warning [default: 3].
    pub max_return: Option<f64>,
}

/// The layout keys that apply to one input file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatKeys {
    /// `","`, `";"`, `"tab"` (or `"\t"`), `"|"`; default: detected from the header line.
    pub delimiter: Option<String>,
    /// `YYYY-MM-DD`, `YYYYMMDD`, `DD.MM.YYYY`, `MM/DD/YYYY`, `DD/MM/YYYY`; default: the
    /// first three, told apart by their shape.
    pub date_format: Option<crate::data::dates::DateFormat>,
    /// `"."` (default) or `","` (needs a `;` or tab delimiter).
    pub decimal: Option<String>,
    /// The worksheet of an `.xlsx` file (default: the first).
    pub sheet: Option<String>,
    /// Column names: evimpact's name = the file's.
    pub columns: Option<BTreeMap<String, String>>,
    /// `"crsp"`: CRSP daily conventions (see the README).
    pub convention: Option<crate::data::layout::Convention>,
}

/// `[inputs.format]`: keys for every input, and a table per input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatSection {
    pub delimiter: Option<String>,
    pub date_format: Option<crate::data::dates::DateFormat>,
    pub decimal: Option<String>,
    pub events: Option<FormatKeys>,
    pub prices: Option<FormatKeys>,
    pub market: Option<FormatKeys>,
    pub halts: Option<FormatKeys>,
    pub calendar: Option<FormatKeys>,
    pub factors: Option<FormatKeys>,
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

/// `[inference]`: the resampling tests (bootstraps; the placebo across dates).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InferenceSection {
    /// Resamples per test [default: 999].
    pub resamples: Option<usize>,
    /// Seed of the draws [default: 42].
    pub seed: Option<u64>,
}

/// Reads a study file.
///
/// # Errors
/// The file cannot be read or is not a valid study (unknown keys included), naming the line.
pub fn read_study_file(path: &Path) -> Result<StudyFile, InputError> {
    let text = crate::data::input::read_small_text(path, crate::data::input::MAX_STUDY_FILE_BYTES)?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        InputError::parse(path, format!("line {line}: {}", e.message()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_rejected() {
        assert!(toml::from_str::<StudyFile>("[windows]\nestimate = [-1, 0]\n").is_err());
    }
}
