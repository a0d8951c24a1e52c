//! Where the popover goes: under the tray icon on the display that was
//! clicked, at that display's scale (or at the top right of the display
//! under the pointer when there was no click). The window itself, made on
//! first use and hidden on blur, is [`crate::windows`]'s. Tauri 2 has no
//! non-activating `NSPanel`, so on macOS showing it activates the app (an
//! Accessory app, so there is no Dock icon or menu bar switch).

use tauri::{AppHandle, Manager, Monitor, Rect, Runtime};

use crate::windows::{self, WindowsState};

/// The popover's size in logical pixels.
pub const POPOVER_SIZE: (f64, f64) = (360.0, 560.0);
/// Space between the icon and the popover, and the popover and a
/// screen edge, in logical pixels.
const GAP: f64 = 6.0;

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

/// A tray click: toggles the popover, placed under the icon at `rect`.
pub fn toggle_at<R: Runtime>(app: &AppHandle<R>, rect: Rect) {
    if let Some(window) = windows::existing_popover(app) {
        if window.is_visible().unwrap_or(false) {
            return windows::hide(&window);
        }
    }
    if app
        .try_state::<WindowsState>()
        .is_some_and(|s| s.just_hidden())
    {
        return;
    }
    let window = match windows::popover(app) {
        Ok(window) => window,
        Err(e) => return tracing::error!(error = %e, "building the popover"),
    };
    let probe = rect.position.to_physical::<f64>(1.0);
    let monitor = app
        .monitor_from_point(probe.x, probe.y)
        .ok()
        .flatten()
        .or_else(|| window.primary_monitor().ok().flatten());
    let Some(monitor) = monitor else {
        return windows::show(&window, None);
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
    windows::show(&window, Some((origin, scale)));
}

/// Opens the popover without a tray click (the menu's "Open Egress…", a
/// second launch, Linux where tray clicks do not arrive): at the top
/// right of the display under the pointer.
pub fn open<R: Runtime>(app: &AppHandle<R>) {
    let window = match windows::popover(app) {
        Ok(window) => window,
        Err(e) => return tracing::error!(error = %e, "building the popover"),
    };
    let monitor = app
        .cursor_position()
        .ok()
        .and_then(|p| app.monitor_from_point(p.x, p.y).ok().flatten())
        .or_else(|| window.primary_monitor().ok().flatten());
    let Some(monitor) = monitor else {
        return windows::show(&window, None);
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
    windows::show(
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
