//! The policy: who may read and who may change.
//!
//! # The file
//! TOML, two optional tables. Each says who it admits: everyone, users
//! (names or uids) and groups (names).
//!
//! ```toml
//! # /etc/egress/policy.toml (Linux) or
//! # /Library/Application Support/Egress/policy.toml (macOS)
//! [read]              # status, routes, lookups, events, diagnostics
//! everyone = true
//!
//! [change]            # mode, exclusions, bound sockets, flush, sim actions
//! users = ["alice", 501]
//! groups = ["admin"]
//! ```
//!
//! A missing table is the default's table; an unknown key is an error
//! (a misspelt `grups` must not silently admit nobody). Whoever may change
//! may also read. Root may always change, and so may the helper's own user
//! when the helper is not root (an unprivileged run on the sim: its user
//! gains nothing by talking to it).
//!
//! Without a file: root and the admin group (`admin` on macOS; on Linux
//! `egress` if that group exists, else `sudo`) may change, and every local
//! user may read.
//!
//! Group membership is asked of the system at connection time: the
//! peer's primary gid (as the kernel gives it), the user's primary group in
//! the user database, or the user's name in the group's member list
//! (macOS's `getgrnam` includes Directory Services members).
//!
//! # Trust
//! [`Policy::load`] reads only a regular file (not a symlink), owned by root
//! (by the helper's own user when the helper is not root), that no one but
//! its owner may write: anyone who can edit the policy owns the helper.

use std::fmt;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use helper_proto::Access;
use nix::unistd::{Gid, Group, Uid, User};
use rustix::fs::{Mode, OFlags};
use serde::Deserialize;

/// Where the policy lives unless `--policy` says otherwise.
pub fn default_path() -> &'static Path {
    if cfg!(target_os = "macos") {
        Path::new("/Library/Application Support/Egress/policy.toml")
    } else {
        Path::new("/etc/egress/policy.toml")
    }
}

/// The largest policy file read.
const MAX_POLICY_BYTES: u64 = 64 * 1024;

/// Who a rule admits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Every local user.
    #[serde(default)]
    pub everyone: bool,
    /// These users, by name or uid.
    #[serde(default)]
    pub users: Vec<UserSpec>,
    /// Members of these groups, by name.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// A user in a rule: a name or a uid.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged, expecting = "a user name or a uid")]
pub enum UserSpec {
    /// By uid.
    Uid(u32),
    /// By name.
    Name(String),
}

impl fmt::Display for UserSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserSpec::Uid(uid) => write!(f, "uid {uid}"),
            UserSpec::Name(name) => f.write_str(name),
        }
    }
}

/// The file's shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    read: Option<Rule>,
    change: Option<Rule>,
}

/// Who may read and who may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    read: Rule,
    change: Rule,
    /// Where it came from, for logs.
    origin: String,
    /// The uid that may always change besides root: the helper's own.
    helper_uid: u32,
}

/// Who may connect, as far as the socket file's mode can say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exposure {
    /// Every local user (mode 0666).
    Everyone,
    /// Root and the members of one group (0660, that group's).
    Group(String),
    /// Only the socket's owner (0600).
    Owner,
    /// Some users or several groups: the mode cannot say it, so the socket
    /// is open (0666) and each connection's credentials decide.
    Listed,
}

/// Why a policy file was not used.
#[derive(Debug)]
pub struct PolicyError {
    path: PathBuf,
    problem: String,
    missing: bool,
}

impl PolicyError {
    fn new(path: &Path, problem: impl Into<String>) -> PolicyError {
        PolicyError {
            path: path.to_path_buf(),
            problem: problem.into(),
            missing: false,
        }
    }

    /// Whether the file does not exist (the caller may use the default).
    pub fn is_missing(&self) -> bool {
        self.missing
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "policy file {}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for PolicyError {}

fn helper_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// The group that may change by default.
pub fn default_admin_group() -> String {
    if cfg!(target_os = "macos") {
        "admin".into()
    } else if matches!(Group::from_name("egress"), Ok(Some(_))) {
        "egress".into()
    } else {
        "sudo".into()
    }
}

impl Policy {
    /// The policy when there is no file: root and the admin group may
    /// change, every local user may read.
    pub fn system_default() -> Policy {
        Policy {
            read: Rule {
                everyone: true,
                ..Rule::default()
            },
            change: Rule {
                groups: vec![default_admin_group()],
                ..Rule::default()
            },
            origin: "the default policy".into(),
            helper_uid: helper_uid(),
        }
    }

    /// A policy from its text (`origin` names it in errors).
    ///
    /// # Errors
    /// Not TOML, an unknown key, a value of the wrong type; the error
    /// names the line.
    pub fn parse(origin: &Path, text: &str) -> Result<Policy, PolicyError> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|span| format!("line {}: ", line_of(text, span.start)))
                .unwrap_or_default();
            PolicyError::new(origin, format!("{at}{}", e.message().trim_end()))
        })?;
        let default = Policy::system_default();
        let policy = Policy {
            read: file.read.unwrap_or(default.read),
            change: file.change.unwrap_or(default.change),
            origin: origin.display().to_string(),
            helper_uid: helper_uid(),
        };
        for rule in [&policy.read, &policy.change] {
            if rule.groups.iter().any(String::is_empty)
                || rule
                    .users
                    .iter()
                    .any(|u| matches!(u, UserSpec::Name(n) if n.is_empty()))
            {
                return Err(PolicyError::new(origin, "a user or group name is empty"));
            }
        }
        Ok(policy)
    }

    /// Reads the policy file, refusing one that others could have written.
    ///
    /// # Errors
    /// The file is missing ([`PolicyError::is_missing`]), unreadable, not
    /// a regular file, a symlink, owned by someone else than root (than the
    /// helper's user when the helper is not root), writable by anyone but
    /// its owner, too large, or not a valid policy.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let meta = match std::fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut err = PolicyError::new(path, "does not exist");
                err.missing = true;
                return Err(err);
            }
            Err(e) => return Err(PolicyError::new(path, format!("cannot be read: {e}"))),
        };
        if meta.file_type().is_symlink() {
            return Err(PolicyError::new(
                path,
                "is a symlink; the policy must be a regular file",
            ));
        }
        // O_NOFOLLOW and fstat: what we check is what we read, even if the
        // path is swapped meanwhile. O_NONBLOCK: a FIFO cannot stall us.
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            rustix::io::Errno::LOOP => PolicyError::new(path, "is a symlink"),
            e => PolicyError::new(path, format!("cannot be opened: {e}")),
        })?;
        let file = std::fs::File::from(fd);
        let meta = file
            .metadata()
            .map_err(|e| PolicyError::new(path, format!("cannot be read: {e}")))?;
        check_file(path, &meta, helper_uid())?;
        let mut text = String::new();
        file.take(MAX_POLICY_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(|e| PolicyError::new(path, format!("is not UTF-8 text: {e}")))?;
        if text.len() as u64 > MAX_POLICY_BYTES {
            return Err(PolicyError::new(path, "is larger than 64 KiB"));
        }
        Policy::parse(path, &text)
    }

    /// Where the policy came from (a path, or "the default policy").
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Who may read.
    pub fn read_rule(&self) -> &Rule {
        &self.read
    }

    /// Who may change.
    pub fn change_rule(&self) -> &Rule {
        &self.change
    }

    /// What a peer with these kernel credentials may do. Asks the user and
    /// group databases, which may block: call it off the async threads.
    pub fn access_for(&self, uid: u32, gid: u32) -> Access {
        if uid == 0 || uid == self.helper_uid {
            return Access::Change;
        }
        let needs_user = [&self.change, &self.read].iter().any(|rule| {
            !rule.everyone
                && (!rule.groups.is_empty()
                    || rule.users.iter().any(|u| matches!(u, UserSpec::Name(_))))
        });
        let user = if needs_user {
            User::from_uid(Uid::from_raw(uid)).ok().flatten()
        } else {
            None
        };
        let who = Who {
            uid,
            gid,
            user: user.as_ref(),
        };
        if admits(&self.change, &who) {
            Access::Change
        } else if admits(&self.read, &who) {
            Access::Read
        } else {
            Access::None
        }
    }

    /// What changing takes, for messages: "membership of the admin group".
    pub fn change_requires(&self) -> String {
        describe(&self.change)
    }

    /// What connecting (reading) takes, for messages.
    pub fn read_requires(&self) -> String {
        if self.read.everyone || self.change.everyone {
            return "nothing".into();
        }
        // Whoever may change may read too.
        let merged = Rule {
            everyone: false,
            users: union(&self.read.users, &self.change.users),
            groups: union(&self.read.groups, &self.change.groups),
        };
        describe(&merged)
    }

    /// Who may connect, for the socket file's mode.
    pub fn exposure(&self) -> Exposure {
        if self.read.everyone || self.change.everyone {
            return Exposure::Everyone;
        }
        let users = union(&self.read.users, &self.change.users);
        let groups = union(&self.read.groups, &self.change.groups);
        match (users.is_empty(), groups.as_slice()) {
            (true, []) => Exposure::Owner,
            (true, [group]) => Exposure::Group(group.clone()),
            _ => Exposure::Listed,
        }
    }

    /// The user names and groups the policy names that this system does
    /// not know (a typo, or a group not created yet), for a warning.
    pub fn unknown_names(&self) -> Vec<String> {
        let mut unknown = Vec::new();
        for rule in [&self.read, &self.change] {
            for user in &rule.users {
                if let UserSpec::Name(name) = user {
                    if !matches!(User::from_name(name), Ok(Some(_))) {
                        unknown.push(format!("user {name}"));
                    }
                }
            }
            for group in &rule.groups {
                if !matches!(Group::from_name(group), Ok(Some(_))) {
                    unknown.push(format!("group {group}"));
                }
            }
        }
        unknown.sort();
        unknown.dedup();
        unknown
    }

    #[cfg(test)]
    pub(crate) fn without_helper_uid(mut self) -> Policy {
        self.helper_uid = 0;
        self
    }
}

/// Refuses a file that is not a regular file, is owned by the wrong user,
/// or is writable by others than its owner.
fn check_file(path: &Path, meta: &std::fs::Metadata, helper: u32) -> Result<(), PolicyError> {
    if !meta.file_type().is_file() {
        return Err(PolicyError::new(path, "is not a regular file"));
    }
    if meta.uid() != helper {
        let who = if helper == 0 {
            "root".to_string()
        } else {
            format!("uid {helper}, the helper's own user")
        };
        return Err(PolicyError::new(
            path,
            format!("is owned by uid {}; it must be owned by {who}", meta.uid()),
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(PolicyError::new(
            path,
            format!(
                "is writable by others than its owner (mode {mode:04o}); \
                 make it writable by its owner only (chmod go-w)"
            ),
        ));
    }
    Ok(())
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn union<T: Clone + PartialEq>(a: &[T], b: &[T]) -> Vec<T> {
    let mut all = a.to_vec();
    for item in b {
        if !all.contains(item) {
            all.push(item.clone());
        }
    }
    all
}

/// A peer, as the kernel and the user database know it.
struct Who<'a> {
    uid: u32,
    gid: u32,
    user: Option<&'a User>,
}

fn admits(rule: &Rule, who: &Who<'_>) -> bool {
    if rule.everyone {
        return true;
    }
    let named = rule.users.iter().any(|spec| match spec {
        UserSpec::Uid(uid) => *uid == who.uid,
        UserSpec::Name(name) => who.user.is_some_and(|u| &u.name == name),
    });
    named || rule.groups.iter().any(|name| member_of(name, who))
}

fn member_of(group: &str, who: &Who<'_>) -> bool {
    let Ok(Some(group)) = Group::from_name(group) else {
        return false;
    };
    if group.gid == Gid::from_raw(who.gid) {
        return true;
    }
    who.user
        .is_some_and(|user| user.gid == group.gid || group.mem.iter().any(|m| m == &user.name))
}

/// "membership of the admin group", "being alice or uid 501", "being root".
fn describe(rule: &Rule) -> String {
    if rule.everyone {
        return "nothing".into();
    }
    let mut parts = Vec::new();
    if !rule.users.is_empty() {
        let names: Vec<String> = rule.users.iter().map(ToString::to_string).collect();
        parts.push(format!("being {}", or_list(&names)));
    }
    if !rule.groups.is_empty() {
        parts.push(format!("membership of the {} group", or_list(&rule.groups)));
    }
    if parts.is_empty() {
        return "being root".into();
    }
    parts.join(" or ")
}

/// "a", "a or b", "a, b or c".
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
