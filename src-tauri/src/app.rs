//! The real app: plugins, the tray, the windows, the connection owner's
//! task, menu actions and notifications.

use std::sync::{Arc, Mutex};

use helper_proto::{Event, Mode, SimAction, Status};
use tauri::menu::MenuEvent;
use tauri::{AppHandle, Emitter, Manager, RunEvent, Runtime};
use tauri_plugin_autostart::{MacosLauncher, ManagerExt as _};
use tauri_plugin_notification::NotificationExt as _;

use crate::commands::AppState;
use crate::connection::Connection;
use crate::launch::{self, Launch};
use crate::menu::{model, MenuModel};
use crate::notify::Seen;
use crate::owner::{Owner, Sink};
use crate::popover;
use crate::settings::{Settings, SettingsFile};
use crate::tray::{ids, Tray};
use crate::windows::{self, WindowsState};

/// Everything the tray side keeps.
struct Shell {
    tray: Tray,
    settings_file: SettingsFile,
    settings: Mutex<Settings>,
    seen: Mutex<Seen>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The owner's sink: events to the webviews, the tray, notifications.
struct AppSink<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> Sink for AppSink<R> {
    fn helper_event(&self, event: &Event) {
        if let Err(e) = self.app.emit("helper-event", event) {
            tracing::warn!(error = %e, "emitting helper-event");
        }
    }

    fn connection(&self, connection: &Connection) {
        if let Err(e) = self.app.emit("connection", connection) {
            tracing::warn!(error = %e, "emitting connection");
        }
    }

    fn snapshot(&self, connection: &Connection, status: Option<&Status>) {
        refresh_tray(&self.app, connection, status, false);
        let shell = self.app.state::<Shell>();
        let notes = lock(&shell.seen).update(connection, status);
        if !lock(&shell.settings).notifications {
            return;
        }
        for note in notes {
            let shown = self
                .app
                .notification()
                .builder()
                .title(&note.title)
                .body(&note.body)
                .show();
            if let Err(e) = shown {
                tracing::warn!(error = %e, "showing a notification");
            }
        }
    }
}

/// The menu model for now.
fn current_model<R: Runtime>(
    app: &AppHandle<R>,
    connection: &Connection,
    status: Option<&Status>,
) -> MenuModel {
    let shell = app.state::<Shell>();
    let notifications = lock(&shell.settings).notifications;
    let autostart = app.autolaunch().is_enabled().unwrap_or(false);
    model(connection, status, notifications, autostart)
}

fn refresh_tray<R: Runtime>(
    app: &AppHandle<R>,
    connection: &Connection,
    status: Option<&Status>,
    force: bool,
) {
    let m = current_model(app, connection, status);
    app.state::<Shell>().tray.show(app, &m, force);
}

/// Rebuilds the tray from the owner's last knowledge (after a click on a
/// checkbox, whose check mark the platform already flipped).
fn resync_tray<R: Runtime>(app: &AppHandle<R>) {
    let helper = &app.state::<AppState>().helper;
    let (connection, status) = (helper.connection(), helper.cached_status());
    refresh_tray(app, &connection, status.as_ref(), true);
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    let id = event.id().as_ref();
    match id {
        ids::OPEN => popover::open(app),
        ids::INSPECTOR => open_inspector(app),
        ids::QUIT => app.exit(0),
        ids::LEGACY => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<AppState>();
                let current = state.helper.cached_status().map(|s| s.mode);
                let target = match current {
                    Some(Mode::Legacy) => Mode::Advanced,
                    _ => Mode::Legacy,
                };
                if let Err(e) = state.switch_mode(&app, target).await {
                    tracing::warn!(error = %e, "switching the mode from the tray");
                }
                resync_tray(&app);
            });
        }
        ids::NOTIFICATIONS => {
            let shell = app.state::<Shell>();
            let settings = {
                let mut settings = lock(&shell.settings);
                settings.notifications = !settings.notifications;
                settings.clone()
            };
            shell.settings_file.save(&settings);
            if settings.notifications {
                // Ask once, when the user opts in (macOS prompts).
                let _ = app.notification().request_permission();
            }
            resync_tray(app);
        }
        ids::AUTOSTART => {
            let autolaunch = app.autolaunch();
            let result = if autolaunch.is_enabled().unwrap_or(false) {
                autolaunch.disable()
            } else {
                autolaunch.enable()
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "changing launch at login");
            }
            resync_tray(app);
        }
        other => {
            if let Some(name) = other.strip_prefix(ids::SIM_PREFIX) {
                let app = app.clone();
                let action = SimAction::Event {
                    name: name.to_string(),
                };
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = app.state::<AppState>().helper.sim(action).await {
                        tracing::warn!(error = %e, "sim action from the tray");
                    }
                });
            }
        }
    }
}

fn open_inspector<R: Runtime>(app: &AppHandle<R>) {
    if let Err(e) = windows::open_inspector(app) {
        tracing::error!(error = %e, "opening the Route Inspector");
    }
}

/// Does what a launch asked for.
fn act<R: Runtime>(app: &AppHandle<R>, launch: Launch) {
    match launch {
        Launch::Tray | Launch::Help => {}
        Launch::Popover => popover::open(app),
        Launch::Inspector => open_inspector(app),
        Launch::Hide => windows::dismiss_all(app),
    }
}

/// Whether `name` is set to `1`.
fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1")
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("EGRESS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs the app until Quit.
pub fn run() {
    let launched = match launch::parse(std::env::args().skip(1), false) {
        Ok(Launch::Help) => {
            println!("{}", launch::USAGE);
            return;
        }
        Ok(launch) => launch,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    init_logging();
    let socket = helper_client::default_socket_path();
    let service_manager = crate::setup::platform();
    let owner = Arc::new(
        Owner::new(socket, &crate::software()).with_service_manager(service_manager.clone()),
    );
    let state = AppState::new(owner.clone())
        .with_service_manager(service_manager, std::time::Duration::from_secs(10));
    let builder = tauri::Builder::default()
        // First, so a second launch only shows the running app's popover.
        .plugin(tauri_plugin_single_instance::init(
            |app, args, _cwd| match launch::parse(args.iter().skip(1), true) {
                Ok(launch) => act(app, launch),
                Err(e) => tracing::warn!(error = %e, "a second launch's arguments"),
            },
        ))
        .plugin(tauri_plugin_autostart::init(
            MacosLauncher::LaunchAgent,
            None,
        ))
        .plugin(tauri_plugin_notification::init());
    let app = crate::register(builder, state)
        .setup(move |app| {
            #[cfg(target_os = "macos")]
            app.set_activation_policy(tauri::ActivationPolicy::Accessory);
            let handle = app.handle().clone();
            let settings_file = SettingsFile::new(handle.path().app_config_dir().ok().as_deref());
            let settings = settings_file.load();
            app.manage(Shell {
                tray: Tray::default(),
                settings_file,
                settings: Mutex::new(settings),
                seen: Mutex::new(Seen::default()),
            });
            app.manage(WindowsState::default());
            let first = current_model(&handle, &owner.connection_snapshot(), None);
            app.state::<Shell>().tray.create(&handle, &first)?;
            app.on_menu_event(on_menu);
            // No window until one is asked for (docs/PERFORMANCE.md).
            act(&handle, launched);
            if env_flag("EGRESS_SHOW_POPOVER") {
                popover::open(&handle);
            }
            if env_flag("EGRESS_SHOW_INSPECTOR") {
                open_inspector(&handle);
            }
            let sink: Arc<dyn Sink> = Arc::new(AppSink { app: handle });
            tauri::async_runtime::spawn(Arc::clone(&owner).run(sink));
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("building the app");
    app.run(|_app, event| {
        // Closing the Route Inspector must not quit a tray app; Quit does.
        if let RunEvent::ExitRequested {
            api, code: None, ..
        } = event
        {
            api.prevent_exit();
        }
    });
}
