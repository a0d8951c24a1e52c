//! From "what should be in the table" to the steps that get it there.
//!
//! [`desired`] says which routes each mode wants; [`plan`] compares that
//! with what we hold and orders the steps make-before-break: new routes go
//! in before old ones come out, so VPN traffic always has a way out of the
//! tunnel, except where the same table key must be replaced (a re-pin to a
//! new gateway), where the delete comes right before its add.
//!
//! Routes we *reused* (macOS's own scoped default answered `EEXIST`) are
//! never deleted; when no longer wanted they are only forgotten.

use std::collections::{BTreeMap, BTreeSet};

use routing_core::model::{Family, PhysicalDefault, RouteKey, RouteSpec};

use super::exclusions::Registry;

pub use helper_proto::{Mode, PerFamily};

/// How a route we hold came to be in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// We added it; we remove it.
    Installed,
    /// The OS had it already (`EEXIST`); we use it and never delete it.
    Reused,
}

/// One step towards the desired table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Add a route.
    Add(RouteSpec),
    /// Delete a route we installed.
    Remove(RouteSpec),
    /// Stop relying on a route we reused; leave it in the table.
    Forget(RouteSpec),
}

/// The routes a mode wants, given the physical default of each family and
/// the exclusion registrations. Exclusions of a family without a physical
/// default are left out (they are installed once one appears).
pub fn desired(
    mode: Mode,
    physical: &PerFamily<Option<PhysicalDefault>>,
    registry: &Registry,
) -> BTreeSet<RouteSpec> {
    match mode {
        Mode::Advanced => [Family::V4, Family::V6]
            .into_iter()
            .filter_map(|family| {
                physical
                    .get(family)
                    .as_ref()
                    .map(|p| RouteSpec::scoped_default(family, p))
            })
            .collect(),
        Mode::Legacy => registry
            .prefixes()
            .filter_map(|prefix| {
                physical
                    .get(prefix.family())
                    .as_ref()
                    .map(|p| RouteSpec::exclusion(*prefix, p))
            })
            .collect(),
    }
}

/// The steps from `held` (what we hold, with its origin) to `desired`.
pub fn plan(desired: &BTreeSet<RouteSpec>, held: &BTreeMap<RouteSpec, Origin>) -> Vec<Step> {
    let adds: Vec<&RouteSpec> = desired.iter().filter(|s| !held.contains_key(*s)).collect();
    let add_keys: BTreeSet<RouteKey> = adds.iter().map(|s| s.key()).collect();
    let mut replaced: BTreeMap<RouteKey, Step> = BTreeMap::new();
    let mut removes = Vec::new();
    for (spec, origin) in held.iter().filter(|(s, _)| !desired.contains(*s)) {
        let step = match origin {
            Origin::Installed => Step::Remove(spec.clone()),
            Origin::Reused => Step::Forget(spec.clone()),
        };
        if add_keys.contains(&spec.key()) {
            replaced.insert(spec.key(), step);
        } else {
            removes.push(step);
        }
    }
    let mut steps = Vec::with_capacity(adds.len() * 2 + removes.len());
    for spec in adds {
        if let Some(step) = replaced.remove(&spec.key()) {
            steps.push(step);
        }
        steps.push(Step::Add(spec.clone()));
    }
    steps.extend(removes);
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use routing_core::model::{Gateway, InterfaceKind, InterfaceRef, IpPrefix};

    fn physical(index: u32, name: &str, gw: &str) -> PhysicalDefault {
        PhysicalDefault {
            interface: InterfaceRef {
                index,
                name: name.into(),
            },
            kind: InterfaceKind::Wifi,
            gateway: Gateway::ip(gw.parse().expect("ip")),
            from_scoped_default: false,
        }
    }

    fn both(
        v4: Option<PhysicalDefault>,
        v6: Option<PhysicalDefault>,
    ) -> PerFamily<Option<PhysicalDefault>> {
        PerFamily { v4, v6 }
    }

    fn registry(prefixes: &[&str]) -> Registry {
        let mut r = Registry::new();
        for p in prefixes {
            r.register(p.parse::<IpPrefix>().expect("prefix"), "test");
        }
        r
    }

    fn held(specs: &BTreeSet<RouteSpec>, origin: Origin) -> BTreeMap<RouteSpec, Origin> {
        specs.iter().map(|s| (s.clone(), origin)).collect()
    }

    fn names(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .map(|s| match s {
                Step::Add(r) => format!("add {r}"),
                Step::Remove(r) => format!("remove {r}"),
                Step::Forget(r) => format!("forget {r}"),
            })
            .collect()
    }

    #[test]
    fn advanced_wants_one_scoped_default_per_family_whatever_the_peer_count() {
        let phys = both(
            Some(physical(4, "en0", "198.51.100.1")),
            Some(physical(4, "en0", "fe80::1")),
        );
        let many: Vec<String> = (0..1000)
            .map(|i| format!("203.0.113.{}/32", i % 250))
            .collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let want = desired(Mode::Advanced, &phys, &registry(&refs));
        assert_eq!(want.len(), 2);
        assert!(want.iter().all(|s| s.scoped && s.destination.is_default()));
    }

    #[test]
    fn legacy_wants_an_exclusion_per_prefix_of_a_family_with_a_physical_default() {
        let phys = both(Some(physical(4, "en0", "198.51.100.1")), None);
        let want = desired(
            Mode::Legacy,
            &phys,
            &registry(&["203.0.113.9/32", "2001:db8:2::9/128"]),
        );
        assert_eq!(want.len(), 1, "no IPv6 default, so no IPv6 exclusion yet");
        assert_eq!(
            want.iter().next().map(ToString::to_string).as_deref(),
            Some("203.0.113.9/32 via 198.51.100.1 on en0")
        );
    }

    #[test]
    fn toggling_adds_the_new_mode_before_removing_the_old() {
        let phys = both(Some(physical(4, "en0", "198.51.100.1")), None);
        let reg = registry(&["203.0.113.9/32", "203.0.113.10/32"]);
        let pins = desired(Mode::Advanced, &phys, &reg);
        let steps = plan(
            &desired(Mode::Legacy, &phys, &reg),
            &held(&pins, Origin::Installed),
        );
        assert_eq!(
            names(&steps),
            [
                "add 203.0.113.9/32 via 198.51.100.1 on en0",
                "add 203.0.113.10/32 via 198.51.100.1 on en0",
                "remove 0.0.0.0/0 via 198.51.100.1 on en0 (scoped)",
            ]
        );
    }

    /// The IPv4 pin advanced mode wants on one physical default.
    fn pin_on(index: u32, name: &str, gw: &str) -> BTreeSet<RouteSpec> {
        desired(
            Mode::Advanced,
            &both(Some(physical(index, name, gw)), None),
            &Registry::new(),
        )
    }

    /// The steps from holding `old` (installed by us) to wanting `new`.
    fn repin(old: BTreeSet<RouteSpec>, new: BTreeSet<RouteSpec>) -> Vec<String> {
        names(&plan(&new, &held(&old, Origin::Installed)))
    }

    #[test]
    fn a_new_gateway_on_the_same_interface_replaces_the_pin_in_place() {
        assert_eq!(
            repin(
                pin_on(4, "en0", "198.51.100.1"),
                pin_on(4, "en0", "198.51.100.254")
            ),
            [
                "remove 0.0.0.0/0 via 198.51.100.1 on en0 (scoped)",
                "add 0.0.0.0/0 via 198.51.100.254 on en0 (scoped)"
            ]
        );
    }

    #[test]
    fn moving_to_another_interface_is_make_before_break() {
        assert_eq!(
            repin(
                pin_on(4, "en0", "198.51.100.1"),
                pin_on(7, "en7", "203.0.113.1")
            ),
            [
                "add 0.0.0.0/0 via 203.0.113.1 on en7 (scoped)",
                "remove 0.0.0.0/0 via 198.51.100.1 on en0 (scoped)"
            ]
        );
    }

    #[test]
    fn reused_os_routes_are_forgotten_never_removed() {
        let steps = plan(
            &BTreeSet::new(),
            &held(&pin_on(4, "en0", "198.51.100.1"), Origin::Reused),
        );
        assert_eq!(
            names(&steps),
            ["forget 0.0.0.0/0 via 198.51.100.1 on en0 (scoped)"]
        );
    }

    #[test]
    fn nothing_to_do_when_the_table_is_as_wanted() {
        let want = desired(
            Mode::Advanced,
            &both(Some(physical(4, "en0", "198.51.100.1")), None),
            &Registry::new(),
        );
        assert!(plan(&want, &held(&want, Origin::Installed)).is_empty());
    }
}
