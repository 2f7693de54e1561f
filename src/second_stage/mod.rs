//! The second stage: after "did the news move these stocks?", which stocks, and why. Reads
//! the first stage's [`Outcome`] and fills its [`SecondStage`]: cross-sectional regressions
//! of CARs and BHARs on characteristics ([`regression`]), the difference between groups
//! ([`groups`]), abnormal volatility ([`volatility`]), residual diagnostics per event
//! ([`diagnostics`]), calendar-time portfolios ([`calendar_time`]) and multiple-testing
//! corrections across the run's windows ([`multiple`]). The methods themselves are in
//! `crate::stats::second_stage`, one file each; this module only assembles their inputs.

pub mod calendar_time;
pub mod diagnostics;
pub mod groups;
pub mod multiple;
pub mod regression;
pub mod volatility;

use std::collections::BTreeMap;

use crate::data::characteristics::{Characteristics, load_characteristics_from};
use crate::data::factors::load_factors;
use crate::data::provenance::InputFile;
use crate::error::InputError;
use crate::outcome::Outcome;
use crate::outcome::second_stage::{GroupAggregates, SecondStage};
use crate::returns::factors::AlignedFactors;

/// The factor columns of the calendar-time FF3 and Carhart regressions.
pub const CT_FACTORS: [&str; 4] = ["mkt_rf", "smb", "hml", "mom"];

/// What the second stage reads beyond the outcome.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub characteristics: Option<Characteristics>,
    /// Calendar-time factors aligned on the calendar of `second_stage.factor_exchange`,
    /// keyed by calendar name.
    pub factors: BTreeMap<String, AlignedFactors>,
}

/// Loads the characteristics (when regressors are named) and the calendar-time factors,
/// with the files read (for `summary.json`'s inputs).
///
/// # Errors
/// A characteristics or factor file that cannot be read, lacks a named column or holds a
/// bad value (file, line, column, value).
pub fn load_inputs(o: &Outcome) -> Result<(Inputs, Vec<InputFile>), InputError> {
    let s = &o.study.second_stage;
    let mut files = Vec::new();
    let mut inputs = Inputs::default();
    let columns: Vec<String> = s
        .regressors
        .iter()
        .filter(|r| regression::group_dummy(r).is_none())
        .cloned()
        .collect();
    if !columns.is_empty() {
        // A characteristics file is read in the default layout; the events files in theirs
        // (the study's column names and formats for events).
        let default_layout = crate::data::layout::FileLayout::default();
        let (paths, layout): (Vec<&std::path::Path>, _) = match &s.characteristics {
            Some(p) => (vec![p.as_path()], &default_layout),
            None => (
                std::iter::once(o.study.events.as_path())
                    .chain(o.study.more_events.iter().map(|p| p.as_path()))
                    .collect(),
                &o.study.layouts.events,
            ),
        };
        inputs.characteristics = Some(load_characteristics_from(&paths, &columns, layout)?);
        if let Some(p) = &s.characteristics {
            files.push(InputFile::read("characteristics", p)?);
        }
    }
    if !s.factors.is_empty() {
        let units = s
            .factor_units
            .unwrap_or(crate::data::factors::FactorUnits::Decimal);
        let cols: Vec<String> = CT_FACTORS.iter().map(|c| c.to_string()).collect();
        let table = load_factors(
            &s.factors,
            &cols,
            Some("rf"),
            units,
            &o.study.layouts.factors,
        )?;
        for p in &s.factors {
            files.push(InputFile::read("calendar_time_factors", p)?);
        }
        for r in &o.results {
            if r.exchange == s.factor_exchange && !inputs.factors.contains_key(&r.calendar.name) {
                inputs.factors.insert(
                    r.calendar.name.clone(),
                    AlignedFactors::align(&table, &r.calendar),
                );
            }
        }
    }
    Ok((inputs, files))
}

/// The groups of the analysed events, in order of first appearance (events without a group
/// are in no group).
pub fn group_names(o: &Outcome) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in &o.results {
        if let Some(g) = &o.events[r.event].group
            && !names.contains(g)
        {
            names.push(g.clone());
        }
    }
    names
}

/// The group of an analysed event.
pub(crate) fn group_of<'a>(o: &'a Outcome, r: &crate::outcome::EventResult) -> Option<&'a str> {
    o.events[r.event].group.as_deref()
}

/// Every second-stage result of a run; `groups` are the groups' aggregates (computed by the
/// pipeline with the first stage's battery).
pub fn analyse(o: &Outcome, inputs: &Inputs, groups: Vec<GroupAggregates>) -> SecondStage {
    let spec = &o.study.second_stage;
    let mut notes = Vec::new();
    let regressions = if spec.regressors.is_empty() {
        notes.push(
            "no cross-sectional regression: no regressors named (`[second_stage] regressors` or `--regressor`)"
                .to_string(),
        );
        Vec::new()
    } else {
        regression::regressions(o, inputs.characteristics.as_ref())
    };
    let names = group_names(o);
    let ungrouped = o
        .results
        .iter()
        .filter(|r| group_of(o, r).is_none())
        .count();
    if !names.is_empty() && ungrouped > 0 {
        notes.push(format!(
            "{ungrouped} analysed event(s) have no group: they are in the pooled tables only"
        ));
    }
    let differences = if names.len() >= 2 {
        groups::differences(o, &names)
    } else {
        if names.len() == 1 {
            notes.push(format!("one group ({}): no group difference", names[0]));
        }
        Vec::new()
    };
    let (volatility, volatility_days) = volatility::volatility(o);
    let diagnostics = diagnostics::diagnostics(o);
    let (calendar_time, portfolio_days, ct_notes) = calendar_time::calendar_time(o, inputs, &names);
    notes.extend(ct_notes);
    let adjusted = multiple::adjusted(o, &groups);
    SecondStage {
        regressions,
        groups,
        differences,
        volatility,
        volatility_days,
        diagnostics,
        calendar_time,
        portfolio_days,
        adjusted,
        notes,
    }
}
