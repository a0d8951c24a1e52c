//! The pure half of the bundle watch: which bundle the helper belongs to,
//! whether a path is in a trash, and what a sequence of observations of
//! the bundle means. No I/O: the watcher (`super`) looks, this decides.

use std::path::{Component, Path, PathBuf};

/// The app bundle a program sits in: `X.app` for
/// `X.app/Contents/MacOS/<program>`; `None` for any other layout (a
/// development build, `/Library/PrivilegedHelperTools`, a Linux package).
pub fn bundle_of(program: &Path) -> Option<PathBuf> {
    let macos = program.parent()?;
    let contents = macos.parent()?;
    let bundle = contents.parent()?;
    let is_app = bundle
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.len() > ".app".len() && n.ends_with(".app"));
    (macos.file_name()? == "MacOS" && contents.file_name()? == "Contents" && is_app)
        .then(|| bundle.to_path_buf())
}

/// Whether `path` lies inside a trash:
/// - macOS: the user's `~/.Trash`, a volume's `/.Trashes/<uid>` (also the
///   boot volume's);
/// - freedesktop (Linux): `~/.local/share/Trash`, a volume's
///   `.Trash/<uid>` or `.Trash-<uid>`.
///
/// Only whole path components count: `My.Trash.app` is no trash.
pub fn is_in_trash(path: &Path) -> bool {
    let names: Vec<&str> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => name.to_str(),
            _ => None,
        })
        .collect();
    let volume_trash = |name: &str| {
        name == ".Trash"
            || name == ".Trashes"
            || name
                .strip_prefix(".Trash-")
                .is_some_and(|uid| !uid.is_empty() && uid.bytes().all(|b| b.is_ascii_digit()))
    };
    // Only a directory can hold the bundle: the last name is the item itself.
    let holders = names.len().saturating_sub(1);
    names[..holders].iter().any(|n| volume_trash(n))
        || names[..holders]
            .windows(3)
            .any(|w| w == [".local", "share", "Trash"])
}

/// What is at the bundle's path now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtPath {
    /// A directory (the bundle, or one put in its place).
    Directory,
    /// Nothing, or something that is not a directory.
    Nothing,
}

/// Where the bundle the helper was started from is now, as the kernel
/// tracks the directory it has open (`F_GETPATH` on macOS,
/// `/proc/self/fd` on Linux).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whereabouts {
    /// At this path (the watched one, or another after a move).
    At(PathBuf),
    /// Deleted (the kernel says so).
    Deleted,
    /// The kernel would not say (no open directory, or no way to ask).
    Unknown,
}

/// One look at the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// What is at the watched path.
    pub at_path: AtPath,
    /// Where the bundle we hold open is.
    pub whereabouts: Whereabouts,
}

/// Why the app counts as gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gone {
    /// The bundle is in a trash, at this path.
    Trashed(PathBuf),
    /// The bundle was deleted.
    Deleted,
    /// Nothing is at the bundle's path, and where it went is unknown.
    Missing,
}

impl Gone {
    /// The reason, as a sentence about the bundle at `bundle`.
    pub fn describe(&self, bundle: &Path) -> String {
        match self {
            Gone::Trashed(to) if to == bundle => {
                format!("the app {} is in the Trash", bundle.display())
            }
            Gone::Trashed(to) => format!(
                "the app {} was moved to the Trash ({})",
                bundle.display(),
                to.display()
            ),
            Gone::Deleted => format!("the app {} was deleted", bundle.display()),
            Gone::Missing => format!("the app {} is gone", bundle.display()),
        }
    }
}

/// What an observation means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The app is where it was.
    Present,
    /// Another bundle now stands at the path (an update replaced the app):
    /// watch that one from now on.
    Replaced,
    /// The app was moved (not to a trash): watch it at its new path.
    Moved {
        /// Where it was.
        from: PathBuf,
        /// Where it is.
        to: PathBuf,
    },
    /// The app is not at its path, but not for long enough to act on: an
    /// updater may be putting a new copy in place.
    Doubtful {
        /// How many looks in a row found it away.
        misses: u32,
        /// Where it seems to be.
        why: Doubt,
    },
    /// The app is gone: remove our routes and unregister.
    Gone(Gone),
}

/// Why the app is not at its path (yet to be confirmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Doubt {
    /// It looks gone.
    Gone(Gone),
    /// It looks moved (not to a trash), to this path.
    Moved(PathBuf),
}

impl Doubt {
    /// The doubt, as a sentence about the bundle at `bundle`.
    pub fn describe(&self, bundle: &Path) -> String {
        match self {
            Doubt::Gone(gone) => gone.describe(bundle),
            Doubt::Moved(to) => format!(
                "the app {} seems to have moved to {}",
                bundle.display(),
                to.display()
            ),
        }
    }
}

/// The decision over successive observations of one bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decider {
    bundle: PathBuf,
    /// Consecutive looks that found the app gone.
    misses: u32,
    /// How many consecutive looks make it gone.
    patience: u32,
}

impl Decider {
    /// Watches `bundle` (an absolute path); `patience` consecutive looks
    /// (at least 1) must find it gone before it is.
    pub fn new(bundle: PathBuf, patience: u32) -> Decider {
        Decider {
            bundle,
            misses: 0,
            patience: patience.max(1),
        }
    }

    /// The path watched now (it follows a move).
    pub fn bundle(&self) -> &Path {
        &self.bundle
    }

    /// What `seen` means, given what was seen before.
    pub fn observe(&mut self, seen: &Observation) -> Verdict {
        // Started from inside a trash: no updater does that. Act at once.
        if is_in_trash(&self.bundle) {
            return Verdict::Gone(Gone::Trashed(self.bundle.clone()));
        }
        if seen.at_path == AtPath::Directory {
            self.misses = 0;
            return match &seen.whereabouts {
                Whereabouts::At(now) if *now != self.bundle => Verdict::Replaced,
                Whereabouts::Deleted => Verdict::Replaced,
                _ => Verdict::Present,
            };
        }
        let why = match &seen.whereabouts {
            Whereabouts::At(now) if is_in_trash(now) => Doubt::Gone(Gone::Trashed(now.clone())),
            Whereabouts::At(now) if *now != self.bundle => Doubt::Moved(now.clone()),
            Whereabouts::Deleted => Doubt::Gone(Gone::Deleted),
            Whereabouts::At(_) | Whereabouts::Unknown => Doubt::Gone(Gone::Missing),
        };
        self.misses = self.misses.saturating_add(1);
        if self.misses < self.patience {
            return Verdict::Doubtful {
                misses: self.misses,
                why,
            };
        }
        match why {
            Doubt::Gone(gone) => Verdict::Gone(gone),
            // Moved for good (an update would have put an app back by
            // now): follow it.
            Doubt::Moved(to) => {
                self.misses = 0;
                let from = std::mem::replace(&mut self.bundle, to.clone());
                Verdict::Moved { from, to }
            }
        }
    }
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
