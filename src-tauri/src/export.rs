//! The routing table as text to save: JSON, CSV, or `netstat -rn`.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use helper_proto::RouteRow;
use routing_core::model::Family;
use serde::Serialize;

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

impl Format {
    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Netstat => "txt",
        }
    }
}

/// What `export_table` saved (docs/APP.md `SavedExport`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedExport {
    /// Where the file is.
    pub path: String,
    /// Rows of the table it holds.
    pub rows: usize,
    /// Its size.
    pub bytes: usize,
}

/// The most files of one name the folder may already hold before saving
/// gives up (`egress-routes-999.csv`).
const MAX_SUFFIX: u32 = 999;

/// Writes `text` to a new file in `dir`, named `egress-routes.EXT`, or
/// `egress-routes-2.EXT` and so on when that exists (never overwriting,
/// as a browser's downloads do); creates `dir` if needed.
pub fn save(dir: &Path, format: Format, text: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let ext = format.extension();
    for n in 1..=MAX_SUFFIX {
        let name = if n == 1 {
            format!("egress-routes.{ext}")
        } else {
            format!("egress-routes-{n}.{ext}")
        };
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                file.write_all(text.as_bytes())?;
                file.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        ErrorKind::AlreadyExists,
        format!(
            "{} already holds {MAX_SUFFIX} exports of this kind",
            dir.display()
        ),
    ))
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
    fn saving_never_overwrites_and_names_files_as_downloads_do() {
        let dir = std::env::temp_dir().join(format!("egress-export-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let nested = dir.join("Downloads");
        let first = save(&nested, Format::Csv, "a,b\r\n").unwrap();
        let second = save(&nested, Format::Csv, "c,d\r\n").unwrap();
        let text = save(&nested, Format::Netstat, "Routing tables\n").unwrap();
        let names: Vec<String> = [&first, &second, &text]
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "egress-routes.csv",
                "egress-routes-2.csv",
                "egress-routes.txt"
            ]
        );
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "a,b\r\n");
        assert_eq!(std::fs::read_to_string(&second).unwrap(), "c,d\r\n");
        // A folder that cannot be made is an error, not a panic.
        let blocked = save(&first.join("sub"), Format::Json, "[]");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(blocked.is_err());
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
