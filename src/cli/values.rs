//! The library's option enums as clap values: each keeps its own name (`as_str`), so the
//! command line, the study file and the tables spell it the same way.

use clap::ValueEnum;
use clap::builder::PossibleValue;

use crate::align::EventDayRule;
use crate::chart::render::ChartKind;
use crate::data::factors::FactorUnits;
use crate::model::ModelKind;
use crate::returns::{HaltPolicy, LimitPolicy, ReturnKind};

/// `impl ValueEnum` for a library enum from its variants, each with its help text; the
/// value's name is the variant's `as_str()`.
macro_rules! value_enum {
    ($ty:ty { $($variant:expr => $help:literal,)* }) => {
        impl ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                &[$($variant),*]
            }
            fn to_possible_value(&self) -> Option<PossibleValue> {
                [$(($variant, $help)),*]
                    .into_iter()
                    .find(|(v, _)| v == self)
                    .map(|(v, help)| PossibleValue::new(v.as_str()).help(help))
            }
        }
    };
}

value_enum!(ModelKind {
    ModelKind::ConstantMean => "estimation-window mean return",
    ModelKind::MarketAdjusted => "the market's return, nothing estimated",
    ModelKind::Market => "market model: alpha + beta * market (default)",
    ModelKind::Capm => "CAPM on excess returns (needs a factor file with rf)",
    ModelKind::Ff3 => "Fama-French three factors",
    ModelKind::Ff5 => "Fama-French five factors",
    ModelKind::Carhart => "Fama-French three factors and momentum",
    ModelKind::Factors => "any factor file's declared columns",
    ModelKind::ScholesWilliams => "Scholes-Williams beta for thin trading",
    ModelKind::Dimson => "Dimson beta with K market leads and lags",
    ModelKind::Garch => "market model with GARCH(1,1) errors (maximum likelihood)",
    ModelKind::Egarch => "market model with EGARCH(1,1) errors (maximum likelihood)",
});

value_enum!(ReturnKind {
    ReturnKind::Simple => "p1/p0 - 1",
    ReturnKind::Log => "ln(p1/p0)",
});

value_enum!(EventDayRule {
    EventDayRule::Next => "the next session (default)",
    EventDayRule::Previous => "the previous session",
    EventDayRule::Skip => "skip the event for that security",
});

value_enum!(HaltPolicy {
    HaltPolicy::TradeToTrade => "a return spanning the halt on the first traded session (default)",
    HaltPolicy::DropEvent => "skip an event with a suspended session in its event window",
    HaltPolicy::ExcludeDays => "drop suspended sessions and the return spanning them",
});

value_enum!(LimitPolicy {
    LimitPolicy::Flag => "keep a limit-locked return and flag it (default)",
    LimitPolicy::Accumulate => "carry the return to the first session off the limit",
});

value_enum!(FactorUnits {
    FactorUnits::Percent => "0.58 means 0.58 % (Ken French's files)",
    FactorUnits::Decimal => "0.0058 means 0.58 %",
});

value_enum!(ChartKind {
    ChartKind::Car => "CAR paths per security, CAAR path with its 95 % band",
    ChartKind::ArBars => "AR bars per security with ±1.96·√Var(AR) whiskers",
    ChartKind::CarDist => "cross-sectional distribution of CAR per window",
    ChartKind::Tests => "test statistics per window with critical values",
    ChartKind::Prices => "price panel per security around its event",
    ChartKind::Volume => "abnormal volume around day 0",
    ChartKind::Groups => "CAAR path per group (events with a group column)",
    ChartKind::CarDensity => "histogram of CARs per window (drawn by run beyond 200 events)",
    ChartKind::All => "every chart",
});

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant has a value, and the value parses back to it.
    #[test]
    fn every_variant_round_trips() {
        fn check<T: ValueEnum + PartialEq + std::fmt::Debug>() {
            for v in T::value_variants() {
                let name = v.to_possible_value().expect("named").get_name().to_string();
                assert_eq!(&T::from_str(&name, false).expect("parses"), v, "{name}");
            }
        }
        check::<ModelKind>();
        check::<ReturnKind>();
        check::<EventDayRule>();
        check::<HaltPolicy>();
        check::<LimitPolicy>();
        check::<FactorUnits>();
        check::<ChartKind>();
        assert_eq!(ModelKind::value_variants().len(), ModelKind::ALL.len());
        assert_eq!(ChartKind::value_variants().len(), ChartKind::ALL.len());
    }
}
