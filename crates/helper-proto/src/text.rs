//! Text from rows: the routing table laid out like `netstat -rn`, and a
//! plain aligned table (for `egressctl` and the app's export).

use routing_core::model::Family;

use crate::types::RouteRow;

/// Left-aligned columns, each as wide as its widest cell, two spaces
/// apart; trailing spaces trimmed.
pub fn aligned(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            line.push_str(cell);
            let pad = width - cell.chars().count();
            line.extend(std::iter::repeat_n(' ', pad + 2));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The routing table as `netstat -rn` lays it out: `Routing tables`, then
/// an `Internet:` and an `Internet6:` section (each only if it has rows),
/// columns Destination, Gateway, Flags, Netif, Expire. Cloned host routes
/// (`W`) are left out unless `all`.
pub fn netstat(rows: &[RouteRow], all: bool) -> String {
    let mut out = String::from("Routing tables\n");
    for family in [Family::V4, Family::V6] {
        let mut table = vec![["Destination", "Gateway", "Flags", "Netif", "Expire"]
            .map(String::from)
            .to_vec()];
        table.extend(
            rows.iter()
                .filter(|r| r.family == family && (all || !r.cloned))
                .map(|r| {
                    vec![
                        r.destination.clone(),
                        r.gateway.clone(),
                        r.flags.clone(),
                        r.netif.clone(),
                        r.expire.clone(),
                    ]
                }),
        );
        if table.len() == 1 {
            continue;
        }
        out.push('\n');
        out.push_str(family.netstat_title());
        out.push_str(":\n");
        out.push_str(&aligned(&table));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(family: Family, destination: &str, gateway: &str, flags: &str, netif: &str) -> RouteRow {
        RouteRow {
            family,
            destination: destination.into(),
            gateway: gateway.into(),
            flags: flags.into(),
            netif: netif.into(),
            expire: String::new(),
            scope: flags.contains('I').then(|| netif.to_string()),
            ours: flags.contains('1'),
            cloned: flags.contains('W'),
            default: destination == "default",
            canonical: String::new(),
        }
    }

    fn table() -> Vec<RouteRow> {
        let mut clone = row(Family::V4, "198.51.100.7", "link#4", "UHLWIi", "en0");
        clone.expire = "1178".into();
        vec![
            row(Family::V4, "default", "198.51.100.1", "UGScg", "en0"),
            row(Family::V4, "default", "198.51.100.1", "UGS1I", "en0"),
            row(Family::V4, "127", "127.0.0.1", "UCS", "lo0"),
            clone,
            row(Family::V6, "default", "fe80::1%en0", "UGcg", "en0"),
            row(Family::V6, "::1", "::1", "UHL", "lo0"),
        ]
    }

    #[test]
    fn the_table_reads_like_netstat_with_widths_from_the_content() {
        assert_eq!(
            netstat(&table(), false),
            "\
Routing tables

Internet:
Destination  Gateway       Flags  Netif  Expire
default      198.51.100.1  UGScg  en0
default      198.51.100.1  UGS1I  en0
127          127.0.0.1     UCS    lo0

Internet6:
Destination  Gateway      Flags  Netif  Expire
default      fe80::1%en0  UGcg   en0
::1          ::1          UHL    lo0
"
        );
    }

    #[test]
    fn all_shows_the_cloned_routes_and_their_expiry() {
        let text = netstat(&table(), true);
        assert!(text.contains(
            "\
Internet:
Destination   Gateway       Flags   Netif  Expire
default       198.51.100.1  UGScg   en0
default       198.51.100.1  UGS1I   en0
127           127.0.0.1     UCS     lo0
198.51.100.7  link#4        UHLWIi  en0    1178
"
        ));
    }

    #[test]
    fn a_family_without_rows_has_no_section() {
        let v6_only: Vec<RouteRow> = table()
            .into_iter()
            .filter(|r| r.family == Family::V6)
            .collect();
        let text = netstat(&v6_only, false);
        assert!(!text.contains("Internet:"), "{text}");
        assert!(text.starts_with("Routing tables\n\nInternet6:\n"), "{text}");
        assert_eq!(netstat(&[], false), "Routing tables\n");
    }
}
