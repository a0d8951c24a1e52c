//! The routing table, with XNU's identity, ordering and lookup rules.
//!
//! # Identity
//! An entry is identified by its destination prefix and its interface
//! scope ([`RouteKey`]). The gateway is not part of the identity, and
//! unscoped, en0-scoped and utun-scoped entries for the same prefix coexist
//! (`route.c` `rtrequest_common_locked`).
//!
//! # Order
//! [`RouteTable::iter`] yields routes in the order a `sysctl` dump (and so
//! `netstat -rn`) lists them: IPv4 before IPv6, then the radix tree's leaf
//! order. A radix key is the destination sockaddr with the scope stored
//! after the address (in `sin_zero`, or `sin6_scope_id`), and IPv6
//! link-local keys also carry the scope inside the address (KAME embedding).
//! So `0/1` and `default` (same key, more specific mask first) come before
//! `default … I en0`, and `fe80::%lo0/64` before `fe80::%en0/64`.
//!
//! # Lookup
//! [`RouteTable::lookup`] follows `rt_lookup_common` (darwin-route-socket.md
//! §5.7). `P` is the family's *primary interface*: the interface of the
//! last unscoped route added whose destination address is `0.0.0.0` or
//! `::` (whatever its mask), cleared when such a route is removed.
//!
//! 1. `rn0` := the best unscoped match.
//! 2. `S` := the caller's scope, or `P` when the caller gave none.
//! 3. If `rn0` is not a gatewayless loopback route and its interface is not
//!    `S`: an unscoped caller moves `S` to `rn0`'s interface; a scoped
//!    caller drops `rn0` (unless `S` is loopback and the destination is
//!    `rn0`'s own local address).
//! 4. `rn` := the best match among routes scoped to `S`.
//! 5. `rn0` wins when `rn` is missing, when `rn` is a scoped default and
//!    `rn0` is not, or when `rn` is a network route and `rn0` a host route.
//! 6. Still nothing: the unscoped default, if it is on `S`.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use super::flags::RouteFlags;
use super::interface::InterfaceKind;
use super::prefix::{Family, IpPrefix};
use super::route::{Route, RouteKey};

/// Why a table change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableError {
    /// An entry with the same destination and scope exists (XNU `EEXIST`).
    Exists(RouteKey),
    /// No entry has that destination and scope (XNU `ESRCH`).
    NotFound(RouteKey),
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::Exists(key) => write!(f, "a route to {key} already exists"),
            TableError::NotFound(key) => write!(f, "no route to {key}"),
        }
    }
}

impl std::error::Error for TableError {}

/// The position of an entry in radix order (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct RadixKey {
    family: Family,
    /// The address as stored in the key: IPv4 in the first four bytes; IPv6
    /// link-local and interface/link-local multicast with the scope embedded
    /// in bytes 2–3.
    addr: [u8; 16],
    /// The scope as the kernel stores it: host order (little-endian) bytes.
    scope: [u8; 4],
    /// More specific masks first in a duplicate-key chain.
    specificity: Reverse<u8>,
}

impl RadixKey {
    fn new(destination: &IpPrefix, scope: Option<u32>) -> RadixKey {
        let scope_index = scope.unwrap_or(0);
        let addr = match destination.addr() {
            IpAddr::V4(a) => {
                let mut bytes = [0u8; 16];
                bytes[..4].copy_from_slice(&a.octets());
                bytes
            }
            IpAddr::V6(a) => {
                let mut bytes = a.octets();
                if has_embedded_scope(&a) {
                    // QUIRK(xnu): KAME keeps the zone in bytes 2–3 of the key.
                    let zone = u16::try_from(scope_index).unwrap_or(u16::MAX);
                    bytes[2..4].copy_from_slice(&zone.to_be_bytes());
                }
                bytes
            }
        };
        RadixKey {
            family: destination.family(),
            addr,
            scope: scope_index.to_le_bytes(),
            specificity: Reverse(destination.len()),
        }
    }

    fn of(route: &Route) -> RadixKey {
        RadixKey::new(&route.destination, route.scope())
    }
}

/// Whether an IPv6 address is one XNU stores with an embedded zone:
/// link-local unicast, interface-local and link-local multicast.
pub fn has_embedded_scope(addr: &Ipv6Addr) -> bool {
    let o = addr.octets();
    let link_local = o[0] == 0xfe && o[1] & 0xc0 == 0x80;
    let scoped_multicast = o[0] == 0xff && matches!(o[1] & 0x0f, 0x1 | 0x2);
    link_local || scoped_multicast
}

/// A routing table with XNU semantics. See the module doc.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteTable {
    /// Every entry, in radix order.
    entries: BTreeMap<RadixKey, Route>,
    /// The primary interface index per family (`P`). Written by `insert`
    /// and `remove` only, as XNU's `set_primary_ifscope` is.
    primary_v4: Option<u32>,
    primary_v6: Option<u32>,
}

impl RouteTable {
    /// An empty table with no primary interface.
    pub fn new() -> RouteTable {
        RouteTable::default()
    }

    /// Adds a route (`route add`).
    ///
    /// An existing clone (`RTF_WASCLONED`) with the same key is replaced,
    /// as XNU deletes it. Adding an unscoped route whose destination address
    /// is `0.0.0.0` or `::` makes its interface the family's primary.
    ///
    /// # Errors
    /// [`TableError::Exists`] when a non-clone entry has the same key.
    pub fn insert(&mut self, route: Route) -> Result<(), TableError> {
        let key = RadixKey::of(&route);
        if let Some(existing) = self.entries.get(&key) {
            if !existing.flags.contains(RouteFlags::WASCLONED) {
                return Err(TableError::Exists(route.key()));
            }
        }
        if sets_primary(&route) {
            *self.primary_mut(route.family()) = Some(route.interface.index);
        }
        self.entries.insert(key, route);
        Ok(())
    }

    /// Removes the entry with this key (`route delete`). The gateway is not
    /// compared. Removing an unscoped `0.0.0.0/x` or `::/x` clears the
    /// family's primary interface.
    ///
    /// # Errors
    /// [`TableError::NotFound`] when no entry has that key.
    pub fn remove(&mut self, key: &RouteKey) -> Result<Route, TableError> {
        let route = self
            .entries
            .remove(&RadixKey::new(&key.destination, key.scope))
            .ok_or(TableError::NotFound(*key))?;
        if sets_primary(&route) {
            *self.primary_mut(route.family()) = None;
        }
        Ok(route)
    }

    /// The entry with this key.
    pub fn get(&self, key: &RouteKey) -> Option<&Route> {
        self.entries
            .get(&RadixKey::new(&key.destination, key.scope))
    }

    /// The family's primary interface index (`P`).
    pub fn primary(&self, family: Family) -> Option<u32> {
        match family {
            Family::V4 => self.primary_v4,
            Family::V6 => self.primary_v6,
        }
    }

    fn primary_mut(&mut self, family: Family) -> &mut Option<u32> {
        match family {
            Family::V4 => &mut self.primary_v4,
            Family::V6 => &mut self.primary_v6,
        }
    }

    /// Every route, in dump order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.values())
    }

    /// The routes of one family, in dump order.
    pub fn family(&self, family: Family) -> impl Iterator<Item = &Route> {
        self.entries
            .iter()
            .filter(move |(k, _)| k.family == family)
            .map(|(_, r)| r)
    }

    /// Keeps only the routes for which `keep` returns true. Primary
    /// interfaces are cleared as [`RouteTable::remove`] would.
    pub fn retain(&mut self, mut keep: impl FnMut(&Route) -> bool) {
        let doomed: Vec<RouteKey> = self.iter().filter(|r| !keep(r)).map(Route::key).collect();
        for key in doomed {
            // The key came from the table a moment ago.
            let _ = self.remove(&key);
        }
    }

    /// The number of routes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The route XNU would use for `dst`: unscoped when `scope` is `None`
    /// (an ordinary socket), or scoped to an interface index (a socket with
    /// `IP_BOUND_IF`, or `RTM_GET` with `RTF_IFSCOPE`). See the module doc.
    pub fn lookup(&self, dst: IpAddr, scope: Option<u32>) -> Option<&Route> {
        self.lookup_with(dst, scope, true, |table, s| table.best_match(dst, s))
    }

    /// `RTM_GET` with `RTA_NETMASK` (darwin-route-socket.md §5.3): the best
    /// match for `dst` picks a radix leaf, and only an entry on that leaf
    /// whose prefix length is exactly `prefix_len` is returned. Scope rules
    /// as in [`RouteTable::lookup`].
    pub fn lookup_masked(&self, dst: IpAddr, prefix_len: u8, scope: Option<u32>) -> Option<&Route> {
        self.lookup_with(dst, scope, false, |table, s| {
            let leaf = table.best_match(dst, s)?;
            let wanted = IpPrefix::new_truncating(leaf.destination.addr(), prefix_len).ok()?;
            (wanted.addr() == leaf.destination.addr())
                .then(|| table.entries.get(&RadixKey::new(&wanted, s)))
                .flatten()
        })
    }

    /// The scope-combining algorithm of `rt_lookup_common`, over a node
    /// search `node(table, scope)` that finds a route in one scope. The
    /// last-resort default applies to best-match lookups only.
    fn lookup_with<'a>(
        &'a self,
        dst: IpAddr,
        scope: Option<u32>,
        default_fallback: bool,
        node: impl Fn(&'a RouteTable, Option<u32>) -> Option<&'a Route>,
    ) -> Option<&'a Route> {
        let family = Family::of(dst);
        let caller_scoped = scope.is_some();
        let mut s = scope.or(self.primary(family));
        let mut rn0 = node(self, None);
        if let Some(r0) = rn0 {
            let gatewayless_loopback =
                !r0.flags.contains(RouteFlags::GATEWAY) && is_loopback_route(r0);
            if !gatewayless_loopback && Some(r0.interface.index) != s {
                if !caller_scoped {
                    s = Some(r0.interface.index);
                } else if !(s == self.loopback_index(family) && r0.destination.addr() == dst) {
                    rn0 = None;
                }
            }
        }
        let rn = s.and_then(|s| node(self, Some(s)));
        let chosen = match (rn, rn0) {
            (None, r0) => r0,
            (Some(r), Some(r0))
                if r.destination.addr().is_unspecified()
                    && !r0.destination.addr().is_unspecified() =>
            {
                Some(r0)
            }
            (Some(r), Some(r0)) if !r.is_host() && r0.is_host() => Some(r0),
            (r, _) => r,
        };
        chosen.or_else(|| {
            if !default_fallback {
                return None;
            }
            let default = self.get(&RouteKey {
                destination: IpPrefix::default_for(family),
                scope: None,
            })?;
            (Some(default.interface.index) == s).then_some(default)
        })
    }

    /// The longest-prefix match for `dst` among the routes of one scope
    /// (`None`: unscoped routes only).
    fn best_match(&self, dst: IpAddr, scope: Option<u32>) -> Option<&Route> {
        (0..=Family::of(dst).max_len()).rev().find_map(|len| {
            let prefix = IpPrefix::new_truncating(dst, len).ok()?;
            self.entries.get(&RadixKey::new(&prefix, scope))
        })
    }

    /// The index of the loopback interface, as far as the table knows it.
    fn loopback_index(&self, family: Family) -> Option<u32> {
        self.family(family)
            .find(|r| is_loopback_route(r))
            .map(|r| r.interface.index)
    }
}

/// Whether adding or removing this route moves the primary interface.
fn sets_primary(route: &Route) -> bool {
    !route.is_scoped() && !route.is_host() && route.destination.addr().is_unspecified()
}

/// Whether a route leaves through the loopback interface. The table only
/// knows interface names, so this goes by the name (`lo0`, `lo`).
fn is_loopback_route(route: &Route) -> bool {
    InterfaceKind::guess_from_macos_name(&route.interface.name) == InterfaceKind::Loopback
}

/// The routes of a table in dump order; see [`RouteTable::iter`].
#[derive(Debug, Clone)]
pub struct Iter<'a>(std::collections::btree_map::Values<'a, RadixKey, Route>);

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Route;
    fn next(&mut self) -> Option<&'a Route> {
        self.0.next()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<'a> IntoIterator for &'a RouteTable {
    type Item = &'a Route;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl FromIterator<Route> for RouteTable {
    /// Builds a table by inserting in order; later duplicates are dropped.
    fn from_iter<I: IntoIterator<Item = Route>>(iter: I) -> RouteTable {
        let mut table = RouteTable::new();
        for route in iter {
            let _ = table.insert(route);
        }
        table
    }
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
