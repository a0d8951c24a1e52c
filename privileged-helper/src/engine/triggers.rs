//! Which kernel events should make the engine look again, and when.
//!
//! A Mac's routing socket is noisy: clones come and go, other programs add
//! scoped routes, our own writes echo back. Only changes that can move the
//! physical default are *triggers*; the rest is ignored here, before any
//! work is done. Triggers are then coalesced by a [`BurstGuard`]: the
//! engine re-reads the table once things have been quiet for a moment, but
//! never later than a maximum delay after the first trigger, so a storm of
//! flapping routes costs one re-pin, not thousands.

use std::fmt;
use std::time::Duration;

use routing_backend::{BackendEvent, RouteChange};
use routing_core::model::RouteFlags;

/// Why the engine is looking again. Shown in the status timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A default route was added, deleted or changed.
    DefaultRoute(RouteChange),
    /// An interface went up or down.
    InterfaceState {
        /// Its index.
        index: u32,
        /// Up or down now.
        up: bool,
    },
    /// An address came or went.
    Address {
        /// The interface index.
        index: u32,
    },
    /// The machine woke from sleep.
    Wake,
    /// A message we could not read, or lost messages: assume a change.
    Unknown(String),
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trigger::DefaultRoute(RouteChange::Added) => f.write_str("a default route was added"),
            Trigger::DefaultRoute(RouteChange::Deleted) => {
                f.write_str("a default route was deleted")
            }
            Trigger::DefaultRoute(_) => f.write_str("a default route changed"),
            Trigger::InterfaceState { index, up: true } => write!(f, "interface #{index} came up"),
            Trigger::InterfaceState { index, up: false } => {
                write!(f, "interface #{index} went down")
            }
            Trigger::Address { index } => write!(f, "an address changed on interface #{index}"),
            Trigger::Wake => f.write_str("the machine woke from sleep"),
            Trigger::Unknown(why) => write!(f, "something changed ({why})"),
        }
    }
}

/// Decides whether an event is a trigger. `our_tag` is the flag our routes
/// carry; `interesting` says whether an interface index matters (is, or
/// could become, a physical egress).
pub fn trigger_for(
    event: &BackendEvent,
    our_tag: RouteFlags,
    interesting: impl Fn(u32) -> bool,
) -> Option<Trigger> {
    match event {
        BackendEvent::Route {
            change,
            destination,
            flags,
            interface,
            ours,
            ..
        } => {
            let ignored = *ours
                || *change == RouteChange::Other
                || !destination.is_default()
                || flags.intersects(RouteFlags::IFSCOPE | RouteFlags::WASCLONED)
                || (!our_tag.is_empty() && flags.intersects(our_tag))
                // A deleted route is reported without RTF_UP; only adds must be up.
                || (*change != RouteChange::Deleted && !flags.contains(RouteFlags::UP))
                || (*interface != 0 && !interesting(*interface));
            (!ignored).then_some(Trigger::DefaultRoute(*change))
        }
        BackendEvent::Interface { index, up } => {
            interesting(*index).then_some(Trigger::InterfaceState {
                index: *index,
                up: *up,
            })
        }
        BackendEvent::Address { index, .. } => {
            interesting(*index).then_some(Trigger::Address { index: *index })
        }
        BackendEvent::Wake { .. } => Some(Trigger::Wake),
        BackendEvent::Unparsed { reason } => Some(Trigger::Unknown(reason.clone())),
        BackendEvent::Lost => Some(Trigger::Unknown("routing messages were lost".into())),
    }
}

/// Coalesces triggers: fires `quiet` after the last one, but at most
/// `max_delay` after the first. Time is passed in (milliseconds on any
/// monotonic clock), so the guard is pure.
#[derive(Debug, Clone)]
pub struct BurstGuard {
    quiet: u64,
    max_delay: u64,
    first: Option<u64>,
    last: u64,
    pending: Vec<Trigger>,
}

impl BurstGuard {
    /// A guard with the given quiet period and maximum delay.
    pub fn new(quiet: Duration, max_delay: Duration) -> BurstGuard {
        BurstGuard {
            quiet: duration_ms(quiet),
            max_delay: duration_ms(max_delay).max(duration_ms(quiet)),
            first: None,
            last: 0,
            pending: Vec::new(),
        }
    }

    /// Records a trigger at `now_ms`.
    pub fn push(&mut self, trigger: Trigger, now_ms: u64) {
        self.first.get_or_insert(now_ms);
        self.last = now_ms;
        if !self.pending.contains(&trigger) {
            self.pending.push(trigger);
        }
    }

    /// When the guard fires next, if anything is pending.
    pub fn deadline(&self) -> Option<u64> {
        let first = self.first?;
        Some((self.last + self.quiet).min(first + self.max_delay))
    }

    /// If the deadline has passed, takes the coalesced triggers (each once,
    /// in arrival order) and resets.
    pub fn fire(&mut self, now_ms: u64) -> Option<Vec<Trigger>> {
        if self.deadline()? > now_ms {
            return None;
        }
        self.first = None;
        Some(std::mem::take(&mut self.pending))
    }
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use routing_core::model::{Family, IpPrefix};

    fn route_event(change: RouteChange, dst: &str, flags: &str, interface: u32) -> BackendEvent {
        BackendEvent::Route {
            change,
            destination: match dst {
                "default" => IpPrefix::default_for(Family::V4),
                d => d.parse().expect("prefix"),
            },
            flags: RouteFlags::from_netstat_letters(flags).expect("flags"),
            interface,
            gateway: None,
            ours: false,
        }
    }

    fn physical(index: u32) -> bool {
        matches!(index, 4 | 7)
    }

    #[test]
    fn only_changes_that_can_move_the_physical_default_trigger() {
        let tag = RouteFlags::PROTO1;
        let cases = [
            (route_event(RouteChange::Added, "default", "UGScg", 4), true),
            (route_event(RouteChange::Deleted, "default", "GSc", 4), true),
            (
                route_event(RouteChange::Changed, "default", "UGScg", 7),
                true,
            ),
            (
                route_event(RouteChange::Added, "default", "UGScIg", 4),
                false,
            ),
            (
                route_event(RouteChange::Added, "default", "UGHWIig", 4),
                false,
            ),
            (
                route_event(RouteChange::Added, "default", "UGSc1Ig", 4),
                false,
            ),
            (route_event(RouteChange::Added, "default", "GSc", 4), false),
            (
                route_event(RouteChange::Added, "203.0.113.0/24", "UGSc", 4),
                false,
            ),
            (
                route_event(RouteChange::Other, "default", "UGScg", 4),
                false,
            ),
            (
                route_event(RouteChange::Added, "default", "UGScg", 9),
                false,
            ),
            (
                BackendEvent::Interface {
                    index: 4,
                    up: false,
                },
                true,
            ),
            (
                BackendEvent::Interface {
                    index: 9,
                    up: false,
                },
                false,
            ),
            (
                BackendEvent::Address {
                    index: 7,
                    family: Family::V6,
                    added: true,
                },
                true,
            ),
            (BackendEvent::Wake { slept_secs: 600 }, true),
            (
                BackendEvent::Unparsed {
                    reason: "truncated".into(),
                },
                true,
            ),
            (BackendEvent::Lost, true),
        ];
        for (event, triggers) in cases {
            assert_eq!(
                trigger_for(&event, tag, physical).is_some(),
                triggers,
                "{event:?}"
            );
        }
    }

    #[test]
    fn our_own_echoes_never_trigger() {
        let BackendEvent::Route {
            change,
            destination,
            flags,
            interface,
            gateway,
            ..
        } = route_event(RouteChange::Added, "default", "UGScg", 4)
        else {
            unreachable!("built as a route event")
        };
        let echo = BackendEvent::Route {
            change,
            destination,
            flags,
            interface,
            gateway,
            ours: true,
        };
        assert_eq!(trigger_for(&echo, RouteFlags::PROTO1, physical), None);
    }

    #[test]
    fn a_burst_fires_once_after_it_goes_quiet() {
        let mut g = BurstGuard::new(Duration::from_millis(50), Duration::from_millis(500));
        assert_eq!(g.deadline(), None);
        for t in 0..10 {
            g.push(Trigger::Wake, t * 10);
        }
        assert_eq!(g.deadline(), Some(140));
        assert_eq!(g.fire(139), None);
        assert_eq!(
            g.fire(140),
            Some(vec![Trigger::Wake]),
            "duplicates coalesce"
        );
        assert_eq!(g.fire(1_000), None);
    }

    #[test]
    fn a_storm_cannot_postpone_past_the_maximum_delay() {
        let mut g = BurstGuard::new(Duration::from_millis(50), Duration::from_millis(500));
        let mut fired_at = None;
        for t in (0..2_000).step_by(20) {
            g.push(Trigger::DefaultRoute(RouteChange::Added), t);
            if g.fire(t).is_some() {
                fired_at = Some(t);
                break;
            }
        }
        assert_eq!(fired_at, Some(500));
    }
}
