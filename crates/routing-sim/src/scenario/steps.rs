//! Parsing of the step lines: interfaces, addresses, links, routes,
//! clones, time and `run`.

use std::net::IpAddr;

use routing_core::model::{Gateway, InterfaceKind, RouteFlags};

use super::parse::{Parser, Word};
use super::route_cmd::parse_route_args;
use super::{Action, ScenarioError};
use crate::events::{AddressSpec, CloneSpec};
use crate::iface::{ift, InterfaceSpec};
use crate::Errno;

impl Parser<'_> {
    pub(super) fn step(&mut self, line: usize, ws: &[Word<'_>]) -> Result<Action, ScenarioError> {
        let head = ws[0];
        match head.text {
            "interface" => self.interface(line, ws),
            "inet" | "inet6" => {
                let ifname = self.last_interface.clone().ok_or_else(|| {
                    self.error(line, head.column, "an address line must follow an `interface` line (or use `address add IF …`)")
                })?;
                let spec = self.address(line, ws, 0)?;
                Ok(Action::AddAddress(ifname, spec))
            }
            "address" => {
                let verb = self.arg(line, ws, 1, "expected `add` or `delete`")?;
                let ifname = self
                    .arg(line, ws, 2, "expected an interface name")?
                    .text
                    .to_string();
                match verb.text {
                    "add" => Ok(Action::AddAddress(ifname, self.address(line, ws, 3)?)),
                    "delete" => {
                        let a = self.arg(line, ws, 3, "expected an address")?;
                        let addr = self.ip(line, a)?;
                        self.no_more(line, ws, 4)?;
                        Ok(Action::RemoveAddress(ifname, addr))
                    }
                    _ => Err(self.error(line, verb.column, "expected `add` or `delete`")),
                }
            }
            "link" => {
                let state = self.arg(line, ws, 1, "expected `up` or `down`")?;
                let up = match state.text {
                    "up" => true,
                    "down" => false,
                    _ => return Err(self.error(line, state.column, "expected `up` or `down`")),
                };
                let ifname = self.arg(line, ws, 2, "expected an interface name")?;
                self.no_more(line, ws, 3)?;
                Ok(Action::Link(ifname.text.to_string(), up))
            }
            "detach" => {
                let ifname = self.arg(line, ws, 1, "expected an interface name")?;
                self.no_more(line, ws, 2)?;
                Ok(Action::Detach(ifname.text.to_string()))
            }
            "route" => self.route(line, ws),
            "clone" => self.clone_step(line, ws),
            "advance" | "sleep" => {
                let d = self.arg(line, ws, 1, "expected a duration (500ms, 30s, 5m, 8h)")?;
                let ms = duration_ms(d.text).ok_or_else(|| {
                    self.error(line, d.column, "expected a duration (500ms, 30s, 5m, 8h)")
                })?;
                self.no_more(line, ws, 2)?;
                Ok(if head.text == "advance" {
                    Action::Advance(ms)
                } else {
                    Action::Sleep(i64::try_from(ms / 1000).unwrap_or(i64::MAX))
                })
            }
            "run" => {
                let name = self.arg(line, ws, 1, "expected an event name")?;
                self.no_more(line, ws, 2)?;
                Ok(Action::Run(name.text.to_string()))
            }
            other => Err(self.error(line, head.column, format!("unknown step `{other}`"))),
        }
    }

    fn interface(&mut self, line: usize, ws: &[Word<'_>]) -> Result<Action, ScenarioError> {
        let name = self.arg(line, ws, 1, "expected an interface name")?;
        let mut spec = InterfaceSpec {
            index: 0,
            name: name.text.to_string(),
            kind: InterfaceKind::guess_from_macos_name(name.text),
            if_type: None,
            lladdr: Vec::new(),
            mtu: 0,
            up: false,
        };
        let mut i = 2;
        while let Some(w) = ws.get(i) {
            let value = |what: &str| self.arg(line, ws, i + 1, what);
            match w.text {
                "index" => {
                    let v = value("index needs a number")?;
                    spec.index = v.text.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        self.error(line, v.column, "expected an index from 1 to 65535")
                    })?;
                    i += 1;
                }
                "mtu" => {
                    let v = value("mtu needs a number")?;
                    spec.mtu = v
                        .text
                        .parse()
                        .map_err(|_| self.error(line, v.column, "expected a number"))?;
                    i += 1;
                }
                "mac" => {
                    let v = value("mac needs an address")?;
                    spec.lladdr = parse_mac(v.text).ok_or_else(|| {
                        self.error(line, v.column, "expected a MAC like a4:83:e7:00:00:01")
                    })?;
                    i += 1;
                }
                "type" => {
                    let v = value("type needs a value")?;
                    spec.if_type = Some(parse_type(v.text).ok_or_else(|| {
                        self.error(
                            line,
                            v.column,
                            "expected ether, loop, other, bridge, cellular, gif, stf or 0xNN",
                        )
                    })?);
                    i += 1;
                }
                "up" => spec.up = true,
                "down" => spec.up = false,
                word => match InterfaceKind::from_str_opt(word) {
                    Some(kind) => spec.kind = kind,
                    None => {
                        return Err(self.error(
                            line,
                            w.column,
                            format!("unknown interface attribute `{word}`"),
                        ))
                    }
                },
            }
            i += 1;
        }
        if spec.index == 0 {
            return Err(self.error(line, name.column, "interface needs `index N`"));
        }
        if spec.mtu == 0 {
            spec.mtu = match spec.kind {
                InterfaceKind::Loopback => 16384,
                InterfaceKind::Tunnel => 1380,
                _ => 1500,
            };
        }
        self.last_interface = Some(spec.name.clone());
        Ok(Action::Interface(spec))
    }

    /// `inet|inet6 A/len [broadcast B | dest D]`, starting at word `from`.
    fn address(
        &self,
        line: usize,
        ws: &[Word<'_>],
        from: usize,
    ) -> Result<AddressSpec, ScenarioError> {
        let fam = self.arg(line, ws, from, "expected inet or inet6")?;
        let a = self.arg(line, ws, from + 1, "expected ADDRESS/LENGTH")?;
        let (addr, len) = a
            .text
            .split_once('/')
            .ok_or_else(|| self.error(line, a.column, "expected ADDRESS/LENGTH"))?;
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| self.error(line, a.column, "bad address"))?;
        let prefix_len: u8 = len
            .parse()
            .map_err(|_| self.error(line, a.column, "bad prefix length"))?;
        let v4 = match fam.text {
            "inet" => true,
            "inet6" => false,
            _ => return Err(self.error(line, fam.column, "expected inet or inet6")),
        };
        if v4 != addr.is_ipv4() {
            return Err(self.error(line, a.column, format!("not an {} address", fam.text)));
        }
        let mut spec = AddressSpec {
            addr,
            prefix_len,
            peer_or_broadcast: None,
        };
        if let Some(kw) = ws.get(from + 2) {
            if !matches!(kw.text, "broadcast" | "dest") || (kw.text == "broadcast" && !v4) {
                return Err(self.error(
                    line,
                    kw.column,
                    "expected `broadcast B` (inet) or `dest D`",
                ));
            }
            let v = self.arg(line, ws, from + 3, "expected an address")?;
            let peer = self.ip(line, v)?;
            if peer.is_ipv4() != v4 {
                return Err(self.error(line, v.column, "address family differs"));
            }
            spec.peer_or_broadcast = Some(peer);
            self.no_more(line, ws, from + 4)?;
        }
        Ok(spec)
    }

    fn route(&self, line: usize, ws: &[Word<'_>]) -> Result<Action, ScenarioError> {
        let mut end = ws.len();
        let mut expect = None;
        if ws.len() >= 3 && ws[ws.len() - 2].text == "expect" {
            let e = ws[ws.len() - 1];
            expect =
                Some(Errno::from_name(e.text).ok_or_else(|| {
                    self.error(line, e.column, "expected an errno name like EEXIST")
                })?);
            end -= 2;
        }
        let args: Vec<&str> = ws[1..end].iter().map(|w| w.text).collect();
        let cmd = parse_route_args(&args).map_err(|(i, m)| {
            let column = ws.get(i + 1).map_or(ws[0].column, |w| w.column);
            self.error(line, column, m)
        })?;
        Ok(Action::Route(cmd, expect))
    }

    /// `clone DEST on IF [lladdr MAC | via GW] flags FLAGS [expire SECS]`.
    fn clone_step(&self, line: usize, ws: &[Word<'_>]) -> Result<Action, ScenarioError> {
        let d = self.arg(line, ws, 1, "expected a destination address")?;
        let destination = self.ip(line, d)?;
        let on = self.arg(line, ws, 2, "expected `on IF`")?;
        if on.text != "on" {
            return Err(self.error(line, on.column, "expected `on IF`"));
        }
        let ifname = self
            .arg(line, ws, 3, "expected an interface name")?
            .text
            .to_string();
        let mut spec = CloneSpec {
            destination,
            interface: 0,
            gateway: Gateway::None,
            flags: RouteFlags::EMPTY,
            expire_in: None,
        };
        let mut have_flags = false;
        let mut i = 4;
        while let Some(w) = ws.get(i) {
            let v = self.arg(line, ws, i + 1, "expected a value")?;
            match w.text {
                "lladdr" => {
                    let mac = parse_mac(v.text)
                        .ok_or_else(|| self.error(line, v.column, "expected a MAC"))?;
                    spec.gateway = Gateway::Link {
                        index: 0,
                        name: None,
                        lladdr: mac,
                    };
                }
                "via" => spec.gateway = Gateway::ip(self.ip(line, v)?),
                "flags" => {
                    spec.flags = RouteFlags::from_netstat_letters(v.text).map_err(|c| {
                        self.error(
                            line,
                            v.column,
                            format!("`{c}` is not a netstat flag letter"),
                        )
                    })?;
                    have_flags = true;
                }
                "expire" => {
                    spec.expire_in = Some(
                        v.text
                            .parse()
                            .map_err(|_| self.error(line, v.column, "expected seconds"))?,
                    );
                }
                other => {
                    return Err(self.error(
                        line,
                        w.column,
                        format!("unknown clone attribute `{other}`"),
                    ))
                }
            }
            i += 2;
        }
        if !have_flags {
            return Err(self.error(
                line,
                ws[0].column,
                "clone needs `flags LETTERS` (e.g. UHLWIir)",
            ));
        }
        Ok(Action::Clone(ifname, spec))
    }

    fn ip(&self, line: usize, w: Word<'_>) -> Result<IpAddr, ScenarioError> {
        w.text
            .parse()
            .map_err(|_| self.error(line, w.column, format!("`{}` is not an address", w.text)))
    }
}

/// `500ms`, `30s`, `5m`, `8h`, or bare seconds, in milliseconds.
pub(super) fn duration_ms(text: &str) -> Option<u64> {
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = digits.parse().ok()?;
    let scale = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    n.checked_mul(scale)
}

/// A MAC in macOS's unpadded or padded hex (`0:0:5e:0:1:1`).
pub(super) fn parse_mac(text: &str) -> Option<Vec<u8>> {
    let bytes: Option<Vec<u8>> = text
        .split(':')
        .map(|b| u8::from_str_radix(b, 16).ok())
        .collect();
    bytes.filter(|b| b.len() == 6 || b.len() == 8)
}

/// An `IFT_*` by name or as `0xNN`.
pub(super) fn parse_type(text: &str) -> Option<u8> {
    Some(match text {
        "ether" => ift::ETHER,
        "loop" => ift::LOOP,
        "other" => ift::OTHER,
        "bridge" => ift::BRIDGE,
        "cellular" => ift::CELLULAR,
        "gif" => ift::GIF,
        "stf" => ift::STF,
        _ => u8::from_str_radix(text.strip_prefix("0x")?, 16).ok()?,
    })
}
