//! Integration tests, compiled as one binary.

mod architecture;
mod bad_input;
mod common;
mod fetch;
mod golden_second_stage;
mod independent;
mod models;
mod out_dir;
mod reference;
mod report;
mod scale;
mod second_stage;
mod simulate;
mod status;
