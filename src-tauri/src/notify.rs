//! Opt-in notifications: what changed between two snapshots that the
//! user should hear about (pure; the app shows them when enabled).

use helper_proto::{FamilyStatus, PinState, Status};

use crate::connection::Connection;
use crate::menu::egress_text;

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The title.
    pub title: String,
    /// The body.
    pub body: String,
}

impl Note {
    fn new(title: &str, body: String) -> Note {
        Note {
            title: title.to_string(),
            body,
        }
    }
}

/// What the app last knew.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    connected: bool,
    status: Option<Status>,
}

impl Seen {
    /// Takes the next snapshot and returns what to tell the user: the
    /// egress of a family changed, a pin went stale or failed, the helper
    /// went away. The first status after (re)connecting is only recorded.
    pub fn update(&mut self, connection: &Connection, status: Option<&Status>) -> Vec<Note> {
        let mut notes = Vec::new();
        let connected = connection.is_connected();
        if self.connected && !connected {
            let why = connection
                .message
                .clone()
                .unwrap_or_else(|| "The connection to the helper ended.".to_string());
            notes.push(Note::new("Egress helper unavailable", why));
        }
        if let (true, Some(before), Some(now)) = (connected, self.status.as_ref(), status) {
            for (name, a, b) in [
                ("IPv4", &before.families.v4, &now.families.v4),
                ("IPv6", &before.families.v6, &now.families.v6),
            ] {
                notes.extend(family_notes(name, a, b));
            }
        }
        self.connected = connected;
        self.status = if connected { status.cloned() } else { None };
        notes
    }
}

fn family_notes(name: &str, before: &FamilyStatus, now: &FamilyStatus) -> Vec<Note> {
    let mut notes = Vec::new();
    let key = |f: &FamilyStatus| {
        f.egress
            .as_ref()
            .map(|e| (e.interface.clone(), e.gateway.clone()))
    };
    if key(before) != key(now) {
        let body = match &now.egress {
            Some(e) => format!("{name} now leaves through {}.", egress_text(e)),
            None => format!("{name} has no physical egress: {}", now.reason),
        };
        notes.push(Note::new("Egress changed", body));
    }
    let trouble = |p: &PinState| matches!(p, PinState::Stale(_) | PinState::Failed(_));
    if trouble(&now.pin) && now.pin != before.pin {
        let (word, detail) = match &now.pin {
            PinState::Stale(d) => ("stale", d),
            PinState::Failed(d) => ("failed", d),
            _ => unreachable!("checked above"),
        };
        notes.push(Note::new(&format!("{name} pin {word}"), detail.clone()));
    }
    notes
}

#[cfg(test)]
mod tests {
    use helper_proto::{Access, Mode};
    use routing_core::model::InterfaceKind;

    use super::*;
    use crate::menu::tests::{connected, egress, status};

    #[test]
    fn egress_changes_pin_trouble_and_the_helper_leaving_are_told_once() {
        let c = connected(Access::Change);
        let mut seen = Seen::default();
        let wifi = status(Mode::Advanced);
        assert!(
            seen.update(&c, Some(&wifi)).is_empty(),
            "the first status is only recorded"
        );
        assert!(seen.update(&c, Some(&wifi)).is_empty());

        let mut ethernet = wifi.clone();
        ethernet.families.v4.egress = Some(egress("en5", InterfaceKind::Ethernet, "198.51.100.1"));
        let notes = seen.update(&c, Some(&ethernet));
        assert_eq!(
            notes,
            [Note::new(
                "Egress changed",
                "IPv4 now leaves through en5 Ethernet via 198.51.100.1.".into()
            )]
        );

        let mut stale = ethernet.clone();
        stale.families.v6.pin = PinState::Failed("EEXIST".into());
        let notes = seen.update(&c, Some(&stale));
        assert_eq!(notes, [Note::new("IPv6 pin failed", "EEXIST".into())]);
        assert!(seen.update(&c, Some(&stale)).is_empty(), "told once");

        let gone = Connection::failed("/tmp/s", &helper_client::ClientError::Disconnected);
        let notes = seen.update(&gone, None);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].title, "Egress helper unavailable");
        assert!(seen.update(&gone, None).is_empty());
        assert!(
            seen.update(&c, Some(&wifi)).is_empty(),
            "back: only recorded"
        );
    }
}
