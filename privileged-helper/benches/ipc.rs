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
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use helper_proto::message::{decode_server, encode};
use helper_proto::{ClientMessage, Hello, Outcome, Request, Response, ServerMessage};

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

// ---------------------------------------------------------------- helper

/// The helper process and its temporary directory; on drop (also when a
/// measurement panics) the helper gets SIGTERM and the directory goes.
struct Helper {
    dir: PathBuf,
    socket: PathBuf,
    child: Option<Child>,
}

impl Helper {
    fn start() -> Helper {
        let dir = std::env::temp_dir().join(format!("egress-ipc-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        // As root the helper insists on a directory only root can write.
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .expect("chmod temp dir");
        }
        let mut helper = Helper {
            socket: dir.join("helper.sock"),
            dir,
            child: None,
        };
        let log = std::fs::File::create(helper.dir.join("helper.log")).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_egress-helper"))
            .arg("run")
            .args(["--backend", "sim"])
            .arg("--socket")
            .arg(&helper.socket)
            .arg("--state-dir")
            .arg(helper.dir.join("state"))
            // Absent, so the default policy, whatever /etc holds.
            .arg("--policy")
            .arg(helper.dir.join("policy.toml"))
            .env_remove("EGRESS_LOG")
            .env_remove(egress_helper::manager::LEGACY_ENV)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("spawn egress-helper");
        helper.child = Some(child);
        helper.wait_for_socket();
        helper
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("helper.log")).unwrap_or_default()
    }

    /// Until a client completes the handshake (a plain connect would leave
    /// a connection waiting for its hello).
    fn wait_for_socket(&mut self) {
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("egress-helper exited ({status}):\n{}", self.log());
                }
            }
            if self.socket.exists() {
                if let Ok(stream) = handshake(&self.socket) {
                    drop(stream);
                    return;
                }
            }
            if started.elapsed() > Duration::from_secs(30) {
                panic!("egress-helper did not serve within 30 s:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn sched(&self) -> Sched {
        let mut total = Sched::default();
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{}/task", self.pid())) else {
            return total;
        };
        for task in tasks.flatten() {
            let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) else {
                continue;
            };
            let mut fields = text
                .split_whitespace()
                .map(|f| f.parse::<u64>().unwrap_or(0));
            total.run_ns += fields.next().unwrap_or(0);
            total.wait_ns += fields.next().unwrap_or(0);
            total.slices += fields.next().unwrap_or(0);
        }
        total
    }

    fn memory(&self) -> Memory {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("/proc/<helper>/status");
        let field = |name: &str| -> u64 {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        Memory {
            rss_kib: field("VmRSS:"),
            hwm_kib: field("VmHWM:"),
            anon_kib: field("RssAnon:"),
            threads: field("Threads:"),
            fds: std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
                .map(|d| d.count())
                .unwrap_or(0),
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = rustix::process::Pid::from_raw(child.id() as i32);
            if let Some(pid) = pid {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            }
            let started = Instant::now();
            let status = loop {
                match child.try_wait() {
                    Ok(Some(status)) => break Some(status),
                    Ok(None) if started.elapsed() < Duration::from_secs(10) => {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    _ => {
                        let _ = child.kill();
                        break child.wait().ok();
                    }
                }
            };
            if let Some(status) = status {
                println!("\negress-helper stopped: {status}");
                if !status.success() {
                    eprintln!("{}", self.log());
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// CPU accounting summed over the helper's threads
/// (`/proc/<pid>/task/*/schedstat`).
#[derive(Debug, Clone, Copy, Default)]
struct Sched {
    /// Nanoseconds on a CPU.
    run_ns: u64,
    /// Nanoseconds runnable but waiting for a CPU.
    wait_ns: u64,
    /// Times a thread was put on a CPU.
    slices: u64,
}

impl Sched {
    fn since(self, before: Sched) -> Sched {
        Sched {
            run_ns: self.run_ns.saturating_sub(before.run_ns),
            wait_ns: self.wait_ns.saturating_sub(before.wait_ns),
            slices: self.slices.saturating_sub(before.slices),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Memory {
    rss_kib: u64,
    hwm_kib: u64,
    anon_kib: u64,
    threads: u64,
    fds: usize,
}

fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

// ---------------------------------------------------------------- frames

fn write_frame(stream: &mut UnixStream, payload: &[u8], buf: &mut Vec<u8>) {
    buf.clear();
    buf.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    buf.extend_from_slice(payload);
    stream.write_all(buf).expect("write a frame");
}

fn read_frame(stream: &mut impl Read, buf: &mut Vec<u8>) -> std::io::Result<()> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len)?;
    buf.resize(u32::from_be_bytes(len) as usize, 0);
    stream.read_exact(buf)
}

/// A blocking connection that said hello and got its welcome.
fn handshake(socket: &Path) -> std::io::Result<UnixStream> {
    let mut stream = UnixStream::connect(socket)?;
    let hello = encode(&ClientMessage::Hello(Hello::new("ipc-bench 0.1.0"))).expect("hello");
    write_frame(&mut stream, &hello, &mut Vec::new());
    let mut reply = Vec::new();
    read_frame(&mut stream, &mut reply)?;
    match decode_server(&reply) {
        Ok(ServerMessage::Welcome(_)) => Ok(stream),
        other => Err(std::io::Error::other(format!("no welcome: {other:?}"))),
    }
}

fn status_request(id: u64) -> Vec<u8> {
    encode(&ClientMessage::Request {
        id,
        request: Request::Status,
    })
    .expect("request")
}

fn expect_status_reply(bytes: &[u8], id: u64) {
    match decode_server(bytes) {
        Ok(ServerMessage::Reply {
            id: got,
            outcome: Outcome::Ok(Response::Status { .. }),
        }) if got == id => {}
        other => panic!("not the status reply {id}: {other:?}"),
    }
}

// ---------------------------------------------------------------- echo servers

/// Blocking echo, one thread per connection: the raw baseline.
fn std_echo_server(path: &Path) {
    let listener = UnixListener::bind(path).expect("bind echo");
    let named = |name: &str| std::thread::Builder::new().name(name.to_string());
    named("echo-accept")
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                named("echo-std")
                    .spawn(move || {
                        let mut payload = Vec::new();
                        let mut out = Vec::new();
                        while read_frame(&mut stream, &mut payload).is_ok() {
                            write_frame(&mut stream, &payload, &mut out);
                        }
                    })
                    .expect("echo thread");
            }
        })
        .expect("echo thread");
}

/// The same echo on a tokio runtime shaped like the helper's (multi-thread,
/// two workers), on its own thread.
fn tokio_echo_server(path: &Path) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("echo-tokio")
        .enable_all()
        .build()
        .expect("echo runtime");
    let listener = {
        let _guard = runtime.enter();
        tokio::net::UnixListener::bind(path).expect("bind tokio echo")
    };
    std::thread::Builder::new()
        .name("echo-tokio-main".into())
        .spawn(move || {
            runtime.block_on(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    tokio::spawn(async move {
                        let mut payload = Vec::new();
                        let mut out = Vec::new();
                        loop {
                            let mut len = [0u8; 4];
                            if stream.read_exact(&mut len).await.is_err() {
                                return;
                            }
                            payload.resize(u32::from_be_bytes(len) as usize, 0);
                            if stream.read_exact(&mut payload).await.is_err() {
                                return;
                            }
                            out.clear();
                            out.extend_from_slice(&len);
                            out.extend_from_slice(&payload);
                            if stream.write_all(&out).await.is_err() {
                                return;
                            }
                        }
                    });
                }
            });
        })
        .expect("echo thread");
}

// ---------------------------------------------------------------- latency

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Echo,
    Status,
    StatusRaw,
    EchoTokio,
    Json,
}

impl Variant {
    const ALL: [Variant; 5] = [
        Variant::Echo,
        Variant::Status,
        Variant::StatusRaw,
        Variant::EchoTokio,
        Variant::Json,
    ];

    fn label(self) -> &'static str {
        match self {
            Variant::Echo => "raw echo (std client, std thread server)",
            Variant::Status => "status via helper-client",
            Variant::StatusRaw => "status, blocking client, no helper-client",
            Variant::EchoTokio => "echo via tokio both ends",
            Variant::Json => "no I/O: encode + decode one status reply",
        }
    }
}

/// The clients of every variant, connected.
struct Clients {
    runtime: tokio::runtime::Runtime,
    client: helper_client::Client,
    raw: UnixStream,
    raw_id: u64,
    echo: UnixStream,
    echo_tokio: tokio::net::UnixStream,
    payload: Vec<u8>,
    reply: ServerMessage,
    buf: Vec<u8>,
    out: Vec<u8>,
}

impl Clients {
    fn connect(helper: &Helper) -> Clients {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("client runtime");
        let (client, reply) = runtime.block_on(async {
            let client = helper_client::Client::connect(&helper.socket, "ipc-bench")
                .await
                .expect("helper-client connects");
            let status = client.status().await.expect("status");
            let reply = ServerMessage::Reply {
                id: 1,
                outcome: Outcome::Ok(Response::Status {
                    status: Box::new(status),
                }),
            };
            (client, reply)
        });
        let reply_bytes = encode(&reply).expect("encode").len();
        let echo_path = helper.dir.join("echo.sock");
        std_echo_server(&echo_path);
        let echo_tokio_path = helper.dir.join("echo-tokio.sock");
        tokio_echo_server(&echo_tokio_path);
        let echo_tokio = runtime.block_on(async {
            tokio::net::UnixStream::connect(&echo_tokio_path)
                .await
                .expect("connect tokio echo")
        });
        Clients {
            client,
            raw: handshake(&helper.socket).expect("raw client"),
            raw_id: 0,
            echo: UnixStream::connect(&echo_path).expect("connect echo"),
            echo_tokio,
            runtime,
            payload: (0..reply_bytes).map(|i| b'a' + (i % 26) as u8).collect(),
            reply,
            buf: Vec::new(),
            out: Vec::new(),
        }
    }

    /// `count` round trips of `variant`, each timed.
    fn run(&mut self, variant: Variant, count: usize, samples: &mut Vec<Duration>) {
        match variant {
            Variant::Echo => {
                for _ in 0..count {
                    let t = Instant::now();
                    write_frame(&mut self.echo, &self.payload, &mut self.out);
                    read_frame(&mut self.echo, &mut self.buf).expect("echo");
                    samples.push(t.elapsed());
                    assert_eq!(self.buf.len(), self.payload.len());
                }
            }
            Variant::StatusRaw => {
                for _ in 0..count {
                    self.raw_id += 1;
                    let id = self.raw_id;
                    let t = Instant::now();
                    let request = status_request(id);
                    write_frame(&mut self.raw, &request, &mut self.out);
                    read_frame(&mut self.raw, &mut self.buf).expect("status reply");
                    expect_status_reply(&self.buf, id);
                    samples.push(t.elapsed());
                }
            }
            Variant::Status => {
                let client = &self.client;
                self.runtime.block_on(async {
                    for _ in 0..count {
                        let t = Instant::now();
                        let status = client.status().await.expect("status");
                        samples.push(t.elapsed());
                        std::hint::black_box(status);
                    }
                });
            }
            Variant::Json => {
                for _ in 0..count {
                    let t = Instant::now();
                    let bytes = encode(std::hint::black_box(&self.reply)).expect("encode");
                    let back = decode_server(&bytes).expect("decode");
                    samples.push(t.elapsed());
                    std::hint::black_box(back);
                }
            }
            Variant::EchoTokio => {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let Clients {
                    runtime,
                    echo_tokio,
                    payload,
                    buf,
                    out,
                    ..
                } = self;
                runtime.block_on(async {
                    for _ in 0..count {
                        let t = Instant::now();
                        out.clear();
                        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
                        out.extend_from_slice(payload);
                        echo_tokio.write_all(out).await.expect("write");
                        let mut len = [0u8; 4];
                        echo_tokio.read_exact(&mut len).await.expect("read");
                        buf.resize(u32::from_be_bytes(len) as usize, 0);
                        echo_tokio.read_exact(buf).await.expect("read");
                        samples.push(t.elapsed());
                    }
                });
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Summary {
    p50: Duration,
    p99: Duration,
    mean: Duration,
    min: Duration,
}

fn summarize(samples: &mut [Duration]) -> Summary {
    samples.sort();
    let at = |p: f64| {
        let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
        samples[i.min(samples.len() - 1)]
    };
    let total: Duration = samples.iter().sum();
    Summary {
        p50: at(0.5),
        p99: at(0.99),
        mean: total / samples.len() as u32,
        min: samples[0],
    }
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn pass(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

/// Returns whether the p50 goal was met.
fn latency(helper: &Helper) -> bool {
    let mut clients = Clients::connect(helper);
    println!(
        "\n## Latency: {N} sequential round trips per variant, after {WARM_UP} warm-up, \
         in blocks of {BLOCK} taking turns"
    );
    println!(
        "echo payload: {} bytes (one status reply's JSON, helper_proto::message::encode)",
        clients.payload.len()
    );
    let mut discard = Vec::new();
    let before = helper.sched();
    for variant in Variant::ALL {
        clients.run(variant, WARM_UP, &mut discard);
    }
    let mut samples: Vec<Vec<Duration>> =
        Variant::ALL.iter().map(|_| Vec::with_capacity(N)).collect();
    let started = Instant::now();
    for _ in 0..N / BLOCK {
        for (i, variant) in Variant::ALL.into_iter().enumerate() {
            clients.run(variant, BLOCK, &mut samples[i]);
        }
    }
    let wall = started.elapsed();
    let sched = helper.sched().since(before);
    let summaries: Vec<Summary> = samples.iter_mut().map(|s| summarize(s)).collect();
    println!();
    println!(
        "| {:<42} | {:>8} | {:>8} | {:>8} | {:>8} |",
        "Round trip", "p50 µs", "p99 µs", "mean µs", "min µs"
    );
    println!(
        "|{:-<44}|{:->10}|{:->10}|{:->10}|{:->10}|",
        "", "", "", "", ""
    );
    for (variant, s) in Variant::ALL.iter().zip(&summaries) {
        println!(
            "| {:<42} | {:>8.1} | {:>8.1} | {:>8.1} | {:>8.1} |",
            variant.label(),
            us(s.p50),
            us(s.p99),
            us(s.mean),
            us(s.min)
        );
    }
    let (echo, status) = (summaries[0], summaries[1]);
    let p50_ratio = us(status.p50) / us(echo.p50);
    let p99_ratio = us(status.p99) / us(echo.p99);
    let raw_ratio = us(summaries[2].p50) / us(echo.p50);
    let tokio_ratio = us(summaries[3].p50) / us(echo.p50);
    let json_ratio = us(summaries[4].p50) / us(echo.p50);
    println!("\n(all variants: {:.1} s of wall time)", wall.as_secs_f64());
    println!(
        "p50 ratio status/echo: {p50_ratio:.2} (goal ≤ {GOAL_P50_RATIO}): {}",
        pass(p50_ratio <= GOAL_P50_RATIO)
    );
    println!("p99 ratio status/echo: {p99_ratio:.2}");
    println!("p50 ratio status without helper-client/echo: {raw_ratio:.2}");
    println!("p50 ratio tokio echo/echo: {tokio_ratio:.2}");
    println!("p50 ratio JSON alone/echo: {json_ratio:.2}");
    // Only the two status variants reach the helper (its sim clock's 20
    // ticks a second are noise at this rate).
    let requests = (2 * (N + WARM_UP)) as f64;
    println!(
        "helper, per status request: {:.1} µs on a CPU, {:.1} µs runnable but waiting \
         for one, {:.2} thread wake-ups",
        sched.run_ns as f64 / requests / 1e3,
        sched.wait_ns as f64 / requests / 1e3,
        sched.slices as f64 / requests
    );
    p50_ratio <= GOAL_P50_RATIO
}

// ---------------------------------------------------------------- memory

fn print_memory(what: &str, m: Memory) {
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
fn memory(helper: &Helper, idle: Memory, after_latency: Memory) -> (bool, bool) {
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

// ---------------------------------------------------------------- main

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
