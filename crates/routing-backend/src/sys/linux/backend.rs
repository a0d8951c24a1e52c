//! The Linux backend: [`RouteBackend`] over rtnetlink.
//!
//! - A scoped spec (the scoped default of advanced mode) is a route in
//!   Egress's table ([`LinuxConfig::table`]) with the interface index as its
//!   metric, plus the two `oif` rules of `rules.rs` for its interface and
//!   family (added if missing). Deleting it removes the rules too once no
//!   route of that interface is left in the table.
//! - An unscoped spec (a legacy exclusion) is a route in the main table.
//! - Everything we add carries [`LinuxConfig::protocol`] (routes as
//!   `rtm_protocol`, rules as `FRA_PROTOCOL`); deletes name it, so they
//!   never remove someone else's route; [`RouteBackend::is_ours`] knows our
//!   routes by the manager's tag, which the mapping sets on them.
//! - Residue: the manager deletes the tagged routes it finds; rules whose
//!   interface has no route left in our table are removed after each scoped
//!   delete and by the first read of the table ([`LinuxBackend::flush_rules`]).

use std::collections::BTreeMap;
use std::io;
use std::net::IpAddr;
use std::os::fd::OwnedFd;
use std::time::Duration;

use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::address::AddressMessage;
use netlink_packet_route::link::LinkMessage;
use netlink_packet_route::RouteNetlinkMessage as Rtnl;
use routing_core::model::{Family, Interface, Route, RouteSpec, RouteTable};
use routing_core::wire::pf_route::ProtoFlag;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::{debug, warn};

use super::convert::{dump_message, lookup_message, KernelRoute, Mapper};
use super::links::{interfaces, link_name, sysfs_wireless};
use super::netlink::Netlink;
use super::rules::{self, LinuxRule};
use crate::error::{Error, ErrorKind, Op, Result};
use crate::event::BackendEvent;
use crate::session::SessionConfig;
use crate::socket::SocketKind;
use crate::RouteBackend;

/// Where the Linux backend puts things, and how it tags them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinuxConfig {
    /// Egress's routing table, holding the scoped defaults. Default
    /// `0x4567` (17767): none of the kernel's, nor wg-quick's (51820) or
    /// Tailscale's (52).
    pub table: u32,
    /// The priority of the `oif IF lookup TABLE` rules; the `oif IF lookup
    /// main suppress_prefixlength 0` rules take the one before. Default 100:
    /// early, so a VPN's catch-all rules (Tailscale's from 5210, wg-quick's
    /// at 32764/32765) never see a bound socket's lookup.
    pub rule_priority: u32,
    /// The route protocol number on everything Egress adds, so residue is
    /// recognised after a crash. Default `0x45` (69, 'E'): not in iproute2's
    /// `rt_protos`.
    pub protocol: u8,
}

impl LinuxConfig {
    /// Why the configuration cannot work, if it cannot: the table must not
    /// be one of the kernel's (unspec, default, main, local), the protocol
    /// not one the kernel or `ip` writes (unspec, redirect, kernel, boot,
    /// static), and the priority must leave room for the rule before it.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if matches!(self.table, 0 | 253..=255) {
            return Err(format!("table {} is one of the kernel's", self.table));
        }
        if self.protocol <= 4 {
            return Err(format!(
                "protocol {} is one the kernel and ip use",
                self.protocol
            ));
        }
        if self.rule_priority == 0 {
            return Err(
                "the rule priority must leave room for the main-table rule before it".into(),
            );
        }
        Ok(())
    }
}

impl Default for LinuxConfig {
    fn default() -> LinuxConfig {
        LinuxConfig {
            table: 0x4567,
            rule_priority: 100,
            protocol: 0x45,
        }
    }
}

/// The Linux backend. See the module doc.
#[derive(Debug)]
pub struct LinuxBackend {
    netlink: Netlink,
    config: LinuxConfig,
    mapper: Mapper,
    /// Interface names by index, from the last link dump.
    names: BTreeMap<u32, String>,
    events: Option<mpsc::Receiver<BackendEvent>>,
    /// Whether orphaned rules were flushed by the first table read.
    swept: bool,
    /// The event reader and the wake watcher; stopped on drop.
    tasks: [JoinHandle<()>; 2],
}

impl Drop for LinuxBackend {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Opens the Linux backend: a request socket and a watching socket on
/// rtnetlink, tagging our routes with `proto` for the manager and with
/// `config.protocol` in the kernel. Replies must come within
/// `session.deadline`. Must be called within a tokio runtime; changing the
/// table needs `CAP_NET_ADMIN`.
///
/// # Errors
/// When the configuration is invalid ([`LinuxConfig::validate`]) or a
/// netlink socket cannot be opened.
pub fn linux_backend(
    proto: ProtoFlag,
    session: SessionConfig,
    config: LinuxConfig,
) -> io::Result<LinuxBackend> {
    config
        .validate()
        .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
    let netlink = Netlink::open(session.deadline.max(Duration::from_millis(100)))?;
    let mapper = Mapper {
        table: config.table,
        protocol: config.protocol,
        tag: proto.flag(),
    };
    let (events, tasks) = super::events::watch(mapper, netlink.port())?;
    Ok(LinuxBackend {
        netlink,
        config,
        mapper,
        names: BTreeMap::new(),
        events: Some(events),
        swept: false,
        tasks,
    })
}

/// [`linux_backend`] with [`LinuxConfig::default`]: the `sys` contract.
///
/// # Errors
/// As [`linux_backend`].
pub fn system_backend(proto: ProtoFlag, session: SessionConfig) -> io::Result<LinuxBackend> {
    linux_backend(proto, session, LinuxConfig::default())
}

impl LinuxBackend {
    /// The configuration in use.
    pub fn config(&self) -> LinuxConfig {
        self.config
    }

    async fn links(&mut self) -> Result<Vec<LinkMessage>> {
        let links: Vec<LinkMessage> = self
            .netlink
            .dump(Rtnl::GetLink(LinkMessage::default()))
            .await?
            .into_iter()
            .filter_map(|m| match m {
                Rtnl::NewLink(link) => Some(link),
                _ => None,
            })
            .collect();
        self.names = links
            .iter()
            .filter_map(|l| Some((l.header.index, link_name(l)?.to_string())))
            .collect();
        Ok(links)
    }

    /// Every route of a family, in every table, as the kernel lists them.
    async fn kernel_routes(&mut self, family: Family) -> Result<Vec<KernelRoute>> {
        Ok(self
            .netlink
            .dump(Rtnl::GetRoute(dump_message(family)))
            .await?
            .iter()
            .filter_map(|m| match m {
                Rtnl::NewRoute(route) => KernelRoute::from_message(route),
                _ => None,
            })
            .collect())
    }

    /// Every IP rule that looks a table up (ours or not).
    async fn all_rules(&mut self, family: Family) -> Result<Vec<LinuxRule>> {
        Ok(self
            .netlink
            .dump(Rtnl::GetRule(rules::dump_message(family)))
            .await?
            .iter()
            .filter_map(|m| match m {
                Rtnl::NewRule(rule) => rules::parse_rule(rule),
                _ => None,
            })
            .collect())
    }

    /// Our rules (those carrying our protocol), both families, in priority
    /// order: what `ip rule` would list of ours.
    ///
    /// # Errors
    /// When the rules cannot be read.
    pub async fn rules(&mut self) -> Result<Vec<LinuxRule>> {
        let mut ours = Vec::new();
        for family in [Family::V4, Family::V6] {
            let protocol = self.config.protocol;
            ours.extend(
                self.all_rules(family)
                    .await?
                    .into_iter()
                    .filter(|r| r.protocol == protocol),
            );
        }
        ours.sort_by_key(|r| (r.family, r.priority, r.oif.clone()));
        Ok(ours)
    }

    /// Removes every rule of ours that is not wanted now: rules for an
    /// interface with no route left in our table, and rules another
    /// configuration left. Returns what was removed.
    ///
    /// # Errors
    /// When the rules or routes cannot be read; a rule that cannot be
    /// removed is logged and skipped.
    pub async fn flush_rules(&mut self) -> Result<Vec<LinuxRule>> {
        let mut removed = Vec::new();
        for family in [Family::V4, Family::V6] {
            removed.extend(self.sweep_rules(family).await?);
        }
        Ok(removed)
    }

    async fn sweep_rules(&mut self, family: Family) -> Result<Vec<LinuxRule>> {
        let protocol = self.config.protocol;
        let ours: Vec<LinuxRule> = self
            .all_rules(family)
            .await?
            .into_iter()
            .filter(|r| r.protocol == protocol)
            .collect();
        if ours.is_empty() {
            return Ok(Vec::new());
        }
        self.links().await?;
        let table = self.config.table;
        let wanted: Vec<LinuxRule> = self
            .kernel_routes(family)
            .await?
            .iter()
            .filter(|r| r.table == table)
            .filter_map(|r| self.names.get(&r.oif?))
            .flat_map(|name| self.wanted_rules(family, name))
            .collect();
        let mut removed = Vec::new();
        for rule in ours.into_iter().filter(|r| !wanted.contains(r)) {
            let message = Rtnl::DelRule(rules::rule_message(&rule));
            match self.netlink.request(Op::Delete, message, 0).await {
                Ok(_) => removed.push(rule),
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => warn!(%rule, error = %e, "could not remove a rule of ours"),
            }
        }
        Ok(removed)
    }

    fn wanted_rules(&self, family: Family, oif: &str) -> [LinuxRule; 2] {
        let c = self.config;
        rules::wanted(family, oif, c.table, c.rule_priority, c.protocol)
    }

    /// Adds the `oif` rules of a scoped spec's interface, if missing.
    async fn ensure_rules(&mut self, spec: &RouteSpec) -> Result<()> {
        let mut name = spec.interface.name.clone();
        if name.is_empty() {
            self.links().await?;
            name = self
                .names
                .get(&spec.interface.index)
                .cloned()
                .ok_or_else(|| Error::new(Op::Add, ErrorKind::NoSuchInterface, spec.to_string()))?;
        }
        for rule in self.wanted_rules(spec.family(), &name) {
            let message = Rtnl::NewRule(rules::rule_message(&rule));
            match self
                .netlink
                .request(Op::Add, message, NLM_F_CREATE | NLM_F_EXCL)
                .await
            {
                Ok(_) => debug!(%rule, "added rule"),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e.with_context(rule.to_string())),
            }
        }
        Ok(())
    }

    fn name_of(&self) -> impl Fn(u32) -> Option<String> + '_ {
        |index| self.names.get(&index).cloned()
    }
}

impl RouteBackend for LinuxBackend {
    fn name(&self) -> &'static str {
        "linux"
    }

    async fn interfaces(&mut self) -> Result<Vec<Interface>> {
        let links = self.links().await?;
        let addresses: Vec<AddressMessage> = self
            .netlink
            .dump(Rtnl::GetAddress(AddressMessage::default()))
            .await?
            .into_iter()
            .filter_map(|m| match m {
                Rtnl::NewAddress(a) => Some(a),
                _ => None,
            })
            .collect();
        Ok(interfaces(&links, &addresses, &sysfs_wireless))
    }

    async fn routes(&mut self) -> Result<RouteTable> {
        if !self.swept {
            self.swept = true;
            match self.flush_rules().await {
                Ok(removed) if !removed.is_empty() => {
                    debug!(count = removed.len(), "removed orphaned rules of ours");
                }
                Ok(_) => {}
                Err(e) => warn!(error = %e, "could not check for orphaned rules"),
            }
        }
        self.links().await?;
        let mut routes = self.kernel_routes(Family::V4).await?;
        routes.extend(self.kernel_routes(Family::V6).await?);
        Ok(self.mapper.table(&routes, &self.name_of()))
    }

    async fn add_route(&mut self, spec: &RouteSpec) -> Result<()> {
        let message = Rtnl::NewRoute(self.mapper.route_message(spec, true));
        let added = self
            .netlink
            .request(Op::Add, message, NLM_F_CREATE | NLM_F_EXCL)
            .await
            .map(|_| ())
            .map_err(|e| e.with_context(spec.to_string()));
        let exists = matches!(&added, Err(e) if e.kind() == ErrorKind::AlreadyExists);
        if spec.scoped && (added.is_ok() || exists) {
            // A route in our table is only of use with its rules, whoever
            // added it (our own residue answers EEXIST).
            if let Err(e) = self.ensure_rules(spec).await {
                if added.is_ok() {
                    let message = Rtnl::DelRoute(self.mapper.route_message(spec, false));
                    let _ = self.netlink.request(Op::Delete, message, 0).await;
                }
                return Err(e);
            }
        }
        added
    }

    async fn delete_route(&mut self, spec: &RouteSpec) -> Result<()> {
        let message = Rtnl::DelRoute(self.mapper.route_message(spec, false));
        let deleted = self
            .netlink
            .request(Op::Delete, message, 0)
            .await
            .map(|_| ())
            .map_err(|e| e.with_context(spec.to_string()));
        if spec.scoped {
            if let Err(e) = self.sweep_rules(spec.family()).await {
                warn!(route = %spec, error = %e, "could not remove the rules of a deleted route");
            }
        }
        deleted
    }

    async fn get_route(&mut self, dst: IpAddr, scope: Option<u32>) -> Result<Option<Route>> {
        let message = Rtnl::GetRoute(lookup_message(dst, scope));
        let replies = match self.netlink.request(Op::Get, message, 0).await {
            Ok(replies) => replies,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(route) = replies.iter().find_map(|m| match m {
            Rtnl::NewRoute(route) => KernelRoute::from_message(route),
            _ => None,
        }) else {
            return Err(Error::new(
                Op::Get,
                ErrorKind::Protocol,
                "the kernel answered a lookup without a route",
            ));
        };
        if route.oif.is_some_and(|i| !self.names.contains_key(&i)) {
            self.links().await?;
        }
        let model_scope = self.mapper.scope(&route);
        Ok(Some(self.mapper.route(
            &route,
            model_scope,
            &self.name_of(),
        )))
    }

    fn take_events(&mut self) -> Option<mpsc::Receiver<BackendEvent>> {
        self.events.take()
    }

    fn bound_socket(
        &mut self,
        family: Family,
        kind: SocketKind,
        ifindex: u32,
        local_port: u16,
    ) -> Result<OwnedFd> {
        let bound = super::bind::bound_socket(family, kind, ifindex).and_then(|fd| {
            crate::socket::bind_local_port(&fd, family, local_port)?;
            Ok(fd)
        });
        bound.map_err(|e| {
            Error::from_linux(
                Op::Socket,
                e.raw_os_error()
                    .unwrap_or(crate::error::linux_errno::ENODEV),
                format!("{family} {kind} socket bound to interface #{ifindex}"),
            )
        })
    }

    fn is_ours(&self, route: &Route) -> bool {
        route.flags.contains(self.mapper.tag)
    }
}

#[cfg(test)]
mod tests {
    use super::LinuxConfig;

    #[test]
    fn the_defaults_are_valid_and_the_kernels_own_numbers_are_not() {
        let defaults = LinuxConfig::default();
        assert_eq!(defaults.validate(), Ok(()));
        assert_eq!(
            (defaults.table, defaults.rule_priority, defaults.protocol),
            (17767, 100, 69)
        );
        for table in [0, 253, 254, 255] {
            assert!(
                LinuxConfig { table, ..defaults }.validate().is_err(),
                "table {table}"
            );
        }
        for protocol in [0, 2, 3, 4] {
            assert!(
                LinuxConfig {
                    protocol,
                    ..defaults
                }
                .validate()
                .is_err(),
                "protocol {protocol}"
            );
        }
        assert!(LinuxConfig {
            rule_priority: 0,
            ..defaults
        }
        .validate()
        .is_err());
        assert_eq!(
            LinuxConfig {
                table: 52_000,
                protocol: 5,
                rule_priority: 1
            }
            .validate(),
            Ok(())
        );
    }
}
