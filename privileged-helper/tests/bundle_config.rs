//! The installers' configuration agrees with the helper's own idea of where
//! it lives: Tauri's macOS bundle (`src-tauri/tauri.macos.conf.json`) puts
//! the helper and its LaunchDaemon plist where the plist and
//! `SMAppService` expect them, under the identifiers the plist names; the
//! .deb (`src-tauri/tauri.linux.conf.json`) puts the helper where the
//! systemd unit runs it, with the maintainer scripts and the default
//! policy; and every file either maps exists in the repository or is one
//! a staging script writes.

use std::path::{Path, PathBuf};

use egress_helper::install::plist::{launch_daemon_plist, Variant};
use egress_helper::install::{systemd, APP_BUNDLE_ID, BUNDLE_PLIST, BUNDLE_PROGRAM, HELPER_LABEL};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(relative: &str) -> Value {
    let path = repo().join(relative);
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    value
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the config"))
}

fn string<'a>(value: &'a Value, pointer: &str) -> &'a str {
    at(value, pointer)
        .as_str()
        .unwrap_or_else(|| panic!("{pointer} is not a string"))
}

/// A `files` map: destination -> source, the source relative to `src-tauri/`
/// as Tauri resolves it, made relative to the repository.
fn files(config: &Value, pointer: &str) -> Vec<(String, String)> {
    let map = at(config, pointer)
        .as_object()
        .unwrap_or_else(|| panic!("{pointer} is not an object"));
    map.iter()
        .map(|(dest, source)| {
            let source = source.as_str().expect("a source path");
            let relative = source
                .strip_prefix("../")
                .unwrap_or_else(|| panic!("{dest}: source {source} is not ../ of src-tauri"));
            (dest.clone(), relative.to_string())
        })
        .collect()
}

fn source_of<'a>(files: &'a [(String, String)], dest: &str) -> &'a str {
    files
        .iter()
        .find(|(d, _)| d == dest)
        .map(|(_, s)| s.as_str())
        .unwrap_or_else(|| panic!("nothing is installed at {dest}: {files:?}"))
}

/// The staging script named by `beforeBundleCommand` exists, is executable
/// and writes into `dir` (where the `files` map takes staged binaries from).
fn check_staging(config: &Value, dir: &str) {
    let script = string(config, "/build/beforeBundleCommand");
    let path = repo().join(script);
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{script}: {e}"))
            .permissions(),
    );
    assert!(mode & 0o111 != 0, "{script} is not executable");
    assert!(
        read(&path).contains(&format!("$EGRESS_ROOT/{dir}")),
        "{script} does not stage into {dir}"
    );
    let ignored = read(&repo().join(".gitignore"));
    assert!(
        ignored
            .lines()
            .map(|line| line.trim().trim_matches('/'))
            .any(|line| !line.is_empty() && !line.starts_with('#') && dir.starts_with(line)),
        "{dir} is not gitignored"
    );
}

/// A mapped source: either staged (under `stage`, by the staging script)
/// or a file committed in the repository.
fn check_source(source: &str, stage: &str) {
    if !source.starts_with(stage) {
        assert!(repo().join(source).is_file(), "{source} does not exist");
    }
}

#[test]
fn the_macos_bundle_puts_the_helper_and_its_plist_where_the_plist_says() {
    let base = json("src-tauri/tauri.conf.json");
    let mac = json("src-tauri/tauri.macos.conf.json");
    let stage = "packaging/stage/macos/";
    let files = files(&mac, "/bundle/macOS/files");
    assert_eq!(files.len(), 2, "{files:?}");

    // `files` destinations are relative to Contents/.
    let helper_dest = BUNDLE_PROGRAM
        .strip_prefix("Contents/")
        .expect("in Contents");
    let plist_dest = BUNDLE_PLIST.strip_prefix("Contents/").expect("in Contents");
    let helper_source = source_of(&files, helper_dest);
    let plist_source = source_of(&files, plist_dest);
    assert_eq!(helper_source, format!("{stage}egress-helper"));
    assert_eq!(plist_source, "packaging/macos/dev.egress.helper.plist");
    check_source(helper_source, stage);
    check_source(plist_source, stage);
    check_staging(&mac, stage.trim_end_matches('/'));

    // The bundled plist is the generated one, and what it says agrees.
    let text = read(&repo().join(plist_source));
    assert_eq!(text, launch_daemon_plist(&Variant::Bundle));
    let dict = plist::from_bytes::<plist::Value>(text.as_bytes())
        .expect("the plist parses")
        .into_dictionary()
        .expect("a dictionary");
    let label = dict["Label"].as_string().expect("a Label");
    assert_eq!(label, HELPER_LABEL);
    // SMAppService.daemon(plistName:) finds it by this name.
    assert!(plist_dest.ends_with(&format!("LaunchDaemons/{label}.plist")));
    let program = dict["BundleProgram"].as_string().expect("a BundleProgram");
    assert_eq!(program, format!("Contents/{helper_dest}"));
    let argv = dict["ProgramArguments"]
        .as_array()
        .expect("ProgramArguments");
    assert_eq!(argv[0].as_string(), Some(program));
    let associated: Vec<&str> = dict["AssociatedBundleIdentifiers"]
        .as_array()
        .expect("AssociatedBundleIdentifiers")
        .iter()
        .map(|v| v.as_string().expect("a string"))
        .collect();
    // The app the helper belongs to (Login Items shows it under the app).
    let identifier = string(&base, "/identifier");
    assert_eq!(associated, [identifier]);
    assert_eq!(identifier, APP_BUNDLE_ID);
    assert!(!identifier.ends_with(".app"), "{identifier}");
    assert_ne!(
        identifier, label,
        "the app and its helper need their own identifiers"
    );
}

#[test]
fn the_macos_minimum_is_the_one_the_helper_is_linked_for_and_below_13() {
    let mac = json("src-tauri/tauri.macos.conf.json");
    let minimum = string(&mac, "/bundle/macOS/minimumSystemVersion");
    let major: u32 = minimum
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("minimumSystemVersion {minimum}"));
    // Before 13 there is no SMAppService: `egress-helper install` is the way,
    // so the app must run there to offer it.
    assert!(major < 13, "{minimum}");
    for script in ["scripts/stage-macos", "scripts/link-macos"] {
        assert!(
            read(&repo().join(script)).contains(&format!("MACOSX_DEPLOYMENT_TARGET={minimum}")),
            "{script} does not link the helper for macOS {minimum}"
        );
    }
    let targets = at(&mac, "/bundle/targets").as_array().expect("targets");
    assert!(targets.iter().any(|t| t == "app"), "{targets:?}");
}

#[test]
fn the_deb_installs_the_helper_where_the_unit_runs_it() {
    let linux = json("src-tauri/tauri.linux.conf.json");
    let stage = "packaging/stage/linux/";
    let files = files(&linux, "/bundle/linux/deb/files");
    let expected = [
        ("/usr/bin/egress-helper", format!("{stage}egress-helper")),
        ("/usr/bin/egressctl", format!("{stage}egressctl")),
        (
            "/usr/lib/systemd/system/egress-helper.service",
            "packaging/linux/egress-helper.service".to_string(),
        ),
        (
            "/usr/share/egress/policy.toml",
            "packaging/linux/policy.toml".to_string(),
        ),
    ];
    assert_eq!(files.len(), expected.len(), "{files:?}");
    for (dest, source) in &expected {
        assert_eq!(source_of(&files, dest), source, "{dest}");
        check_source(source, stage);
    }
    check_staging(&linux, stage.trim_end_matches('/'));

    // The unit runs the packaged helper, and is the generated one.
    assert_eq!(expected[0].0, systemd::PACKAGED_BINARY);
    assert!(expected[2].0.ends_with(&format!("/{}", systemd::UNIT_NAME)));
    let unit = read(&repo().join(&expected[2].1));
    assert_eq!(unit, systemd::unit(systemd::PACKAGED_BINARY));
    let exec_start = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("an ExecStart line");
    assert!(exec_start.starts_with(&format!("{} ", systemd::PACKAGED_BINARY)));

    // The maintainer scripts, executable (dpkg runs them).
    for (key, script) in [
        ("postInstallScript", "postinst"),
        ("preRemoveScript", "prerm"),
        ("postRemoveScript", "postrm"),
    ] {
        let path = string(&linux, &format!("/bundle/linux/deb/{key}"));
        assert_eq!(path, format!("../packaging/linux/{script}"));
        check_source(&path[3..], stage);
    }
    let targets = at(&linux, "/bundle/targets").as_array().expect("targets");
    assert_eq!(targets, &[Value::from("deb")]);
}

#[test]
fn packaging_readme_lists_every_file_the_installers_place() {
    let readme = read(&repo().join("packaging/README.md"));
    let linux = json("src-tauri/tauri.linux.conf.json");
    let mac = json("src-tauri/tauri.macos.conf.json");
    for (dest, _) in files(&linux, "/bundle/linux/deb/files") {
        assert!(
            readme.contains(&format!("`{dest}`")),
            "packaging/README.md misses {dest}"
        );
    }
    for (dest, _) in files(&mac, "/bundle/macOS/files") {
        assert!(
            readme.contains(&format!("`Contents/{dest}`")),
            "packaging/README.md misses Contents/{dest}"
        );
    }
}
