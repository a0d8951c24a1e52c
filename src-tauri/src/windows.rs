//! The app's two windows, made when first asked for and not at start: a
//! tray app costs almost nothing until it is opened (no WebKit web
//! process, no page, no timers).
//!
//! - The popover (`popover`, `index.html`) is built on the first tray
//!   click, "Open Egress…", `egress-app --popover` or a second launch. After
//!   that it is only hidden (on blur, Escape, or a close request) and shown
//!   again: it opens instantly, and while hidden its page is told so
//!   ([`VISIBILITY`]) and stops every timer, so a hidden popover idles
//!   like no window at all (docs/PERFORMANCE.md has the figures).
//! - The Route Inspector (`inspector`, `inspector.html`) is built when
//!   asked for (the tray, the popover's button through `open_inspector`,
//!   `egress-app --inspector`) and destroyed when closed: it is opened
//!   rarely, and closing it frees its WebKit web process and the table it
//!   held.
//!
//! Each window gets its capability (`capabilities/*.json`) by label.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use tauri::{
    AppHandle, Emitter, LogicalPosition, Manager, PhysicalPosition, Position, Runtime, WebviewUrl,
    WebviewWindow, WebviewWindowBuilder, WindowEvent,
};

use crate::popover::POPOVER_SIZE;

/// The popover's window label.
pub const POPOVER: &str = "popover";
/// The Route Inspector's window label.
pub const INSPECTOR: &str = "inspector";
/// The event a window's page gets when the app shows or hides it
/// (payload [`Visibility`]); WebKitGTK does not always update
/// `document.hidden` for a hidden toplevel, so the page does not rely on it.
pub const VISIBILITY: &str = "window-visibility";

/// A tray click this soon after the popover hid on blur closes it (the
/// click itself took the focus away) instead of opening it again.
const REOPEN_GUARD: Duration = Duration::from_millis(300);

/// The [`VISIBILITY`] event's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Visibility {
    /// The window's label (a page's listener hears every window's events).
    pub window: String,
    /// Whether the window is now shown.
    pub visible: bool,
}

/// What dismissing a window (Escape, a close request, losing focus for
/// the popover) does to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dismiss {
    /// Hide it and keep its page (instant reopen).
    Hide,
    /// Destroy it (frees its web process).
    Destroy,
}

/// The policy: keep the popover, destroy the Route Inspector.
pub fn dismissal(label: &str) -> Dismiss {
    if label == POPOVER {
        Dismiss::Hide
    } else {
        Dismiss::Destroy
    }
}

/// The popover's last hide on blur (for [`REOPEN_GUARD`]).
#[derive(Debug, Default)]
pub struct WindowsState {
    hidden_on_blur: Mutex<Option<Instant>>,
}

impl WindowsState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.hidden_on_blur
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the popover hid on blur just now.
    pub fn just_hidden(&self) -> bool {
        self.lock().is_some_and(|t| t.elapsed() < REOPEN_GUARD)
    }
}

/// The popover, if it was ever built.
pub fn existing_popover<R: Runtime>(app: &AppHandle<R>) -> Option<WebviewWindow<R>> {
    app.get_webview_window(POPOVER)
}

/// The popover: the existing one, or a new hidden one.
pub fn popover<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<WebviewWindow<R>> {
    if let Some(window) = existing_popover(app) {
        return Ok(window);
    }
    let started = Instant::now();
    let window = WebviewWindowBuilder::new(app, POPOVER, WebviewUrl::App("index.html".into()))
        .title("Egress")
        .inner_size(POPOVER_SIZE.0, POPOVER_SIZE.1)
        .resizable(false)
        .maximizable(false)
        .minimizable(false)
        .decorations(false)
        .visible(false)
        .skip_taskbar(true)
        .always_on_top(true)
        .visible_on_all_workspaces(true)
        .focused(true)
        .shadow(true)
        .build()?;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        "built the popover"
    );
    let stays = std::env::var("EGRESS_POPOVER_STAYS").is_ok_and(|v| v == "1");
    let handle = app.clone();
    let target = window.clone();
    window.on_window_event(move |event| match event {
        WindowEvent::Focused(false) if !stays => {
            if !target.is_visible().unwrap_or(false) {
                return;
            }
            if let Some(state) = handle.try_state::<WindowsState>() {
                *state.lock() = Some(Instant::now());
            }
            hide(&target);
        }
        WindowEvent::CloseRequested { api, .. } => {
            api.prevent_close();
            hide(&target);
        }
        _ => {}
    });
    Ok(window)
}

/// Tells `window`'s page whether it is shown.
fn announce<R: Runtime>(window: &WebviewWindow<R>, visible: bool) {
    let payload = Visibility {
        window: window.label().to_string(),
        visible,
    };
    if let Err(e) = window.emit_to(window.label(), VISIBILITY, payload) {
        tracing::warn!(error = %e, window = window.label(), "emitting window-visibility");
    }
}

/// Hides `window` and tells its page.
pub fn hide<R: Runtime>(window: &WebviewWindow<R>) {
    if let Err(e) = window.hide() {
        tracing::warn!(error = %e, window = window.label(), "hiding a window");
    }
    announce(window, false);
}

/// Moves `window` to `at` (physical pixels on a display of that scale),
/// shows and focuses it, and tells its page.
pub fn show<R: Runtime>(window: &WebviewWindow<R>, at: Option<((f64, f64), f64)>) {
    if let Some(((x, y), scale)) = at {
        // macOS positions windows in points of one global space; dividing
        // by the target display's own scale lands on the right display
        // even when the window is still on another one.
        let position: Position = if cfg!(target_os = "macos") {
            LogicalPosition::new(x / scale, y / scale).into()
        } else {
            PhysicalPosition::new(x, y).into()
        };
        if let Err(e) = window.set_position(position) {
            tracing::warn!(error = %e, "placing the popover");
        }
    }
    let _ = window.show();
    let _ = window.unminimize();
    let _ = window.set_focus();
    announce(window, true);
}

/// Dismisses `window` by [`dismissal`]'s policy.
pub fn dismiss<R: Runtime>(window: &WebviewWindow<R>) {
    match dismissal(window.label()) {
        Dismiss::Hide => hide(window),
        Dismiss::Destroy => {
            if let Err(e) = window.close() {
                tracing::warn!(error = %e, window = window.label(), "closing a window");
            }
        }
    }
}

/// Hides the popover and closes the Route Inspector (`egress-app --hide`).
pub fn dismiss_all<R: Runtime>(app: &AppHandle<R>) {
    for label in [POPOVER, INSPECTOR] {
        if let Some(window) = app.get_webview_window(label) {
            dismiss(&window);
        }
    }
}

/// Opens the Route Inspector, or brings it forward.
pub fn open_inspector<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<WebviewWindow<R>> {
    if let Some(window) = app.get_webview_window(INSPECTOR) {
        show(&window, None);
        return Ok(window);
    }
    let started = Instant::now();
    let window =
        WebviewWindowBuilder::new(app, INSPECTOR, WebviewUrl::App("inspector.html".into()))
            .title("Route Inspector — Egress")
            .inner_size(1100.0, 720.0)
            .min_inner_size(720.0, 480.0)
            .center()
            .focused(true)
            .build()?;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        "built the Route Inspector"
    );
    Ok(window)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_popover_is_kept_and_the_inspector_destroyed() {
        assert_eq!(dismissal(POPOVER), Dismiss::Hide);
        assert_eq!(dismissal(INSPECTOR), Dismiss::Destroy);
        assert_eq!(
            serde_json::to_value(Visibility {
                window: POPOVER.into(),
                visible: false
            })
            .unwrap(),
            serde_json::json!({"window": "popover", "visible": false})
        );
    }
}
