//! The popover under the tray icon, and the Route Inspector window.
//!
//! The popover is the `popover` window of tauri.conf.json (360×560, no
//! decorations, hidden at start, always on top, on all workspaces). A
//! tray click shows it centred under the icon on the display that was
//! clicked, at that display's scale; it hides when it loses focus (which
//! is also what happens when another app activates). Tauri 2 has no
//! non-activating `NSPanel`, so on macOS showing it activates the app
//! (an Accessory app, so there is no Dock icon or menu bar switch).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tauri::{
    AppHandle, LogicalPosition, Manager, Monitor, PhysicalPosition, Position, Rect, Runtime,
    WebviewUrl, WebviewWindow, WebviewWindowBuilder, WindowEvent,
};

/// The popover's window label.
pub const POPOVER: &str = "popover";
/// The Route Inspector's window label.
pub const INSPECTOR: &str = "inspector";

/// The popover's size in logical pixels (as in tauri.conf.json).
pub const POPOVER_SIZE: (f64, f64) = (360.0, 560.0);
/// Space between the icon and the popover, and the popover and a
/// screen edge, in logical pixels.
const GAP: f64 = 6.0;
/// A tray click this soon after the popover hid on blur closes it (the
/// click itself took the focus away) instead of opening it again.
const REOPEN_GUARD: Duration = Duration::from_millis(300);

/// A rectangle in physical pixels: x, y, width, height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhysRect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// Where the popover's top-left corner goes (physical pixels): centred
/// under `icon` (above it when the icon is in the lower half of the
/// screen, as in a bottom panel), kept inside `work`, for a window of
/// `size` logical pixels on a display of `scale`.
pub fn place(icon: PhysRect, work: PhysRect, scale: f64, size: (f64, f64)) -> (f64, f64) {
    let (width, height) = (size.0 * scale, size.1 * scale);
    let gap = GAP * scale;
    let centre = icon.x + icon.width / 2.0;
    let max_x = (work.x + work.width - width - gap).max(work.x);
    let x = (centre - width / 2.0).clamp(work.x + gap.min(max_x - work.x), max_x);
    let below = icon.y + icon.height / 2.0 < work.y + work.height / 2.0;
    let y = if below {
        (icon.y + icon.height + gap).max(work.y)
    } else {
        (icon.y - height - gap).max(work.y)
    };
    (x.round(), y.round())
}

/// The popover's last hide on blur (for [`REOPEN_GUARD`]).
#[derive(Debug, Default)]
pub struct PopoverState {
    hidden_on_blur: Mutex<Option<Instant>>,
}

fn popover<R: Runtime>(app: &AppHandle<R>) -> Option<WebviewWindow<R>> {
    app.get_webview_window(POPOVER)
}

/// Hides the popover when it loses focus (unless `EGRESS_POPOVER_STAYS=1`),
/// and hides instead of closing.
pub fn install<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = popover(app) else {
        tracing::error!("the popover window is missing from tauri.conf.json");
        return;
    };
    let stays = std::env::var("EGRESS_POPOVER_STAYS").is_ok_and(|v| v == "1");
    let handle = app.clone();
    let hide_target = window.clone();
    window.on_window_event(move |event| match event {
        WindowEvent::Focused(false) if !stays => {
            if let Some(state) = handle.try_state::<PopoverState>() {
                *lock(&state.hidden_on_blur) = Some(Instant::now());
            }
            let _ = hide_target.hide();
        }
        WindowEvent::CloseRequested { api, .. } => {
            api.prevent_close();
            let _ = hide_target.hide();
        }
        _ => {}
    });
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A tray click: toggles the popover, placed under the icon at `rect`.
pub fn toggle_at<R: Runtime>(app: &AppHandle<R>, rect: Rect) {
    let Some(window) = popover(app) else { return };
    if window.is_visible().unwrap_or(false) {
        let _ = window.hide();
        return;
    }
    let just_hidden = app
        .try_state::<PopoverState>()
        .and_then(|s| *lock(&s.hidden_on_blur))
        .is_some_and(|t| t.elapsed() < REOPEN_GUARD);
    if just_hidden {
        return;
    }
    let probe = rect.position.to_physical::<f64>(1.0);
    let monitor = app
        .monitor_from_point(probe.x, probe.y)
        .ok()
        .flatten()
        .or_else(|| window.primary_monitor().ok().flatten());
    let Some(monitor) = monitor else {
        return show(&window, None);
    };
    let scale = monitor.scale_factor();
    let position = rect.position.to_physical::<f64>(scale);
    let size = rect.size.to_physical::<f64>(scale);
    let icon = PhysRect {
        x: position.x,
        y: position.y,
        width: size.width,
        height: size.height,
    };
    let origin = place(icon, work_area(&monitor), scale, POPOVER_SIZE);
    show(&window, Some((origin, scale)));
}

/// Opens the popover without a tray click (the menu's "Open Egress…", a
/// second launch, Linux where tray clicks do not arrive): at the top
/// right of the display under the pointer.
pub fn open<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = popover(app) else { return };
    let monitor = app
        .cursor_position()
        .ok()
        .and_then(|p| app.monitor_from_point(p.x, p.y).ok().flatten())
        .or_else(|| window.primary_monitor().ok().flatten());
    let Some(monitor) = monitor else {
        return show(&window, None);
    };
    let scale = monitor.scale_factor();
    let work = work_area(&monitor);
    // An imaginary icon in the top-right corner of the work area.
    let icon = PhysRect {
        x: work.x + work.width - 40.0 * scale,
        y: work.y,
        width: 24.0 * scale,
        height: 0.0,
    };
    show(
        &window,
        Some((place(icon, work, scale, POPOVER_SIZE), scale)),
    );
}

fn work_area(monitor: &Monitor) -> PhysRect {
    let area = monitor.work_area();
    PhysRect {
        x: f64::from(area.position.x),
        y: f64::from(area.position.y),
        width: f64::from(area.size.width),
        height: f64::from(area.size.height),
    }
}

/// Moves the window to `at` (physical pixels on a display of `scale`)
/// and shows and focuses it.
fn show<R: Runtime>(window: &WebviewWindow<R>, at: Option<((f64, f64), f64)>) {
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
}

/// Opens (or brings forward) the Route Inspector.
pub fn open_inspector<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(INSPECTOR) {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
        return;
    }
    let built = WebviewWindowBuilder::new(app, INSPECTOR, WebviewUrl::App("inspector.html".into()))
        .title("Route Inspector — Egress")
        .inner_size(1100.0, 720.0)
        .min_inner_size(720.0, 480.0)
        .center()
        .focused(true)
        .build();
    if let Err(e) = built {
        tracing::error!(error = %e, "opening the Route Inspector");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCREEN: PhysRect = PhysRect {
        x: 0.0,
        y: 25.0,
        width: 1440.0,
        height: 875.0,
    };

    #[test]
    fn it_sits_centred_under_the_icon() {
        let icon = PhysRect {
            x: 1000.0,
            y: 0.0,
            width: 24.0,
            height: 24.0,
        };
        assert_eq!(place(icon, SCREEN, 1.0, POPOVER_SIZE), (832.0, 30.0));
    }

    #[test]
    fn it_stays_on_screen_near_the_right_edge_at_2x() {
        let work = PhysRect {
            x: 0.0,
            y: 50.0,
            width: 2880.0,
            height: 1750.0,
        };
        let icon = PhysRect {
            x: 2800.0,
            y: 0.0,
            width: 48.0,
            height: 48.0,
        };
        let (x, y) = place(icon, work, 2.0, POPOVER_SIZE);
        assert_eq!(x, 2880.0 - 720.0 - 12.0);
        assert_eq!(y, 60.0);
    }

    #[test]
    fn on_a_second_display_and_a_bottom_panel_it_opens_above() {
        let work = PhysRect {
            x: 1920.0,
            y: 0.0,
            width: 1920.0,
            height: 1040.0,
        };
        let icon = PhysRect {
            x: 3700.0,
            y: 1044.0,
            width: 32.0,
            height: 32.0,
        };
        let (x, y) = place(icon, work, 1.0, POPOVER_SIZE);
        assert_eq!(x, 1920.0 + 1920.0 - 360.0 - 6.0);
        assert_eq!(y, 1044.0 - 560.0 - 6.0);
    }

    #[test]
    fn a_screen_narrower_than_the_popover_keeps_its_left_edge() {
        let work = PhysRect {
            x: 100.0,
            y: 0.0,
            width: 300.0,
            height: 600.0,
        };
        let icon = PhysRect {
            x: 200.0,
            y: 0.0,
            width: 20.0,
            height: 20.0,
        };
        assert_eq!(place(icon, work, 1.0, POPOVER_SIZE).0, 100.0);
    }
}
