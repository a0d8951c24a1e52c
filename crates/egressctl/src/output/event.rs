//! `egressctl watch`: one line per event.

use helper_proto::Event;

use super::status::status_summary;

/// The event's kind and what it says, without the time stamp.
pub fn event_text(event: &Event) -> (&'static str, String) {
    match event {
        Event::Status { status } => ("status", status_summary(status)),
        Event::Timeline { entry } => ("timeline", format!("{}: {}", entry.trigger, entry.outcome)),
        Event::ModeProgress { mode, done, total } => {
            ("progress", format!("switching to {mode}: {done}/{total}"))
        }
        Event::RoutesChanged => ("routes", "the routing table changed".to_string()),
        Event::Lagged { missed } => (
            "lagged",
            format!("{missed} event(s) missed; the next status is current"),
        ),
        Event::Stopping => ("stopping", "the helper is stopping".to_string()),
        Event::Unknown => (
            "other",
            "an event this egressctl does not know (the helper is newer)".to_string(),
        ),
    }
}

/// `14:03:07  timeline  vpn-up: re-pinned en0`.
pub fn watch_line(time: &str, kind: &str, text: &str) -> String {
    format!("{time}  {kind:<9} {text}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use helper_proto::{Mode, TimelineEntry};

    #[test]
    fn each_event_is_one_line() {
        let entry = TimelineEntry {
            at: 0,
            trigger: "vpn-up".into(),
            outcome: "re-pinned en0".into(),
        };
        let (kind, text) = event_text(&Event::Timeline { entry });
        assert_eq!(
            watch_line("14:03:07", kind, &text),
            "14:03:07  timeline  vpn-up: re-pinned en0"
        );
        let (kind, text) = event_text(&Event::ModeProgress {
            mode: Mode::Legacy,
            done: 3,
            total: 10,
        });
        assert_eq!(
            watch_line("14:03:08", kind, &text),
            "14:03:08  progress  switching to legacy: 3/10"
        );
        let (kind, text) = event_text(&Event::RoutesChanged);
        assert_eq!(
            watch_line("14:03:09", kind, &text),
            "14:03:09  routes    the routing table changed"
        );
    }
}
