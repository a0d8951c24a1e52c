//! The Linux backend and the helper on the real kernel, against `ip`, in a
//! network namespace of the bench's own (issue 5 §3; the topology of
//! `tests/linux_e2e.rs`, whose harness this shares):
//!
//! 1. Installing then removing 10,000 exclusion routes (IPv6 /128s via the
//!    eth0 gateway, protocol 69): ours (`LinuxBackend::add_route` /
//!    `delete_route`, one rtnetlink request each) against `ip -batch` with
//!    the same routes, in the same namespace, taking turns in one run.
//!    Goal: ours / ip ≤ 1.0.
//! 2. Re-pin latency of the `egress-helper` process after the main IPv4
//!    default moves between eth0 and eth1 (`ip route replace`), 50 moves,
//!    seen through `helper-client` status events: p50/p99 from the moment
//!    `ip` is started and from the moment it has exited (the change is in
//!    the kernel), and the same less the 100 ms of quiet the helper waits
//!    for. Goal: p99 < 100 ms after that debounce.
//! 3. Dump and parse of a table with 100,000 routes (plus the topology's):
//!    ours (`LinuxBackend::routes`: links, both families' routes, into the
//!    model) against `ip -j route show table all` and `ip -j -6 route show
//!    table all` read from a pipe and parsed with `serde_json`.
//!
//! `cargo bench -p privileged-helper --bench linux` (as root; otherwise it
//! says so and does nothing).

#[cfg(target_os = "linux")]
#[path = "../tests/linux_e2e/harness.rs"]
#[allow(dead_code, unsafe_code)]
mod harness;
#[cfg(target_os = "linux")]
#[path = "../tests/linux_e2e/helper.rs"]
#[allow(dead_code)]
mod helper;

fn main() {
    #[cfg(target_os = "linux")]
    linux::main();
    #[cfg(not(target_os = "linux"))]
    eprintln!("skipped: the Linux backend bench runs on Linux");
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io::Write as _;
    use std::net::{IpAddr, Ipv6Addr};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use helper_proto::{Event, PinState, Topic};
    use routing_backend::session::SessionConfig;
    use routing_backend::sys::{linux_backend, LinuxBackend, LinuxConfig};
    use routing_backend::RouteBackend;
    use routing_core::model::{InterfaceRef, IpPrefix, RouteSpec, SpecGateway};
    use routing_core::wire::pf_route::ProtoFlag;

    use crate::harness::{Ns, TempDir, Topology};
    use crate::helper::Helper;

    /// Exclusion routes installed and removed per round.
    const ROUTES: u16 = 10_000;
    /// Rounds of each (ours, ip), taking turns.
    const ROUNDS: usize = 5;
    /// Default-route moves timed.
    const MOVES: usize = 50;
    /// The helper's quiet period before it re-pins (`ManagerConfig::new`).
    const DEBOUNCE_MS: f64 = 100.0;
    /// Routes in the big table.
    const BIG: u32 = 100_000;
    /// Dumps of each (ours, ip), taking turns.
    const DUMPS: usize = 5;

    pub fn main() {
        if !rustix::process::geteuid().is_root() {
            eprintln!("skipped: the Linux bench needs root (network namespaces)");
            return;
        }
        println!("# Linux backend (issue 5 §3)\n");
        exclusions();
        repin();
        dump();
    }

    fn ms(d: Duration) -> f64 {
        d.as_secs_f64() * 1000.0
    }

    fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }

    /// The nearest-rank percentile `p` (0..=100) of `v`.
    fn percentile(v: &[f64], p: f64) -> f64 {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
        v[rank.clamp(1, v.len()) - 1]
    }

    fn backend() -> LinuxBackend {
        linux_backend(
            ProtoFlag::Proto1,
            SessionConfig::default(),
            LinuxConfig::default(),
        )
        .expect("the backend opens")
    }

    /// `2001:db8:<net>::<i>`: documentation space for any number of hosts.
    fn host(net: u16, i: u32) -> Ipv6Addr {
        let [a, b, c, d] = i.to_be_bytes();
        let (hi, lo) = (u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d]));
        Ipv6Addr::new(0x2001, 0xdb8, net, 0, 0, 0, hi, lo)
    }

    fn peer(i: u32) -> Ipv6Addr {
        host(0xee, i)
    }

    /// `ip -n NS -batch FILE`, timed (the process included).
    fn ip_batch(ns: &Ns, file: &std::path::Path) -> Duration {
        let started = Instant::now();
        let out = Command::new("ip")
            .args(["-n", &ns.0, "-batch"])
            .arg(file)
            .output()
            .expect("ip runs");
        let took = started.elapsed();
        assert!(
            out.status.success(),
            "ip -batch: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        took
    }

    fn count_ours(ns: &Ns) -> usize {
        ns.ip_json("-6 route show table main proto 69").len()
    }

    // ------------------------------------------------------- 1. exclusions

    fn exclusions() {
        let Some(net) = Topology::new("bench: exclusions") else {
            return;
        };
        let dir = TempDir::new("bench-exclusions");
        let lines = |verb: &str| -> String {
            (1..=u32::from(ROUTES))
                .map(|i| {
                    format!(
                        "route {verb} {}/128 via 2001:db8:1::1 dev eth0 proto 69\n",
                        peer(i)
                    )
                })
                .collect()
        };
        let (add, del) = (dir.path().join("add.batch"), dir.path().join("del.batch"));
        std::fs::write(&add, lines("add")).expect("batch file");
        std::fs::write(&del, lines("del")).expect("batch file");

        let mut ours = (Vec::new(), Vec::new());
        let mut theirs = (Vec::new(), Vec::new());
        for round in 0..=ROUNDS {
            let (a, d) = net.host.inside_async(|| async {
                let mut backend = backend();
                let interfaces = backend.interfaces().await.expect("interfaces");
                let eth0 = interfaces.iter().find(|i| i.name == "eth0").expect("eth0");
                let via = InterfaceRef {
                    index: eth0.index,
                    name: eth0.name.clone(),
                };
                let specs: Vec<RouteSpec> = (1..=u32::from(ROUTES))
                    .map(|i| RouteSpec {
                        destination: IpPrefix::host(IpAddr::V6(peer(i))),
                        gateway: SpecGateway::Router {
                            addr: "2001:db8:1::1".parse().expect("an address"),
                            zone: None,
                        },
                        interface: via.clone(),
                        scoped: false,
                    })
                    .collect();
                let started = Instant::now();
                for spec in &specs {
                    backend.add_route(spec).await.expect("added");
                }
                let added = started.elapsed();
                let started = Instant::now();
                for spec in &specs {
                    backend.delete_route(spec).await.expect("deleted");
                }
                (added, started.elapsed())
            });
            assert_eq!(count_ours(&net.host), 0);
            let ip_add = ip_batch(&net.host, &add);
            assert_eq!(count_ours(&net.host), usize::from(ROUTES));
            let ip_del = ip_batch(&net.host, &del);
            assert_eq!(count_ours(&net.host), 0);
            // Round 0 warms both up.
            if round > 0 {
                ours.0.push(ms(a));
                ours.1.push(ms(d));
                theirs.0.push(ms(ip_add));
                theirs.1.push(ms(ip_del));
            }
        }
        let (oa, od, ta, td) = (
            median(ours.0.clone()),
            median(ours.1.clone()),
            median(theirs.0.clone()),
            median(theirs.1.clone()),
        );
        let ratios: Vec<f64> = (0..ROUNDS)
            .map(|i| (ours.0[i] + ours.1[i]) / (theirs.0[i] + theirs.1[i]))
            .collect();
        println!(
            "## 1. Install then remove {ROUTES} exclusion routes (median of {ROUNDS} rounds)\n"
        );
        println!("| | install | remove | both | per add or delete |");
        println!("|---|---|---|---|---|");
        for (who, a, d) in [("ours (LinuxBackend)", oa, od), ("ip -batch", ta, td)] {
            println!(
                "| {who} | {a:.1} ms | {d:.1} ms | {:.1} ms | {:.1} µs |",
                a + d,
                (a + d) * 1000.0 / f64::from(ROUTES) / 2.0
            );
        }
        let ratio = median(ratios.clone());
        println!(
            "\n**ours / ip = {ratio:.2}** (per round: {}); goal ≤ 1.0: {}\n",
            ratios
                .iter()
                .map(|r| format!("{r:.2}"))
                .collect::<Vec<_>>()
                .join(", "),
            if ratio <= 1.0 { "met" } else { "missed" }
        );
    }

    // ----------------------------------------------------------- 2. re-pin

    fn repin() {
        let Some(net) = Topology::new("bench: re-pin") else {
            return;
        };
        net.tun_up();
        let _tun = crate::harness::TunReader::attach(&net.host);
        net.vpn_owns_the_default(false);
        let dir = TempDir::new("bench-repin");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let (from_start, from_exit) = runtime.block_on(async {
            let (mut helper, client) = Helper::start(&net.host, &dir).await;
            let mut events = client.subscribe(&[Topic::Status]).await.expect("events");
            let (mut from_start, mut from_exit) = (Vec::new(), Vec::new());
            for i in 0..=MOVES {
                let (link, gateway) = if i % 2 == 0 {
                    ("eth1", "198.51.100.1")
                } else {
                    ("eth0", "192.0.2.1")
                };
                let started = Instant::now();
                let out = Command::new("ip")
                    .args(["-n", &net.host.0, "-4", "route", "replace", "default"])
                    .args(["via", gateway, "dev", link])
                    .output()
                    .expect("ip runs");
                let exited = Instant::now();
                assert!(out.status.success());
                let seen = tokio::time::timeout(Duration::from_secs(10), async {
                    loop {
                        match events.next().await {
                            Some(Event::Status { status }) => {
                                let v4 = &status.families.v4;
                                if v4.pin == PinState::Pinned
                                    && v4.egress.as_ref().is_some_and(|e| e.interface == link)
                                {
                                    return Instant::now();
                                }
                            }
                            Some(_) => {}
                            None => panic!("the events ended"),
                        }
                    }
                })
                .await
                .expect("re-pinned within 10 s");
                // The first move warms up.
                if i > 0 {
                    from_start.push(ms(seen - started));
                    from_exit.push(ms(seen - exited));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert_eq!(helper.stop(), Some(0));
            (from_start, from_exit)
        });
        println!("## 2. Re-pin latency, {MOVES} moves of the IPv4 default (eth0 ↔ eth1)\n");
        println!("| measured from | p50 | p99 | max | p50 − debounce | p99 − debounce |");
        println!("|---|---|---|---|---|---|");
        for (what, v) in [
            ("`ip route replace` started", &from_start),
            ("`ip` exited (change in the kernel)", &from_exit),
        ] {
            let (p50, p99) = (percentile(v, 50.0), percentile(v, 99.0));
            let max = v.iter().copied().fold(0.0, f64::max);
            println!(
                "| {what} | {p50:.1} ms | {p99:.1} ms | {max:.1} ms | {:.1} ms | {:.1} ms |",
                p50 - DEBOUNCE_MS,
                p99 - DEBOUNCE_MS
            );
        }
        let p99 = percentile(&from_start, 99.0) - DEBOUNCE_MS;
        println!(
            "\n**p99 after the {DEBOUNCE_MS} ms debounce: {p99:.1} ms**; goal < 100 ms: {}\n",
            if p99 < 100.0 { "met" } else { "missed" }
        );
    }

    // ------------------------------------------------------------- 3. dump

    /// `ip -n NS -j ARGS` through a pipe, parsed; the number of routes.
    fn ip_dump(ns: &Ns, family: &str) -> usize {
        let out = Command::new("ip")
            .args(["-n", &ns.0, "-j", family, "route", "show", "table", "all"])
            .stdout(Stdio::piped())
            .output()
            .expect("ip runs");
        let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        parsed.as_array().map_or(0, Vec::len)
    }

    fn dump() {
        let Some(net) = Topology::new("bench: dump") else {
            return;
        };
        let dir = TempDir::new("bench-dump");
        let file = dir.path().join("big.batch");
        let mut batch = std::io::BufWriter::new(std::fs::File::create(&file).expect("batch"));
        for i in 0..BIG {
            let dst = host(0xdd, i);
            writeln!(batch, "route add {dst}/128 via 2001:db8:1::1 dev eth0").expect("written");
        }
        drop(batch);
        let filled = ip_batch(&net.host, &file);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut sizes = (0, 0);
        for round in 0..=DUMPS {
            let (took, n) = net.host.inside_async(|| async {
                let mut backend = backend();
                // The first read also sweeps orphaned rules: not timed.
                backend.routes().await.expect("routes");
                let started = Instant::now();
                let table = backend.routes().await.expect("routes");
                (started.elapsed(), table.len())
            });
            let started = Instant::now();
            let m = ip_dump(&net.host, "-4") + ip_dump(&net.host, "-6");
            let ip_took = started.elapsed();
            sizes = (n, m);
            if round > 0 {
                ours.push(ms(took));
                theirs.push(ms(ip_took));
            }
        }
        let (o, t) = (median(ours), median(theirs));
        println!(
            "## 3. Dump + parse of a {} k-route table (filled by ip -batch in {:.1} s; median of {DUMPS})\n",
            BIG / 1000,
            filled.as_secs_f64()
        );
        println!("| | time | routes |");
        println!("|---|---|---|");
        println!(
            "| ours (`LinuxBackend::routes`, into the model) | {o:.1} ms | {} |",
            sizes.0
        );
        println!(
            "| `ip -j route show table all` (-4 and -6) + serde_json | {t:.1} ms | {} |",
            sizes.1
        );
        println!("\n**ours / ip = {:.2}**\n", o / t);
    }
}
