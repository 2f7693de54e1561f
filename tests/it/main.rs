//! Integration tests, compiled as one binary.

mod architecture;
mod bad_input;
mod common;
mod corpus;
mod fetch;
mod fresh_clone;
mod first_mistakes;
mod fuzz;
mod golden_second_stage;
mod independent;
mod layouts;
mod inference;
mod models;
mod out_dir;
mod outputs_at_scale;
mod paper;
mod reference;
mod report;
mod reproduce;
mod scale;
mod second_stage;
mod simulate;
mod status;
/// The tolerance policy and `assert_close!`, shared with the unit tests (see the file).
#[path = "../../src/testutil/tolerance.rs"]
mod testutil;
/// The XML well-formedness check, shared with the unit tests (see the file).
#[path = "../../src/testutil/xml.rs"]
mod xml;
