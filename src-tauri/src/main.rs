//! `egress-app`: the menu-bar app. `egress-app --help` lists the options
//! (`--popover`, `--inspector`, `--hide`; see `launch.rs`).
//!
//! Environment: `EGRESS_SOCKET` picks the helper's socket;
//! `EGRESS_SHOW_POPOVER=1` shows the popover at start (Linux, where tray
//! clicks do not arrive; tests), `EGRESS_SHOW_INSPECTOR=1` the Route
//! Inspector; `EGRESS_POPOVER_STAYS=1` keeps the popover open when it
//! loses focus (tests under Xvfb); `EGRESS_LOG` sets the log filter.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    egress_app::run();
}
