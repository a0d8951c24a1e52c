//! What the route manager reports: mode, egress per family, the timeline.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use helper_proto::Event;
pub use helper_proto::{Egress, FamilyStatus, HeldStatus, PinState, Status, TimelineEntry};
use routing_core::model::{Family, RouteSpec};
use tokio::sync::broadcast;

use crate::engine::plan::PerFamily;

/// How many timeline entries are kept.
pub const TIMELINE_LEN: usize = 100;

/// The window "re-pinned N times" counts over.
pub const REPIN_WINDOW: Duration = Duration::from_secs(600);

/// Seconds since the epoch, now.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The timeline and the re-pin history.
#[derive(Debug, Clone, Default)]
pub struct History {
    timeline: VecDeque<TimelineEntry>,
    repins: VecDeque<u64>,
    /// Where each entry is also announced.
    events: Option<broadcast::Sender<Event>>,
}

impl History {
    /// A history that announces each entry on `events`.
    pub fn announcing(events: broadcast::Sender<Event>) -> History {
        History {
            events: Some(events),
            ..History::default()
        }
    }

    /// Records a decision.
    pub fn record(&mut self, trigger: impl fmt::Display, outcome: impl Into<String>) {
        if self.timeline.len() == TIMELINE_LEN {
            self.timeline.pop_front();
        }
        let entry = TimelineEntry {
            at: unix_now(),
            trigger: trigger.to_string(),
            outcome: outcome.into(),
        };
        if let Some(events) = &self.events {
            let _ = events.send(Event::Timeline {
                entry: entry.clone(),
            });
        }
        self.timeline.push_back(entry);
    }

    /// Records that a pin moved.
    pub fn repinned(&mut self) {
        self.repins.push_back(unix_now());
    }

    /// Pins moved in the last ten minutes.
    pub fn repins_recent(&mut self) -> usize {
        let cutoff = unix_now().saturating_sub(REPIN_WINDOW.as_secs());
        while self.repins.front().is_some_and(|t| *t < cutoff) {
            self.repins.pop_front();
        }
        self.repins.len()
    }

    /// The timeline, oldest first.
    pub fn timeline(&self) -> Vec<TimelineEntry> {
        self.timeline.iter().cloned().collect()
    }
}

/// Warnings about the two families' egress.
pub fn family_warnings(families: &PerFamily<FamilyStatus>) -> Vec<String> {
    let mut warnings = Vec::new();
    match (&families.v4.egress, &families.v6.egress) {
        (Some(v4), Some(v6)) if v4.index != v6.index => warnings.push(format!(
            "IPv4 leaves via {} but IPv6 via {}: a dual-stack socket follows IPv6",
            v4.interface, v6.interface
        )),
        (Some(v4), None) => warnings.push(format!(
            "IPv6 has no physical egress; IPv6 sockets are bound to {} (IPv4's)",
            v4.interface
        )),
        (None, Some(v6)) => warnings.push(format!(
            "IPv4 has no physical egress; IPv4 sockets are bound to {} (IPv6's)",
            v6.interface
        )),
        (None, None) => {
            warnings.push("no physical egress: nothing can be pinned until a network is up".into())
        }
        _ => {}
    }
    for family in [Family::V4, Family::V6] {
        if let PinState::Failed(why) | PinState::Stale(why) = &families.get(family).pin {
            warnings.push(format!("{family} pin: {why}"));
        }
    }
    warnings
}

/// A held route for status.
pub fn held_status(spec: &RouteSpec, reused: bool) -> HeldStatus {
    HeldStatus {
        route: spec.to_string(),
        reused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use routing_core::model::InterfaceKind;

    fn egress(index: u32, name: &str) -> Option<Egress> {
        Some(Egress {
            index,
            interface: name.into(),
            kind: InterfaceKind::Wifi,
            gateway: "198.51.100.1".into(),
            local_addresses: vec![],
        })
    }

    fn families(v4: Option<Egress>, v6: Option<Egress>) -> PerFamily<FamilyStatus> {
        PerFamily {
            v4: FamilyStatus {
                egress: v4,
                ..FamilyStatus::default()
            },
            v6: FamilyStatus {
                egress: v6,
                ..FamilyStatus::default()
            },
        }
    }

    #[test]
    fn warns_when_families_disagree_or_one_is_missing() {
        assert!(family_warnings(&families(egress(4, "en0"), egress(4, "en0"))).is_empty());
        assert_eq!(
            family_warnings(&families(egress(4, "en0"), egress(5, "en5"))),
            ["IPv4 leaves via en0 but IPv6 via en5: a dual-stack socket follows IPv6"]
        );
        assert_eq!(
            family_warnings(&families(egress(4, "en0"), None)),
            ["IPv6 has no physical egress; IPv6 sockets are bound to en0 (IPv4's)"]
        );
    }

    #[test]
    fn timeline_is_bounded_and_repins_count() {
        let mut h = History::default();
        for i in 0..(TIMELINE_LEN + 5) {
            h.record("wake", format!("step {i}"));
        }
        assert_eq!(h.timeline().len(), TIMELINE_LEN);
        assert_eq!(
            h.timeline().last().map(|e| e.outcome.clone()),
            Some(format!("step {}", TIMELINE_LEN + 4))
        );
        h.repinned();
        h.repinned();
        assert_eq!(h.repins_recent(), 2);
    }
}
