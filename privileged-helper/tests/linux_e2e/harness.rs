//! The suite's topology (namespaces from `test-support`), tun reader and
//! temporary directories; each removes what it made on drop, also when a
//! test fails half-way.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use routing_core::model::Family;
use test_support::netns::Namespaces;
pub use test_support::netns::Ns;
/// A temporary directory (root's, 0755: the helper trusts its socket's
/// directory only then), removed on drop.
pub use test_support::TempDir;

/// How long an expected probe is waited for.
pub const ARRIVES: Duration = Duration::from_secs(2);
/// How long a probe that must not arrive is given to arrive anyway.
pub const STRAYS: Duration = Duration::from_millis(300);

/// The far hosts, behind both gateways (on each gateway's `lo`).
pub const FAR_V4: &str = "203.0.113.10";
pub const FAR_V6: &str = "2001:db8:ff::10";
/// Another far host: the legacy test registers only the first.
pub const ELSEWHERE_V4: &str = "203.0.113.20";
pub const ELSEWHERE_V6: &str = "2001:db8:ff::20";

pub fn ip(s: &str) -> IpAddr {
    s.parse().expect("an address")
}

/// Whether this machine can run the suite; says why not once per test.
fn can_run() -> Result<(), String> {
    if !rustix::process::geteuid().is_root() {
        return Err("the network-namespace suite needs root".into());
    }
    if !Path::new("/dev/net/tun").exists() {
        return Err("no /dev/net/tun".into());
    }
    Ok(())
}

/// The topology of the module doc of `linux_e2e.rs`; its namespaces (and
/// so every link, route and rule in them) are deleted on drop.
#[derive(Debug)]
pub struct Topology {
    pub host: Ns,
    pub gw1: Ns,
    pub gw2: Ns,
    _made: Namespaces,
}

impl Topology {
    /// The topology, or `None` after printing why it cannot be made here.
    pub fn new(test: &str) -> Option<Topology> {
        if let Err(why) = can_run() {
            eprintln!("skipped: {why} ({test})");
            return None;
        }
        let base = Namespaces::unique_name("e2e");
        let mut made = Namespaces::new();
        let host = match made.add(&format!("{base}-h")) {
            Ok(host) => host,
            Err(e) => {
                eprintln!("skipped: cannot create a network namespace ({e}) ({test})");
                return None;
            }
        };
        let gateways = made
            .add(&format!("{base}-g1"))
            .and_then(|gw1| Ok((gw1, made.add(&format!("{base}-g2"))?)));
        let (gw1, gw2) =
            gateways.unwrap_or_else(|e| panic!("setting up the namespaces failed: {e}"));
        let topology = Topology {
            host,
            gw1,
            gw2,
            _made: made,
        };
        if let Err(e) = topology.build() {
            panic!("setting up the namespaces failed: {e}");
        }
        if let Err(e) = topology.host.ip_checked("tuntap add tun0 mode tun") {
            eprintln!("skipped: cannot create a tun link ({e}) ({test})");
            return None;
        }
        Some(topology)
    }

    fn build(&self) -> Result<(), String> {
        let (h, g1, g2) = (&self.host, &self.gw1, &self.gw2);
        for ns in [h, g1, g2] {
            ns.sysctl("net.ipv6.conf.all.accept_dad=0")?;
            ns.sysctl("net.ipv6.conf.default.accept_dad=0")?;
        }
        // The far sides answer ARP only for their own link's address and
        // filter sources strictly; they route nothing (the far host is
        // their own lo).
        for gw in [g1, g2] {
            for setting in [
                "net.ipv4.conf.all.arp_ignore=1",
                "net.ipv4.conf.default.arp_ignore=1",
                "net.ipv4.conf.all.rp_filter=1",
                "net.ipv4.conf.default.rp_filter=1",
                "net.ipv4.ip_forward=0",
            ] {
                gw.sysctl(setting)?;
            }
        }
        let links = [
            ("eth0", g1, "192.0.2", "2001:db8:1"),
            ("eth1", g2, "198.51.100", "2001:db8:2"),
        ];
        for (link, gw, v4, v6) in links {
            h.ip_checked(&format!(
                "link add {link} type veth peer name gw netns {}",
                gw.0
            ))?;
            h.ip_checked(&format!("addr add {v4}.2/24 dev {link}"))?;
            h.ip_checked(&format!("addr add {v6}::2/64 dev {link} nodad"))?;
            h.ip_checked(&format!("link set {link} up"))?;
            gw.ip_checked(&format!("addr add {v4}.1/24 dev gw"))?;
            gw.ip_checked(&format!("addr add {v6}::1/64 dev gw nodad"))?;
            for far in [FAR_V4, ELSEWHERE_V4] {
                gw.ip_checked(&format!("addr add {far}/32 dev lo"))?;
            }
            for far in [FAR_V6, ELSEWHERE_V6] {
                gw.ip_checked(&format!("addr add {far}/128 dev lo"))?;
            }
            gw.ip_checked("link set lo up")?;
            gw.ip_checked("link set gw up")?;
        }
        h.ip_checked("link set lo up")?;
        h.ip_checked("route add default via 192.0.2.1 dev eth0")?;
        h.ip_checked("-6 route add default via 2001:db8:1::1 dev eth0")?;
        Ok(())
    }

    /// Gives the tun link its addresses and brings it up (it gets its
    /// carrier when the reader attaches).
    pub fn tun_up(&self) {
        self.host.ip("addr add 203.0.113.200/32 dev tun0");
        self.host.ip("addr add 2001:db8:ff00::2/128 dev tun0 nodad");
        self.host.ip("link set tun0 up");
    }

    /// The VPN takes the default: with `whole`, the main defaults
    /// themselves (`default dev tun0`); else `0/1` + `128/1` and `::/1` +
    /// `8000::/1`, leaving the physical defaults in place.
    pub fn vpn_owns_the_default(&self, whole: bool) {
        if whole {
            self.host.ip("route replace default dev tun0");
            self.host.ip("-6 route replace default dev tun0");
        } else {
            for prefix in ["0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"] {
                let family = if prefix.contains(':') { "-6" } else { "-4" };
                self.host
                    .ip(&format!("{family} route add {prefix} dev tun0"));
            }
        }
    }

    /// UDP sockets on the far hosts (any address of the family), one
    /// behind each gateway, on the same port: where a probe to a far host
    /// arrives says which link it left on.
    pub fn far_listeners(&self, family: Family) -> [UdpSocket; 2] {
        let bind = |port: u16| {
            move || {
                UdpSocket::bind(SocketAddr::new(family.unspecified(), port))
                    .expect("bind at the far hosts")
            }
        };
        let first = self.gw1.inside(bind(0));
        let port = first.local_addr().expect("an address").port();
        [first, self.gw2.inside(bind(port))]
    }

    /// Sends `payload` to `to` from an ordinary socket in the host
    /// namespace (no binding: the routing table alone decides).
    pub fn send_unbound(&self, to: SocketAddr, payload: &[u8]) {
        let payload = payload.to_vec();
        self.host.inside(move || {
            let socket = UdpSocket::bind(SocketAddr::new(Family::of(to.ip()).unspecified(), 0))
                .expect("a socket");
            socket.send_to(&payload, to).expect("sent");
        });
    }
}

/// Waits up to `within` for the datagram `marker` on `socket` (skipping
/// others) and returns its source. With no time left it still reads what
/// has already arrived.
pub fn receive(socket: &UdpSocket, marker: &[u8], within: Duration) -> Option<IpAddr> {
    let deadline = Instant::now() + within;
    let mut buffer = [0u8; 2048];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        socket
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .expect("timeout");
        match socket.recv_from(&mut buffer) {
            Ok((n, from)) if &buffer[..n] == marker => return Some(from.ip()),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}

/// The "VPN": a thread in the host namespace attached to tun0 (the link
/// gets its carrier), keeping every packet the kernel routes into it.
#[derive(Debug)]
pub struct TunReader {
    stop: Arc<AtomicBool>,
    packets: Arc<Mutex<Vec<Vec<u8>>>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for TunReader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `TUNSETIFF`: `_IOW('T', 202, int)`.
const TUNSETIFF: rustix::ioctl::Opcode = 0x4004_54ca;
const IFF_TUN: u16 = 0x0001;
const IFF_NO_PI: u16 = 0x1000;

/// Attaches to the tun link `name` of the calling thread's namespace.
fn open_tun(name: &str) -> std::io::Result<OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(
        "/dev/net/tun",
        OFlags::RDWR | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    // struct ifreq: the name (IFNAMSIZ = 16), then ifr_flags.
    let mut ifreq = [0u8; 40];
    ifreq[..name.len()].copy_from_slice(name.as_bytes());
    ifreq[16..18].copy_from_slice(&(IFF_TUN | IFF_NO_PI).to_ne_bytes());
    // SAFETY: TUNSETIFF reads a struct ifreq (40 bytes on every Linux ABI)
    // and writes the name back into it; `ifreq` is that size, is
    // initialised, and outlives the call.
    let request = unsafe { rustix::ioctl::Updater::<TUNSETIFF, [u8; 40]>::new(&mut ifreq) };
    // SAFETY: the opcode and the data match, as above.
    unsafe { rustix::ioctl::ioctl(&fd, request) }?;
    Ok(fd)
}

impl TunReader {
    /// Attaches to `tun0` in `ns`.
    pub fn attach(ns: &Ns) -> TunReader {
        let stop = Arc::new(AtomicBool::new(false));
        let packets = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let enter = ns.enter();
        let thread = {
            let (stop, packets) = (stop.clone(), packets.clone());
            std::thread::spawn(move || {
                enter();
                let fd = match open_tun("tun0") {
                    Ok(fd) => {
                        let _ = ready_tx.send(Ok(()));
                        fd
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let mut buffer = vec![0u8; 65_536];
                while !stop.load(Ordering::Relaxed) {
                    match rustix::io::read(&fd, &mut buffer) {
                        Ok(n) => packets
                            .lock()
                            .expect("the packets")
                            .push(buffer[..n].to_vec()),
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
            })
        };
        let mut reader = TunReader {
            stop,
            packets,
            thread: Some(thread),
        };
        match ready_rx.recv() {
            Ok(Ok(())) => reader,
            Ok(Err(e)) => {
                reader.thread.take().map(JoinHandle::join);
                panic!("cannot attach to tun0: {e}")
            }
            Err(_) => panic!("the tun reader died"),
        }
    }

    /// Whether a packet carrying `marker` was read within `within`.
    pub fn saw(&self, marker: &[u8], within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let found = self
                .packets
                .lock()
                .expect("the packets")
                .iter()
                .any(|p| p.windows(marker.len()).any(|w| w == marker));
            if found {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
