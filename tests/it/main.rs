//! Integration tests, compiled as one binary.

mod bad_input;
mod common;
mod fetch;
mod independent;
mod models;
mod out_dir;
mod reference;
mod report;
mod scale;
mod simulate;
mod status;
/// The tolerance policy and `assert_close!`, shared with the unit tests (see the file).
#[path = "../../src/testutil/tolerance.rs"]
mod testutil;
