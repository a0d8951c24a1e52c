//! `egress-helper run` as a process: it refuses a policy others could
//! write before touching anything, serves its socket on the sim, keeps
//! its policy when a bad one arrives on SIGHUP, and on SIGTERM removes its
//! socket and exits 0. When its app bundle (`--bundle`) goes to the Trash
//! or is deleted, it says so, removes its routes and exits 0 by itself.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{kill_process, Pid, Signal};
use test_support::TempDir;

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
        // Plain text, so the tests read the log's fields as written.
        .env("NO_COLOR", "1")
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
    let policy = dir.path().join("policy.toml");
    write_policy(&policy, "[read]\neveryone = true\n", 0o666);
    let out = helper(dir.path(), &policy).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("writable"), "says why: {stderr}");
    assert!(!dir.path().join("helper.sock").exists(), "never listened");
    assert!(
        !dir.path().join("state").exists(),
        "never started the route manager"
    );
}

#[test]
fn serves_keeps_its_policy_on_a_bad_reload_and_stops_cleanly() {
    let dir = TempDir::new("serve");
    let policy = dir.path().join("policy.toml");
    write_policy(&policy, "[read]\neveryone = true\n", 0o644);
    let socket = dir.path().join("helper.sock");
    let mut running = Running(
        helper(dir.path(), &policy)
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

// --- the app goes to the Trash ------------------------------------------

use egress_helper::journal::Journal;
use helper_client::Client;
use helper_proto::Mode;

/// An app bundle with the helper's place in it.
fn make_bundle(dir: &Path) -> PathBuf {
    let bundle = dir.join("Egress.app");
    std::fs::create_dir_all(bundle.join("Contents/MacOS")).expect("bundle");
    std::fs::write(bundle.join("Contents/Info.plist"), "<plist/>").expect("Info.plist");
    bundle
}

fn journal(dir: &Path) -> Journal {
    let text = std::fs::read_to_string(dir.join("state/state.json")).expect("the journal");
    serde_json::from_str(&text).expect("a journal")
}

/// A helper holding routes for a client that stays connected (an
/// exclusion lasts as long as the session that registered it).
struct Holding {
    running: Running,
    _client: Client,
    _runtime: tokio::runtime::Runtime,
}

/// Starts the helper watching `bundle`, makes it hold routes (legacy mode
/// and an exclusion, asked through the socket), and returns it running.
fn helper_holding_routes(dir: &Path, bundle: &Path) -> Holding {
    let policy = dir.join("policy.toml");
    write_policy(&policy, "[read]\neveryone = true\n", 0o644);
    let running = Running(
        helper(dir, &policy)
            .arg("--bundle")
            .arg(bundle)
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts"),
    );
    let socket = dir.join("helper.sock");
    wait_for("the socket", || socket.exists());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = runtime.block_on(async {
        Client::connect(&socket, "daemon-test")
            .await
            .expect("connects")
    });
    let held = runtime.block_on(async {
        client.set_mode(Mode::Legacy).await.expect("legacy");
        let peer = "203.0.113.9/32".parse().expect("a prefix");
        client
            .exclusion_add(peer, Some("daemon-test"))
            .await
            .expect("an exclusion");
        // The exclusion route follows the registration (debounced).
        let started = Instant::now();
        loop {
            let status = client.status().await.expect("status");
            if status.held_exclusion_routes > 0 {
                return status.held_exclusion_routes;
            }
            if started.elapsed() > Duration::from_secs(10) {
                panic!("the exclusion route never came: {status:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    assert_eq!(held, 1, "the helper holds the exclusion's route");
    let started = Instant::now();
    while journal(dir).routes.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the journal never named our routes: {:?}",
            std::fs::read_to_string(dir.join("state/state.json"))
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Holding {
        running,
        _client: client,
        _runtime: runtime,
    }
}

/// Waits (at most `limit`) for the helper to exit; its status and log.
fn exit_within(running: &mut Running, limit: Duration) -> (Option<i32>, String) {
    let started = Instant::now();
    let status = loop {
        if let Some(status) = running.0.try_wait().expect("alive?") {
            break status;
        }
        assert!(
            started.elapsed() < limit,
            "the helper did not stop within {limit:?} of the app going"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut log = String::new();
    if let Some(mut err) = running.0.stderr.take() {
        use std::io::Read;
        let _ = err.read_to_string(&mut log);
    }
    (status.code(), log)
}

/// The watch looks every 2 s and acts on the second look that finds the
/// app gone: at most ~4 s, plus the shutdown.
const NOTICE: Duration = Duration::from_secs(10);

#[test]
fn an_app_moved_to_the_trash_takes_the_helper_and_its_routes_with_it() {
    let dir = TempDir::new("trashed");
    let bundle = make_bundle(dir.path());
    let mut holding = helper_holding_routes(dir.path(), &bundle);
    let running = &mut holding.running;
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        running.0.try_wait().expect("alive?").is_none(),
        "still serving"
    );

    let trash = dir.path().join(".Trash");
    std::fs::create_dir(&trash).expect("the trash");
    std::fs::rename(&bundle, trash.join("Egress.app")).expect("moved to the Trash");

    let (code, log) = exit_within(running, NOTICE);
    assert_eq!(code, Some(0), "{log}");
    let trashed = format!(
        "the app {} was moved to the Trash ({})",
        bundle.display(),
        trash.join("Egress.app").display()
    );
    assert!(log.contains(&trashed), "says why: {log}");
    assert!(
        log.contains("removing our routes and unregistering"),
        "{log}"
    );
    assert!(log.contains("route manager stopped removed="), "{log}");
    assert!(!log.contains("route manager stopped removed=0"), "{log}");
    assert!(
        journal(dir.path()).routes.is_empty(),
        "no route of ours is left: {:?}",
        journal(dir.path()).routes
    );
    assert!(
        !dir.path().join("helper.sock").exists(),
        "the socket is removed"
    );
}

#[test]
fn a_deleted_app_takes_the_helper_and_its_routes_with_it() {
    let dir = TempDir::new("deleted");
    let bundle = make_bundle(dir.path());
    let mut holding = helper_holding_routes(dir.path(), &bundle);
    let running = &mut holding.running;
    std::fs::remove_dir_all(&bundle).expect("deleted");

    let (code, log) = exit_within(running, NOTICE);
    assert_eq!(code, Some(0), "{log}");
    assert!(
        log.contains(&format!("the app {} was deleted", bundle.display())),
        "says why: {log}"
    );
    assert!(journal(dir.path()).routes.is_empty());
}

#[test]
fn an_app_replaced_in_place_keeps_the_helper_running() {
    // An update: the old bundle goes, a new one takes its place at once.
    let dir = TempDir::new("replaced");
    let bundle = make_bundle(dir.path());
    let mut holding = helper_holding_routes(dir.path(), &bundle);
    let running = &mut holding.running;
    let old = dir.path().join("Egress-old.app");
    std::fs::rename(&bundle, &old).expect("moved aside");
    make_bundle(dir.path());
    std::fs::remove_dir_all(&old).expect("old one deleted");
    std::thread::sleep(Duration::from_secs(5));
    assert!(
        running.0.try_wait().expect("alive?").is_none(),
        "an updated app is no reason to leave"
    );
    assert!(!journal(dir.path()).routes.is_empty());
    signal(&running.0, Signal::TERM);
    let (code, log) = exit_within(running, NOTICE);
    assert_eq!(code, Some(0), "{log}");
    assert!(
        !log.contains("removing our routes and unregistering"),
        "{log}"
    );
    assert!(log.contains("the app was replaced"), "{log}");
}

#[test]
fn a_bundle_that_is_not_a_directory_is_refused() {
    let dir = TempDir::new("bad-bundle");
    let policy = dir.path().join("policy.toml");
    write_policy(&policy, "[read]\neveryone = true\n", 0o644);
    let file = dir.path().join("Egress.app");
    std::fs::write(&file, "not a bundle").expect("file");
    for (bundle, says) in [
        (file.clone(), "not a directory"),
        (dir.path().join("Nope.app"), "No such file"),
    ] {
        let out = helper(dir.path(), &policy)
            .arg("--bundle")
            .arg(&bundle)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("--bundle") && stderr.contains(says),
            "{stderr}"
        );
        assert!(!dir.path().join("helper.sock").exists(), "never listened");
    }
}
