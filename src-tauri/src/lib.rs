//! Egress's menu-bar app: a tray icon with a menu, a popover and the
//! Route Inspector (web UI in `ui/`), over one connection to the helper.
//!
//! - [`owner`]: the one owner of the helper connection (connect with
//!   backoff, events forwarded, reconnects), behind the [`helper::Helper`]
//!   trait the commands use.
//! - [`commands`]: the commands of docs/APP.md, registered by [`register`].
//! - [`app`]: the real app (tray, windows, notifications); [`run`].
//!
//! It talks to the helper only through `helper-client`; it never links
//! root-only code (`scripts/check-deps`).

pub mod app;
pub mod commands;
pub mod connection;
pub mod error;
pub mod export;
pub mod helper;
pub mod launch;
pub mod menu;
pub mod notify;
pub mod owner;
pub mod popover;
pub mod settings;
pub mod setup;
pub mod throughput;
pub mod tray;
pub mod windows;

pub use app::run;
pub use commands::AppState;
pub use connection::{ConnState, Connection};
pub use error::AppError;

/// Adds the app's commands and their state to `builder` (the real app
/// and the mock-runtime tests share this).
pub fn register<R: tauri::Runtime>(
    builder: tauri::Builder<R>,
    state: AppState,
) -> tauri::Builder<R> {
    builder
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::connection,
            commands::status,
            commands::routes,
            commands::lookup,
            commands::set_mode,
            commands::exclusions,
            commands::flush,
            commands::verify,
            commands::sim_events,
            commands::sim,
            commands::throughput,
            commands::export_table,
            setup::commands::helper_setup,
            setup::commands::register_helper,
            setup::commands::unregister_helper,
            setup::commands::restart_helper,
            setup::commands::update_helper,
            setup::commands::open_approval_settings,
            commands::open_inspector,
            commands::close_window,
        ])
}

/// How the app introduces itself to the helper.
pub fn software() -> String {
    format!("egress-app {}", env!("CARGO_PKG_VERSION"))
}
