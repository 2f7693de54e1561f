//! ②-⑤ for one event row: its security's timeline, day 0 on the exchange calendar, the
//! estimation fit and abnormal returns, and the audit rows of every decision taken.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;

use super::load::{PriceSources, SecurityData};
use crate::abnormal::{EventSpec, ModelData, NoFactorData, analyze_shared};
use crate::align::align;
use crate::data::calendar::Exchange;
use crate::data::events::Event;
use crate::data::halts::Halts;
use crate::outcome::{AuditRow, EventResult, SkipReason, Skipped};
use crate::study::Study;

/// What every event reads: the study, its per-event spec and the loaded inputs.
pub(super) struct Context<'a> {
    pub study: &'a Study,
    pub es: &'a EventSpec,
    pub data: &'a BTreeMap<String, SecurityData>,
    pub prices: &'a PriceSources,
    pub halts: &'a Halts,
    pub market_of: &'a BTreeMap<String, Option<PathBuf>>,
}

/// Event row `k` (`e`): its result, its audit rows, or the reason it was skipped.
pub(super) fn analyze_event(
    k: usize,
    e: &Event,
    cx: &Context<'_>,
) -> (Option<EventResult>, Vec<AuditRow>, Option<Skipped>) {
    let Context {
        study,
        es,
        data,
        prices,
        halts,
        market_of,
    } = *cx;
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
    let skip = |reason: SkipReason| Skipped {
        event_id: e.event_id.clone(),
        security: sec.clone(),
        entity: e.entity.clone(),
        kind: reason.kind(),
        reason,
    };
    if e.security.is_none() {
        let reason = SkipReason::NoListedSecurity {
            entity: e.entity.clone(),
        };
        return (
            None,
            vec![row(None, "data", "no_market_data", reason.to_string())],
            Some(skip(reason)),
        );
    }
    let Some(d) = data.get(&sec) else {
        let reason = if matches!(market_of.get(&sec), Some(None)) {
            SkipReason::NoMarketIndex {
                security: sec.clone(),
                mic: e
                    .exchange
                    .unwrap_or_else(|| Exchange::for_security(&sec))
                    .mic,
            }
        } else {
            SkipReason::UnknownSecurity {
                security: sec.clone(),
                files: prices.describe(&sec),
                line: e.line,
            }
        };
        return (
            None,
            vec![row(None, "skip", "skipped", reason.to_string())],
            Some(skip(reason)),
        );
    };
    let cal = &d.calendar;
    let al = match align(e, &d.exchange, cal, study.rule, study.max_shift) {
        Ok(a) => a,
        Err(why) => {
            let reason = SkipReason::EventDay(why);
            return (
                None,
                vec![row(None, "event_day", "skipped", reason.to_string())],
                Some(skip(reason)),
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
        (Some(fs), None) if spec.uses_factors() || spec.uses_rf() => Some(NoFactorData {
            model: spec.kind,
            security: sec.clone(),
            mic: d.exchange.mic.to_string(),
            files: fs
                .files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" + "),
            factor_mic: fs.exchange.clone(),
        }),
        _ => None,
    };
    let model_data = ModelData {
        market_px: Some(d.market_px.as_slice()),
        factors: d.factors.as_deref(),
        no_factors: no_factors.as_ref(),
    };
    let shared = super::load::shares_rows(d.events, es.estimation.len(), tl.ret.len())
        .then_some(&d.est_rows);
    match analyze_shared(tl, cal, al.day0, es, model_data, shared) {
        Err(why) => {
            let reason = SkipReason::Analysis(why);
            audit.push(row(Some(day0), "skip", "skipped", reason.to_string()));
            (None, audit, Some(skip(reason)))
        }
        Ok(a) => {
            audit.extend(super::audit::analysed(
                e, &sec, day0, al.day0, &a, tl, cal, halts, study,
            ));
            let r = EventResult {
                event: k,
                label: String::new(),
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
