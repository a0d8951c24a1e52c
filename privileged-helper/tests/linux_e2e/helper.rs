//! The helper as a process inside the host namespace, and waiting on its
//! status.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use helper_client::Client;
use helper_proto::{PinState, Status};
use rustix::process::{kill_process, Pid, Signal};

use crate::harness::{Ns, TempDir};

/// `egress-helper run --backend linux` inside the host namespace. Killed
/// (SIGKILL) on drop unless it was stopped; its log is printed when the
/// test failed.
#[derive(Debug)]
pub struct Helper {
    child: Option<Child>,
    pub socket: PathBuf,
    log: PathBuf,
}

impl Drop for Helper {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("---- the helper's log ----\n{log}---- end ----");
        }
    }
}

impl Helper {
    /// Starts the helper with its socket and state in `dir`, tun0 named as
    /// the VPN's interface, and waits until it serves.
    pub async fn start(host: &Ns, dir: &TempDir) -> (Helper, Client) {
        let mut helper = Helper {
            child: Some(spawn(host, dir)),
            socket: dir.path().join("h.sock"),
            log: dir.path().join("helper.log"),
        };
        let client = helper.connect().await;
        (helper, client)
    }

    /// Starts it again (after [`Helper::kill_9`]) on the same socket and
    /// state directory.
    pub async fn restart(&mut self, host: &Ns, dir: &TempDir) -> Client {
        assert!(self.child.is_none(), "the helper is still running");
        self.child = Some(spawn(host, dir));
        self.connect().await
    }

    /// A new client, once the helper serves (it does after its start-up
    /// reconcile).
    pub async fn connect(&mut self) -> Client {
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("the helper exited: {status}");
                }
            }
            if self.socket.exists() {
                if let Ok(client) = Client::connect(&self.socket, "linux-e2e").await {
                    return client;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the helper did not serve within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn pid(&self) -> Pid {
        let child = self.child.as_ref().expect("running");
        Pid::from_raw(i32::try_from(child.id()).expect("a pid")).expect("a pid")
    }

    /// `kill -9`: no clean-up of any kind.
    pub fn kill_9(&mut self) {
        let _ = kill_process(self.pid(), Signal::KILL);
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }

    /// SIGTERM, and the exit code.
    pub fn stop(&mut self) -> Option<i32> {
        kill_process(self.pid(), Signal::TERM).expect("SIGTERM sent");
        let status = self.child.take().expect("running").wait().expect("exits");
        status.code()
    }
}

/// `ip netns exec` execs the helper in its own place (no fork), so the
/// child is the helper itself and signals reach it.
fn spawn(host: &Ns, dir: &TempDir) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.path().join("helper.log"))
        .expect("the log file");
    Command::new("ip")
        .args([
            "netns",
            "exec",
            &host.0,
            env!("CARGO_BIN_EXE_egress-helper"),
        ])
        .args(["run", "--backend", "linux", "--vpn-interface", "tun0"])
        .arg("--socket")
        .arg(dir.path().join("h.sock"))
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .arg("--policy")
        .arg(dir.path().join("no-policy.toml"))
        .env("EGRESS_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("the helper starts")
}

/// Polls the status until `done` holds (or panics after `within`).
pub async fn wait_status(
    client: &Client,
    what: &str,
    within: Duration,
    done: impl Fn(&Status) -> bool,
) -> Status {
    let deadline = Instant::now() + within;
    loop {
        let status = client.status().await.expect("status");
        if done(&status) {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "no status with {what} within {within:?}: {status:#?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether both families egress through `link`, pinned.
pub fn pinned_on(status: &Status, link: &str) -> bool {
    [&status.families.v4, &status.families.v6].iter().all(|f| {
        f.pin == PinState::Pinned && f.egress.as_ref().is_some_and(|e| e.interface == link)
    })
}
