//! The routing table as text to save: JSON, CSV, or `netstat -rn`.

use std::str::FromStr;

use helper_proto::RouteRow;
use routing_core::model::Family;

use crate::error::AppError;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The rows as the `routes` command returns them.
    Json,
    /// One line per row, every field, RFC 4180 quoting.
    Csv,
    /// `netstat -rn`'s layout (cloned `W` routes left out, as netstat does).
    Netstat,
}

impl FromStr for Format {
    type Err = AppError;

    fn from_str(s: &str) -> Result<Format, AppError> {
        match s {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "netstat" => Ok(Format::Netstat),
            other => Err(AppError::invalid(format!(
                "cannot export as {other:?}: json, csv or netstat"
            ))),
        }
    }
}

/// `rows` in `format`.
pub fn export(rows: &[RouteRow], format: Format) -> String {
    match format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".into());
            text.push('\n');
            text
        }
        Format::Csv => csv(rows),
        Format::Netstat => helper_proto::text::netstat(rows, false),
    }
}

const CSV_HEADER: &str =
    "family,destination,gateway,flags,netif,expire,scope,ours,cloned,default,canonical";

fn csv(rows: &[RouteRow]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    for r in rows {
        let fields = [
            family_word(r.family).to_string(),
            r.destination.clone(),
            r.gateway.clone(),
            r.flags.clone(),
            r.netif.clone(),
            r.expire.clone(),
            r.scope.clone().unwrap_or_default(),
            r.ours.to_string(),
            r.cloned.to_string(),
            r.default.to_string(),
            r.canonical.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The family as the JSON spells it.
fn family_word(family: Family) -> &'static str {
    match family {
        Family::V4 => "v4",
        Family::V6 => "v6",
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            canonical: format!("{destination} {gateway}"),
        }
    }

    fn rows() -> Vec<RouteRow> {
        vec![
            row(Family::V4, "default", "192.0.2.1", "UGScg", "en0"),
            row(Family::V4, "default", "192.0.2.1", "UGScIg1", "en0"),
            row(Family::V4, "192.0.2.1", "a0:ce:c8:1:2:3", "UHLWIir", "en0"),
            row(Family::V6, "default", "fe80::1%en0", "UGcIg", "en0"),
        ]
    }

    #[test]
    fn netstat_lays_out_sections_and_hides_cloned_routes() {
        let text = export(&rows(), Format::Netstat);
        assert_eq!(
            text,
            "Routing tables\n\
             \n\
             Internet:\n\
             Destination  Gateway    Flags    Netif  Expire\n\
             default      192.0.2.1  UGScg    en0\n\
             default      192.0.2.1  UGScIg1  en0\n\
             \n\
             Internet6:\n\
             Destination  Gateway      Flags  Netif  Expire\n\
             default      fe80::1%en0  UGcIg  en0\n"
        );
    }

    #[test]
    fn csv_has_every_field_and_quotes_when_needed() {
        let mut rows = rows();
        rows[0].canonical = "default 192.0.2.1, \"primary\"".into();
        let text = export(&rows, Format::Csv);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(
            lines[1],
            "v4,default,192.0.2.1,UGScg,en0,,,false,false,true,\"default 192.0.2.1, \"\"primary\"\"\""
        );
        assert_eq!(lines[3], "v4,192.0.2.1,a0:ce:c8:1:2:3,UHLWIir,en0,,en0,false,true,false,192.0.2.1 a0:ce:c8:1:2:3");
        assert_eq!(
            lines.len(),
            6,
            "header, four rows, and the final line break"
        );
    }

    #[test]
    fn json_round_trips_and_unknown_formats_are_refused() {
        let text = export(&rows(), Format::Json);
        let back: Vec<RouteRow> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, rows());
        let e = "xml".parse::<Format>().unwrap_err();
        assert_eq!(e.code, "invalid_argument");
    }
}
