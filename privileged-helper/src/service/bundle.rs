//! The diagnostics bundle, and redaction of the addresses in it.
//!
//! Redaction replaces every IP address, classful network number (netstat's
//! `192.0.2`) and MAC address with a placeholder that is stable within one
//! bundle (`[v4#1]` is the same address wherever it appears), so a reader
//! can still follow a route from one file to another. Addresses that say
//! nothing about the user stay: unspecified, loopback, netmasks, IPv6
//! multicast and the bare link-local prefix.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use helper_proto::{Bundle, BundleSection, Diagnostics, Status};
use routing_core::model::{render_netstat, Interface, NetstatOptions, Route};

/// Builds the bundle's files from what the helper knows.
pub fn build(
    diagnostics: &Diagnostics,
    status: &Status,
    routes: &[(Route, bool)],
    interfaces: &[Interface],
    redact: bool,
) -> Bundle {
    let name = |index: u32| {
        interfaces
            .iter()
            .find(|i| i.index == index)
            .map(|i| i.name.clone())
    };
    let now = i64::try_from(crate::manager::unix_now()).unwrap_or(i64::MAX);
    let mut versions = String::new();
    let _ = writeln!(versions, "helper: {}", diagnostics.helper);
    let _ = writeln!(versions, "protocol: {}", diagnostics.protocol);
    let _ = writeln!(versions, "backend: {}", diagnostics.backend);
    let _ = writeln!(versions, "os: {}", diagnostics.os);
    let _ = writeln!(versions, "uptime: {} s", diagnostics.uptime_secs);

    let table = render_netstat(
        routes.iter().map(|(r, _)| r),
        &name,
        now,
        &NetstatOptions {
            all: true,
            family: None,
        },
    );
    let ours: String = super::manager::rows(routes, interfaces)
        .into_iter()
        .filter(|r| r.ours)
        .map(|r| r.canonical + "\n")
        .collect();
    let rules = match diagnostics.backend.as_str() {
        "linux" => "see routes.txt: Egress's table and rules arrive with the Linux backend\n",
        _ => "macOS has no policy rules: scoped routes (flag I) do that job; see routes.txt\n",
    };
    let mut ifaces = String::new();
    for i in interfaces {
        let _ = write!(
            ifaces,
            "{} index {} {} {} mtu {}",
            i.name,
            i.index,
            i.kind,
            if i.up { "up" } else { "down" },
            i.mtu
        );
        for a in &i.addresses {
            let _ = write!(ifaces, " {}/{}", a.addr, a.prefix_len);
        }
        ifaces.push('\n');
    }
    let mut events = String::from("# timeline (unix time, trigger: outcome)\n");
    for e in &diagnostics.timeline {
        let _ = writeln!(events, "{} {}: {}", e.at, e.trigger, e.outcome);
    }
    events.push_str("# kernel events (unix time, event)\n");
    for line in &diagnostics.kernel_events {
        events.push_str(line);
        events.push('\n');
    }
    let status_json = serde_json::to_string_pretty(status).unwrap_or_default() + "\n";
    let mut sections = vec![
        section("versions.txt", versions),
        section("status.json", status_json),
        section("routes.txt", table),
        section("routes-ours.txt", ours),
        section("rules.txt", rules.to_string()),
        section("interfaces.txt", ifaces),
        section(
            "journal.json",
            diagnostics
                .journal
                .clone()
                .unwrap_or_else(|| "no journal\n".to_string()),
        ),
        section("events.txt", events),
    ];
    if redact {
        let mut r = Redactor::default();
        for s in sections.iter_mut().filter(|s| s.name != "versions.txt") {
            s.text = r.redact(&s.text);
        }
    }
    Bundle {
        redacted: redact,
        sections,
    }
}

fn section(name: &str, text: String) -> BundleSection {
    BundleSection {
        name: name.to_string(),
        text,
    }
}

/// Replaces addresses with stable placeholders.
#[derive(Debug, Default)]
pub struct Redactor {
    seen: HashMap<String, String>,
    counts: HashMap<&'static str, usize>,
}

impl Redactor {
    /// `text` with its addresses replaced.
    pub fn redact(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut token = String::new();
        let mut prev: Option<char> = None;
        for c in text.chars() {
            if c.is_ascii_hexdigit() || c == '.' || c == ':' {
                token.push(c);
            } else {
                self.flush(&mut token, prev, Some(c), &mut out);
                out.push(c);
                prev = Some(c);
            }
        }
        self.flush(&mut token, prev, None, &mut out);
        out
    }

    /// Writes a token, replaced when it is an address. A token inside a
    /// word (`mtu`, `en0`'s digit) is left alone.
    fn flush(
        &mut self,
        token: &mut String,
        before: Option<char>,
        after: Option<char>,
        out: &mut String,
    ) {
        if token.is_empty() {
            return;
        }
        let inside_word =
            |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        // Trailing punctuation belongs to the sentence.
        let core_len = token.trim_end_matches(['.', ':']).len();
        let (core, tail) = token.split_at(core_len);
        let whole_word = !(inside_word(before) || tail.is_empty() && inside_word(after));
        match (whole_word, self.placeholder(core)) {
            (true, Some(p)) => {
                out.push_str(&p);
                out.push_str(tail);
            }
            _ => out.push_str(token),
        }
        token.clear();
    }

    fn placeholder(&mut self, text: &str) -> Option<String> {
        let class = classify(text)?;
        if let Some(p) = self.seen.get(text) {
            return Some(p.clone());
        }
        let n = self.counts.entry(class).or_insert(0);
        *n += 1;
        let p = format!("[{class}#{n}]");
        self.seen.insert(text.to_string(), p.clone());
        Some(p)
    }
}

/// What kind of identifying address `text` is, if any.
fn classify(text: &str) -> Option<&'static str> {
    if let Ok(v4) = text.parse::<Ipv4Addr>() {
        return (!keep_v4(v4)).then_some("v4");
    }
    if let Ok(v6) = text.parse::<Ipv6Addr>() {
        return (!keep_v6(v6)).then_some("v6");
    }
    if is_mac(text) {
        return Some("mac");
    }
    if is_network_number(text) {
        return Some("net");
    }
    None
}

fn keep_v4(a: Ipv4Addr) -> bool {
    let bits = u32::from(a);
    a.is_unspecified()
        || a.is_loopback()
        || a.is_broadcast()
        || (bits.leading_ones() + bits.trailing_zeros() == 32)
}

fn keep_v6(a: Ipv6Addr) -> bool {
    a.is_unspecified()
        || a.is_loopback()
        || a.is_multicast()
        || a == Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0)
        || {
            let bits = u128::from(a);
            bits.leading_ones() + bits.trailing_zeros() == 128
        }
}

/// `a0:ce:c8:1:2:3`: six groups of one or two hex digits.
fn is_mac(text: &str) -> bool {
    let groups: Vec<&str> = text.split(':').collect();
    groups.len() == 6 && groups.iter().all(|g| (1..=2).contains(&g.len()))
}

/// netstat's classful network numbers: `192.0.2`, `10.1` (two or three
/// dotted decimal octets, the first non-zero).
fn is_network_number(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u16>().is_ok_and(|v| v <= 255)
        })
        && parts[0] != "0"
        && parts[0] != "127"
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn is_identifying(addr: IpAddr) -> bool {
        classify(&addr.to_string()).is_some()
    }

    #[test]
    fn addresses_become_stable_placeholders() {
        let mut r = Redactor::default();
        let text = "default 198.51.100.1 UGScg en0\n\
                    192.0.2 link#4 UCS en0\n\
                    198.51.100.1/32 a0:ce:c8:1:2:3 UHLWIir en0\n\
                    2001:db8::1%en0 fe80::1%en0 UGc en0\n\
                    fe80::%utun3/64 fe80::aa:1%utun3 UcI utun3\n\
                    mask 255.255.255.0, loopback 127.0.0.1 and ::1 stay. mtu 1500.\n";
        assert_eq!(
            r.redact(text),
            "default [v4#1] UGScg en0\n\
             [net#1] link#4 UCS en0\n\
             [v4#1]/32 [mac#1] UHLWIir en0\n\
             [v6#1]%en0 [v6#2]%en0 UGc en0\n\
             fe80::%utun3/64 [v6#3]%utun3 UcI utun3\n\
             mask 255.255.255.0, loopback 127.0.0.1 and ::1 stay. mtu 1500.\n"
        );
    }

    #[test]
    fn words_and_numbers_are_left_alone() {
        let mut r = Redactor::default();
        let text = "add face cafe en0 utun10 1700000000 wake: deadbeef 10";
        assert_eq!(r.redact(text), text);
        assert!(is_identifying("203.0.113.9".parse().unwrap()));
        assert!(!is_identifying("0.0.0.0".parse().unwrap()));
    }
}
