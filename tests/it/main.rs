//! Integration tests, compiled as one binary.

mod architecture;
mod bad_input;
mod common;
mod corpus;
mod fetch;
mod fuzz;
mod independent;
mod layouts;
mod models;
mod out_dir;
mod reference;
mod report;
mod scale;
mod simulate;
mod status;
