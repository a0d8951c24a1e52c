//! The `egress-sim` command line, as a pure function from arguments (and
//! a file reader) to text, so it is tested without spawning anything.
//!
//! ```text
//! egress-sim netstat [-f inet|inet6] [-a]     the table, as `netstat -rn`
//! egress-sim routes                           canonical `route add` lines
//! egress-sim dump [--op dump|dump2|iflist2]   sysctl bytes, as hex
//! egress-sim get DEST [--ifscope IF]          like `route -n get`
//! egress-sim egress DEST [--bound-if IF]      where a packet would leave
//! egress-sim events                           the scenario's events
//! common: [--scenario FILE] [--event NAME ...]
//! ```
//!
//! Exit status: 0 on success, 1 when the simulation says no (a failing
//! scenario, an unreachable destination), 2 for usage errors.

mod route_get;

use std::net::IpAddr;

use routing_core::model::{canonical_text, render_netstat, Family, NetstatOptions};

use crate::scenario::{Scenario, REALISTIC_MAC, REALISTIC_MAC_NAME};
use crate::sysctl::{route_mib, NET_RT_DUMP, NET_RT_DUMP2, NET_RT_IFLIST2};
use crate::SimKernel;

pub use route_get::route_get;

/// The help text.
pub const USAGE: &str = "\
usage: egress-sim COMMAND [OPTIONS]

commands:
  netstat [-f inet|inet6] [-a]      print the routing table exactly as `netstat -rn`
  routes                            print canonical `route add` lines, sorted
  dump [--op dump|dump2|iflist2] [-f inet|inet6]
                                    print the sysctl bytes as hex, one record a line
  get DEST [--ifscope IF]           look a destination up, like `route -n get`
  egress DEST [--bound-if IF]       where a packet to DEST would leave
  events                            list the scenario's named events

options for every command:
  --scenario FILE                   use this scenario (default: the shipped realistic Mac)
  --event NAME[,NAME...]            run these events after the setup (repeatable, in order)
  -h, --help                        this text
";

/// A failure and the exit status it calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// 2 for usage errors, 1 for everything else.
    pub code: u8,
    /// What to print on standard error.
    pub message: String,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: format!("{}\n\n{USAGE}", message.into()),
    }
}

fn failure(message: impl Into<String>) -> Failure {
    Failure {
        code: 1,
        message: message.into(),
    }
}

/// The parsed command line.
#[derive(Default)]
struct Args {
    command: String,
    positional: Vec<String>,
    scenario: Option<String>,
    events: Vec<String>,
    family: Option<Family>,
    all: bool,
    op: Option<String>,
    ifscope: Option<String>,
    bound_if: Option<String>,
}

fn parse_args(argv: &[String]) -> Result<Args, Failure> {
    let mut args = Args::default();
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| usage(format!("{name} needs a value")))
        };
        match arg.as_str() {
            "-h" | "--help" => args.command = "help".into(),
            "--scenario" => args.scenario = Some(value("--scenario")?),
            "--event" => args
                .events
                .extend(value("--event")?.split(',').map(String::from)),
            "--op" => args.op = Some(value("--op")?),
            "--ifscope" | "-ifscope" => args.ifscope = Some(value("--ifscope")?),
            "--bound-if" => args.bound_if = Some(value("--bound-if")?),
            "-a" => args.all = true,
            "-n" | "-r" | "-rn" | "-nr" => {}
            "-f" => {
                args.family = Some(match value("-f")?.as_str() {
                    "inet" => Family::V4,
                    "inet6" => Family::V6,
                    other => return Err(usage(format!("-f takes inet or inet6, not {other}"))),
                })
            }
            other if other.starts_with('-') => {
                return Err(usage(format!("unknown option {other}")))
            }
            other if args.command.is_empty() => args.command = other.to_string(),
            other => args.positional.push(other.to_string()),
        }
    }
    if args.command.is_empty() {
        return Err(usage("missing command"));
    }
    Ok(args)
}

fn load(
    args: &Args,
    read_file: &dyn Fn(&str) -> Result<String, String>,
) -> Result<(Scenario, SimKernel), Failure> {
    let scenario = match &args.scenario {
        Some(path) => {
            let text = read_file(path).map_err(|e| failure(format!("cannot read {path}: {e}")))?;
            Scenario::parse(path, &text)
        }
        None => Scenario::parse(REALISTIC_MAC_NAME, REALISTIC_MAC),
    }
    .map_err(|e| failure(e.to_string()))?;
    let mut kernel = scenario.boot().map_err(|e| failure(e.to_string()))?;
    for event in &args.events {
        if scenario.event(event).is_none() {
            return Err(usage(format!(
                "no event named {event} (try `egress-sim events`)"
            )));
        }
        scenario
            .run_event(&mut kernel, event)
            .map_err(|e| failure(e.to_string()))?;
    }
    Ok((scenario, kernel))
}

fn interface_index(kernel: &SimKernel, name: &str) -> Result<u32, Failure> {
    kernel
        .index_of(name)
        .or_else(|| name.parse().ok())
        .ok_or_else(|| failure(format!("no interface named {name}")))
}

fn destination(args: &Args) -> Result<IpAddr, Failure> {
    let text = args
        .positional
        .first()
        .ok_or_else(|| usage(format!("{} needs a destination", args.command)))?;
    match text.as_str() {
        "default" => Ok(args.family.unwrap_or(Family::V4).unspecified()),
        t => t
            .parse()
            .map_err(|_| usage(format!("{t} is not an IP address"))),
    }
}

/// Runs one `egress-sim` command line (without the program name) and
/// returns what to print. `read_file` reads a `--scenario` file: the only
/// I/O, which the binary supplies.
///
/// # Errors
/// A [`Failure`] with its exit status and message.
pub fn run(
    argv: &[String],
    read_file: &dyn Fn(&str) -> Result<String, String>,
) -> Result<String, Failure> {
    let args = parse_args(argv)?;
    if args.command == "help" {
        return Ok(USAGE.to_string());
    }
    let (scenario, mut kernel) = load(&args, read_file)?;
    let names = |i: u32| kernel.name_of(i);
    match args.command.as_str() {
        "netstat" => {
            let opts = NetstatOptions {
                all: args.all,
                family: args.family,
            };
            Ok(render_netstat(
                kernel.table(),
                &names,
                kernel.wall_now(),
                &opts,
            ))
        }
        "routes" => Ok(canonical_text(kernel.table(), &names, kernel.wall_now())),
        "events" => Ok(scenario
            .events
            .iter()
            .map(|e| format!("{:<18} {}\n", e.name, e.description))
            .collect()),
        "dump" => {
            let op = match args.op.as_deref().unwrap_or("dump2") {
                "dump" => NET_RT_DUMP,
                "dump2" => NET_RT_DUMP2,
                "iflist2" => NET_RT_IFLIST2,
                other => {
                    return Err(usage(format!(
                        "--op takes dump, dump2 or iflist2, not {other}"
                    )))
                }
            };
            let af = match args.family {
                None => 0,
                Some(Family::V4) => 2,
                Some(Family::V6) => 30,
            };
            let bytes = kernel
                .sysctl(&route_mib(af, op, 0))
                .map_err(|e| failure(format!("sysctl: {e}")))?;
            Ok(hex_records(&bytes))
        }
        "get" => {
            let dst = destination(&args)?;
            let scope = args
                .ifscope
                .as_deref()
                .map(|n| interface_index(&kernel, n))
                .transpose()?;
            route_get(&mut kernel, dst, scope).map_err(failure)
        }
        "egress" => {
            let dst = destination(&args)?;
            let bound = args
                .bound_if
                .as_deref()
                .map(|n| interface_index(&kernel, n))
                .transpose()?;
            let e = kernel
                .egress(dst, bound)
                .map_err(|e| failure(format!("{dst}: {e}")))?;
            let via = e
                .gateway
                .map_or("on-link".to_string(), |g| format!("via {g}"));
            let src = e.source.map_or("none".to_string(), |s| s.to_string());
            let line = routing_core::model::canonical_line(&e.route, &names, kernel.wall_now());
            Ok(format!(
                "{dst} leaves through {} {via} (source {src})\nroute: {line}\n",
                e.interface
            ))
        }
        other => Err(usage(format!("unknown command {other}"))),
    }
}

/// One message per line, as lowercase hex.
fn hex_records(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut at = 0;
    while at + 2 <= bytes.len() {
        let len = usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]])).max(1);
        let end = (at + len).min(bytes.len());
        let line: Vec<String> = bytes[at..end].iter().map(|b| format!("{b:02x}")).collect();
        out.push_str(&line.join(" "));
        out.push('\n');
        at = end;
    }
    out
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod tests;
