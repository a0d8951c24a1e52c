//! The app's commands (docs/APP.md): thin wrappers over [`Helper`].

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use helper_proto::{
    Exclusion, FlushReport, LookupAnswer, Mode, ProbeAnswer, RouteFilter, RouteRow, SimAction,
    SimEvent, Status,
};
use routing_core::model::Family;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime, State, WebviewWindow};

use crate::connection::Connection;
use crate::error::AppError;
use crate::export::{export, save, Format, SavedExport};
use crate::helper::Helper;
use crate::setup::commands::Registration;
use crate::setup::ServiceManager;
use crate::throughput::{InterfaceRate, Throughput};

/// What every command shares.
pub struct AppState {
    /// The helper (the connection owner, or a fake in tests).
    pub helper: Arc<dyn Helper>,
    /// Interface counters.
    pub throughput: Throughput,
    /// Set while a mode switch this app started is under way.
    switching: AtomicBool,
    /// Who installs and runs the helper (a fake in tests).
    pub service_manager: Arc<dyn ServiceManager>,
    /// How long a setup action may take to show.
    pub settle: std::time::Duration,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    /// The state over `helper`.
    pub fn new(helper: Arc<dyn Helper>) -> AppState {
        AppState {
            helper,
            throughput: Throughput::default(),
            switching: AtomicBool::new(false),
            service_manager: crate::setup::platform(),
            settle: std::time::Duration::from_secs(10),
        }
    }

    /// The same state with another service manager (tests put a fake),
    /// and the time setup actions may take to show.
    pub fn with_service_manager(
        mut self,
        manager: Arc<dyn ServiceManager>,
        settle: std::time::Duration,
    ) -> AppState {
        self.service_manager = manager;
        self.settle = settle;
        self
    }

    /// The helper and its service manager, for the setup commands.
    pub fn registration(&self) -> Registration {
        Registration {
            helper: Arc::clone(&self.helper),
            manager: Arc::clone(&self.service_manager),
            app: crate::software(),
            settle: self.settle,
        }
    }

    /// Switches the mode, emitting `mode-progress`; one switch at a time
    /// (a second one, from a double click or the tray, is refused as busy).
    pub async fn switch_mode<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        mode: Mode,
    ) -> Result<Status, AppError> {
        if self.switching.swap(true, Ordering::AcqRel) {
            return Err(AppError::new(
                "busy",
                "A mode switch is already under way; wait for it to finish.",
            ));
        }
        let _done = Reset(&self.switching);
        let mut progress = |done: usize, total: usize| {
            if let Err(e) = app.emit("mode-progress", ModeProgress { done, total }) {
                tracing::warn!(error = %e, "emitting mode-progress");
            }
        };
        self.helper.set_mode(mode, &mut progress).await
    }
}

/// Clears the switching flag however the switch ends.
struct Reset<'a>(&'a AtomicBool);

impl Drop for Reset<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// The `mode-progress` event's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ModeProgress {
    /// Steps done.
    pub done: usize,
    /// Steps in all.
    pub total: usize,
}

type Reply<T> = Result<T, AppError>;

/// The connection's state.
#[tauri::command]
pub async fn connection(state: State<'_, AppState>) -> Reply<Connection> {
    Ok(state.helper.connection())
}

/// Mode, egress per family, pins, history.
#[tauri::command]
pub async fn status(state: State<'_, AppState>) -> Reply<Status> {
    state.helper.status().await
}

/// Every route matching the filter (all when absent), in dump order.
#[tauri::command]
pub async fn routes(
    state: State<'_, AppState>,
    filter: Option<RouteFilter>,
) -> Reply<Vec<RouteRow>> {
    state.helper.routes(filter.unwrap_or_default()).await
}

/// Which route and interface traffic to `destination` would take,
/// optionally as a socket bound to `scopedTo` would.
#[tauri::command]
pub async fn lookup(
    state: State<'_, AppState>,
    destination: String,
    scoped_to: Option<String>,
) -> Reply<LookupAnswer> {
    let address: IpAddr = destination
        .trim()
        .parse()
        .map_err(|_| AppError::invalid(format!("{destination:?} is not an IP address")))?;
    let scoped_to = scoped_to.filter(|s| !s.trim().is_empty());
    state.helper.lookup(address, scoped_to).await
}

/// Switches the mode; progress arrives as `mode-progress` events.
#[tauri::command]
pub async fn set_mode<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    mode: Mode,
) -> Reply<Status> {
    state.switch_mode(&app, mode).await
}

/// Every registered exclusion.
#[tauri::command]
pub async fn exclusions(state: State<'_, AppState>) -> Reply<Vec<Exclusion>> {
    state.helper.exclusions().await
}

/// Removes residual routes of ours; with `dryRun`, only lists them.
#[tauri::command]
pub async fn flush(state: State<'_, AppState>, dry_run: bool) -> Reply<FlushReport> {
    state.helper.flush(dry_run).await
}

/// Where a packet from a socket the helper bound would leave.
#[tauri::command]
pub async fn verify(state: State<'_, AppState>, family: Family) -> Reply<ProbeAnswer> {
    state.helper.verify(family).await
}

/// The sim scenario's events.
#[tauri::command]
pub async fn sim_events(state: State<'_, AppState>) -> Reply<Vec<SimEvent>> {
    state.helper.sim_events().await
}

/// Drives the simulated Mac; the status after.
#[tauri::command]
pub async fn sim(state: State<'_, AppState>, action: SimAction) -> Reply<Status> {
    state.helper.sim(action).await
}

/// Bytes per second per interface since the last call.
#[tauri::command]
pub async fn throughput(state: State<'_, AppState>) -> Reply<Vec<InterfaceRate>> {
    Ok(state.throughput.rates())
}

/// Saves the whole routing table as JSON, CSV or `netstat -rn` text to a
/// new file in the user's Downloads folder (a WebView cannot download a
/// Blob); says where.
#[tauri::command]
pub async fn export_table<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    format: String,
) -> Reply<SavedExport> {
    let format: Format = format.parse()?;
    let dir = export_dir(&app)?;
    let rows = state.helper.routes(RouteFilter::default()).await?;
    let text = export(&rows, format);
    let path = save(&dir, format, &text).map_err(|e| {
        AppError::new(
            "internal",
            format!("Could not save the table in {}: {e}", dir.display()),
        )
    })?;
    Ok(SavedExport {
        path: path.display().to_string(),
        rows: rows.len(),
        bytes: text.len(),
    })
}

/// The user's Downloads folder (on Linux the XDG one, else ~/Downloads).
fn export_dir<R: Runtime>(app: &AppHandle<R>) -> Reply<std::path::PathBuf> {
    let paths = app.path();
    paths
        .download_dir()
        .or_else(|_| paths.home_dir().map(|home| home.join("Downloads")))
        .map_err(|e| {
            AppError::new(
                "internal",
                format!("There is no Downloads folder to save the table in: {e}"),
            )
        })
}

/// Opens the Route Inspector (or brings it forward).
#[tauri::command]
pub async fn open_inspector<R: Runtime>(app: AppHandle<R>) -> Reply<()> {
    crate::windows::open_inspector(&app)
        .map(|_| ())
        .map_err(|e| {
            AppError::new(
                "internal",
                format!("Could not open the Route Inspector: {e}"),
            )
        })
}

/// Dismisses the calling window: the popover hides, the Route Inspector
/// closes (Escape in the page).
#[tauri::command]
pub async fn close_window<R: Runtime>(window: WebviewWindow<R>) -> Reply<()> {
    crate::windows::dismiss(&window);
    Ok(())
}
