//! The journal: what the helper must remember across restarts and crashes.
//!
//! It holds the mode the user chose, the exclusion registrations, and every
//! route we installed or reused. It is written atomically (a temporary file
//! in the same directory, `fsync`, `rename`, then `fsync` of the directory),
//! with mode 0600, in a root-owned directory. A corrupt journal is moved
//! aside once, and the helper starts clean: the tag on our routes lets the
//! start-up flush find them anyway.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use routing_core::model::{IpPrefix, RouteSpec};
use serde::{Deserialize, Serialize};

use crate::engine::exclusions::Registry;
use crate::engine::plan::{Mode, Origin};

/// The journal's format version. A newer major version is refused, not
/// misread.
pub const JOURNAL_VERSION: u32 = 1;

/// What the journal holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// The format version.
    pub version: u32,
    /// The mode the user chose (`advanced` or `legacy`).
    pub mode: JournalMode,
    /// Exclusion registrations: prefix → owners.
    pub exclusions: BTreeMap<IpPrefix, BTreeSet<String>>,
    /// Routes we hold in the table, and how they got there.
    pub routes: Vec<HeldRoute>,
}

/// The mode as stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JournalMode {
    /// Advanced routing.
    #[default]
    Advanced,
    /// Legacy routing.
    Legacy,
}

/// A route we hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldRoute {
    /// The route.
    pub spec: RouteSpec,
    /// Whether we installed it or reused the OS's.
    pub reused: bool,
}

impl From<Mode> for JournalMode {
    fn from(mode: Mode) -> JournalMode {
        match mode {
            Mode::Advanced => JournalMode::Advanced,
            Mode::Legacy => JournalMode::Legacy,
        }
    }
}

impl From<JournalMode> for Mode {
    fn from(mode: JournalMode) -> Mode {
        match mode {
            JournalMode::Advanced => Mode::Advanced,
            JournalMode::Legacy => Mode::Legacy,
        }
    }
}

impl Journal {
    /// A journal of the engine's state.
    pub fn capture(mode: Mode, registry: &Registry, held: &BTreeMap<RouteSpec, Origin>) -> Journal {
        Journal {
            version: JOURNAL_VERSION,
            mode: mode.into(),
            exclusions: registry.iter().map(|(p, o)| (*p, o.clone())).collect(),
            routes: held
                .iter()
                .map(|(spec, origin)| HeldRoute {
                    spec: spec.clone(),
                    reused: *origin == Origin::Reused,
                })
                .collect(),
        }
    }

    /// The registrations, rebuilt.
    pub fn registry(&self) -> Registry {
        let mut registry = Registry::new();
        for (prefix, owners) in &self.exclusions {
            for owner in owners {
                registry.register(*prefix, owner);
            }
        }
        registry
    }

    /// The held routes, rebuilt.
    pub fn held(&self) -> BTreeMap<RouteSpec, Origin> {
        self.routes
            .iter()
            .map(|h| {
                (
                    h.spec.clone(),
                    if h.reused {
                        Origin::Reused
                    } else {
                        Origin::Installed
                    },
                )
            })
            .collect()
    }
}

/// What loading found.
#[derive(Debug)]
pub enum Loaded {
    /// A journal.
    Journal(Journal),
    /// No journal yet: a first start.
    Missing,
    /// The journal could not be read; it was moved to the path given.
    MovedAside {
        /// Where the unreadable journal now is.
        to: PathBuf,
        /// Why it could not be read.
        reason: String,
    },
}

/// A journal file in a directory.
#[derive(Debug, Clone)]
pub struct JournalFile {
    path: PathBuf,
}

impl JournalFile {
    /// The journal `state.json` in `dir`.
    pub fn in_dir(dir: &Path) -> JournalFile {
        JournalFile {
            path: dir.join("state.json"),
        }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the journal. An unreadable one is moved aside (to
    /// `state.json.corrupt-<n>`) and reported, so the helper starts clean.
    ///
    /// # Errors
    /// I/O errors other than "not found" while reading or moving the file.
    pub fn load(&self) -> io::Result<Loaded> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Loaded::Missing),
            Err(e) => return Err(e),
        };
        let reason = match serde_json::from_slice::<Journal>(&bytes) {
            Ok(j) if j.version <= JOURNAL_VERSION => return Ok(Loaded::Journal(j)),
            Ok(j) => format!(
                "journal version {} is newer than this helper's {JOURNAL_VERSION}",
                j.version
            ),
            Err(e) => format!("not a journal: {e}"),
        };
        let to = (0..)
            .map(|n| self.path.with_extension(format!("json.corrupt-{n}")))
            .find(|p| !p.exists())
            .unwrap_or_else(|| self.path.with_extension("json.corrupt"));
        fs::rename(&self.path, &to)?;
        Ok(Loaded::MovedAside { to, reason })
    }

    /// Writes the journal atomically with mode 0600.
    ///
    /// # Errors
    /// Any I/O error; the previous journal is then left as it was.
    pub fn store(&self, journal: &Journal) -> io::Result<()> {
        let dir = self.path.parent().unwrap_or_else(|| Path::new("."));
        let tmp = self.path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(journal).map_err(io::Error::other)?;
        {
            let mut file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            file.set_permissions(fs::Permissions::from_mode(0o600))?;
            file.write_all(&bytes)?;
            file.sync_all()?;
        }
        fs::rename(&tmp, &self.path)?;
        File::open(dir)?.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use routing_core::model::{Family, Gateway, InterfaceKind, InterfaceRef, PhysicalDefault};

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("egress-journal-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn sample() -> Journal {
        let mut registry = Registry::new();
        registry.register("203.0.113.9/32".parse().expect("prefix"), "conn-1");
        registry.register("203.0.113.9/32".parse().expect("prefix"), "conn-2");
        let physical = PhysicalDefault {
            interface: InterfaceRef {
                index: 4,
                name: "en0".into(),
            },
            kind: InterfaceKind::Wifi,
            gateway: Gateway::ip("198.51.100.1".parse().expect("ip")),
            from_scoped_default: false,
        };
        let held = [(
            RouteSpec::scoped_default(Family::V4, &physical),
            Origin::Reused,
        )]
        .into_iter()
        .collect();
        Journal::capture(Mode::Legacy, &registry, &held)
    }

    #[test]
    fn round_trips_mode_registrations_and_routes() {
        let dir = temp_dir("roundtrip");
        let file = JournalFile::in_dir(&dir);
        assert!(matches!(file.load().expect("load"), Loaded::Missing));
        file.store(&sample()).expect("store");
        let Loaded::Journal(j) = file.load().expect("load") else {
            panic!("journal expected")
        };
        assert_eq!(j, sample());
        assert_eq!(Mode::from(j.mode), Mode::Legacy);
        assert_eq!(
            j.registry()
                .owners(&"203.0.113.9/32".parse().expect("p"))
                .map(|o| o.len()),
            Some(2)
        );
        assert_eq!(j.held().values().next(), Some(&Origin::Reused));
        let mode = fs::metadata(file.path())
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_corrupt_journal_is_moved_aside_and_reported() {
        let dir = temp_dir("corrupt");
        let file = JournalFile::in_dir(&dir);
        fs::write(file.path(), b"{ half a journ").expect("write");
        let Loaded::MovedAside { to, reason } = file.load().expect("load") else {
            panic!("moved aside expected")
        };
        assert!(reason.starts_with("not a journal"), "{reason}");
        assert_eq!(fs::read(&to).expect("kept"), b"{ half a journ");
        assert!(matches!(file.load().expect("load"), Loaded::Missing));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_journal_from_a_newer_helper_is_not_misread() {
        let dir = temp_dir("newer");
        let file = JournalFile::in_dir(&dir);
        let mut j = sample();
        j.version = JOURNAL_VERSION + 1;
        file.store(&j).expect("store");
        assert!(matches!(
            file.load().expect("load"),
            Loaded::MovedAside { .. }
        ));
        let _ = fs::remove_dir_all(&dir);
    }
}
