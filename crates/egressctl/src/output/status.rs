//! `egressctl status` as text.

use helper_proto::{DefaultShape, FamilyStatus, PinState, Status, VpnDefault, Welcome};
use routing_core::model::Family;

use super::clock::Clock;

/// Timeline entries shown.
pub const TIMELINE_TAIL: usize = 5;

/// Labels are this wide; what they label starts after them.
const LABEL: usize = 12;

/// Lines under labels: the first line carries the label, the rest are
/// indented to its column.
struct Sections(String);

impl Sections {
    fn add(&mut self, label: &str, lines: &[String]) {
        for (i, line) in lines.iter().enumerate() {
            let label = if i == 0 { label } else { "" };
            self.0.push_str(format!("{label:<LABEL$}{line}").trim_end());
            self.0.push('\n');
        }
    }
}

/// The helper, from its welcome.
pub fn helper_line(welcome: &Welcome) -> String {
    format!(
        "{} (protocol {}), backend {}",
        welcome.helper, welcome.protocol, welcome.backend
    )
}

/// The mode and why it is what it is.
pub fn mode_lines(status: &Status) -> Vec<String> {
    let mut lines = vec![status.mode.to_string()];
    match (&status.mode_note, status.mode_switchable) {
        (Some(note), false) => lines.push(format!("forced: {note}")),
        (Some(note), true) => lines.push(format!("note: {note}")),
        (None, false) => lines.push("cannot be switched here".to_string()),
        (None, true) => {}
    }
    lines
}

/// A pin's state, with its detail when there is one.
pub fn pin_text(pin: &PinState) -> String {
    match pin {
        PinState::Stale(why) | PinState::Failed(why) => format!("{}: {why}", pin.word()),
        other => other.word().to_string(),
    }
}

/// One family: interface, kind, gateway, addresses; pin and since; why.
fn family_lines(family: &FamilyStatus, clock: &Clock) -> Vec<String> {
    let mut lines = Vec::new();
    match &family.egress {
        Some(e) => {
            let mut first = format!("{} ({}), gateway {}", e.interface, e.kind, e.gateway);
            if !e.local_addresses.is_empty() {
                first.push_str(&format!(", addresses {}", e.local_addresses.join(" ")));
            }
            lines.push(first);
        }
        None => lines.push("no physical egress".to_string()),
    }
    let mut pin = format!("pin {}", pin_text(&family.pin));
    if let Some(since) = family.since {
        pin.push_str(&format!(
            ", since {} ({})",
            clock.date_time(since),
            clock.ago(since)
        ));
    }
    lines.push(pin);
    if !family.reason.is_empty() {
        lines.push(family.reason.clone());
    }
    lines
}

/// A tunnel that owns a default: `utun4 holds the IPv4 default (split: 0/1 128.0/1)`.
fn vpn_line(vpn: &VpnDefault) -> String {
    let shape = match vpn.shape {
        DefaultShape::Whole => "whole",
        DefaultShape::Split => "split",
    };
    format!(
        "{} holds the {} default ({shape}: {})",
        vpn.interface,
        vpn.family,
        vpn.routes.join(" ")
    )
}

/// The whole status; `welcome` adds the helper's line.
pub fn render_status(status: &Status, welcome: Option<&Welcome>, clock: &Clock) -> String {
    let mut out = Sections(String::new());
    if let Some(w) = welcome {
        out.add("helper", &[helper_line(w)]);
    }
    out.add("mode", &mode_lines(status));
    for family in [Family::V4, Family::V6] {
        out.add(
            &family.to_string(),
            &family_lines(status.families.get(family), clock),
        );
    }
    if !status.vpn.is_empty() {
        out.add("VPN", &status.vpn.iter().map(vpn_line).collect::<Vec<_>>());
    }
    if !status.held.is_empty() {
        let held: Vec<String> = status
            .held
            .iter()
            .map(|h| {
                if h.reused {
                    format!("{} (the system's, reused)", h.route)
                } else {
                    h.route.clone()
                }
            })
            .collect();
        out.add("pins held", &held);
    }
    if status.exclusions > 0 || status.held_exclusion_routes > 0 {
        out.add(
            "exclusions",
            &[format!(
                "{} registered, {} routes held",
                status.exclusions, status.held_exclusion_routes
            )],
        );
    }
    out.add(
        "re-pins",
        &[format!("{} in the last 10 min", status.repins_last_10_min)],
    );
    if !status.warnings.is_empty() {
        let warnings: Vec<String> = status.warnings.iter().map(|w| format!("! {w}")).collect();
        out.add("warnings", &warnings);
    }
    let start = status.timeline.len().saturating_sub(TIMELINE_TAIL);
    let timeline: Vec<String> = status.timeline[start..]
        .iter()
        .map(|t| format!("{}  {}: {}", clock.time(t.at), t.trigger, t.outcome))
        .collect();
    if !timeline.is_empty() {
        out.add("timeline", &timeline);
    }
    out.0
}

/// One line for a status event: `advanced; IPv4 en0 (pinned); IPv6 none`.
pub fn status_summary(status: &Status) -> String {
    let family = |f: Family| {
        let s = status.families.get(f);
        match &s.egress {
            Some(e) => format!("{f} {} ({})", e.interface, s.pin.word()),
            None => format!("{f} none"),
        }
    };
    let mut line = format!(
        "{}; {}; {}",
        status.mode,
        family(Family::V4),
        family(Family::V6)
    );
    if !status.warnings.is_empty() {
        line.push_str(&format!("; {} warning(s)", status.warnings.len()));
    }
    line
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::output::clock::tests::{utc, NOW};
    use helper_proto::{Access, Egress, HeldStatus, Mode, PeerInfo, PerFamily, TimelineEntry};
    use routing_core::model::InterfaceKind;

    pub(crate) fn sample() -> Status {
        Status {
            backend: "sim".into(),
            mode: Mode::Advanced,
            mode_note: None,
            mode_switchable: true,
            families: PerFamily {
                v4: FamilyStatus {
                    egress: Some(Egress {
                        index: 4,
                        interface: "en0".into(),
                        kind: InterfaceKind::Wifi,
                        gateway: "198.51.100.1".into(),
                        local_addresses: vec!["198.51.100.23".into()],
                    }),
                    pin: PinState::Pinned,
                    reason: "the only physical interface with a default route".into(),
                    since: Some(NOW - 300),
                },
                v6: FamilyStatus {
                    egress: None,
                    pin: PinState::None,
                    reason: "no IPv6 default route on a physical interface".into(),
                    since: None,
                },
            },
            exclusions: 0,
            held: vec![HeldStatus {
                route: "route add -inet 0.0.0.0/0 -gateway 198.51.100.1 -ifscope en0".into(),
                reused: false,
            }],
            held_exclusion_routes: 0,
            timeline: (0..7)
                .map(|i| TimelineEntry {
                    at: NOW - 60 * (7 - i),
                    trigger: format!("event-{i}"),
                    outcome: "nothing to do".into(),
                })
                .collect(),
            repins_last_10_min: 2,
            warnings: vec!["IPv6 has no physical egress".into()],
            vpn: Vec::new(),
        }
    }

    fn welcome() -> Welcome {
        Welcome {
            protocol: helper_proto::PROTOCOL,
            helper: "egress-helper 0.1.0".into(),
            backend: "sim".into(),
            peer: PeerInfo {
                uid: 501,
                gid: 20,
                pid: None,
            },
            access: Access::Change,
            change_requires: None,
        }
    }

    #[test]
    fn the_status_reads_as_labelled_lines() {
        assert_eq!(
            render_status(&sample(), Some(&welcome()), &utc()),
            "\
helper      egress-helper 0.1.0 (protocol 1.0), backend sim
mode        advanced
IPv4        en0 (wifi), gateway 198.51.100.1, addresses 198.51.100.23
            pin pinned, since 2023-11-14 22:08:20 (5 min ago)
            the only physical interface with a default route
IPv6        no physical egress
            pin none
            no IPv6 default route on a physical interface
pins held   route add -inet 0.0.0.0/0 -gateway 198.51.100.1 -ifscope en0
re-pins     2 in the last 10 min
warnings    ! IPv6 has no physical egress
timeline    22:08:20  event-2: nothing to do
            22:09:20  event-3: nothing to do
            22:10:20  event-4: nothing to do
            22:11:20  event-5: nothing to do
            22:12:20  event-6: nothing to do
"
        );
    }

    #[test]
    fn a_forced_mode_says_by_what_and_a_stale_pin_says_why() {
        let mut status = sample();
        status.mode = Mode::Legacy;
        status.mode_note = Some("EGRESS_USE_LEGACY_ROUTING=1 is set".into());
        status.mode_switchable = false;
        status.families.v4.pin = PinState::Stale("the gateway moved to 198.51.100.254".into());
        status.exclusions = 3;
        status.held_exclusion_routes = 3;
        let text = render_status(&status, None, &utc());
        assert!(text.starts_with(
            "\
mode        legacy
            forced: EGRESS_USE_LEGACY_ROUTING=1 is set
IPv4        en0 (wifi), gateway 198.51.100.1, addresses 198.51.100.23
            pin stale: the gateway moved to 198.51.100.254, since"
        ));
        assert!(
            text.contains("\nexclusions  3 registered, 3 routes held\n"),
            "{text}"
        );
    }

    #[test]
    fn the_tunnels_that_own_a_default_are_named() {
        let mut status = sample();
        status.vpn = vec![
            VpnDefault {
                interface: "utun4".into(),
                family: Family::V4,
                shape: DefaultShape::Split,
                routes: vec!["0/1".into(), "128.0/1".into()],
            },
            VpnDefault {
                interface: "utun4".into(),
                family: Family::V6,
                shape: DefaultShape::Whole,
                routes: vec!["default".into()],
            },
        ];
        let text = render_status(&status, None, &utc());
        assert!(
            text.contains(
                "\nVPN         utun4 holds the IPv4 default (split: 0/1 128.0/1)\n            utun4 holds the IPv6 default (whole: default)\npins held"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_summary_fits_one_line() {
        assert_eq!(
            status_summary(&sample()),
            "advanced; IPv4 en0 (pinned); IPv6 none; 1 warning(s)"
        );
    }
}
