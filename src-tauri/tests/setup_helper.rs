//! "Remove helper" against a real helper process: the app's real
//! connection owner talks to `egress-helper` on the simulated Mac, a
//! service manager that stops it as launchd would (SIGTERM) stands in for
//! SMAppService, and `unregister_helper` must see the connection end and
//! the socket disappear (the helper removes both its routes and its socket
//! when it stops).
//!
//! The helper binary is looked for next to this test's target directory
//! (`cargo build -p privileged-helper` puts it there); the app never links
//! it. Without it the test says it skipped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use egress_app::owner::{Owner, Sink};
use egress_app::setup::{Manager, ServiceManager, ServiceStatus};
use egress_app::{register, AppError, AppState, ConnState, Connection};
use helper_proto::{Event, Status};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

/// `target/debug/egress-helper`, seen from `target/debug/deps/<this test>`.
fn helper_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("egress-helper");
    path.is_file().then_some(path)
}

/// The helper process.
struct Running {
    child: Mutex<Child>,
}

/// Stops the helper and removes its directory however the test ends (the
/// owner's task, which never ends, keeps the other references).
struct Cleanup {
    helper: Arc<Running>,
    dir: PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Ok(mut child) = self.helper.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Stops the helper as launchd does on unregister: SIGTERM.
struct Launchd {
    helper: Arc<Running>,
    status: Mutex<ServiceStatus>,
}

impl ServiceManager for Launchd {
    fn manager(&self) -> Manager {
        Manager::AppService
    }
    fn status(&self) -> ServiceStatus {
        *self.status.lock().expect("test setup")
    }
    fn installed(&self) -> Option<bool> {
        Some(self.status() != ServiceStatus::NotRegistered)
    }
    fn default_group(&self) -> &'static str {
        "admin"
    }
    fn unregister(&self) -> Result<(), AppError> {
        let pid = self.helper.child.lock().expect("test setup").id();
        let killed = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .map_err(|e| AppError::new("internal", e.to_string()))?;
        assert!(killed.success(), "kill -TERM {pid}");
        *self.status.lock().expect("test setup") = ServiceStatus::NotRegistered;
        Ok(())
    }
}

struct Quiet;

impl Sink for Quiet {
    fn helper_event(&self, _: &Event) {}
    fn connection(&self, _: &Connection) {}
    fn snapshot(&self, _: &Connection, _: Option<&Status>) {}
}

fn wait_for(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let end = Instant::now() + timeout;
    while !ok() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn removing_a_real_helper_ends_its_connection_and_removes_its_socket() {
    let Some(binary) = helper_binary() else {
        eprintln!("skipped: no egress-helper next to the tests (cargo build -p privileged-helper)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("egress-app-remove-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("helper.sock");
    let child = Command::new(&binary)
        .args(["run", "--backend", "sim", "--socket"])
        .arg(&socket)
        .arg("--state-dir")
        .arg(dir.join("state"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            let _ = std::fs::remove_dir_all(&dir);
            panic!("starting {}: {e}", binary.display())
        });
    let helper = Arc::new(Running {
        child: Mutex::new(child),
    });
    let _cleanup = Cleanup {
        helper: helper.clone(),
        dir: dir.clone(),
    };
    let launchd = Arc::new(Launchd {
        helper: helper.clone(),
        status: Mutex::new(ServiceStatus::Enabled),
    });
    let owner = Arc::new(
        Owner::new(socket.clone(), "egress-app test").with_service_manager(launchd.clone()),
    );
    let state =
        AppState::new(owner.clone()).with_service_manager(launchd.clone(), Duration::from_secs(10));
    let app = register(mock_builder(), state)
        .build(mock_context(noop_assets()))
        .unwrap();
    let w = WebviewWindowBuilder::new(&app, "popover", Default::default())
        .build()
        .unwrap();
    tauri::async_runtime::spawn(Arc::clone(&owner).run(Arc::new(Quiet)));
    wait_for("the helper to answer", Duration::from_secs(20), || {
        egress_app::helper::Helper::connection(&*owner).state == ConnState::Connected
    });

    let invoke = |cmd: &str| -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(json!({})),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&w, request).map(|b| b.deserialize::<Value>().unwrap())
    };
    let before = invoke("helper_setup").unwrap();
    assert_eq!(before["state"], "ok");
    assert_eq!(before["actions"], json!(["unregister"]));
    assert!(before["helper"]
        .as_str()
        .unwrap()
        .starts_with("egress-helper "));
    assert!(Path::new(&socket).exists());

    let after = invoke("unregister_helper").unwrap();
    assert_eq!(
        after["notice"],
        "The helper is removed: it stopped, removed its routes, and its socket is gone."
    );
    assert_eq!(after["state"], "not_installed", "{after}");
    assert!(!socket.exists());
    let exit = helper.child.lock().unwrap().wait().unwrap();
    assert!(exit.success(), "a clean shutdown exits 0: {exit:?}");
}
