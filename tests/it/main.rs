//! Integration tests, compiled as one binary.

mod bad_input;
mod common;
mod independent;
mod reference;
