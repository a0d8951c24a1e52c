//! The `egress-helper` process under measurement: start, stop, its
//! memory and CPU accounting from `/proc`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::frames::handshake;

/// The helper process and its temporary directory; on drop (also when a
/// measurement panics) the helper gets SIGTERM and the directory goes.
pub(crate) struct Helper {
    pub(crate) dir: PathBuf,
    pub(crate) socket: PathBuf,
    pub(crate) child: Option<Child>,
}

impl Helper {
    pub(crate) fn start() -> Helper {
        let dir = std::env::temp_dir().join(format!("egress-ipc-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        // As root the helper insists on a directory only root can write.
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .expect("chmod temp dir");
        }
        let mut helper = Helper {
            socket: dir.join("helper.sock"),
            dir,
            child: None,
        };
        let log = std::fs::File::create(helper.dir.join("helper.log")).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_egress-helper"))
            .arg("run")
            .args(["--backend", "sim"])
            .arg("--socket")
            .arg(&helper.socket)
            .arg("--state-dir")
            .arg(helper.dir.join("state"))
            // Absent, so the default policy, whatever /etc holds.
            .arg("--policy")
            .arg(helper.dir.join("policy.toml"))
            .env_remove("EGRESS_LOG")
            .env_remove(egress_helper::manager::LEGACY_ENV)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("spawn egress-helper");
        helper.child = Some(child);
        helper.wait_for_socket();
        helper
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("helper.log")).unwrap_or_default()
    }

    /// Until a client completes the handshake (a plain connect would leave
    /// a connection waiting for its hello).
    pub(crate) fn wait_for_socket(&mut self) {
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("egress-helper exited ({status}):\n{}", self.log());
                }
            }
            if self.socket.exists() {
                if let Ok(stream) = handshake(&self.socket) {
                    drop(stream);
                    return;
                }
            }
            if started.elapsed() > Duration::from_secs(30) {
                panic!("egress-helper did not serve within 30 s:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn sched(&self) -> Sched {
        let mut total = Sched::default();
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{}/task", self.pid())) else {
            return total;
        };
        for task in tasks.flatten() {
            let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) else {
                continue;
            };
            let mut fields = text
                .split_whitespace()
                .map(|f| f.parse::<u64>().unwrap_or(0));
            total.run_ns += fields.next().unwrap_or(0);
            total.wait_ns += fields.next().unwrap_or(0);
            total.slices += fields.next().unwrap_or(0);
        }
        total
    }

    pub(crate) fn memory(&self) -> Memory {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("/proc/<helper>/status");
        let field = |name: &str| -> u64 {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        Memory {
            rss_kib: field("VmRSS:"),
            hwm_kib: field("VmHWM:"),
            anon_kib: field("RssAnon:"),
            threads: field("Threads:"),
            fds: std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
                .map(|d| d.count())
                .unwrap_or(0),
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = rustix::process::Pid::from_raw(child.id() as i32);
            if let Some(pid) = pid {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            }
            let started = Instant::now();
            let status = loop {
                match child.try_wait() {
                    Ok(Some(status)) => break Some(status),
                    Ok(None) if started.elapsed() < Duration::from_secs(10) => {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    _ => {
                        let _ = child.kill();
                        break child.wait().ok();
                    }
                }
            };
            if let Some(status) = status {
                println!("\negress-helper stopped: {status}");
                if !status.success() {
                    eprintln!("{}", self.log());
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// CPU accounting summed over the helper's threads
/// (`/proc/<pid>/task/*/schedstat`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sched {
    /// Nanoseconds on a CPU.
    pub(crate) run_ns: u64,
    /// Nanoseconds runnable but waiting for a CPU.
    pub(crate) wait_ns: u64,
    /// Times a thread was put on a CPU.
    pub(crate) slices: u64,
}

impl Sched {
    pub(crate) fn since(self, before: Sched) -> Sched {
        Sched {
            run_ns: self.run_ns.saturating_sub(before.run_ns),
            wait_ns: self.wait_ns.saturating_sub(before.wait_ns),
            slices: self.slices.saturating_sub(before.slices),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Memory {
    pub(crate) rss_kib: u64,
    pub(crate) hwm_kib: u64,
    pub(crate) anon_kib: u64,
    pub(crate) threads: u64,
    pub(crate) fds: usize,
}

pub(crate) fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}
