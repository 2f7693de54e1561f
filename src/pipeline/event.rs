//! ②-⑤ for one event row: its security's timeline, day 0 on the exchange calendar, the
//! estimation fit and abnormal returns, and the audit rows of every decision taken.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;

use super::load::{PriceSources, SecurityData};
use crate::abnormal::{ModelData, analyze_with};
use crate::align::align;
use crate::data::calendar::Exchange;
use crate::data::events::Event;
use crate::data::halts::Halts;
use crate::outcome::{AuditRow, EventResult, Skipped};
use crate::study::Study;

pub(super) fn analyze_event(
    k: usize,
    e: &Event,
    study: &Study,
    data: &BTreeMap<String, SecurityData>,
    prices: &PriceSources,
    halts: &Halts,
    market_of: &BTreeMap<String, Option<PathBuf>>,
) -> (Option<EventResult>, Vec<AuditRow>, Option<Skipped>) {
    let sec = e.security.clone().unwrap_or_default();
    let row = |day0: Option<NaiveDate>, rule: &str, outcome: &str, reason: String| AuditRow {
        event_id: e.event_id.clone(),
        security: sec.clone(),
        announced: e.announced(),
        day0,
        rule: rule.into(),
        outcome: outcome.into(),
        reason,
    };
    let skip = |kind: &'static str, reason: String| Skipped {
        event_id: e.event_id.clone(),
        security: sec.clone(),
        entity: e.entity.clone(),
        kind,
        reason,
    };
    if e.security.is_none() {
        let reason = format!("{}: no listed security (no market data)", e.entity);
        return (
            None,
            vec![row(None, "data", "no_market_data", reason.clone())],
            Some(skip("no_market_data", reason)),
        );
    }
    let Some(d) = data.get(&sec) else {
        let reason = if matches!(market_of.get(&sec), Some(None)) {
            let mic = e
                .exchange
                .unwrap_or_else(|| Exchange::for_security(&sec))
                .mic;
            format!(
                "no market index for {sec} ({mic}): set `--market`, `inputs.markets.{mic}` or the events file's `market` column"
            )
        } else {
            format!(
                "unknown security: no price data for {sec} in {} (events file line {})",
                prices.describe(&sec),
                e.line
            )
        };
        return (
            None,
            vec![row(None, "skip", "skipped", reason.clone())],
            Some(skip("skipped", reason)),
        );
    };
    let cal = &d.calendar;
    let al = match align(e, &d.exchange, cal, study.rule, study.max_shift) {
        Ok(a) => a,
        Err(reason) => {
            return (
                None,
                vec![row(None, "event_day", "skipped", reason.clone())],
                Some(skip("skipped", reason)),
            );
        }
    };
    let day0 = cal.sessions[al.day0];
    let mut audit = vec![row(
        Some(day0),
        "event_day",
        al.outcome,
        format!("{} [rule: {}]", al.reason, study.rule.as_str()),
    )];
    let tl = &d.timeline;
    let spec = &study.model_spec;
    let no_factors = match (&study.factors, &d.factors) {
        (Some(fs), None) if spec.uses_factors() || spec.uses_rf() => Some(format!(
            "model {}: no factor data for {sec} on {}: the factor file(s) {} hold {} sessions (set `[model] factor_exchange` only if they are {} factors)",
            spec.kind.as_str(),
            d.exchange.mic,
            fs.files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" + "),
            fs.exchange,
            d.exchange.mic
        )),
        _ => None,
    };
    let model_data = ModelData {
        market_px: Some(d.market_px.as_slice()),
        factors: d.factors.as_deref(),
        no_factors: no_factors.as_deref(),
    };
    match analyze_with(tl, cal, al.day0, study, model_data) {
        Err(reason) => {
            audit.push(row(Some(day0), "skip", "skipped", reason.clone()));
            (None, audit, Some(skip("skipped", reason)))
        }
        Ok(a) => {
            audit.extend(super::audit::analysed(
                e, &sec, day0, al.day0, &a, tl, cal, halts, study,
            ));
            let r = EventResult {
                event: k,
                event_id: e.event_id.clone(),
                security: sec.clone(),
                entity: e.entity.clone(),
                exchange: d.exchange.mic,
                day0,
                day0_index: al.day0,
                calendar: cal.clone(),
                timeline: tl.clone(),
                analysis: a,
            };
            (Some(r), audit, None)
        }
    }
}
