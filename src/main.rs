//! The `evimpact` binary: parse arguments, call the library, map errors to exit codes
//! (0 success, 1 run failed, 2 bad usage or bad input).

use clap::Parser;

/// glibc's malloc keeps up to eight arenas per core, and memory freed into one thread's
/// arena is not reused by the others: on the 100,000-event benchmark panel the peak
/// resident set was 2,110–2,162 MiB with the default and 1,850–2,006 MiB with one arena per
/// core (10,000 events: 650–740 against 460–600 MiB), at the same speed within the
/// machine's noise. So one per core, set before any thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let cores = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
    // SAFETY: mallopt only sets a tunable of the allocator, here before any other thread
    // exists; an unknown value leaves the default (its result is not needed).
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, cores);
    }
}

/// polars' own warnings ("CSV malformed: expected N rows …", without a file or line) are not
/// the user's to read: they concern its chunked reading, and the price loader re-reads any
/// chunk on which polars and evimpact's scanner disagree from the text itself
/// (`data::prices::read_chunk`), so every problem with a file is reported by evimpact with
/// its file, line, column and value.
fn ignore_polars_warning(_message: &str, _kind: polars::error::PolarsWarning) {}

fn main() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    limit_malloc_arenas();
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
