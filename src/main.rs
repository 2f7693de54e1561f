//! The `evimpact` binary: parse arguments, call the library, map errors to exit codes
//! (0 success, 1 run failed, 2 bad usage or bad input).

use clap::Parser;

/// mimalloc instead of the system allocator (see Cargo.toml): a lower peak resident set on
/// large runs, whose threads allocate and free millions of small vectors.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// polars' own warnings ("CSV malformed: expected N rows …", without a file or line) are not
/// the user's to read: they concern its chunked reading, and the price loader re-reads any
/// chunk on which polars and evimpact's scanner disagree from the text itself
/// (`data::prices::read_chunk`), so every problem with a file is reported by evimpact with
/// its file, line, column and value.
fn ignore_polars_warning(_message: &str, _kind: polars::error::PolarsWarning) {}

fn main() {
    polars::error::set_warning_function(ignore_polars_warning);
    let args: Vec<String> = std::env::args().collect();
    if let Err(message) = evimpact::cli::preflight(&args) {
        eprintln!("error: {message}");
        std::process::exit(2);
    }
    let cli = evimpact::cli::Cli::parse();
    if let Err(e) = evimpact::cli::main_with(cli) {
        match &e {
            evimpact::error::Error::Run(inner) => eprintln!("error: {inner:#}"),
            evimpact::error::Error::Input(inner) => eprintln!("error: {inner}"),
        }
        std::process::exit(e.exit_code());
    }
}
