//! The `evimpact` binary: parse arguments, call the library, map errors to exit codes
//! (0 success, 1 run failed, 2 bad usage or bad input).

use clap::Parser;

fn main() {
    let cli = evimpact::cli::Cli::parse();
    if let Err(e) = evimpact::cli::main_with(cli) {
        match &e {
            evimpact::error::Error::Run(inner) => eprintln!("error: {inner:#}"),
            evimpact::error::Error::Input(inner) => eprintln!("error: {inner}"),
        }
        std::process::exit(e.exit_code());
    }
}
