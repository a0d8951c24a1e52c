//! `egress-sim`: the simulated Mac from the command line. The work is
//! done by [`routing_sim::cli::run`]; this file only reads the scenario
//! file, prints and exits (0 ok, 1 failure, 2 usage).
// The binary reads the scenario file the user names; the library stays pure.
#![allow(clippy::disallowed_methods)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let read_file = |path: &str| std::fs::read_to_string(path).map_err(|e| e.to_string());
    match routing_sim::cli::run(&argv, &read_file) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(f) => {
            eprintln!("egress-sim: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
