//! Integration tests, compiled as one binary.

mod architecture;
mod bad_input;
mod common;
mod fetch;
mod independent;
mod inference;
mod models;
mod out_dir;
mod reference;
mod report;
mod scale;
mod simulate;
mod status;
