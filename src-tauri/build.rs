//! tauri-build with the app's commands in the ACL manifest (so each
//! window's capability must name the commands it may call), and a
//! placeholder front end when `../ui/dist` has not been built yet, so the
//! workspace still compiles (clippy, tests, the macOS type-check) without
//! Node.

use std::path::Path;

/// Every `#[tauri::command]` of the app (docs/APP.md), as the ACL names them.
const COMMANDS: &[&str] = &[
    "connection",
    "status",
    "routes",
    "lookup",
    "set_mode",
    "exclusions",
    "flush",
    "verify",
    "sim_events",
    "sim",
    "throughput",
    "export_table",
    "helper_setup",
    "register_helper",
    "unregister_helper",
    "restart_helper",
    "update_helper",
    "open_approval_settings",
    "open_inspector",
    "close_window",
];

const PLACEHOLDER: &str = "<!doctype html><meta charset=\"utf-8\"><title>Egress</title>\
<body style=\"font:14px system-ui;padding:1em\"><h1>Egress</h1>\
<p id=\"placeholder\">The web UI was not built when this binary was compiled. \
Run <code>cd ui &amp;&amp; npm ci &amp;&amp; npm run build</code>, then rebuild the app.</p>";

fn main() {
    println!("cargo:rerun-if-changed=../ui/dist");
    let dist = Path::new("../ui/dist");
    if !dist.join("index.html").is_file() && std::env::var_os("TAURI_CONFIG").is_none() {
        let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
        let placeholder = Path::new(&out).join("placeholder-dist");
        std::fs::create_dir_all(&placeholder).expect("create the placeholder front end");
        for page in ["index.html", "inspector.html"] {
            std::fs::write(placeholder.join(page), PLACEHOLDER).expect("write the placeholder");
        }
        let config = serde_json::json!({ "build": { "frontendDist": placeholder } }).to_string();
        // For generate_context! (it runs inside this crate's rustc).
        println!("cargo:rustc-env=TAURI_CONFIG={config}");
        println!(
            "cargo:warning=ui/dist is not built: the app shows a placeholder page \
             (cd ui && npm ci && npm run build, then rebuild)"
        );
    }
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build");
}
