//! `egress-helper run` as a process: it refuses a policy others could
//! write before touching anything, serves its socket on the sim, keeps
//! its policy when a bad one arrives on SIGHUP, and on SIGTERM removes its
//! socket and exits 0.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{kill_process, Pid, Signal};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("egress-daemon-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("mode");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Kills the helper if a test fails before it stops it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn helper(dir: &Path, policy: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_egress-helper"));
    cmd.args(["run", "--backend", "sim", "--socket"])
        .arg(dir.join("helper.sock"))
        .arg("--state-dir")
        .arg(dir.join("state"))
        .arg("--policy")
        .arg(policy)
        .env("EGRESS_LOG", "info")
        .stdin(Stdio::null());
    cmd
}

fn write_policy(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("policy written");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("mode");
}

fn signal(child: &Child, sig: Signal) {
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("pid")).expect("a pid");
    kill_process(pid, sig).expect("signal sent");
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_policy_others_may_write_stops_the_helper_before_it_starts() {
    let dir = TempDir::new("policy");
    let policy = dir.0.join("policy.toml");
    write_policy(&policy, "[read]\neveryone = true\n", 0o666);
    let out = helper(&dir.0, &policy).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("writable"), "says why: {stderr}");
    assert!(!dir.0.join("helper.sock").exists(), "never listened");
    assert!(
        !dir.0.join("state").exists(),
        "never started the route manager"
    );
}

#[test]
fn serves_keeps_its_policy_on_a_bad_reload_and_stops_cleanly() {
    let dir = TempDir::new("serve");
    let policy = dir.0.join("policy.toml");
    write_policy(&policy, "[read]\neveryone = true\n", 0o644);
    let socket = dir.0.join("helper.sock");
    let mut running = Running(
        helper(&dir.0, &policy)
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts"),
    );
    wait_for("the socket", || socket.exists());
    assert!(running.0.try_wait().expect("alive?").is_none());

    // A policy that does not parse: logged, the old one kept.
    write_policy(&policy, "[read\n", 0o644);
    signal(&running.0, Signal::HUP);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        running.0.try_wait().expect("alive?").is_none(),
        "a bad reload is no crash"
    );
    assert!(socket.exists());

    signal(&running.0, Signal::TERM);
    let status = running.0.wait().expect("exits");
    let mut log = String::new();
    if let Some(mut err) = running.0.stderr.take() {
        use std::io::Read;
        let _ = err.read_to_string(&mut log);
    }
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(!socket.exists(), "the socket is removed");
    assert!(
        log.contains("line 1"),
        "the bad policy was reported with its line: {log}"
    );
}
