//! `egressctl`: the command line of Egress.
//!
//! It talks to `egress-helper` over its socket (`--socket PATH`, default
//! `$EGRESS_SOCKET`, else the installed helper's) with `helper-client`:
//!
//! | command | what |
//! | --- | --- |
//! | `status` | mode (and why), egress per family, pins, warnings, re-pins, timeline |
//! | `routes [--family 4\|6] [--scoped] [--ours] [--interface IF] [--all]` | the table, laid out like `netstat -rn` |
//! | `get DEST [--scoped-to IF]` | route, interface, gateway, VPN or not (like `route -n get`) |
//! | `mode [advanced\|legacy]` | shows or switches the mode (a progress bar on a terminal) |
//! | `exclude add\|rm PREFIX [--label L]`, `exclude ls` | exclusions |
//! | `bind-test [--family 4\|6] [--to DEST]` | a socket bound by the helper, and where it leads |
//! | `watch [--topic T]...` | events, one line each; survives helper restarts |
//! | `flush [--dry-run]` | removes routes Egress left behind |
//! | `diagnose [--redact] [--out DIR]` | diagnostics; a bug-report bundle into DIR |
//! | `decode FILE\|-`, `encode FILE\|-` | PF_ROUTE bytes to JSON and back, offline |
//! | `sim events\|run E\|vpn up\|down\|network wifi\|ethernet\|sleep\|wake\|link IF up\|down` | the simulated Mac |
//!
//! Every command takes `--json`.
//!
//! # Exit status
//! - 0: it worked.
//! - 1: the helper refused or failed (its message says why), or a local
//!   file could not be read or decoded.
//! - 2: bad usage.
//! - 3: the helper is not running or not installed (the message says how
//!   to start the simulated one: `egress-helper run --backend sim --socket PATH`).
//! - 4: permission denied (the helper's message names the group needed).
//! - 5: egressctl and the helper speak incompatible protocol versions.

mod cli;
mod commands;
mod failure;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::failure::{EXIT_FAILED, EXIT_OK};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print and succeed; mistakes exit 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(EXIT_FAILED));
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("egressctl: cannot start: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(failure) => {
            eprintln!("egressctl: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}
