//! Text tables: the layout lives in `helper_proto::text`, shared with the
//! app's export.

pub use helper_proto::text::{aligned, netstat};

#[cfg(test)]
pub(crate) mod tests {
    use helper_proto::RouteRow;
    use routing_core::model::Family;

    pub(crate) fn row(
        family: Family,
        destination: &str,
        gateway: &str,
        flags: &str,
        netif: &str,
    ) -> RouteRow {
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
}
