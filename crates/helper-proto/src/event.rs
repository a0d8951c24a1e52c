//! Events a subscriber receives.

use serde::{Deserialize, Serialize};

use crate::types::{Mode, Status, TimelineEntry};

/// A kind of event, for subscription filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// [`Event::Status`].
    Status,
    /// [`Event::Timeline`].
    Timeline,
    /// [`Event::ModeProgress`].
    Progress,
    /// [`Event::RoutesChanged`].
    Routes,
}

/// Something happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The status changed (egress, pins, mode, exclusions).
    Status {
        /// The status now.
        status: Box<Status>,
    },
    /// The engine made a decision.
    Timeline {
        /// The decision.
        entry: TimelineEntry,
    },
    /// A mode switch is under way.
    ModeProgress {
        /// The mode being switched to.
        mode: Mode,
        /// Steps done.
        done: usize,
        /// Steps in all.
        total: usize,
    },
    /// The routing table changed; re-read the routes you show.
    RoutesChanged,
    /// This subscriber fell behind and missed events: re-read the status.
    Lagged {
        /// How many were missed.
        missed: u64,
    },
    /// The helper is stopping; reconnect later.
    Stopping,
    /// An event from a newer protocol minor that this side does not know
    /// (only its name is read; ignore it).
    #[serde(other)]
    Unknown,
}

impl Event {
    /// The topic of the event; `None` for the ones every subscriber gets.
    pub fn topic(&self) -> Option<Topic> {
        match self {
            Event::Status { .. } => Some(Topic::Status),
            Event::Timeline { .. } => Some(Topic::Timeline),
            Event::ModeProgress { .. } => Some(Topic::Progress),
            Event::RoutesChanged => Some(Topic::Routes),
            Event::Lagged { .. } | Event::Stopping | Event::Unknown => None,
        }
    }

    /// Whether a subscriber to `topics` (all when empty) gets this event.
    pub fn wanted_by(&self, topics: &[Topic]) -> bool {
        match self.topic() {
            None => true,
            Some(topic) => topics.is_empty() || topics.contains(&topic),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_keep_lagged_and_stopping_for_everyone() {
        assert!(Event::RoutesChanged.wanted_by(&[]));
        assert!(!Event::RoutesChanged.wanted_by(&[Topic::Status]));
        assert!(Event::Lagged { missed: 3 }.wanted_by(&[Topic::Status]));
        assert!(Event::Stopping.wanted_by(&[Topic::Routes]));
    }

    #[test]
    fn a_newer_event_reads_as_unknown() {
        let e: Event = serde_json::from_str(r#"{"event":"battery_low","percent":3}"#).unwrap();
        assert_eq!(e, Event::Unknown);
    }
}
