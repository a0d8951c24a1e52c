//! The policy-routing rules that make Egress's table apply to bound sockets.
//!
//! For each interface that has a route in Egress's table, per family, two
//! rules, both carrying our protocol number (`FRA_PROTOCOL`):
//!
//! ```text
//! P-1: from all oif IF lookup main suppress_prefixlength 0 proto E
//! P:   from all oif IF lookup T proto E
//! ```
//!
//! A socket bound to `IF` (`SO_BINDTODEVICE`) looks up with `oif IF`, so
//! the first rule lets the main table answer with anything more specific
//! than a default on that interface (its own subnet, a host route), and the
//! second answers the rest from table `T`: the scoped default. That is XNU's
//! scoped lookup, where an unscoped route on the same interface beats the
//! scoped default and nothing on another interface is ever taken. Both rules
//! match only sockets bound to `IF`, so nothing else changes.

use std::fmt;

use netlink_packet_route::route::RouteProtocol;
use netlink_packet_route::rule::{RuleAction, RuleAttribute, RuleMessage};
use routing_core::model::Family;

use super::convert::{address_family, family_of, RT_TABLE_MAIN};

/// A policy-routing rule that sends lookups to a table (`ip rule`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinuxRule {
    /// The family the rule is for.
    pub family: Family,
    /// The rule's priority (lower first).
    pub priority: u32,
    /// The interface a lookup must be bound to (`oif`), if any.
    pub oif: Option<String>,
    /// The table looked up.
    pub table: u32,
    /// Answers from the table with a prefix this short or shorter are
    /// ignored (`suppress_prefixlength`).
    pub suppress_prefixlen: Option<u32>,
    /// The rule's protocol (`FRA_PROTOCOL`).
    pub protocol: u8,
}

impl fmt::Display for LinuxRule {
    /// `IPv4 100: from all oif eth0 lookup 17767 proto 69`, as `ip rule`
    /// prints it after the family.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: from all", self.family, self.priority)?;
        if let Some(oif) = &self.oif {
            write!(f, " oif {oif}")?;
        }
        if self.table == RT_TABLE_MAIN {
            f.write_str(" lookup main")?;
        } else {
            write!(f, " lookup {}", self.table)?;
        }
        if let Some(len) = self.suppress_prefixlen {
            write!(f, " suppress_prefixlength {len}")?;
        }
        write!(f, " proto {}", self.protocol)
    }
}

/// The two rules an interface with a route in our table needs (see the
/// module doc): main without defaults at `priority - 1`, then our table at
/// `priority`.
pub fn wanted(
    family: Family,
    oif: &str,
    table: u32,
    priority: u32,
    protocol: u8,
) -> [LinuxRule; 2] {
    let rule = |priority: u32, table: u32, suppress_prefixlen: Option<u32>| LinuxRule {
        family,
        priority,
        oif: Some(oif.to_string()),
        table,
        suppress_prefixlen,
        protocol,
    };
    [
        rule(priority.saturating_sub(1), RT_TABLE_MAIN, Some(0)),
        rule(priority, table, None),
    ]
}

/// The `RTM_NEWRULE`/`RTM_DELRULE` body for a rule.
pub fn rule_message(rule: &LinuxRule) -> RuleMessage {
    let mut m = RuleMessage::default();
    m.header.family = address_family(rule.family);
    m.header.table = u8::try_from(rule.table).unwrap_or(0);
    m.header.action = RuleAction::ToTable;
    m.attributes.push(RuleAttribute::Table(rule.table));
    m.attributes.push(RuleAttribute::Priority(rule.priority));
    if let Some(oif) = &rule.oif {
        m.attributes.push(RuleAttribute::Oifname(oif.clone()));
    }
    if let Some(len) = rule.suppress_prefixlen {
        m.attributes.push(RuleAttribute::SuppressPrefixLen(len));
    }
    m.attributes
        .push(RuleAttribute::Protocol(RouteProtocol::from(rule.protocol)));
    m
}

/// A dumped rule, if it is an IP rule that looks a table up. Selectors the
/// type does not hold (`from`, `fwmark`, …) are not read: only rules of
/// ours are ever acted on, and ours have none.
pub fn parse_rule(m: &RuleMessage) -> Option<LinuxRule> {
    let family = family_of(m.header.family)?;
    if m.header.action != RuleAction::ToTable {
        return None;
    }
    let mut rule = LinuxRule {
        family,
        priority: 0,
        oif: None,
        table: u32::from(m.header.table),
        suppress_prefixlen: None,
        protocol: 0,
    };
    for a in &m.attributes {
        match a {
            RuleAttribute::Table(t) => rule.table = *t,
            RuleAttribute::Priority(p) => rule.priority = *p,
            RuleAttribute::Oifname(name) => rule.oif = Some(name.clone()),
            // The kernel stores "no suppression" as -1 (u32::MAX).
            RuleAttribute::SuppressPrefixLen(len) if *len != u32::MAX => {
                rule.suppress_prefixlen = Some(*len);
            }
            RuleAttribute::Protocol(p) => rule.protocol = u8::from(*p),
            _ => {}
        }
    }
    Some(rule)
}

/// A rule request for the whole family (a dump).
pub fn dump_message(family: Family) -> RuleMessage {
    let mut m = RuleMessage::default();
    m.header.family = address_family(family);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interface_gets_main_without_defaults_then_our_table() {
        let [main, ours] = wanted(Family::V4, "eth0", 17767, 100, 69);
        assert_eq!(
            main.to_string(),
            "IPv4 99: from all oif eth0 lookup main suppress_prefixlength 0 proto 69"
        );
        assert_eq!(
            ours.to_string(),
            "IPv4 100: from all oif eth0 lookup 17767 proto 69"
        );
    }

    #[test]
    fn rules_round_trip_through_their_messages() {
        for rule in wanted(Family::V6, "wlan0", 300, 5000, 0x45) {
            let parsed = parse_rule(&rule_message(&rule)).expect("a table rule");
            assert_eq!(parsed, rule);
        }
        let mut unsuppressed = rule_message(&wanted(Family::V4, "x", 300, 10, 1)[1]);
        unsuppressed
            .attributes
            .push(RuleAttribute::SuppressPrefixLen(u32::MAX));
        assert_eq!(
            parse_rule(&unsuppressed).expect("rule").suppress_prefixlen,
            None
        );
    }
}
