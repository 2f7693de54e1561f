//! Test identifiers and reference distributions as types.
//!
//! [`TestId`] names each test of the battery (with its label, family and whether it is
//! parametric); [`Reference`] is the distribution a statistic is compared with. Both print
//! and parse the exact text of `tests.csv` (`mackinlay_j1`, `t(3)`, `binomial(4, 0.5)`), so
//! tables and charts read back what the statistics wrote.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Two-sided 5 % critical value of N(0,1).
pub const Z_975: f64 = 1.959_963_984_540_054;

/// A test of the battery, in the order of `tests.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestId {
    MackinlayJ1,
    CrossSectionalT,
    PatellZ,
    Bmp,
    MackinlayJ2,
    Cda,
    AdjustedPatellZ,
    AdjustedBmp,
    SkewnessCorrectedT,
    Sign,
    SignExact,
    GeneralizedSign,
    GeneralizedSignExact,
    GeneralizedSignExactMinlike,
    CorradoRank,
    Grank,
    Wilcoxon,
    Placebo,
    BmpBootstrap,
    WildBootstrapT,
    BinderJoint,
    BinderJointEmpirical,
}

/// Where a test's scale comes from: the families that behave alike under small N,
/// clustering and event-induced variance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Each event's own estimation-window variance (J1, Patell, J2, adjusted Patell).
    EventVariance,
    /// The cross-section of standardized or raw abnormal returns (cross-sectional t, BMP,
    /// adjusted BMP, skewness-corrected t).
    CrossSection,
    /// The time series of the portfolio's abnormal return (crude dependence adjustment).
    TimeSeries,
    /// Signs of abnormal returns (sign, generalized sign, exact forms).
    Sign,
    /// Ranks (Corrado, GRANK, Wilcoxon signed-rank).
    Rank,
    /// The statistic against its own pseudo-event or resampled distribution (placebo,
    /// bootstraps).
    Resampling,
    /// The events' abnormal returns tested jointly, with their contemporaneous covariance
    /// (Binder's multivariate regression).
    Multivariate,
}

impl Family {
    pub fn label(self) -> &'static str {
        match self {
            Family::EventVariance => "event variance",
            Family::CrossSection => "cross-section",
            Family::TimeSeries => "time series",
            Family::Sign => "sign",
            Family::Rank => "rank",
            Family::Resampling => "resampling",
            Family::Multivariate => "multivariate",
        }
    }
}

impl TestId {
    /// Every test, in the battery's (and `tests.csv`'s) order.
    pub const ALL: [TestId; 22] = [
        TestId::MackinlayJ1,
        TestId::CrossSectionalT,
        TestId::PatellZ,
        TestId::Bmp,
        TestId::MackinlayJ2,
        TestId::Cda,
        TestId::AdjustedPatellZ,
        TestId::AdjustedBmp,
        TestId::SkewnessCorrectedT,
        TestId::Sign,
        TestId::SignExact,
        TestId::GeneralizedSign,
        TestId::GeneralizedSignExact,
        TestId::GeneralizedSignExactMinlike,
        TestId::CorradoRank,
        TestId::Grank,
        TestId::Wilcoxon,
        TestId::Placebo,
        TestId::BmpBootstrap,
        TestId::WildBootstrapT,
        TestId::BinderJoint,
        TestId::BinderJointEmpirical,
    ];

    /// The id in tables: `mackinlay_j1`, `patell_z`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            TestId::MackinlayJ1 => "mackinlay_j1",
            TestId::CrossSectionalT => "cross_sectional_t",
            TestId::PatellZ => "patell_z",
            TestId::Bmp => "bmp",
            TestId::MackinlayJ2 => "mackinlay_j2",
            TestId::Cda => "cda",
            TestId::AdjustedPatellZ => "adjusted_patell_z",
            TestId::AdjustedBmp => "adjusted_bmp",
            TestId::SkewnessCorrectedT => "skewness_corrected_t",
            TestId::Sign => "sign",
            TestId::SignExact => "sign_exact",
            TestId::GeneralizedSign => "generalized_sign",
            TestId::GeneralizedSignExact => "generalized_sign_exact",
            TestId::GeneralizedSignExactMinlike => "generalized_sign_exact_minlike",
            TestId::CorradoRank => "corrado_rank",
            TestId::Grank => "grank",
            TestId::Wilcoxon => "wilcoxon",
            TestId::Placebo => "placebo",
            TestId::BmpBootstrap => "bmp_bootstrap",
            TestId::WildBootstrapT => "wild_bootstrap_t",
            TestId::BinderJoint => "binder_joint",
            TestId::BinderJointEmpirical => "binder_joint_empirical",
        }
    }

    /// A short human label, for charts.
    pub fn label(self) -> &'static str {
        match self {
            TestId::MackinlayJ1 => "J1 (MacKinlay)",
            TestId::CrossSectionalT => "cross-sectional t",
            TestId::PatellZ => "Patell Z",
            TestId::Bmp => "BMP",
            TestId::MackinlayJ2 => "J2 (MacKinlay)",
            TestId::Cda => "CDA (portfolio)",
            TestId::AdjustedPatellZ => "adj. Patell Z (KP)",
            TestId::AdjustedBmp => "adj. BMP (KP)",
            TestId::SkewnessCorrectedT => "skewness-corrected t",
            TestId::Sign => "sign",
            TestId::SignExact => "sign (exact)",
            TestId::GeneralizedSign => "generalized sign",
            TestId::GeneralizedSignExact => "generalized sign (exact)",
            TestId::GeneralizedSignExactMinlike => "generalized sign (exact, R/scipy p)",
            TestId::CorradoRank => "Corrado rank",
            TestId::Grank => "GRANK (KP)",
            TestId::Wilcoxon => "Wilcoxon",
            TestId::Placebo => "placebo",
            TestId::BmpBootstrap => "BMP bootstrap",
            TestId::WildBootstrapT => "wild bootstrap t",
            TestId::BinderJoint => "Binder joint F",
            TestId::BinderJointEmpirical => "Binder joint (calibrated)",
        }
    }

    /// The test's name for prose: "the crude dependence adjustment (Brown-Warner)".
    pub fn name(self) -> &'static str {
        match self {
            TestId::MackinlayJ1 => "MacKinlay's J1",
            TestId::CrossSectionalT => "the cross-sectional t",
            TestId::PatellZ => "Patell's Z",
            TestId::Bmp => "the BMP test (Boehmer-Musumeci-Poulsen)",
            TestId::MackinlayJ2 => "MacKinlay's J2",
            TestId::Cda => "the crude dependence adjustment (Brown-Warner portfolio test)",
            TestId::AdjustedPatellZ => "the Kolari-Pynnönen adjusted Patell Z",
            TestId::AdjustedBmp => "the Kolari-Pynnönen adjusted BMP",
            TestId::SkewnessCorrectedT => "Hall's skewness-corrected t",
            TestId::Sign => "the sign test",
            TestId::SignExact => "the exact sign test",
            TestId::GeneralizedSign => "Cowan's generalized sign test",
            TestId::GeneralizedSignExact => "the exact generalized sign test",
            TestId::CorradoRank => "Corrado's rank test",
            TestId::Grank => "the GRANK test (Kolari-Pynnönen)",
            TestId::Wilcoxon => "the Wilcoxon signed-rank test",
            TestId::Placebo => "the placebo test",
            TestId::GeneralizedSignExactMinlike => {
                "the exact generalized sign test with R's and scipy's two-sided p-value"
            }
            TestId::BmpBootstrap => "the BMP bootstrap (Hein-Westfall)",
            TestId::WildBootstrapT => "the wild-bootstrap cross-sectional t",
            TestId::BinderJoint => "Binder's joint F test",
            TestId::BinderJointEmpirical => {
                "Binder's joint test calibrated on the estimation window's own blocks"
            }
        }
    }

    pub fn family(self) -> Family {
        match self {
            TestId::MackinlayJ1
            | TestId::PatellZ
            | TestId::MackinlayJ2
            | TestId::AdjustedPatellZ => Family::EventVariance,
            TestId::CrossSectionalT
            | TestId::Bmp
            | TestId::AdjustedBmp
            | TestId::SkewnessCorrectedT => Family::CrossSection,
            TestId::Cda => Family::TimeSeries,
            TestId::Sign
            | TestId::SignExact
            | TestId::GeneralizedSign
            | TestId::GeneralizedSignExact
            | TestId::GeneralizedSignExactMinlike => Family::Sign,
            TestId::CorradoRank | TestId::Grank | TestId::Wilcoxon => Family::Rank,
            TestId::Placebo
            | TestId::BmpBootstrap
            | TestId::WildBootstrapT
            | TestId::BinderJointEmpirical => Family::Resampling,
            TestId::BinderJoint => Family::Multivariate,
        }
    }

    /// Parametric: the statistic assumes normally distributed abnormal returns (or a
    /// central limit): every test of the event-variance, cross-section, time-series and
    /// multivariate families.
    pub fn parametric(self) -> bool {
        matches!(
            self.family(),
            Family::EventVariance
                | Family::CrossSection
                | Family::TimeSeries
                | Family::Multivariate
        )
    }
}

impl fmt::Display for TestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TestId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        TestId::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| format!("unknown test \"{s}\""))
    }
}

/// The distribution a statistic is compared with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reference {
    /// `N(0,1)`.
    Normal,
    /// `t(df)`.
    StudentT(f64),
    /// `binomial(N, p)`: p printed as given (`0.5`) or, when estimated, with 4 decimals.
    Binomial { n: usize, p: f64, estimated: bool },
    /// `signed_rank(N)`: the exact Wilcoxon signed-rank distribution.
    SignedRank(usize),
    /// `empirical(P)`: the statistic's own distribution over P pseudo-event windows.
    Empirical(usize),
    /// `bootstrap(R)`: the statistic's distribution over R resamples (all 2^N sign patterns
    /// when the wild bootstrap enumerates them).
    Bootstrap(usize),
    /// `F(d1, d2)`: Fisher's F with d1 and d2 degrees of freedom (upper tail).
    F(f64, f64),
}

impl Reference {
    /// Two-sided critical value at `level` (e.g. 0.05) for N(0,1) and t(df ≥ 1); `None`
    /// for discrete, empirical and bootstrap references and for F (a one-sided test of a
    /// positive statistic).
    pub fn critical_value(&self, level: f64) -> Option<f64> {
        match *self {
            Reference::Normal if level == 0.05 => Some(Z_975),
            Reference::Normal => statrs::distribution::Normal::standard()
                .inverse_cdf(1.0 - level / 2.0)
                .into(),
            Reference::StudentT(df) if df >= 1.0 => StudentsT::new(0.0, 1.0, df)
                .ok()
                .map(|t| t.inverse_cdf(1.0 - level / 2.0)),
            _ => None,
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reference::Normal => f.write_str("N(0,1)"),
            Reference::StudentT(df) => write!(f, "t({df})"),
            Reference::Binomial {
                n,
                p,
                estimated: true,
            } => write!(f, "binomial({n}, {p:.4})"),
            Reference::Binomial { n, p, .. } => write!(f, "binomial({n}, {p})"),
            Reference::SignedRank(n) => write!(f, "signed_rank({n})"),
            Reference::Empirical(n) => write!(f, "empirical({n})"),
            Reference::Bootstrap(n) => write!(f, "bootstrap({n})"),
            Reference::F(a, b) => write!(f, "F({a}, {b})"),
        }
    }
}

impl FromStr for Reference {
    type Err = String;
    /// Parses the text [`Display`](fmt::Display) writes.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("unknown reference distribution \"{s}\"");
        let t = s.trim();
        if t == "N(0,1)" {
            return Ok(Reference::Normal);
        }
        let (name, args) = t
            .strip_suffix(')')
            .and_then(|x| x.split_once('('))
            .ok_or_else(bad)?;
        let int = |v: &str| v.trim().parse::<usize>().map_err(|_| bad());
        match name {
            "t" => {
                let df: f64 = args.trim().parse().map_err(|_| bad())?;
                Ok(Reference::StudentT(df))
            }
            "binomial" => {
                let (n, p) = args.split_once(',').ok_or_else(bad)?;
                let p = p.trim();
                Ok(Reference::Binomial {
                    n: int(n)?,
                    p: p.parse().map_err(|_| bad())?,
                    estimated: p != "0.5",
                })
            }
            "signed_rank" => Ok(Reference::SignedRank(int(args)?)),
            "empirical" => Ok(Reference::Empirical(int(args)?)),
            "bootstrap" => Ok(Reference::Bootstrap(int(args)?)),
            "F" => {
                let (a, b) = args.split_once(',').ok_or_else(bad)?;
                let df = |v: &str| v.trim().parse::<f64>().map_err(|_| bad());
                Ok(Reference::F(df(a)?, df(b)?))
            }
            _ => Err(bad()),
        }
    }
}

impl Serialize for Reference {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{PUBLISHED, assert_close};

    #[test]
    fn critical_values_match_tables() {
        // Two-sided 5 %: N(0,1) 1.960; t(3) 3.182; t(1) 12.706 (Student's t table).
        let cv = |r: Reference| r.critical_value(0.05).expect("continuous");
        assert_close!(cv(Reference::Normal), 1.960, PUBLISHED);
        assert_close!(cv(Reference::StudentT(3.0)), 3.182, PUBLISHED);
        assert_close!(cv(Reference::StudentT(1.0)), 12.706, PUBLISHED);
        assert_eq!(Reference::StudentT(0.0).critical_value(0.05), None);
        assert_eq!(Reference::SignedRank(4).critical_value(0.05), None);
    }

    #[test]
    fn text_round_trips() {
        for s in [
            "N(0,1)",
            "t(3)",
            "t(249)",
            "binomial(4, 0.5)",
            "binomial(20, 0.4812)",
            "binomial(3, NaN)",
            "signed_rank(0)",
            "signed_rank(12)",
            "empirical(230)",
            "bootstrap(999)",
            "bootstrap(16)",
            "F(4, 236)",
            "F(84, 944)",
        ] {
            let r: Reference = s.parse().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.to_string(), s);
        }
        assert!("chi2(1)".parse::<Reference>().is_err());
        for t in TestId::ALL {
            assert_eq!(t.as_str().parse::<TestId>(), Ok(t));
            assert_eq!(serde_json::to_value(t).expect("json"), t.as_str());
        }
    }
}
