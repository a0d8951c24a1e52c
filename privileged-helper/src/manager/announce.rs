//! What the route manager tells subscribers (timeline entries go out from
//! [`super::status::History`] as they are recorded), and the recent kernel events
//! diagnostics show.
//!
//! Subscribers get a status whenever it changes (compared after each turn
//! of the loop, so a burst of work is one event), every timeline entry,
//! mode-switch progress in whole percents, and "the routes changed" at
//! most every [`ROUTES_EVERY`]. The channel is a broadcast ring: sending
//! never waits, and a subscriber that falls behind learns it lagged.

use std::collections::VecDeque;
use std::time::Duration;

use std::sync::Arc;

use bytes::Bytes;
use helper_proto::{Event, Mode, Response, Status};
use routing_backend::{BackendEvent, RouteChange};
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

/// Events kept for subscribers that fall behind (per subscriber, shared ring).
pub const EVENT_BUFFER: usize = 1024;

/// The least time between two "routes changed" events.
pub const ROUTES_EVERY: Duration = Duration::from_millis(250);

/// Kernel events kept for diagnostics.
pub const KERNEL_LOG_LEN: usize = 200;

/// The status as of the manager's last turn, and the status response
/// already encoded (encoded once per change, not once per request).
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The status.
    pub status: Arc<Status>,
    /// `Response::Status` for it, as `helper_proto::message::encode` writes it.
    pub encoded: Bytes,
}

impl Snapshot {
    fn of(status: &Status) -> Snapshot {
        let response = Response::Status {
            status: Box::new(status.clone()),
        };
        Snapshot {
            status: Arc::new(status.clone()),
            encoded: helper_proto::message::encode(&response)
                .map(Bytes::from)
                .unwrap_or_default(),
        }
    }
}

/// The manager's voice.
#[derive(Debug)]
pub struct Announcer {
    tx: broadcast::Sender<Event>,
    /// The latest status, for readers that must not wait on the manager.
    snapshot: watch::Sender<Option<Snapshot>>,
    last_status: Option<Status>,
    routes_dirty: bool,
    routes_announced: Option<Instant>,
    switching: Option<(Mode, usize)>,
    kernel_log: VecDeque<String>,
}

impl Announcer {
    /// A new announcer with its own channel.
    pub fn new() -> Announcer {
        let (tx, _) = broadcast::channel(EVENT_BUFFER);
        let (snapshot, _) = watch::channel(None);
        Announcer {
            tx,
            snapshot,
            last_status: None,
            routes_dirty: false,
            routes_announced: None,
            switching: None,
            kernel_log: VecDeque::with_capacity(KERNEL_LOG_LEN),
        }
    }

    /// The sender, for handles to subscribe with.
    pub fn sender(&self) -> broadcast::Sender<Event> {
        self.tx.clone()
    }

    fn send(&self, event: Event) {
        // No subscribers is fine: nobody is listening.
        let _ = self.tx.send(event);
    }

    /// A receiver of the latest status (`None` until start-up is done).
    pub fn snapshots(&self) -> watch::Receiver<Option<Snapshot>> {
        self.snapshot.subscribe()
    }

    /// Publishes the status if it differs from the last one published.
    pub fn status(&mut self, status: Status) {
        if self.last_status.as_ref() == Some(&status) {
            return;
        }
        self.snapshot.send_replace(Some(Snapshot::of(&status)));
        self.last_status = Some(status.clone());
        self.send(Event::Status {
            status: Box::new(status),
        });
    }

    /// A mode switch starts.
    pub fn switching(&mut self, mode: Mode) {
        self.switching = Some((mode, usize::MAX));
    }

    /// A mode switch ended.
    pub fn switched(&mut self) {
        self.switching = None;
    }

    /// Progress of the steps under way; announced when a switch is under
    /// way, once per whole percent.
    pub fn progress(&mut self, done: usize, total: usize) {
        let Some((mode, last)) = self.switching else {
            return;
        };
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        if percent == last && done != total {
            return;
        }
        self.switching = Some((mode, percent));
        self.send(Event::ModeProgress { mode, done, total });
    }

    /// Notes a kernel event: logs it, and marks the routes changed.
    pub fn kernel(&mut self, event: &BackendEvent, at: u64) {
        if self.kernel_log.len() == KERNEL_LOG_LEN {
            self.kernel_log.pop_front();
        }
        self.kernel_log
            .push_back(format!("{at} {}", describe(event)));
        if matches!(event, BackendEvent::Route { .. } | BackendEvent::Lost) {
            self.routes_dirty = true;
        }
    }

    /// Our own steps changed the table. The backend hands our replies to
    /// the session, not to the event stream, so without this a client
    /// would hear about kernel changes but never about ours.
    pub fn routes_written(&mut self) {
        self.routes_dirty = true;
    }

    /// When a pending "routes changed" may go out.
    pub fn routes_deadline(&self) -> Option<Instant> {
        if !self.routes_dirty {
            return None;
        }
        Some(
            self.routes_announced
                .map_or_else(Instant::now, |t| t + ROUTES_EVERY),
        )
    }

    /// Sends "routes changed" if one is pending and due.
    pub fn routes_if_due(&mut self) {
        if self
            .routes_deadline()
            .is_some_and(|due| due <= Instant::now())
        {
            self.routes_dirty = false;
            self.routes_announced = Some(Instant::now());
            self.send(Event::RoutesChanged);
        }
    }

    /// The helper is stopping.
    pub fn stopping(&self) {
        self.send(Event::Stopping);
    }

    /// The kernel events kept, oldest first.
    pub fn kernel_log(&self) -> Vec<String> {
        self.kernel_log.iter().cloned().collect()
    }
}

impl Default for Announcer {
    fn default() -> Announcer {
        Announcer::new()
    }
}

/// One line for a kernel event.
fn describe(event: &BackendEvent) -> String {
    match event {
        BackendEvent::Route {
            change,
            destination,
            flags,
            interface,
            gateway,
            ours,
        } => {
            let via = gateway.map_or_else(String::new, |g| format!(" via {g}"));
            let who = if *ours { " (ours)" } else { "" };
            let what = match change {
                RouteChange::Added => "added",
                RouteChange::Deleted => "deleted",
                RouteChange::Changed => "changed",
                _ => "reported",
            };
            format!(
                "route {what} {destination}{via} if#{interface} flags {}{who}",
                flags.netstat_letters()
            )
        }
        BackendEvent::Interface { index, up } => {
            format!("interface #{index} {}", if *up { "up" } else { "down" })
        }
        BackendEvent::Address {
            index,
            family,
            added,
        } => format!(
            "{family} address {} on interface #{index}",
            if *added { "added" } else { "removed" }
        ),
        BackendEvent::Wake { slept_secs } => format!("woke after {slept_secs} s"),
        BackendEvent::Unparsed { reason } => format!("unreadable message: {reason}"),
        BackendEvent::Lost => "messages lost: table re-read".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn progress_is_announced_per_percent_and_status_only_on_change() {
        let mut a = Announcer::new();
        let mut rx = a.sender().subscribe();
        a.progress(1, 10);
        a.switching(Mode::Legacy);
        for done in 1..=1000 {
            a.progress(done, 1000);
        }
        a.switched();
        let mut seen = 0;
        while let Ok(event) = rx.try_recv() {
            assert!(matches!(
                event,
                Event::ModeProgress {
                    mode: Mode::Legacy,
                    ..
                }
            ));
            seen += 1;
        }
        assert_eq!(seen, 101, "0 % to 100 %, once each");
    }

    #[tokio::test(start_paused = true)]
    async fn routes_changed_is_rate_limited() {
        let mut a = Announcer::new();
        let mut rx = a.sender().subscribe();
        let event = BackendEvent::Lost;
        a.kernel(&event, 1);
        a.routes_if_due();
        a.kernel(&event, 2);
        a.routes_if_due();
        assert!(matches!(rx.try_recv(), Ok(Event::RoutesChanged)));
        assert!(rx.try_recv().is_err(), "the second waits its turn");
        tokio::time::advance(ROUTES_EVERY).await;
        a.routes_if_due();
        assert!(matches!(rx.try_recv(), Ok(Event::RoutesChanged)));
        assert_eq!(
            a.kernel_log(),
            [
                "1 messages lost: table re-read",
                "2 messages lost: table re-read"
            ]
        );
    }
}
