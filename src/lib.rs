//! evimpact: market-event impact analysis (event studies) with trading status as
//! first-class data.
//!
//! The pipeline is a chain of pure functions over columnar data:
//! load ([`data`]) → align ([`align`]) → returns with trading status ([`returns`]) →
//! fit ([`model`]) → abnormal returns and CARs ([`engine`]) → test statistics ([`stats`]) →
//! tables ([`output`]), report ([`report`]) and charts ([`charts`], [`chart`]).
//! [`run::run_study`] runs it; [`cli`] is the command line. See README.md for the guide.

pub mod abnormal;
pub mod align;
pub mod chart;
pub mod cli;
pub mod data;
pub mod error;
pub mod fetch;
pub mod fsio;
pub mod model;
pub mod outcome;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod returns;
pub mod simulate;
pub mod stats;
pub mod study;
pub mod synth;
#[cfg(test)]
pub mod testutil;
pub mod window;
