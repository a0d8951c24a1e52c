//! Network namespaces for tests that touch a real routing table: made by
//! name, entered by threads, deleted on drop (with every link, route and
//! rule in them), also when a test fails half-way. The host's own
//! namespace is never touched.

use std::future::Future;
use std::os::fd::AsFd;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// `ip ARGS` (split on spaces): its output, or why it failed.
///
/// # Errors
/// `ip` could not run or failed; the message has its stderr.
pub fn run_ip(args: &str) -> Result<String, String> {
    let out = Command::new("ip")
        .args(args.split_whitespace())
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "ip {args}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Whether this process may make namespaces (is root).
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// A network namespace by name: cheap to clone into a test thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ns(pub String);

impl Ns {
    /// `ip -n NS ARGS`, or why it failed.
    ///
    /// # Errors
    /// As [`run_ip`].
    pub fn ip_checked(&self, args: &str) -> Result<String, String> {
        run_ip(&format!("-n {} {args}", self.0))
    }

    /// `ip -n NS ARGS`, which must succeed.
    ///
    /// # Panics
    /// When it fails, with `ip`'s words.
    pub fn ip(&self, args: &str) -> String {
        self.ip_checked(args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `ip -j -n NS ARGS`, parsed (empty output is an empty list).
    ///
    /// # Panics
    /// When `ip` fails or prints no JSON array.
    pub fn ip_json(&self, args: &str) -> Vec<Value> {
        let text = self.ip(&format!("-j {args}"));
        if text.trim().is_empty() {
            return Vec::new();
        }
        match serde_json::from_str(&text) {
            Ok(Value::Array(items)) => items,
            other => panic!("ip -j {args}: {other:?}"),
        }
    }

    /// `sysctl -qw SETTING` inside the namespace.
    ///
    /// # Errors
    /// As [`run_ip`].
    pub fn sysctl(&self, setting: &str) -> Result<String, String> {
        run_ip(&format!("netns exec {} sysctl -qw {setting}", self.0))
    }

    /// What a thread calls to enter the namespace (`setns`); sockets it
    /// makes afterwards belong there for good.
    pub fn enter(&self) -> impl FnOnce() + Send + 'static {
        let path = format!("/run/netns/{}", self.0);
        move || {
            let file = std::fs::File::open(&path).expect("the namespace's file");
            rustix::thread::move_into_link_name_space(
                file.as_fd(),
                Some(rustix::thread::LinkNameSpaceType::Network),
            )
            .expect("setns");
        }
    }

    /// Runs `body` on a thread inside the namespace and returns what it
    /// returns (or resumes its panic).
    pub fn inside<T: Send + 'static>(&self, body: impl FnOnce() -> T + Send + 'static) -> T {
        let enter = self.enter();
        std::thread::spawn(move || {
            enter();
            body()
        })
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    /// Runs the future `body` makes on a current-thread runtime on a thread
    /// inside the namespace.
    pub fn inside_async<F, Fut, T>(&self, body: F) -> T
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = T>,
        T: Send + 'static,
    {
        self.inside(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(body())
        })
    }
}

/// Namespaces made for one test, deleted on drop.
#[derive(Debug, Default)]
pub struct Namespaces {
    made: Vec<Ns>,
}

impl Namespaces {
    /// A name no other test (thread or process) uses: `PREFIX-PID-N`.
    pub fn unique_name(prefix: &str) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        format!(
            "{prefix}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// None yet.
    pub fn new() -> Namespaces {
        Namespaces::default()
    }

    /// `ip netns add NAME`; deleted when `self` is dropped.
    ///
    /// # Errors
    /// As [`run_ip`] (then there is nothing to delete).
    pub fn add(&mut self, name: &str) -> Result<Ns, String> {
        run_ip(&format!("netns add {name}"))?;
        let ns = Ns(name.to_string());
        self.made.push(ns.clone());
        Ok(ns)
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        for ns in self.made.iter().rev() {
            let _ = run_ip(&format!("netns del {}", ns.0));
        }
    }
}
