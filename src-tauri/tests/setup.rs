//! The helper-setup commands through Tauri's mock runtime, against a fake
//! service manager and a fake helper whose connection the manager's
//! actions change (as launchd or systemd starting and stopping the real
//! one would).

mod mock;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use egress_app::helper::{Helper, Progress};
use egress_app::setup::{Manager, ServiceManager, ServiceStatus};
use egress_app::{AppError, AppState, Connection};
use helper_client::ClientError;
use helper_proto::{
    Exclusion, FlushReport, LookupAnswer, Mode, ProbeAnswer, RouteFilter, RouteRow, SimAction,
    SimEvent, Status, Welcome,
};
use routing_core::model::Family;
use serde_json::{json, Value};
use tauri::WebviewWindow;

/// The fake helper's connection, shared with the fake manager.
struct World {
    socket: PathBuf,
    connection: Mutex<Connection>,
    status: Mutex<ServiceStatus>,
    calls: Mutex<Vec<String>>,
    /// What `register`/`restart` fail with, if anything.
    refuse: Mutex<Option<AppError>>,
    /// Whether stopping leaves the socket file behind.
    socket_stays: bool,
}

/// Removes a world's directory however the test ends (the app's managed
/// state, which holds the world, is not dropped with the test's app).
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl World {
    fn new(name: &str, status: ServiceStatus, connection: Connection) -> (Arc<World>, Cleanup) {
        let dir = std::env::temp_dir().join(format!("egress-setup-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("test setup");
        let socket = dir.join("helper.sock");
        let mut connection = connection;
        connection.socket = socket.display().to_string();
        if connection.state == egress_app::ConnState::Connected {
            std::fs::write(&socket, "").expect("test setup");
        }
        let world = Arc::new(World {
            socket,
            connection: Mutex::new(connection),
            status: Mutex::new(status),
            calls: Mutex::new(Vec::new()),
            refuse: Mutex::new(None),
            socket_stays: false,
        });
        (world, Cleanup(dir))
    }

    fn socket_text(&self) -> String {
        self.socket.display().to_string()
    }

    /// The helper starts: it serves its socket as `helper`.
    fn start(&self, helper: &str) {
        std::fs::write(&self.socket, "").expect("test setup");
        *self.connection.lock().expect("test setup") = connected(&self.socket_text(), helper);
    }

    /// The helper stops (SIGTERM): it removes its socket.
    fn stop(&self) {
        if !self.socket_stays {
            let _ = std::fs::remove_file(&self.socket);
        }
        *self.connection.lock().expect("test setup") = not_running(&self.socket_text());
    }
}

fn connected(socket: &str, helper: &str) -> Connection {
    let welcome: Welcome = serde_json::from_value(json!({
        "protocol": {"major": 1, "minor": 0}, "helper": helper,
        "backend": "macos", "peer": {"uid": 501, "gid": 20, "pid": null},
        "access": "change", "change_requires": null
    }))
    .expect("test setup");
    Connection::connected(socket, &welcome)
}

fn not_running(socket: &str) -> Connection {
    Connection::failed(
        socket,
        &ClientError::NotRunning {
            path: socket.into(),
        },
    )
}

const NEW: &str = concat!("egress-helper ", env!("CARGO_PKG_VERSION"));
const OLD: &str = "egress-helper 0.0.1";

/// A service manager of `kind` acting on the world.
struct FakeManager {
    kind: Manager,
    world: Arc<World>,
}

impl FakeManager {
    fn call(&self, what: &str) -> Result<(), AppError> {
        self.world
            .calls
            .lock()
            .expect("test setup")
            .push(what.to_string());
        match self.world.refuse.lock().expect("test setup").clone() {
            Some(e) if what != "unregister" => Err(e),
            _ => Ok(()),
        }
    }
}

impl ServiceManager for FakeManager {
    fn manager(&self) -> Manager {
        self.kind
    }
    fn status(&self) -> ServiceStatus {
        *self.world.status.lock().expect("test setup")
    }
    fn installed(&self) -> Option<bool> {
        Some(self.status() != ServiceStatus::NotInstalled)
    }
    fn default_group(&self) -> &'static str {
        "egress"
    }
    fn register(&self) -> Result<(), AppError> {
        self.call("register")?;
        *self.world.status.lock().expect("test setup") = ServiceStatus::Enabled;
        self.world.start(NEW);
        Ok(())
    }
    fn unregister(&self) -> Result<(), AppError> {
        self.call("unregister")?;
        *self.world.status.lock().expect("test setup") = match self.kind {
            Manager::Systemd => ServiceStatus::Disabled,
            _ => ServiceStatus::NotRegistered,
        };
        self.world.stop();
        Ok(())
    }
    fn restart(&self) -> Result<(), AppError> {
        self.call("restart")?;
        self.world.start(NEW);
        Ok(())
    }
    fn open_approval_settings(&self) -> Result<(), AppError> {
        self.call("open_approval_settings")
    }
}

/// A helper whose only truth is the world's connection.
struct FakeHelper(Arc<World>);

fn unused<T>() -> Result<T, AppError> {
    Err(AppError::new("internal", "not used by these tests"))
}

#[async_trait]
impl Helper for FakeHelper {
    fn connection(&self) -> Connection {
        self.0.connection.lock().expect("test setup").clone()
    }
    fn cached_status(&self) -> Option<Status> {
        None
    }
    async fn status(&self) -> Result<Status, AppError> {
        unused()
    }
    async fn routes(&self, _: RouteFilter) -> Result<Vec<RouteRow>, AppError> {
        unused()
    }
    async fn lookup(&self, _: IpAddr, _: Option<String>) -> Result<LookupAnswer, AppError> {
        unused()
    }
    async fn set_mode(&self, _: Mode, _: Progress<'_>) -> Result<Status, AppError> {
        unused()
    }
    async fn exclusions(&self) -> Result<Vec<Exclusion>, AppError> {
        unused()
    }
    async fn flush(&self, _: bool) -> Result<FlushReport, AppError> {
        unused()
    }
    async fn verify(&self, _: Family) -> Result<ProbeAnswer, AppError> {
        unused()
    }
    async fn sim_events(&self) -> Result<Vec<SimEvent>, AppError> {
        unused()
    }
    async fn sim(&self, _: SimAction) -> Result<Status, AppError> {
        unused()
    }
}

type App = (
    tauri::App<tauri::test::MockRuntime>,
    WebviewWindow<tauri::test::MockRuntime>,
);

fn app(kind: Manager, world: &Arc<World>) -> App {
    let manager = Arc::new(FakeManager {
        kind,
        world: world.clone(),
    });
    let state = AppState::new(Arc::new(FakeHelper(world.clone())))
        .with_service_manager(manager, Duration::from_millis(300));
    mock::app(state)
}

/// Invokes a setup command (they take no arguments).
fn invoke(w: &WebviewWindow<tauri::test::MockRuntime>, cmd: &str) -> Result<Value, Value> {
    mock::invoke(w, cmd, json!({}))
}

fn calls(world: &World) -> Vec<String> {
    world.calls.lock().expect("test setup").clone()
}

#[test]
fn a_mac_without_the_helper_registers_it_and_it_answers() {
    let (world, _cleanup) = World::new("register", ServiceStatus::NotRegistered, not_running("x"));
    let (_app, w) = app(Manager::AppService, &world);
    let s = invoke(&w, "helper_setup").unwrap();
    assert_eq!(s["state"], "not_installed");
    assert_eq!(s["manager"], "app_service");
    assert_eq!(s["actions"], json!(["register"]));
    assert_eq!(s["app"], concat!("egress-app ", env!("CARGO_PKG_VERSION")));
    let after = invoke(&w, "register_helper").unwrap();
    assert_eq!(after["state"], "ok");
    assert_eq!(after["helper"], NEW);
    assert_eq!(after["notice"], format!("{NEW} is running."));
    assert_eq!(calls(&world), ["register"]);
}

#[test]
fn approval_opens_login_items() {
    let (world, _cleanup) = World::new(
        "approval",
        ServiceStatus::RequiresApproval,
        not_running("x"),
    );
    let (_app, w) = app(Manager::AppService, &world);
    let s = invoke(&w, "helper_setup").unwrap();
    assert_eq!(s["state"], "needs_approval");
    let after = invoke(&w, "open_approval_settings").unwrap();
    assert!(after["notice"].as_str().unwrap().contains("Login Items"));
    assert_eq!(calls(&world), ["open_approval_settings"]);
}

#[test]
fn an_action_the_state_does_not_offer_is_refused_and_nothing_runs() {
    let (world, _cleanup) =
        World::new("refused", ServiceStatus::RequiresApproval, not_running("x"));
    let (_app, w) = app(Manager::AppService, &world);
    let e = invoke(&w, "register_helper").unwrap_err();
    assert_eq!(e["code"], "not_available");
    assert_eq!(
        e["message"],
        "Installing the helper is not possible now: the helper's state is waiting for approval \
         under macOS's Service Management."
    );
    let (_app2, w2) = app(Manager::Unmanaged, &world);
    let e = invoke(&w2, "restart_helper").unwrap_err();
    assert!(e["message"]
        .as_str()
        .unwrap()
        .contains("a helper started by hand"));
    assert!(calls(&world).is_empty());
}

#[test]
fn missing_program_is_not_found_and_update_re_registers() {
    let (world, _cleanup) = World::new("notfound", ServiceStatus::NotFound, not_running("x"));
    let (_app, w) = app(Manager::AppService, &world);
    let s = invoke(&w, "helper_setup").unwrap();
    assert_eq!(s["state"], "not_found");
    assert_eq!(s["actions"], json!(["update", "unregister"]));
    *world.status.lock().unwrap() = ServiceStatus::NotFound;
    let after = invoke(&w, "update_helper").unwrap();
    assert_eq!(after["state"], "ok");
    assert_eq!(calls(&world), ["restart"]);
}

#[test]
fn an_older_helper_offers_an_update_that_runs_the_new_one() {
    let (world, _cleanup) = World::new("update", ServiceStatus::Enabled, connected("x", OLD));
    let (_app, w) = app(Manager::Systemd, &world);
    let s = invoke(&w, "helper_setup").unwrap();
    assert_eq!(s["state"], "update_available");
    assert_eq!(s["helper"], OLD);
    assert_eq!(s["actions"], json!(["update"]));
    let after = invoke(&w, "update_helper").unwrap();
    assert_eq!(after["state"], "ok");
    assert_eq!(after["helper"], NEW);
    assert_eq!(calls(&world), ["restart"]);
}

#[test]
fn removing_the_helper_checks_that_it_and_its_socket_are_gone() {
    let (world, _cleanup) = World::new("remove", ServiceStatus::Enabled, connected("x", NEW));
    assert!(world.socket.exists());
    let (_app, w) = app(Manager::AppService, &world);
    let after = invoke(&w, "unregister_helper").unwrap();
    assert_eq!(after["state"], "not_installed");
    assert_eq!(
        after["notice"],
        "The helper is removed: it stopped, removed its routes, and its socket is gone."
    );
    assert!(!world.socket.exists());
    assert_eq!(calls(&world), ["unregister"]);
}

#[test]
fn a_socket_left_behind_is_said() {
    let (mut world, _cleanup) = World::new("left", ServiceStatus::Enabled, connected("x", NEW));
    Arc::get_mut(&mut world).unwrap().socket_stays = true;
    let (_app, w) = app(Manager::AppService, &world);
    let after = invoke(&w, "unregister_helper").unwrap();
    let notice = after["notice"].as_str().unwrap();
    assert!(
        notice.contains("its socket file is still at") && notice.contains("helper.sock"),
        "{notice}"
    );
}

#[test]
fn a_refused_restart_is_the_managers_sentence() {
    let (world, _cleanup) = World::new("pkexec", ServiceStatus::Enabled, not_running("x"));
    *world.refuse.lock().unwrap() = Some(AppError::new(
        "cancelled",
        "The password prompt was dismissed; nothing changed.",
    ));
    let (_app, w) = app(Manager::Systemd, &world);
    assert_eq!(
        invoke(&w, "helper_setup").unwrap()["actions"],
        json!(["restart"])
    );
    let e = invoke(&w, "restart_helper").unwrap_err();
    assert_eq!(
        e,
        json!({"code": "cancelled", "message": "The password prompt was dismissed; nothing changed."})
    );
}

#[test]
fn a_helper_that_does_not_come_back_is_said() {
    let (world, _cleanup) = World::new("slow", ServiceStatus::Enabled, not_running("x"));
    struct Silent(Arc<World>);
    impl ServiceManager for Silent {
        fn manager(&self) -> Manager {
            Manager::Systemd
        }
        fn status(&self) -> ServiceStatus {
            ServiceStatus::Enabled
        }
        fn installed(&self) -> Option<bool> {
            Some(true)
        }
        fn default_group(&self) -> &'static str {
            "egress"
        }
        fn restart(&self) -> Result<(), AppError> {
            self.0.calls.lock().unwrap().push("restart".into());
            Ok(())
        }
    }
    let state = AppState::new(Arc::new(FakeHelper(world.clone())))
        .with_service_manager(Arc::new(Silent(world.clone())), Duration::from_millis(200));
    let (_app, w) = mock::app(state);
    let after = invoke(&w, "restart_helper").unwrap();
    assert_eq!(after["state"], "not_running");
    assert_eq!(
        after["notice"],
        "The helper was started but has not answered yet; Egress keeps trying."
    );
}
