//! The helper's memory, idle and with 1,000 clients.

use std::time::{Duration, Instant};

use crate::frames::{expect_status_reply, handshake, read_frame, status_request, write_frame};
use crate::helper::{mb, Helper, Memory};
use crate::latency::pass;
use crate::{CLIENTS, GOAL_CLIENTS_MB, GOAL_IDLE_MB};

pub(crate) fn print_memory(what: &str, m: Memory) {
    println!(
        "| {what:<44} | {:>7.1} | {:>7.1} | {:>7.1} | {:>7} | {:>5} |",
        mb(m.rss_kib),
        mb(m.hwm_kib),
        mb(m.anon_kib),
        m.threads,
        m.fds
    );
}

/// Returns (idle, with clients) PASS.
pub(crate) fn memory(helper: &Helper, idle: Memory, after_latency: Memory) -> (bool, bool) {
    println!(
        "\n## Helper memory (/proc/{}/status; MB = 10^6 bytes)",
        helper.pid()
    );
    println!();
    println!(
        "| {:<44} | {:>7} | {:>7} | {:>7} | {:>7} | {:>5} |",
        "When", "VmRSS", "VmHWM", "RssAnon", "threads", "fds"
    );
    println!(
        "|{:-<46}|{:->9}|{:->9}|{:->9}|{:->9}|{:->7}|",
        "", "", "", "", "", ""
    );
    print_memory("idle, 1 s after start", idle);
    print_memory("after the latency runs (clients gone)", after_latency);

    let started = Instant::now();
    let mut streams = Vec::with_capacity(CLIENTS);
    for i in 0..CLIENTS {
        match handshake(&helper.socket) {
            Ok(stream) => streams.push(stream),
            Err(e) => panic!("client {i} could not connect: {e}\n{}", helper.log()),
        }
    }
    let connect_time = started.elapsed();
    std::thread::sleep(Duration::from_millis(500));
    let connected = helper.memory();
    print_memory(
        &format!("{CLIENTS} clients after their handshake"),
        connected,
    );

    let started = Instant::now();
    let mut out = Vec::new();
    for (i, stream) in streams.iter_mut().enumerate() {
        write_frame(stream, &status_request(i as u64 + 1), &mut out);
    }
    let mut buf = Vec::new();
    for (i, stream) in streams.iter_mut().enumerate() {
        read_frame(stream, &mut buf).expect("a status reply");
        expect_status_reply(&buf, i as u64 + 1);
    }
    let status_time = started.elapsed();
    std::thread::sleep(Duration::from_millis(500));
    let served = helper.memory();
    print_memory(&format!("{CLIENTS} clients after a status each"), served);

    drop(streams);
    std::thread::sleep(Duration::from_secs(1));
    print_memory(
        &format!("1 s after the {CLIENTS} clients left"),
        helper.memory(),
    );

    println!(
        "\n{CLIENTS} handshakes (one after another): {:.0} ms; {CLIENTS} status requests \
         (all sent, then all read): {:.0} ms",
        connect_time.as_secs_f64() * 1e3,
        status_time.as_secs_f64() * 1e3
    );
    let idle_ok = mb(idle.rss_kib) < GOAL_IDLE_MB;
    let worst = connected.rss_kib.max(served.rss_kib);
    let clients_ok = mb(worst) < GOAL_CLIENTS_MB;
    println!(
        "idle VmRSS {:.1} MB (goal < {GOAL_IDLE_MB}): {}",
        mb(idle.rss_kib),
        pass(idle_ok)
    );
    println!(
        "VmRSS with {CLIENTS} clients, the larger of the two: {:.1} MB (goal < {GOAL_CLIENTS_MB}): {}",
        mb(worst),
        pass(clients_ok)
    );
    (idle_ok, clients_ok)
}
