//! Seeded fault injection: the simulated kernel misbehaving on purpose, the
//! way a busy Mac does, so that callers' retry and resync logic is tested.
//!
//! This is product code (smoltcp's `FaultInjector` idea): a [`FaultPlan`] is
//! a list of [`FaultRule`]s, each a [`Fault`] plus a [`Trigger`]. The plan
//! draws from its own [`Prng`], so the same seed and the same calls always
//! give the same faults, and therefore the same bytes.
//!
//! | Fault | Where | What the caller sees |
//! |---|---|---|
//! | [`Fault::WriteNoBuffers`] | `write` | `ENOBUFS`; nothing is broadcast and the table is untouched. This is `route_output`'s very first failure (`m == NULL`, no mbuf for the message): nothing exists to echo. |
//! | [`Fault::WriteFails`] | `write` | The request fails inside the kernel with the errno (e.g. `ENOBUFS` when the `rtentry` cannot be allocated) and, as for every other `route_output` failure, **the echo is still broadcast** with `rtm_errno` set and no `RTF_DONE` (darwin-route-socket.md §5.2). The table is untouched. |
//! | [`Fault::DropMessage`] | broadcast | The message reaches no socket. |
//! | [`Fault::ReorderMessage`] | broadcast | The message is held back and delivered right after the next one. |
//! | [`Fault::DelayMessage`] | broadcast | The message is held until the clock reaches a time ([`SimKernel::advance`]) or until its target socket has been read N times: a reply that misses a deadline. |
//! | [`Fault::GrowAfterProbe`] | sysctl size probe | N host clones are added right after the probe, so a read with the probed size fails with `ENOMEM` and the caller must probe again (netstat and x/net do). |
//!
//! Not modelled: XNU's third `ENOBUFS` path, a failed allocation of the
//! kernel's copy of the message (`kalloc_data` in `route_output`), after
//! which the writer's bytes are broadcast untouched (no errno, no pid).
//!
//! [`SimKernel::advance`]: crate::SimKernel::advance

use crate::errno::Errno;
use crate::prng::Prng;

/// One kind of misbehaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `write` fails with `ENOBUFS` before the kernel copies the message:
    /// no echo, no change.
    WriteNoBuffers,
    /// `write` fails with this errno inside the kernel: the echo carries it.
    WriteFails(Errno),
    /// A broadcast message is lost.
    DropMessage,
    /// A broadcast message swaps places with the next one.
    ReorderMessage,
    /// A broadcast message is held back.
    DelayMessage(Delay),
    /// After a sysctl size probe, this many routes appear.
    GrowAfterProbe(u32),
}

/// How long a delayed message is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delay {
    /// Until the simulated clock has advanced this many milliseconds.
    Millis(u64),
    /// Until each recipient socket has been read this many times (reads
    /// that return nothing count too).
    Reads(u32),
}

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The next N matching operations, then never again.
    Next(u32),
    /// Only the Nth matching operation (1-based).
    Nth(u32),
    /// Every matching operation.
    Always,
    /// Each matching operation with this probability, in millionths.
    PerMillion(u32),
}

/// Which broadcast messages a message fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MessageFilter {
    /// Echoes and replies to writes, and kernel notifications.
    #[default]
    All,
    /// Only echoes and replies to writes.
    Echoes,
    /// Only kernel-originated notifications (address, interface changes).
    Notifications,
}

/// A fault, when it fires, and what it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// The fault.
    pub fault: Fault,
    /// When it fires.
    pub trigger: Trigger,
    /// Only messages (or writes) of this `rtm_type`, if set.
    pub rtm_type: Option<u8>,
    /// Which broadcasts a message fault applies to.
    pub messages: MessageFilter,
    /// How many matching operations were seen.
    seen: u32,
    /// How many times it fired.
    fired: u32,
}

impl FaultRule {
    /// A rule that fires on every matching operation; narrow it with the
    /// builder methods.
    pub fn new(fault: Fault) -> FaultRule {
        FaultRule {
            fault,
            trigger: Trigger::Always,
            rtm_type: None,
            messages: MessageFilter::All,
            seen: 0,
            fired: 0,
        }
    }

    /// Fires on the next `n` matching operations only.
    #[must_use]
    pub fn next(mut self, n: u32) -> FaultRule {
        self.trigger = Trigger::Next(n);
        self
    }

    /// Fires on the `n`th matching operation only (1-based).
    #[must_use]
    pub fn nth(mut self, n: u32) -> FaultRule {
        self.trigger = Trigger::Nth(n);
        self
    }

    /// Fires with probability `per_million / 1e6`.
    #[must_use]
    pub fn per_million(mut self, per_million: u32) -> FaultRule {
        self.trigger = Trigger::PerMillion(per_million);
        self
    }

    /// Applies only to messages or writes of this `rtm_type`.
    #[must_use]
    pub fn only_type(mut self, rtm_type: u8) -> FaultRule {
        self.rtm_type = Some(rtm_type);
        self
    }

    /// Applies only to this class of broadcast.
    #[must_use]
    pub fn only(mut self, messages: MessageFilter) -> FaultRule {
        self.messages = messages;
        self
    }

    /// How many times the rule fired.
    pub fn fired(&self) -> u32 {
        self.fired
    }
}

/// The site a fault is checked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Site {
    /// A `write` on a routing socket, before the kernel copies it, with
    /// the message's `rtm_type`.
    WriteEntry(u8),
    /// A `write` whose checks passed, about to be dispatched.
    WriteDispatch(u8),
    /// A broadcast: its `rtm_type` and whether it answers a write.
    Message { rtm_type: u8, echo: bool },
    /// A sysctl size probe.
    SysctlProbe,
}

/// A seeded list of fault rules.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    rules: Vec<FaultRule>,
    prng: Prng,
}

impl FaultPlan {
    /// An empty plan drawing from `seed`.
    pub fn new(seed: u64) -> FaultPlan {
        FaultPlan {
            rules: Vec::new(),
            prng: Prng::new(seed),
        }
    }

    /// Adds a rule. Rules are checked in the order they were added; the
    /// first that fires wins.
    pub fn add(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    /// Removes every rule.
    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The rules, with their counters.
    pub fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    /// The fault to apply at `site`, if a rule fires.
    pub(crate) fn check(&mut self, site: Site) -> Option<Fault> {
        let prng = &mut self.prng;
        for rule in &mut self.rules {
            if !applies(rule, site) {
                continue;
            }
            rule.seen += 1;
            let fire = match rule.trigger {
                Trigger::Next(n) => rule.fired < n,
                Trigger::Nth(n) => rule.seen == n,
                Trigger::Always => true,
                Trigger::PerMillion(p) => prng.chance(p),
            };
            if fire {
                rule.fired += 1;
                return Some(rule.fault);
            }
        }
        None
    }
}

impl Default for FaultPlan {
    fn default() -> FaultPlan {
        FaultPlan::new(0)
    }
}

/// Whether a rule is about this site at all.
fn applies(rule: &FaultRule, site: Site) -> bool {
    let type_ok = |t: u8| rule.rtm_type.is_none_or(|want| want == t);
    match (rule.fault, site) {
        (Fault::WriteNoBuffers, Site::WriteEntry(t)) => type_ok(t),
        (Fault::WriteFails(_), Site::WriteDispatch(t)) => type_ok(t),
        (
            Fault::DropMessage | Fault::ReorderMessage | Fault::DelayMessage(_),
            Site::Message { rtm_type, echo },
        ) => {
            let class_ok = match rule.messages {
                MessageFilter::All => true,
                MessageFilter::Echoes => echo,
                MessageFilter::Notifications => !echo,
            };
            class_ok && type_ok(rtm_type)
        }
        (Fault::GrowAfterProbe(_), Site::SysctlProbe) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADD: u8 = 1;

    #[test]
    fn next_n_fires_exactly_n_times() {
        let mut plan = FaultPlan::new(1);
        plan.add(FaultRule::new(Fault::WriteNoBuffers).next(2));
        let hits: Vec<bool> = (0..5)
            .map(|_| plan.check(Site::WriteEntry(ADD)).is_some())
            .collect();
        assert_eq!(hits, [true, true, false, false, false]);
        assert_eq!(plan.rules()[0].fired(), 2);
    }

    #[test]
    fn nth_fires_once_on_that_operation() {
        let mut plan = FaultPlan::new(1);
        plan.add(FaultRule::new(Fault::DropMessage).nth(3));
        let site = Site::Message {
            rtm_type: ADD,
            echo: true,
        };
        let hits: Vec<bool> = (0..5).map(|_| plan.check(site).is_some()).collect();
        assert_eq!(hits, [false, false, true, false, false]);
    }

    #[test]
    fn rules_only_apply_to_their_site_type_and_class() {
        let mut plan = FaultPlan::new(1);
        plan.add(
            FaultRule::new(Fault::DropMessage)
                .only_type(ADD)
                .only(MessageFilter::Notifications),
        );
        assert_eq!(plan.check(Site::WriteEntry(ADD)), None);
        assert_eq!(
            plan.check(Site::Message {
                rtm_type: ADD,
                echo: true
            }),
            None
        );
        assert_eq!(
            plan.check(Site::Message {
                rtm_type: 2,
                echo: false
            }),
            None
        );
        assert_eq!(
            plan.check(Site::Message {
                rtm_type: ADD,
                echo: false
            }),
            Some(Fault::DropMessage)
        );
        assert_eq!(plan.check(Site::SysctlProbe), None);
    }

    #[test]
    fn probability_is_deterministic_by_seed() {
        let run = |seed| {
            let mut plan = FaultPlan::new(seed);
            plan.add(FaultRule::new(Fault::DropMessage).per_million(300_000));
            let site = Site::Message {
                rtm_type: ADD,
                echo: false,
            };
            (0..64)
                .map(|_| plan.check(site).is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
        let fired = run(5).iter().filter(|f| **f).count();
        assert!((5..=40).contains(&fired), "about 30% of 64, got {fired}");
    }
}
