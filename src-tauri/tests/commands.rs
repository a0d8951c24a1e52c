//! The app's commands through Tauri's mock runtime (real IPC handling,
//! argument decoding, events), against a fake helper.

mod mock;

use mock::invoke;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use egress_app::helper::{verify_destination, Helper, Progress};
use egress_app::{AppError, AppState, ConnState, Connection};
use helper_client::ClientError;
use helper_proto::{
    Access, Exclusion, FlushReport, LookupAnswer, Mode, ProbeAnswer, RouteFilter, RouteRow,
    SimAction, SimEvent, Status, Welcome,
};
use routing_core::model::Family;
use serde_json::{json, Value};
use tauri::{Listener, Manager, WebviewWindow};

fn sim_status() -> Status {
    serde_json::from_str(include_str!("fixtures/status-sim.json")).expect("test setup")
}

fn sim_routes() -> Vec<RouteRow> {
    serde_json::from_str(include_str!("fixtures/routes-sim.json")).expect("test setup")
}

/// A helper that answers from the fixtures, or is not running.
struct Fake {
    running: bool,
    mode: Mutex<Mode>,
    calls: Mutex<Vec<String>>,
}

impl Fake {
    fn new(running: bool) -> Arc<Fake> {
        Arc::new(Fake {
            running,
            mode: Mutex::new(Mode::Advanced),
            calls: Mutex::new(Vec::new()),
        })
    }

    fn up(&self, call: String) -> Result<(), AppError> {
        self.calls.lock().expect("test setup").push(call);
        if self.running {
            Ok(())
        } else {
            Err(self.connection().error())
        }
    }

    fn status_now(&self) -> Status {
        Status {
            mode: *self.mode.lock().expect("test setup"),
            ..sim_status()
        }
    }
}

#[async_trait]
impl Helper for Fake {
    fn connection(&self) -> Connection {
        if !self.running {
            let e = ClientError::NotRunning {
                path: "/tmp/egress-test.sock".into(),
            };
            return Connection::failed("/tmp/egress-test.sock", &e);
        }
        let welcome: Welcome = serde_json::from_value(json!({
            "protocol": {"major": 1, "minor": 0}, "helper": "egress-helper 0.1.0",
            "backend": "sim", "peer": {"uid": 501, "gid": 20, "pid": null},
            "access": "change", "change_requires": null
        }))
        .expect("test setup");
        Connection::connected("/tmp/egress-test.sock", &welcome)
    }

    fn cached_status(&self) -> Option<Status> {
        self.running.then(|| self.status_now())
    }

    async fn status(&self) -> Result<Status, AppError> {
        self.up("status".into())?;
        Ok(self.status_now())
    }

    async fn routes(&self, filter: RouteFilter) -> Result<Vec<RouteRow>, AppError> {
        self.up(format!(
            "routes {}",
            serde_json::to_string(&filter).expect("test setup")
        ))?;
        Ok(sim_routes()
            .into_iter()
            .filter(|r| filter.family.is_none_or(|f| r.family == f))
            .filter(|r| !filter.scoped || r.scope.is_some())
            .collect())
    }

    async fn lookup(
        &self,
        destination: IpAddr,
        scoped_to: Option<String>,
    ) -> Result<LookupAnswer, AppError> {
        self.up(format!("lookup {destination} {scoped_to:?}"))?;
        Ok(LookupAnswer {
            destination,
            scoped_to,
            route: None,
            interface: Some("en0".into()),
            interface_kind: None,
            gateway: Some("192.0.2.1".into()),
            via_vpn: false,
            summary: format!("{destination} leaves through en0 via 192.0.2.1"),
        })
    }

    async fn set_mode(&self, mode: Mode, progress: Progress<'_>) -> Result<Status, AppError> {
        self.up(format!("set_mode {mode}"))?;
        for done in 1..=3 {
            progress(done, 3);
        }
        *self.mode.lock().expect("test setup") = mode;
        Ok(self.status_now())
    }

    async fn exclusions(&self) -> Result<Vec<Exclusion>, AppError> {
        self.up("exclusions".into())?;
        Ok(vec![Exclusion {
            prefix: "203.0.113.7/32".parse().expect("test setup"),
            owners: vec!["uid 501: wg0".into()],
        }])
    }

    async fn flush(&self, dry_run: bool) -> Result<FlushReport, AppError> {
        self.up(format!("flush {dry_run}"))?;
        Ok(FlushReport {
            dry_run,
            routes: vec!["route add -inet 203.0.113.9/32 -gateway 192.0.2.1".into()],
        })
    }

    async fn verify(&self, family: Family) -> Result<ProbeAnswer, AppError> {
        self.up(format!("verify {family}"))?;
        Ok(ProbeAnswer {
            destination: verify_destination(family),
            local_port: 40000,
            bound_to: Some("en0".into()),
            interface: Some("en0".into()),
            gateway: Some("192.0.2.1".into()),
            via_vpn: false,
            summary: "leaves through en0".into(),
        })
    }

    async fn sim_events(&self) -> Result<Vec<SimEvent>, AppError> {
        self.up("sim_events".into())?;
        Ok(vec![SimEvent {
            name: "vpn-up".into(),
            description: "a VPN connects".into(),
        }])
    }

    async fn sim(&self, action: SimAction) -> Result<Status, AppError> {
        self.up(format!(
            "sim {}",
            serde_json::to_string(&action).expect("test setup")
        ))?;
        Ok(self.status_now())
    }
}

fn app_with(
    fake: Arc<Fake>,
) -> (
    tauri::App<tauri::test::MockRuntime>,
    WebviewWindow<tauri::test::MockRuntime>,
) {
    mock::app(AppState::new(fake))
}

#[test]
fn status_and_connection_come_back_as_the_contract_spells_them() {
    let (_app, w) = app_with(Fake::new(true));
    let status = invoke(&w, "status", json!({})).unwrap();
    assert_eq!(status["mode"], "advanced");
    assert_eq!(status["families"]["v4"]["egress"]["interface"], "en0");
    assert_eq!(status["families"]["v4"]["pin"]["state"], "reused");
    let c = invoke(&w, "connection", json!({})).unwrap();
    assert_eq!(c["state"], "connected");
    assert_eq!(c["backend"], "sim");
    assert_eq!(c["access"], "change");
    assert!(c.get("changeRequires").is_some(), "camelCase: {c}");
}

#[test]
fn routes_take_an_optional_filter() {
    let fake = Fake::new(true);
    let (_app, w) = app_with(fake.clone());
    let all = invoke(&w, "routes", json!({})).unwrap();
    assert_eq!(all.as_array().unwrap().len(), sim_routes().len());
    let scoped = invoke(
        &w,
        "routes",
        json!({"filter": {"family": "v4", "scoped": true}}),
    )
    .unwrap();
    let scoped = scoped.as_array().unwrap();
    assert!(!scoped.is_empty());
    assert!(
        scoped
            .iter()
            .all(|r| r["family"] == "v4" && r["scope"].is_string()),
        "{scoped:?}"
    );
    let calls = fake.calls.lock().unwrap().clone();
    assert!(calls[1].contains("\"family\":\"v4\""), "{calls:?}");
}

#[test]
fn set_mode_emits_progress_and_returns_the_status_after() {
    let (app, w) = app_with(Fake::new(true));
    let seen = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = seen.clone();
    app.listen_any("mode-progress", move |event| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(event.payload()).unwrap());
    });
    let status = invoke(&w, "set_mode", json!({"mode": "legacy"})).unwrap();
    assert_eq!(status["mode"], "legacy");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            json!({"done": 1, "total": 3}),
            json!({"done": 2, "total": 3}),
            json!({"done": 3, "total": 3})
        ]
    );
    let bad = invoke(&w, "set_mode", json!({"mode": "sideways"})).unwrap_err();
    assert!(bad.to_string().contains("sideways"), "{bad}");
}

#[test]
fn a_helper_that_is_not_running_is_code_not_running() {
    let (_app, w) = app_with(Fake::new(false));
    for (cmd, args) in [
        ("status", json!({})),
        ("routes", json!({})),
        ("set_mode", json!({"mode": "legacy"})),
        ("exclusions", json!({})),
        ("export_table", json!({"format": "csv"})),
    ] {
        let e = invoke(&w, cmd, args).unwrap_err();
        assert_eq!(e["code"], "not_running", "{cmd}: {e}");
        assert!(
            e["message"].as_str().unwrap().contains("not running"),
            "{cmd}: {e}"
        );
    }
    let c = invoke(&w, "connection", json!({})).unwrap();
    assert_eq!(c["state"], "not_running");
    let _ = ConnState::NotRunning;
}

#[test]
fn lookup_flush_verify_sim_and_exports_pass_their_arguments() {
    let fake = Fake::new(true);
    let (_app, w) = app_with(fake.clone());
    let a = invoke(
        &w,
        "lookup",
        json!({"destination": "203.0.113.9", "scopedTo": "en0"}),
    )
    .unwrap();
    assert_eq!(a["scoped_to"], "en0");
    let e = invoke(&w, "lookup", json!({"destination": "not-an-ip"})).unwrap_err();
    assert_eq!(e["code"], "invalid_argument");
    let f = invoke(&w, "flush", json!({"dryRun": true})).unwrap();
    assert_eq!(f["dry_run"], true);
    let v = invoke(&w, "verify", json!({"family": "v6"})).unwrap();
    assert_eq!(v["destination"], "2001:db8::1");
    let s = invoke(
        &w,
        "sim",
        json!({"action": {"action": "event", "name": "vpn-up"}}),
    )
    .unwrap();
    assert_eq!(s["backend"], "sim");
    let events = invoke(&w, "sim_events", json!({})).unwrap();
    assert_eq!(events[0]["name"], "vpn-up");
    let x = invoke(&w, "exclusions", json!({})).unwrap();
    assert_eq!(x[0]["prefix"], "203.0.113.7/32");
    let bad = invoke(&w, "export_table", json!({"format": "xml"})).unwrap_err();
    assert_eq!(bad["code"], "invalid_argument");
    let rates = invoke(&w, "throughput", json!({})).unwrap();
    assert!(rates.is_array());
    let calls = fake.calls.lock().unwrap().clone();
    assert!(
        calls.contains(&"lookup 203.0.113.9 Some(\"en0\")".to_string()),
        "{calls:?}"
    );
    assert!(calls.contains(&"flush true".to_string()));
    assert!(calls.contains(&"verify IPv6".to_string()));
    let _ = Access::Change;
}

/// A Downloads folder of the test's own (XDG user dirs), removed at the end.
#[cfg(target_os = "linux")]
struct Downloads(std::path::PathBuf);

#[cfg(target_os = "linux")]
impl Drop for Downloads {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn exports_are_saved_as_new_files_in_the_downloads_folder() {
    let root = std::env::temp_dir().join(format!("egress-app-downloads-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let cleanup = Downloads(root.clone());
    let config = root.join("config");
    std::fs::create_dir_all(&config).unwrap();
    let downloads = root.join("Downloads");
    std::fs::write(
        config.join("user-dirs.dirs"),
        format!("XDG_DOWNLOAD_DIR=\"{}\"\n", downloads.display()),
    )
    .unwrap();
    // Only this test reads the user dirs in this process.
    std::env::set_var("XDG_CONFIG_HOME", &config);
    let (_app, w) = app_with(Fake::new(true));
    let rows = sim_routes().len();
    let mut saved = Vec::new();
    for format in ["csv", "netstat", "json", "csv"] {
        let s = invoke(&w, "export_table", json!({ "format": format })).unwrap();
        assert_eq!(s["rows"], rows, "{s}");
        saved.push(std::path::PathBuf::from(s["path"].as_str().unwrap()));
    }
    let names: Vec<String> = saved
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "egress-routes.csv",
            "egress-routes.txt",
            "egress-routes.json",
            "egress-routes-2.csv"
        ]
    );
    assert!(saved
        .iter()
        .all(|p| p.parent() == Some(downloads.as_path())));
    let csv = std::fs::read_to_string(&saved[0]).unwrap();
    assert!(csv.starts_with("family,destination,gateway,flags"), "{csv}");
    let netstat = std::fs::read_to_string(&saved[1]).unwrap();
    assert!(netstat.starts_with("Routing tables\n\nInternet:\nDestination"));
    let json: Vec<RouteRow> =
        serde_json::from_str(&std::fs::read_to_string(&saved[2]).unwrap()).unwrap();
    assert_eq!(json, sim_routes());
    drop(cleanup);
}

#[test]
fn the_popover_opens_the_inspector_once_and_hides_itself_with_an_event() {
    let (app, w) = app_with(Fake::new(true));
    assert!(
        app.get_webview_window("inspector").is_none(),
        "no inspector until asked"
    );
    invoke(&w, "open_inspector", json!({})).unwrap();
    invoke(&w, "open_inspector", json!({})).unwrap();
    assert!(app.get_webview_window("inspector").is_some());
    assert_eq!(app.webview_windows().len(), 2, "asked twice, built once");
    let seen = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = seen.clone();
    app.listen_any("window-visibility", move |event| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(event.payload()).unwrap());
    });
    invoke(&w, "close_window", json!({})).unwrap();
    assert_eq!(
        seen.lock().unwrap().clone(),
        [json!({"window": "popover", "visible": false})]
    );
    assert!(
        app.get_webview_window("popover").is_some(),
        "the popover is kept, only hidden"
    );
}
