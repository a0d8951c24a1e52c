//! What the tray shows, computed from the connection and the status
//! alone (pure, so it is tested without a tray): the menu's lines and
//! toggles, and which of the four icons.

use helper_proto::{Egress, FamilyStatus, Mode, PinState, Status};
use routing_core::model::InterfaceKind;

use crate::connection::{ConnState, Connection};

/// The sim's scenario events behind the Simulate submenu: (event, label).
pub const SIM_ACTIONS: &[(&str, &str)] = &[
    ("ethernet-to-wifi", "Switch network to Wi-Fi"),
    ("wifi-to-ethernet", "Switch network to Ethernet"),
    ("vpn-up", "VPN up"),
    ("vpn-down", "VPN down"),
    ("sleep", "Sleep"),
    ("wake", "Wake"),
];

/// The tray icon's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayState {
    /// Advanced mode, every family pinned (or reusing the OS's pin).
    Healthy,
    /// Legacy mode.
    Legacy,
    /// A pin is stale or failed, or a family has no physical egress.
    Degraded,
    /// No connection to the helper.
    Unavailable,
}

impl TrayState {
    /// The icon's file (in `icons/`) and a word for the tooltip.
    pub fn describe(self) -> &'static str {
        match self {
            TrayState::Healthy => "advanced routing, healthy",
            TrayState::Legacy => "legacy routing",
            TrayState::Degraded => "degraded",
            TrayState::Unavailable => "helper unavailable",
        }
    }
}

/// The tray's menu, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuModel {
    /// One line per family (`IPv4: en0 Wi-Fi via 192.0.2.1`); empty when
    /// there is no status.
    pub families: Vec<String>,
    /// Whether legacy routing is on.
    pub legacy_checked: bool,
    /// Whether the legacy item can be clicked.
    pub legacy_enabled: bool,
    /// Why it cannot, shown under it.
    pub legacy_reason: Option<String>,
    /// `Helper: egress-helper 0.1.0 (sim)` or what is wrong.
    pub helper_line: String,
    /// The connection's message when not connected.
    pub helper_detail: Option<String>,
    /// Whether to show the Simulate submenu (the sim backend).
    pub sim: bool,
    /// The notifications checkbox.
    pub notifications: bool,
    /// The launch-at-login checkbox.
    pub autostart: bool,
    /// The tray icon.
    pub icon: TrayState,
    /// The tooltip.
    pub tooltip: String,
}

/// The tray's state for a connection and its last status.
pub fn tray_state(connection: &Connection, status: Option<&Status>) -> TrayState {
    let Some(status) = status.filter(|_| connection.is_connected()) else {
        return TrayState::Unavailable;
    };
    let families = [&status.families.v4, &status.families.v6];
    let broken = families
        .iter()
        .any(|f| f.egress.is_none() || matches!(f.pin, PinState::Stale(_) | PinState::Failed(_)));
    if broken {
        TrayState::Degraded
    } else if status.mode == Mode::Legacy {
        TrayState::Legacy
    } else {
        TrayState::Healthy
    }
}

/// `Wi-Fi`, `Ethernet`, … for a menu line.
pub fn kind_label(kind: InterfaceKind) -> &'static str {
    match kind {
        InterfaceKind::Wifi => "Wi-Fi",
        InterfaceKind::Ethernet => "Ethernet",
        InterfaceKind::Tunnel => "tunnel",
        InterfaceKind::Loopback => "loopback",
        InterfaceKind::Bridge => "bridge",
        InterfaceKind::Awdl => "AWDL",
        InterfaceKind::Cellular => "cellular",
        InterfaceKind::Other => "interface",
    }
}

/// `en0 Wi-Fi via 192.0.2.1` (or `… directly` for a link gateway).
pub fn egress_text(egress: &Egress) -> String {
    let via = if egress.gateway == "link" || egress.gateway.starts_with("link#") {
        "directly".to_string()
    } else {
        format!("via {}", egress.gateway)
    };
    format!("{} {} {via}", egress.interface, kind_label(egress.kind))
}

/// `IPv4: en0 Wi-Fi via 192.0.2.1`, with the pin's trouble if any.
pub fn family_line(name: &str, family: &FamilyStatus) -> String {
    let Some(egress) = &family.egress else {
        return format!("{name}: no physical egress");
    };
    let trouble = match &family.pin {
        PinState::Stale(_) => " — pin stale",
        PinState::Failed(_) => " — pin failed",
        _ => "",
    };
    format!("{name}: {}{trouble}", egress_text(egress))
}

/// The menu for a connection, its last status and the two settings.
pub fn model(
    connection: &Connection,
    status: Option<&Status>,
    notifications: bool,
    autostart: bool,
) -> MenuModel {
    let status = status.filter(|_| connection.is_connected());
    let families = status
        .map(|s| {
            vec![
                family_line("IPv4", &s.families.v4),
                family_line("IPv6", &s.families.v6),
            ]
        })
        .unwrap_or_default();
    let legacy_reason = legacy_reason(connection, status);
    let helper_line = match connection.state {
        ConnState::Connected => format!(
            "Helper: {} ({})",
            connection.helper.as_deref().unwrap_or("egress-helper"),
            connection.backend.as_deref().unwrap_or("unknown backend")
        ),
        ConnState::NotRunning => "Helper: not running".to_string(),
        ConnState::NotInstalled => "Helper: not installed".to_string(),
        ConnState::NotPermitted => "Helper: not permitted".to_string(),
        ConnState::Incompatible => "Helper: incompatible version".to_string(),
        ConnState::Connecting => "Helper: connecting…".to_string(),
    };
    let helper_detail = if connection.is_connected() {
        None
    } else {
        connection.message.as_deref().map(|m| shorten(m, 90))
    };
    let icon = tray_state(connection, status);
    let mut tooltip = format!("Egress: {}", icon.describe());
    for line in &families {
        tooltip.push('\n');
        tooltip.push_str(line);
    }
    MenuModel {
        families,
        legacy_checked: status.is_some_and(|s| s.mode == Mode::Legacy),
        legacy_enabled: legacy_reason.is_none(),
        legacy_reason,
        helper_line,
        helper_detail,
        sim: connection.is_connected() && connection.backend.as_deref() == Some("sim"),
        notifications,
        autostart,
        icon,
        tooltip,
    }
}

/// Why the legacy toggle cannot be clicked, if it cannot.
fn legacy_reason(connection: &Connection, status: Option<&Status>) -> Option<String> {
    let Some(status) = status else {
        return Some("Needs the helper".to_string());
    };
    if !status.mode_switchable {
        return Some(
            status
                .mode_note
                .clone()
                .unwrap_or_else(|| "The helper's environment fixes the mode".to_string()),
        );
    }
    if !connection.may_change() {
        return Some(match &connection.change_requires {
            Some(needed) => format!("Changing it needs {needed}"),
            None => "You may not change it".to_string(),
        });
    }
    None
}

/// `text`, cut at `max` characters with an ellipsis.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
#[path = "menu_tests.rs"]
pub(crate) mod tests;
