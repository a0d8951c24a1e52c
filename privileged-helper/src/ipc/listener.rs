//! The socket file: its directory, the one-helper lock, its mode.
//!
//! - The directory (`/var/run/egress` on macOS, `/run/egress` on Linux by
//!   default) is root's and 0755 when the helper is root: a directory
//!   someone else could write would let them swap the socket. Not root
//!   (an unprivileged sim run with `--socket` in a user directory), it must
//!   exist or is created 0700.
//! - `helper.sock.lock` next to the socket is `flock`ed for the helper's
//!   life and holds its pid, so a second helper on the same socket stops
//!   with "another egress-helper is serving PATH (pid N)" instead of
//!   stealing it. Only with the lock held is a stale socket removed (and
//!   only if it is a socket).
//! - The socket is bound under umask 0177, so it is born 0600, then opened
//!   to what the policy allows ([`Exposure`]): 0666 when every local user
//!   may read (safe because every connection's credentials are checked),
//!   0660 and the policy's group when only that group may connect, 0600
//!   when only root may. It is removed when the [`Listening`] is dropped.

use std::fmt;
use std::fs::{File, Permissions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::unistd::Group;
use rustix::fs::{FlockOperation, Mode, OFlags};
use rustix::process::{Resource, Rlimit};
use tokio::net::UnixListener;
use tracing::{info, warn};

use super::policy::{Exposure, Policy};

/// The most open files the helper asks for.
const FD_LIMIT_CAP: u64 = 65536;

/// Why the socket cannot be served.
#[derive(Debug)]
pub enum ListenError {
    /// Another helper holds the lock.
    Locked {
        /// The socket.
        socket: PathBuf,
        /// The other helper's pid, if its lock file says.
        pid: Option<u32>,
    },
    /// The socket's directory cannot be trusted or made.
    Directory {
        /// The directory.
        dir: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// Something that is not a socket is where the socket goes.
    NotASocket(PathBuf),
    /// A system call failed.
    Io {
        /// What was being done.
        what: &'static str,
        /// On what.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

impl fmt::Display for ListenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenError::Locked { socket, pid } => {
                write!(f, "another egress-helper is serving {}", socket.display())?;
                match pid {
                    Some(pid) => write!(f, " (pid {pid})"),
                    None => Ok(()),
                }
            }
            ListenError::Directory { dir, problem } => {
                write!(f, "the socket directory {} {problem}", dir.display())
            }
            ListenError::NotASocket(path) => write!(
                f,
                "{} exists and is not a socket; remove it or choose another --socket",
                path.display()
            ),
            ListenError::Io { what, path, source } => {
                write!(f, "cannot {what} {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for ListenError {}

fn io_err(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> ListenError {
    let path = path.to_path_buf();
    move |source| ListenError::Io { what, path, source }
}

/// A bound socket with its lock; the socket file goes when this is dropped.
#[derive(Debug)]
pub struct Listening {
    listener: UnixListener,
    socket: PathBuf,
    /// The socket file's identity, so drop removes ours and nothing else.
    inode: (u64, u64),
    /// Held (flock) for as long as we serve.
    _lock: File,
}

/// The lock file's path: the socket's with `.lock` added.
pub fn lock_path(socket: &Path) -> PathBuf {
    let mut name = socket.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

impl Listening {
    /// Prepares the directory, takes the lock, replaces a stale socket,
    /// binds, and sets the mode the policy allows. Needs a tokio runtime.
    ///
    /// # Errors
    /// See [`ListenError`].
    pub fn bind(socket: &Path, policy: &Policy) -> Result<Listening, ListenError> {
        let dir = match socket.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        prepare_dir(&dir)?;
        let lock = take_lock(socket)?;
        match std::fs::symlink_metadata(socket) {
            Ok(meta) if meta.file_type().is_socket() => {
                info!(socket = %socket.display(), "removing a stale socket");
                std::fs::remove_file(socket).map_err(io_err("remove the stale socket", socket))?;
            }
            Ok(_) => return Err(ListenError::NotASocket(socket.to_path_buf())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("inspect", socket)(e)),
        }
        // Born 0600: nobody can connect before the mode is set below.
        let old = rustix::process::umask(Mode::from_raw_mode(0o177));
        let bound = UnixListener::bind(socket);
        rustix::process::umask(old);
        let listener = bound.map_err(io_err("bind", socket))?;
        let meta = std::fs::symlink_metadata(socket).map_err(io_err("inspect", socket))?;
        let listening = Listening {
            listener,
            socket: socket.to_path_buf(),
            inode: (meta.dev(), meta.ino()),
            _lock: lock,
        };
        listening
            .apply_policy(policy)
            .map_err(io_err("set the mode of", socket))?;
        Ok(listening)
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.socket
    }

    /// The listener.
    pub fn listener(&self) -> &UnixListener {
        &self.listener
    }

    /// Opens the socket to what the policy allows; returns the mode set.
    ///
    /// # Errors
    /// `chmod` failed.
    pub fn apply_policy(&self, policy: &Policy) -> io::Result<u32> {
        let path = &self.socket;
        let mode = match policy.exposure() {
            Exposure::Everyone => 0o666,
            Exposure::Listed => {
                info!(
                    socket = %path.display(),
                    "the policy names users or several groups: the socket is open to all \
                     and each connection's credentials decide"
                );
                0o666
            }
            Exposure::Owner => 0o600,
            Exposure::Group(name) => match Group::from_name(&name) {
                Ok(Some(group)) => {
                    match std::os::unix::fs::chown(path, None, Some(group.gid.as_raw())) {
                        Ok(()) => 0o660,
                        Err(e) => {
                            warn!(socket = %path.display(), group = %name, error = %e,
                                "cannot give the socket to the policy's group; only its owner can connect");
                            0o600
                        }
                    }
                }
                _ => {
                    warn!(socket = %path.display(), group = %name,
                        "the policy's group does not exist; only the socket's owner can connect");
                    0o600
                }
            },
        };
        std::fs::set_permissions(path, Permissions::from_mode(mode))?;
        Ok(mode)
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        // Only if the path is still the socket we bound.
        if let Ok(meta) = std::fs::symlink_metadata(&self.socket) {
            if (meta.dev(), meta.ino()) == self.inode {
                let _ = std::fs::remove_file(&self.socket);
            }
        }
    }
}

/// Makes sure the directory exists and that only root (or, not root, we)
/// can write it.
fn prepare_dir(dir: &Path) -> Result<(), ListenError> {
    let problem = |problem: String| ListenError::Directory {
        dir: dir.to_path_buf(),
        problem,
    };
    let root = is_root();
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mode = if root { 0o755 } else { 0o700 };
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(mode)
                .create(dir)
                .map_err(io_err("create", dir))?;
            // The umask may have taken bits away; say exactly.
            std::fs::set_permissions(dir, Permissions::from_mode(mode))
                .map_err(io_err("set the mode of", dir))?;
            if root {
                std::os::unix::fs::chown(dir, Some(0), Some(0)).map_err(io_err("chown", dir))?;
            }
            Ok(())
        }
        Err(e) => Err(io_err("inspect", dir)(e)),
        Ok(meta) if !root => {
            // Not root: a directory of the user's (or a symlink to one).
            if meta.is_dir() || std::fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
                Ok(())
            } else {
                Err(problem("is not a directory".into()))
            }
        }
        Ok(meta) if meta.file_type().is_symlink() => Err(problem(
            "is a symlink; the helper's socket directory must be a real directory".into(),
        )),
        Ok(meta) if !meta.is_dir() => Err(problem("is not a directory".into())),
        Ok(meta) if meta.uid() != 0 => Err(problem(format!(
            "is owned by uid {}; it must be root's",
            meta.uid()
        ))),
        Ok(meta) if meta.mode() & 0o022 != 0 => Err(problem(format!(
            "is writable by others than root (mode {:04o}); the socket could be replaced",
            meta.mode() & 0o7777
        ))),
        Ok(_) => Ok(()),
    }
}

/// Takes the lock next to the socket and writes our pid into it.
fn take_lock(socket: &Path) -> Result<File, ListenError> {
    let path = lock_path(socket);
    let fd = rustix::fs::open(
        &path,
        OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    )
    .map_err(|e| io_err("open the lock file", &path)(e.into()))?;
    let mut file = File::from(fd);
    match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(rustix::io::Errno::WOULDBLOCK) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            return Err(ListenError::Locked {
                socket: socket.to_path_buf(),
                pid: text.trim().parse().ok(),
            });
        }
        Err(e) => return Err(io_err("lock", &path)(e.into())),
    }
    let pid = std::process::id();
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{pid}"))
        .map_err(io_err("write the lock file", &path))?;
    Ok(file)
}

/// Raises the soft limit on open files to the hard limit (at most
/// 65536), so a thousand clients fit; returns the limit now.
pub fn raise_fd_limit() -> Option<u64> {
    let now = rustix::process::getrlimit(Resource::Nofile);
    let hard = now.maximum.unwrap_or(FD_LIMIT_CAP).min(FD_LIMIT_CAP);
    let soft = now.current.unwrap_or(u64::MAX);
    if soft >= hard {
        return now.current;
    }
    // macOS refuses a soft limit above OPEN_MAX (10240) on some versions.
    for want in [hard, hard.min(10240)] {
        let new = Rlimit {
            current: Some(want),
            maximum: now.maximum,
        };
        if rustix::process::setrlimit(Resource::Nofile, new).is_ok() {
            return Some(want);
        }
    }
    now.current
}

#[cfg(test)]
#[path = "listener_tests.rs"]
mod tests;
