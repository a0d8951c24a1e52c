use helper_proto::{Access, PerFamily, Welcome};

use super::*;

pub(crate) fn egress(interface: &str, kind: InterfaceKind, gateway: &str) -> Egress {
    Egress {
        index: 4,
        interface: interface.into(),
        kind,
        gateway: gateway.into(),
        local_addresses: vec![],
    }
}

pub(crate) fn status(mode: Mode) -> Status {
    let family = |e: Egress| FamilyStatus {
        egress: Some(e),
        pin: if mode == Mode::Advanced {
            PinState::Pinned
        } else {
            PinState::None
        },
        reason: "the primary physical service".into(),
        since: Some(1_700_000_000),
    };
    Status {
        backend: "sim".into(),
        mode,
        mode_note: None,
        mode_switchable: true,
        families: PerFamily {
            v4: family(egress("en0", InterfaceKind::Wifi, "192.0.2.1")),
            v6: family(egress("en0", InterfaceKind::Wifi, "fe80::1%en0")),
        },
        exclusions: 0,
        held: vec![],
        held_exclusion_routes: 0,
        timeline: vec![],
        repins_last_10_min: 0,
        warnings: vec![],
        vpn: vec![],
    }
}

pub(crate) fn connected(access: Access) -> Connection {
    let welcome: Welcome = serde_json::from_value(serde_json::json!({
        "protocol": {"major": 1, "minor": 0},
        "helper": "egress-helper 0.1.0",
        "backend": "sim",
        "peer": {"uid": 501, "gid": 20, "pid": null},
        "access": access,
        "change_requires": if access == Access::Change { None } else { Some("membership of group egress") },
    }))
    .unwrap();
    Connection::connected("/tmp/s", &welcome)
}

#[test]
fn a_healthy_advanced_mac_shows_egress_per_family_and_a_clickable_toggle() {
    let s = status(Mode::Advanced);
    let m = model(&connected(Access::Change), Some(&s), false, false);
    assert_eq!(
        m.families,
        [
            "IPv4: en0 Wi-Fi via 192.0.2.1",
            "IPv6: en0 Wi-Fi via fe80::1%en0"
        ]
    );
    assert!(!m.legacy_checked && m.legacy_enabled && m.legacy_reason.is_none());
    assert_eq!(m.helper_line, "Helper: egress-helper 0.1.0 (sim)");
    assert!(m.sim);
    assert_eq!(m.icon, TrayState::Healthy);
    assert!(m
        .tooltip
        .starts_with("Egress: advanced routing, healthy\nIPv4: en0"));
}

#[test]
fn legacy_stale_missing_and_gone_each_have_their_icon() {
    let c = connected(Access::Change);
    let legacy = status(Mode::Legacy);
    assert_eq!(tray_state(&c, Some(&legacy)), TrayState::Legacy);
    assert!(model(&c, Some(&legacy), false, false).legacy_checked);

    let mut stale = status(Mode::Advanced);
    stale.families.v4.pin = PinState::Stale("gateway moved".into());
    assert_eq!(tray_state(&c, Some(&stale)), TrayState::Degraded);
    assert_eq!(
        model(&c, Some(&stale), false, false).families[0],
        "IPv4: en0 Wi-Fi via 192.0.2.1 — pin stale"
    );

    let mut no_v6 = status(Mode::Advanced);
    no_v6.families.v6.egress = None;
    assert_eq!(tray_state(&c, Some(&no_v6)), TrayState::Degraded);
    assert_eq!(
        model(&c, Some(&no_v6), false, false).families[1],
        "IPv6: no physical egress"
    );

    let gone = Connection::failed(
        "/tmp/s",
        &helper_client::ClientError::NotRunning {
            path: "/tmp/s".into(),
        },
    );
    let m = model(&gone, Some(&stale), true, true);
    assert_eq!(m.icon, TrayState::Unavailable);
    assert!(m.families.is_empty() && !m.sim && !m.legacy_enabled);
    assert_eq!(m.helper_line, "Helper: not running");
    assert!(m.helper_detail.unwrap().contains("not running"));
    assert!(m.notifications && m.autostart);
}

#[test]
fn the_toggle_says_why_it_is_disabled() {
    let s = status(Mode::Advanced);
    let m = model(&connected(Access::Read), Some(&s), false, false);
    assert!(!m.legacy_enabled);
    assert_eq!(
        m.legacy_reason.as_deref(),
        Some("Changing it needs membership of group egress")
    );
    let mut forced = status(Mode::Legacy);
    forced.mode_switchable = false;
    forced.mode_note = Some("forced by EGRESS_USE_LEGACY_ROUTING=1".into());
    let m = model(&connected(Access::Change), Some(&forced), false, false);
    assert_eq!(
        m.legacy_reason.as_deref(),
        Some("forced by EGRESS_USE_LEGACY_ROUTING=1")
    );
}

#[test]
fn a_link_gateway_reads_directly_and_long_messages_are_cut() {
    let e = egress("en5", InterfaceKind::Ethernet, "link#5");
    assert_eq!(egress_text(&e), "en5 Ethernet directly");
    let long = "x".repeat(200);
    let cut = shorten(&long, 90);
    assert_eq!(cut.chars().count(), 90);
    assert!(cut.ends_with('…'));
}
