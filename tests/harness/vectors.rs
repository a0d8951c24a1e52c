//! The PF_ROUTE byte vectors in `tests/vectors/pf_route/`: one file per
//! case, `#` comments (provenance first), a `# kind:` directive, then hex.
//!
//! Kinds:
//! - `# kind: message`: exactly one message;
//! - `# kind: addrs-only rtm_addrs=0x07`: the sockaddrs after a header;
//! - `# kind: dump NET_RT_DUMP2`: many messages back to back (any sysctl op name).

use std::path::{Path, PathBuf};

use routing_core::wire::hex::parse_hex;

/// What a vector holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// One whole message.
    Message,
    /// Sockaddrs only, walked with these `rtm_addrs` bits.
    AddrsOnly {
        /// The `rtm_addrs` bits.
        bits: u32,
    },
    /// A sysctl buffer of many messages.
    Dump {
        /// The sysctl op (`NET_RT_DUMP2`, …).
        op: String,
    },
}

/// One vector file.
#[derive(Debug, Clone)]
pub struct Vector {
    /// The file name.
    pub name: String,
    /// The whole text (comments included).
    pub text: String,
    /// The provenance: the comment lines before the `kind` directive.
    pub provenance: Vec<String>,
    /// The kind.
    pub kind: Kind,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// `tests/vectors/pf_route/`.
pub fn pf_route_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("vectors")
        .join("pf_route")
}

/// `shared/fixtures/darwin-route/` next to the repository, if present.
pub fn shared_fixture_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .join("shared")
        .join("fixtures")
        .join("darwin-route");
    dir.is_dir().then_some(dir)
}

fn parse_kind(directive: &str) -> Result<Kind, String> {
    let mut words = directive.split_whitespace();
    match words.next() {
        Some("message") => Ok(Kind::Message),
        Some("addrs-only") => {
            let bits = words
                .next()
                .and_then(|w| w.strip_prefix("rtm_addrs=0x"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad addrs-only directive {directive:?}"))?;
            Ok(Kind::AddrsOnly { bits })
        }
        Some("dump") => Ok(Kind::Dump {
            op: words.next().unwrap_or("NET_RT_DUMP").to_string(),
        }),
        _ => Err(format!("unknown kind {directive:?}")),
    }
}

/// Parses one vector's text.
///
/// # Errors
/// A missing or bad `kind` directive, or bad hex.
pub fn parse_vector(name: &str, text: &str) -> Result<Vector, String> {
    let mut provenance = Vec::new();
    let mut kind = None;
    for line in text.lines() {
        let Some(comment) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let comment = comment.trim();
        if let Some(d) = comment.strip_prefix("kind:") {
            kind = Some(parse_kind(d.trim())?);
        } else if kind.is_none() {
            provenance.push(comment.to_string());
        }
    }
    let kind = kind.ok_or_else(|| format!("{name}: no `# kind:` directive"))?;
    let bytes = parse_hex(text).map_err(|e| format!("{name}: {e}"))?;
    Ok(Vector {
        name: name.to_string(),
        text: text.to_string(),
        provenance,
        kind,
        bytes,
    })
}

/// Every `*.hex` vector, sorted by name.
///
/// # Panics
/// If the directory cannot be read or a vector is malformed: a broken
/// vector is a broken test.
pub fn load_pf_route() -> Vec<Vector> {
    let dir = pf_route_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".hex"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(dir.join(&n)).unwrap_or_else(|e| panic!("{n}: {e}"));
            parse_vector(&n, &text).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

/// The vector named `name`.
///
/// # Panics
/// If there is none.
pub fn pf_route_vector(name: &str) -> Vector {
    load_pf_route()
        .into_iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
}
