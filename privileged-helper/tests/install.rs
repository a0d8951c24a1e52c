//! Installing the helper: the packaged files are the generated ones, the
//! legacy macOS install and uninstall write and remove the right files in
//! the right order (launchctl faked), and `egress-helper cleanup` removes
//! every route of ours from a table a crashed helper left behind.

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use egress_helper::install::cleanup::remove_our_routes;
use egress_helper::install::launchd::{self, Bootout, Launchd, Layout};
use egress_helper::install::plist::{launch_daemon_plist, Variant};
use egress_helper::install::{systemd, LEGACY_PLIST, LEGACY_PROGRAM};
use egress_helper::ipc::policy::{Exposure, Policy, UserSpec};
use egress_helper::journal::{HeldRoute, Journal, JournalMode, JOURNAL_VERSION};
use routing_backend::session::SessionConfig;
use routing_backend::sim::sim_backend;
use routing_core::model::{IpPrefix, RouteFlags, RouteSpec, SpecGateway};
use routing_core::wire::pf_route::ProtoFlag;
use routing_sim::scenario::Scenario;
use test_support::TempDir;

const HELPER: &str = env!("CARGO_BIN_EXE_egress-helper");

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn helper_stdout(args: &[&str]) -> String {
    let out = Command::new(HELPER).args(args).output().expect("runs");
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

// --- The packaged files are the generated ones -------------------------

#[test]
fn the_packaged_unit_is_the_generated_one() {
    let committed = read(&repo_file("packaging/linux/egress-helper.service"));
    assert_eq!(
        committed,
        systemd::unit(systemd::PACKAGED_BINARY),
        "packaging/linux/egress-helper.service is stale: \
         run `egress-helper print-unit > packaging/linux/egress-helper.service`"
    );
    assert_eq!(helper_stdout(&["print-unit"]), committed);
}

#[test]
fn the_packaged_bundle_plist_is_the_generated_one() {
    let committed = read(&repo_file("packaging/macos/dev.egress.helper.plist"));
    assert_eq!(
        committed,
        launch_daemon_plist(&Variant::Bundle),
        "packaging/macos/dev.egress.helper.plist is stale: run \
         `egress-helper print-plist --bundle > packaging/macos/dev.egress.helper.plist`"
    );
    assert_eq!(helper_stdout(&["print-plist", "--bundle"]), committed);
    let legacy = helper_stdout(&["print-plist"]);
    let dict = plist::Value::from_reader_xml(legacy.as_bytes())
        .expect("parses")
        .into_dictionary()
        .expect("dict");
    assert_eq!(
        dict["ProgramArguments"].as_array().expect("argv")[0].as_string(),
        Some(LEGACY_PROGRAM)
    );
}

#[test]
fn the_packaged_policy_lets_everyone_read_and_the_egress_group_change() {
    let path = repo_file("packaging/linux/policy.toml");
    let policy = Policy::parse(&path, &read(&path)).expect("the default policy parses");
    assert!(policy.read_rule().everyone);
    assert_eq!(policy.change_rule().groups, ["egress"]);
    assert!(!policy.change_rule().everyone);
    assert_eq!(policy.change_rule().users, Vec::<UserSpec>::new());
    // The socket is 0666 (everyone connects; each request is checked): no
    // chown is needed for the default policy.
    assert_eq!(policy.exposure(), Exposure::Everyone);
}

#[test]
fn the_maintainer_scripts_are_executable_posix_sh() {
    for name in ["postinst", "prerm", "postrm"] {
        let path = repo_file(&format!("packaging/linux/{name}"));
        let meta = std::fs::metadata(&path).expect(name);
        assert_eq!(meta.mode() & 0o111, 0o111, "{name} is executable");
        let text = read(&path);
        assert!(text.starts_with("#!/bin/sh\n"), "{name}");
        assert!(text.contains("\nset -e\n"), "{name}");
        let check = Command::new("sh")
            .arg("-n")
            .arg(&path)
            .output()
            .expect("sh");
        assert!(check.status.success(), "{name}: {check:?}");
    }
}

// --- install / uninstall with a fake launchctl --------------------------

#[derive(Debug, Default)]
struct FakeLaunchd {
    calls: Vec<String>,
    loaded: bool,
    bootout_fails: bool,
    routes_fail: bool,
}

impl Launchd for FakeLaunchd {
    fn bootout(&mut self, service: &str) -> io::Result<Bootout> {
        self.calls.push(format!("bootout {service}"));
        if self.bootout_fails {
            return Err(io::Error::other("Boot-out failed: 5: Input/output error"));
        }
        let was = std::mem::replace(&mut self.loaded, false);
        Ok(if was {
            Bootout::Stopped
        } else {
            Bootout::NotLoaded
        })
    }

    fn enable(&mut self, service: &str) -> io::Result<()> {
        self.calls.push(format!("enable {service}"));
        Ok(())
    }

    fn bootstrap(&mut self, plist: &Path) -> io::Result<()> {
        // launchd reads the plist when it is bootstrapped: it must be there.
        assert!(plist.is_file(), "bootstrapped before the plist was written");
        self.calls
            .push(format!("bootstrap system {}", plist.display()));
        self.loaded = true;
        Ok(())
    }

    fn bootout_later(&mut self, service: &str) -> io::Result<()> {
        self.calls.push(format!("bootout later {service}"));
        Ok(())
    }

    fn remove_routes(&mut self) -> Result<String, String> {
        self.calls.push("cleanup".into());
        if self.routes_fail {
            Err("1 route of ours is left".into())
        } else {
            Ok("cleanup: removed 2 route(s)".into())
        }
    }
}

fn layout(dir: &TempDir) -> Layout {
    Layout::under(&dir.path().join("root"))
}

/// A stand-in for the helper binary.
fn fake_binary(dir: &TempDir, content: &[u8]) -> PathBuf {
    let path = dir.path().join("egress-helper");
    std::fs::write(&path, content).expect("binary");
    path
}

fn assert_file(path: &Path, mode: u32) {
    let meta =
        std::fs::symlink_metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        meta.file_type().is_file(),
        "{} is a regular file",
        path.display()
    );
    assert_eq!(meta.mode() & 0o7777, mode, "{}", path.display());
    let me = rustix::process::geteuid().as_raw();
    let want = if me == 0 { 0 } else { me };
    assert_eq!(meta.uid(), want, "{} owner", path.display());
    if me == 0 {
        assert_eq!(meta.gid(), 0, "{} is root:wheel", path.display());
    }
}

#[test]
fn install_copies_the_helper_writes_the_plist_then_bootstraps_it() {
    let dir = TempDir::new("install");
    let layout = layout(&dir);
    let binary = fake_binary(&dir, b"\xcf\xfa\xed\xfe helper v1");
    let mut launchd = FakeLaunchd::default();
    let outcome = launchd::install(&layout, &binary, &mut launchd).expect("installs");
    assert!(outcome.problems.is_empty());

    let program = layout.path(LEGACY_PROGRAM);
    let plist = layout.path(LEGACY_PLIST);
    assert_file(&program, 0o755);
    assert_file(&plist, 0o644);
    assert_eq!(
        std::fs::read(&program).expect("program"),
        b"\xcf\xfa\xed\xfe helper v1"
    );
    assert_eq!(
        read(&plist),
        launch_daemon_plist(&Variant::Legacy {
            program: LEGACY_PROGRAM.into(),
            bundle: None,
        })
    );
    let dict = plist::Value::from_file(&plist)
        .expect("the installed plist parses")
        .into_dictionary()
        .expect("dict");
    assert_eq!(dict["Label"].as_string(), Some("dev.egress.helper"));
    assert!(!dict.contains_key("BundleProgram"));
    assert_eq!(
        launchd.calls,
        [
            "bootout system/dev.egress.helper".to_string(),
            "enable system/dev.egress.helper".to_string(),
            format!("bootstrap system {}", plist.display()),
        ]
    );
    // No temporary file is left next to what was written.
    for written in [&program, &plist] {
        let names: Vec<String> = std::fs::read_dir(written.parent().expect("dir"))
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }
}

#[test]
fn installing_again_replaces_the_running_helper_and_a_planted_symlink() {
    let dir = TempDir::new("update");
    let layout = layout(&dir);
    let mut launchd = FakeLaunchd::default();
    launchd::install(&layout, &fake_binary(&dir, b"v1"), &mut launchd).expect("v1");

    // Someone replaced the plist with a symlink to a file of theirs: the
    // install replaces the link, and never writes through it.
    let plist = layout.path(LEGACY_PLIST);
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "untouched").expect("victim");
    std::fs::remove_file(&plist).expect("rm");
    std::os::unix::fs::symlink(&victim, &plist).expect("symlink");

    launchd.calls.clear();
    let outcome = launchd::install(&layout, &fake_binary(&dir, b"v2"), &mut launchd).expect("v2");
    assert!(
        outcome
            .done
            .iter()
            .any(|s| s.contains("stopped the running")),
        "{outcome:?}"
    );
    assert_eq!(launchd.calls[0], "bootout system/dev.egress.helper");
    assert!(launchd.calls[2].starts_with("bootstrap system"));
    assert_eq!(
        std::fs::read(layout.path(LEGACY_PROGRAM)).expect("program"),
        b"v2"
    );
    assert_file(&plist, 0o644);
    assert_eq!(read(&victim), "untouched");
}

#[test]
fn install_stops_before_launchctl_when_the_helper_cannot_be_read() {
    let dir = TempDir::new("missing");
    let layout = layout(&dir);
    let mut launchd = FakeLaunchd::default();
    let err = launchd::install(&layout, &dir.path().join("nope"), &mut launchd).expect_err("fails");
    assert!(err.to_string().contains("read the helper"), "{err}");
    assert!(launchd.calls.is_empty());
    assert!(!layout.path(LEGACY_PLIST).exists());
}

/// What the helper leaves on a Mac besides its plist and program.
fn plant_state(layout: &Layout) -> Vec<PathBuf> {
    let files = [
        "/var/db/egress/state.json",
        "/var/log/egress-helper.log",
        "/Library/Application Support/Egress/policy.toml",
        "/var/run/egress/helper.sock.lock",
    ];
    files
        .iter()
        .map(|f| {
            let path = layout.path(f);
            std::fs::create_dir_all(path.parent().expect("dir")).expect("dir");
            std::fs::write(&path, "x").expect("file");
            path
        })
        .collect()
}

#[test]
fn uninstall_stops_the_helper_then_cleans_up_then_removes_its_files() {
    let dir = TempDir::new("uninstall");
    let layout = layout(&dir);
    let mut launchd = FakeLaunchd::default();
    launchd::install(&layout, &fake_binary(&dir, b"v1"), &mut launchd).expect("installs");
    let planted = plant_state(&layout);
    launchd.calls.clear();

    let outcome = launchd::uninstall(&layout, false, &mut launchd);
    assert!(outcome.problems.is_empty(), "{outcome:?}");
    assert_eq!(
        launchd.calls,
        ["bootout system/dev.egress.helper", "cleanup"],
        "the helper removes its own routes as it stops; the cleanup gets the rest"
    );
    assert!(!layout.path(LEGACY_PLIST).exists());
    assert!(!layout.path(LEGACY_PROGRAM).exists());
    assert!(!layout.path("/var/run/egress").exists());
    // Without --purge the journal, log and policy stay.
    for kept in &planted[..3] {
        assert!(kept.exists(), "{} kept", kept.display());
    }

    // Again, with --purge: nothing is left; the helper was not loaded.
    launchd.calls.clear();
    let outcome = launchd::uninstall(&layout, true, &mut launchd);
    assert!(outcome.problems.is_empty(), "{outcome:?}");
    assert!(outcome.done.iter().any(|s| s.contains("was not running")));
    for gone in [
        "/var/db/egress",
        "/var/log/egress-helper.log",
        "/Library/Application Support/Egress",
    ] {
        assert!(!layout.path(gone).exists(), "{gone} removed");
    }
    // Still the directories a Mac has (only our entries went).
    assert!(layout.path("/Library/LaunchDaemons").is_dir());
}

#[test]
fn uninstall_goes_on_after_a_failed_step_and_says_what_failed() {
    let dir = TempDir::new("uninstall-fail");
    let layout = layout(&dir);
    let mut launchd = FakeLaunchd::default();
    launchd::install(&layout, &fake_binary(&dir, b"v1"), &mut launchd).expect("installs");
    launchd.bootout_fails = true;
    launchd.routes_fail = true;
    let outcome = launchd::uninstall(&layout, false, &mut launchd);
    assert_eq!(outcome.problems.len(), 2, "{outcome:?}");
    assert!(outcome.problems[0].contains("could not stop"));
    assert!(outcome.problems[1].contains("route"));
    assert!(!layout.path(LEGACY_PLIST).exists());
    assert!(!layout.path(LEGACY_PROGRAM).exists());
}

#[test]
fn a_helper_installed_from_the_app_is_told_to_watch_it() {
    let dir = TempDir::new("from-app");
    let layout = layout(&dir);
    let macos = dir.path().join("Egress.app/Contents/MacOS");
    std::fs::create_dir_all(&macos).expect("bundle");
    let binary = macos.join("egress-helper");
    std::fs::write(&binary, b"v1").expect("binary");
    launchd::install(&layout, &binary, &mut FakeLaunchd::default()).expect("installs");
    let dict = plist::Value::from_file(layout.path(LEGACY_PLIST))
        .expect("parses")
        .into_dictionary()
        .expect("dict");
    let argv: Vec<&str> = dict["ProgramArguments"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(plist::Value::as_string)
        .collect();
    let bundle = std::fs::canonicalize(dir.path().join("Egress.app")).expect("canonical");
    assert_eq!(
        argv[argv.len() - 2..],
        ["--bundle", bundle.to_str().expect("utf-8")]
    );
}

#[test]
fn a_trashed_legacy_helper_removes_its_files_then_asks_for_a_bootout() {
    let dir = TempDir::new("unregister-self");
    let layout = layout(&dir);
    let mut launchd = FakeLaunchd::default();
    launchd::install(&layout, &fake_binary(&dir, b"v1"), &mut launchd).expect("installs");
    let planted = plant_state(&layout);
    launchd.calls.clear();

    let outcome = launchd::unregister_self(&layout, &mut launchd);
    assert!(outcome.problems.is_empty(), "{outcome:?}");
    // Not a waiting bootout (launchd would wait for this very process),
    // and no cleanup: the helper removed its routes itself.
    assert_eq!(launchd.calls, ["bootout later system/dev.egress.helper"]);
    assert!(!layout.path(LEGACY_PLIST).exists());
    assert!(!layout.path(LEGACY_PROGRAM).exists());
    assert!(!layout.path("/var/run/egress").exists());
    for kept in &planted[..3] {
        assert!(kept.exists(), "{} kept", kept.display());
    }
    assert_eq!(
        outcome.done.last().map(String::as_str),
        Some("asked launchd to boot out system/dev.egress.helper")
    );
}

#[test]
fn install_and_uninstall_say_linux_uses_the_package() {
    if cfg!(target_os = "macos") {
        return;
    }
    for cmd in ["install", "uninstall"] {
        let out = Command::new(HELPER).arg(cmd).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("egress-helper.service"), "{stderr}");
    }
}

// --- cleanup ------------------------------------------------------------

const REALISTIC_MAC: &str = include_str!("../../crates/routing-sim/scenarios/realistic-mac.scn");

/// A helper crashed: its pin, two exclusions (a host and a network) and an
/// IPv6 exclusion stay behind, all tagged RTF_PROTO1; someone else's host
/// route (untagged) sits next to them.
const CRASH: &str = r#"
event crashed "A crashed helper left its pin and exclusions behind (tagged RTF_PROTO1)"
    route delete -ifscope en0 default
    route add -ifscope en0 default 192.0.2.1 -proto1
    route add -host 203.0.113.200 192.0.2.1 -proto1
    route add -net 203.0.113.64/26 192.0.2.1 -proto1
    route add -inet6 -host 2001:db8:ffff::9 fe80::1%en0 -proto1
    route add -host 203.0.113.77 192.0.2.1
end
"#;

fn scenario_text() -> String {
    format!("{REALISTIC_MAC}\n{CRASH}")
}

#[test]
fn cleanup_on_the_sim_removes_every_tagged_route_and_nothing_else() {
    let dir = TempDir::new("cleanup");
    let scenario = dir.path().join("crash.scn");
    std::fs::write(&scenario, scenario_text()).expect("scenario");
    let out = Command::new(HELPER)
        .args(["cleanup", "--backend", "sim", "--scenario"])
        .arg(&scenario)
        .args(["--play", "crashed"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for route in [
        "0.0.0.0/0",
        "203.0.113.200/32",
        "203.0.113.64/26",
        "2001:db8:ffff::9/128",
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&format!("removed route {route} "))),
            "{route} removed: {stdout}"
        );
    }
    assert!(!stdout.contains("203.0.113.77"), "not ours: {stdout}");
    assert!(
        stdout.contains("removed 4 route(s) and 0 rule(s) of ours; nothing of ours is left"),
        "{stdout}"
    );

    // Nothing to do on a clean table; a bad event is a bad argument.
    let clean = Command::new(HELPER)
        .args(["cleanup", "--backend", "sim"])
        .output()
        .expect("runs");
    assert_eq!(clean.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&clean.stdout).contains("removed 0 route(s)"));
    let bad = Command::new(HELPER)
        .args(["cleanup", "--backend", "sim", "--play", "no-such-event"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn cleanup_refuses_another_systems_backend() {
    let other = if cfg!(target_os = "macos") {
        "linux"
    } else {
        "macos"
    };
    let out = Command::new(HELPER)
        .args(["cleanup", "--backend", other])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_removes_what_the_journal_installed_and_keeps_what_it_reused() {
    let scenario = Scenario::parse("crash.scn", &scenario_text()).expect("scenario");
    let (mut backend, control) =
        sim_backend(scenario, ProtoFlag::Proto1, SessionConfig::default()).expect("boots");
    control.run_event("crashed").expect("crashed");
    let before = control.with_kernel(|k| k.table().iter().count());
    let tagged = control.with_kernel(|k| {
        k.table()
            .iter()
            .filter(|r| r.flags.contains(RouteFlags::PROTO1))
            .count()
    });
    assert_eq!(tagged, 4);

    // The journal says we installed the untagged 203.0.113.77 (say the
    // tag got lost) and reused the OS's IPv6 scoped default.
    let find = |dst: &str| {
        let dst: IpPrefix = dst.parse().expect("prefix");
        control.with_kernel(|k| {
            k.table()
                .iter()
                .find(|r| r.destination == dst)
                .map(|r| RouteSpec {
                    destination: r.destination,
                    gateway: SpecGateway::from(&r.gateway),
                    interface: r.interface.clone(),
                    scoped: r.is_scoped(),
                })
                .expect("in the table")
        })
    };
    let journal = Journal {
        version: JOURNAL_VERSION,
        mode: JournalMode::Legacy,
        exclusions: Default::default(),
        routes: vec![
            HeldRoute {
                spec: find("203.0.113.77/32"),
                reused: false,
            },
            HeldRoute {
                spec: find("::/0"),
                reused: true,
            },
        ],
    };
    let cleanup = remove_our_routes(&mut backend, Some(&journal))
        .await
        .expect("cleans");
    assert!(cleanup.is_clean(), "{cleanup:?}");
    assert_eq!(cleanup.removed.len(), 5, "{cleanup:?}");
    let after = control.with_kernel(|k| k.table().iter().count());
    assert_eq!(after, before - 5);
    let left_tagged = control.with_kernel(|k| {
        k.table()
            .iter()
            .filter(|r| r.flags.contains(RouteFlags::PROTO1))
            .count()
    });
    assert_eq!(left_tagged, 0);
    assert!(control.with_kernel(|k| k
        .table()
        .iter()
        .any(|r| r.destination.to_string() == "::/0")));
}

// --- cleanup on Linux, in a network namespace of its own (root) --------

#[cfg(target_os = "linux")]
mod linux {
    use super::*;

    use test_support::netns::{is_root, Namespaces, Ns};

    /// `egress-helper cleanup --backend linux` run inside `ns`.
    fn cleanup_in(ns: &Ns, state_dir: &std::path::Path) -> std::process::Output {
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &ns.0,
                HELPER,
                "cleanup",
                "--backend",
                "linux",
            ])
            .arg("--state-dir")
            .arg(state_dir)
            .output()
            .expect("runs")
    }

    #[test]
    fn cleanup_removes_our_routes_and_rules_and_leaves_the_rest() {
        if !is_root() {
            eprintln!("skipped: the Linux cleanup test needs root");
            return;
        }
        let mut namespaces = Namespaces::new();
        let ns = namespaces
            .add(&Namespaces::unique_name("egress-cleanup"))
            .expect("a network namespace");
        let dir = TempDir::new("linux-cleanup");
        // A physical link (one end of a veth pair) on 192.0.2.0/24.
        ns.ip("link add eth1 type veth peer name peer1");
        ns.ip("link set eth1 up");
        ns.ip("link set peer1 up");
        ns.ip("addr add 192.0.2.10/24 dev eth1");
        ns.ip("route add default via 192.0.2.1 dev eth1");
        let index = ns.ip("-o link show eth1");
        let index = index.split(':').next().expect("index").trim().to_string();
        // What a helper killed with -9 leaves: its pin in table 17767 with
        // its two oif rules, and legacy exclusions, all protocol 69.
        ns.ip(&format!(
            "route add default via 192.0.2.1 dev eth1 table 17767 proto 69 metric {index}"
        ));
        ns.ip("rule add pref 99 oif eth1 lookup main suppress_prefixlength 0 protocol 69");
        ns.ip("rule add pref 100 oif eth1 lookup 17767 protocol 69");
        ns.ip("route add 203.0.113.200/32 via 192.0.2.1 dev eth1 proto 69");
        ns.ip("route add 203.0.113.64/26 via 192.0.2.1 dev eth1 proto 69");
        // Someone else's route and rule.
        ns.ip("route add 203.0.113.77/32 via 192.0.2.1 dev eth1");
        ns.ip("rule add pref 200 oif eth1 lookup 300");

        let out = cleanup_in(&ns, dir.path());
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("removed 3 route(s) and 2 rule(s)"),
            "{stdout}"
        );
        assert!(stdout.contains("nothing of ours is left"), "{stdout}");

        assert_eq!(ns.ip("route show table all proto 69").trim(), "");
        let rules = ns.ip("rule show");
        assert!(
            !rules.contains("proto 0x45") && !rules.contains("lookup 17767"),
            "{rules}"
        );
        assert!(
            rules.contains("lookup 300"),
            "someone else's rule stays: {rules}"
        );
        let main = ns.ip("route show");
        assert!(main.contains("203.0.113.77 via 192.0.2.1"), "{main}");
        assert!(main.contains("default via 192.0.2.1"), "{main}");

        // Again: nothing to do, still clean.
        let again = cleanup_in(&ns, dir.path());
        assert_eq!(again.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&again.stdout).contains("removed 0 route(s) and 0 rule(s)"));
    }
}
