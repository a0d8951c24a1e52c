//! Request latency: `status` through `helper-client` and the baselines,
//! taking turns in blocks.

use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use helper_proto::message::{decode_server, encode};
use helper_proto::{Outcome, Response, ServerMessage};

use crate::frames::{
    expect_status_reply, handshake, read_frame, status_request, std_echo_server, tokio_echo_server,
    write_frame,
};
use crate::helper::Helper;
use crate::{BLOCK, GOAL_P50_RATIO, N, WARM_UP};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
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

    pub(crate) fn label(self) -> &'static str {
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
pub(crate) struct Clients {
    pub(crate) runtime: tokio::runtime::Runtime,
    pub(crate) client: helper_client::Client,
    pub(crate) raw: UnixStream,
    pub(crate) raw_id: u64,
    pub(crate) echo: UnixStream,
    pub(crate) echo_tokio: tokio::net::UnixStream,
    pub(crate) payload: Vec<u8>,
    pub(crate) reply: ServerMessage,
    pub(crate) buf: Vec<u8>,
    pub(crate) out: Vec<u8>,
}

impl Clients {
    pub(crate) fn connect(helper: &Helper) -> Clients {
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
    pub(crate) fn run(&mut self, variant: Variant, count: usize, samples: &mut Vec<Duration>) {
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
pub(crate) struct Summary {
    p50: Duration,
    p99: Duration,
    pub(crate) mean: Duration,
    pub(crate) min: Duration,
}

pub(crate) fn summarize(samples: &mut [Duration]) -> Summary {
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

pub(crate) fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

pub(crate) fn pass(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

/// Returns whether the p50 goal was met.
pub(crate) fn latency(helper: &Helper) -> bool {
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
