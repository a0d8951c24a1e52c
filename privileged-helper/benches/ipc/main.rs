//! The helper's IPC, measured against the real `egress-helper` process
//! (std + tokio harness, issue 4 §5):
//!
//! 1. Request latency: `status` through `helper-client`, against a raw
//!    Unix-socket echo of a frame the size of a status reply, timed in the
//!    same run. Goal: p50(status) ≤ 3 × p50(echo).
//!    Three more rows say where the time goes: `status` from a blocking
//!    client speaking the protocol itself (no `helper-client`); the echo
//!    through tokio on both ends (a server with the helper's runtime shape,
//!    a current-thread client like `egressctl`'s); and encoding plus
//!    decoding one status reply with no I/O at all. The variants take
//!    turns in blocks, so a burst of load on a shared machine hits them
//!    alike. The helper's CPU accounting (`/proc/<pid>/task/*/schedstat`)
//!    over the run gives its time on a CPU and its thread wake-ups per
//!    request.
//! 2. The helper's memory (`VmRSS`, `VmHWM` from `/proc/<pid>/status`):
//!    idle after start, then with 1,000 clients that completed the
//!    handshake, then after each of them had a `status` answered.
//!    Goals: < 15 MB idle, < 60 MB with 1,000 clients (MB = 10⁶ bytes).
//!
//! `cargo bench -p privileged-helper --bench ipc`; prefix `taskset -c 0`
//! to put the bench and the helper on one CPU (the echo's threads share
//! one on their own; the helper, another process, often does not, and a
//! wake-up across CPUs costs far more than the whole echo on a VM).

use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use helper::Helper;
use latency::{latency, pass};
use memory::memory;

/// Timed round trips per variant.
const N: usize = 20_000;
/// Untimed round trips per variant first.
const WARM_UP: usize = 500;
/// Round trips per variant per block; the variants take turns.
const BLOCK: usize = 2_000;
/// Clients held open for the memory measurement.
const CLIENTS: usize = 1_000;

const GOAL_P50_RATIO: f64 = 3.0;
const GOAL_IDLE_MB: f64 = 15.0;
const GOAL_CLIENTS_MB: f64 = 60.0;

mod frames;
mod helper;
mod latency;
mod memory;

fn machine() -> String {
    let mut s = String::new();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/version").unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_default();
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|l| l.trim_matches('"').to_string())
        })
        .unwrap_or_default();
    let date = Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M:%S UTC")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let _ = writeln!(s, "date:    {date}");
    let _ = writeln!(s, "os:      {os}");
    let _ = writeln!(s, "nproc:   {cores} ({cpu})");
    let _ = writeln!(s, "kernel:  {}", kernel.trim());
    let _ = write!(s, "loadavg: {}", load.trim());
    s
}

/// Raises the soft limit on open files to the hard limit: 1,000 clients
/// and their sockets need more than the usual 1,024.
fn raise_fd_limit() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let now = getrlimit(Resource::Nofile);
    if now.current < now.maximum || (now.maximum.is_none() && now.current.is_some()) {
        let want = Rlimit {
            current: now.maximum.or(Some(65536)),
            maximum: now.maximum,
        };
        if setrlimit(Resource::Nofile, want).is_err() {
            return now.current;
        }
    }
    getrlimit(Resource::Nofile).current
}

fn main() {
    println!("# egress-helper IPC benchmark (issue 4)\n");
    println!("{}", machine());
    let limit = raise_fd_limit();
    println!("open files (this process): {limit:?}");
    if limit.is_some_and(|l| l < (CLIENTS as u64 + 64)) {
        panic!("the open-file limit {limit:?} is too low for {CLIENTS} clients");
    }

    let helper = Helper::start();
    println!(
        "egress-helper pid {} ({})",
        helper.pid(),
        env!("CARGO_BIN_EXE_egress-helper")
    );
    std::thread::sleep(Duration::from_secs(1));
    let idle = helper.memory();

    let latency_ok = latency(&helper);
    std::thread::sleep(Duration::from_millis(500));
    let after_latency = helper.memory();
    let (idle_ok, clients_ok) = memory(&helper, idle, after_latency);

    println!("\n## Goals");
    println!("p50(status) ≤ 3 × p50(echo):      {}", pass(latency_ok));
    println!("idle VmRSS < 15 MB:               {}", pass(idle_ok));
    println!("VmRSS with 1,000 clients < 60 MB: {}", pass(clients_ok));
    println!(
        "loadavg at the end: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    drop(helper);
}
