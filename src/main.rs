//! The `evimpact` binary: parse arguments, call the library, map errors to exit codes
//! (0 success, 1 run failed, 2 bad usage or bad input).

use clap::Parser;

fn main() {
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
