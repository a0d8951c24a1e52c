//! The tray icon and its menu, rebuilt from [`crate::menu::model`] when
//! what it shows changes.

use std::sync::Mutex;

use tauri::image::Image;
use tauri::menu::{CheckMenuItem, IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Runtime};

use crate::menu::{MenuModel, TrayState, SIM_ACTIONS};

/// The tray icon's id.
pub const TRAY_ID: &str = "egress";

/// Menu item ids.
pub mod ids {
    /// The legacy routing checkbox.
    pub const LEGACY: &str = "legacy";
    /// Open Egress… (the popover).
    pub const OPEN: &str = "open";
    /// Route Inspector…
    pub const INSPECTOR: &str = "inspector";
    /// The notifications checkbox.
    pub const NOTIFICATIONS: &str = "notifications";
    /// The launch-at-login checkbox.
    pub const AUTOSTART: &str = "autostart";
    /// Quit.
    pub const QUIT: &str = "quit";
    /// Prefix of the Simulate submenu's items (`sim:vpn-up`).
    pub const SIM_PREFIX: &str = "sim:";
}

fn icon_bytes(state: TrayState) -> &'static [u8] {
    match state {
        TrayState::Healthy => include_bytes!("../icons/tray-advanced.png"),
        TrayState::Legacy => include_bytes!("../icons/tray-legacy.png"),
        TrayState::Degraded => include_bytes!("../icons/tray-degraded.png"),
        TrayState::Unavailable => include_bytes!("../icons/tray-unavailable.png"),
    }
}

fn icon(state: TrayState) -> tauri::Result<Image<'static>> {
    Image::from_bytes(icon_bytes(state))
}

/// The menu for `m`.
fn build_menu<R: Runtime>(app: &AppHandle<R>, m: &MenuModel) -> tauri::Result<Menu<R>> {
    let info = |id: String, text: &str| MenuItem::with_id(app, id, text, false, None::<&str>);
    let mut items: Vec<Box<dyn IsMenuItem<R>>> = Vec::new();
    for (i, line) in m.families.iter().enumerate() {
        items.push(Box::new(info(format!("info:family:{i}"), line)?));
    }
    if !m.families.is_empty() {
        items.push(Box::new(PredefinedMenuItem::separator(app)?));
    }
    items.push(Box::new(CheckMenuItem::with_id(
        app,
        ids::LEGACY,
        "Legacy routing",
        m.legacy_enabled,
        m.legacy_checked,
        None::<&str>,
    )?));
    if let Some(reason) = &m.legacy_reason {
        items.push(Box::new(info(
            "info:legacy".into(),
            &format!("    {reason}"),
        )?));
    }
    items.push(Box::new(PredefinedMenuItem::separator(app)?));
    items.push(Box::new(MenuItem::with_id(
        app,
        ids::OPEN,
        "Open Egress…",
        true,
        None::<&str>,
    )?));
    items.push(Box::new(MenuItem::with_id(
        app,
        ids::INSPECTOR,
        "Route Inspector…",
        true,
        None::<&str>,
    )?));
    items.push(Box::new(PredefinedMenuItem::separator(app)?));
    items.push(Box::new(info("info:helper".into(), &m.helper_line)?));
    if let Some(detail) = &m.helper_detail {
        items.push(Box::new(info("info:helper-detail".into(), detail)?));
    }
    if m.sim {
        let sim_items = SIM_ACTIONS
            .iter()
            .map(|(event, label)| {
                MenuItem::with_id(
                    app,
                    format!("{}{event}", ids::SIM_PREFIX),
                    *label,
                    true,
                    None::<&str>,
                )
            })
            .collect::<tauri::Result<Vec<_>>>()?;
        let refs: Vec<&dyn IsMenuItem<R>> =
            sim_items.iter().map(|i| i as &dyn IsMenuItem<R>).collect();
        items.push(Box::new(Submenu::with_items(app, "Simulate", true, &refs)?));
    }
    items.push(Box::new(PredefinedMenuItem::separator(app)?));
    items.push(Box::new(CheckMenuItem::with_id(
        app,
        ids::NOTIFICATIONS,
        "Notifications",
        true,
        m.notifications,
        None::<&str>,
    )?));
    items.push(Box::new(CheckMenuItem::with_id(
        app,
        ids::AUTOSTART,
        "Launch at Login",
        true,
        m.autostart,
        None::<&str>,
    )?));
    items.push(Box::new(PredefinedMenuItem::separator(app)?));
    items.push(Box::new(MenuItem::with_id(
        app,
        ids::QUIT,
        "Quit Egress",
        true,
        None::<&str>,
    )?));
    let refs: Vec<&dyn IsMenuItem<R>> = items.iter().map(|i| &**i).collect();
    Menu::with_items(app, &refs)
}

/// The tray icon and what it shows now.
#[derive(Debug, Default)]
pub struct Tray {
    shown: Mutex<Option<MenuModel>>,
}

impl Tray {
    /// Creates the tray icon showing `m`; a left click (where the
    /// platform reports one) toggles the popover.
    pub fn create<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        m: &MenuModel,
    ) -> tauri::Result<TrayIcon<R>> {
        let menu = build_menu(app, m)?;
        let tray = TrayIconBuilder::with_id(TRAY_ID)
            .icon(icon(m.icon)?)
            .icon_as_template(cfg!(target_os = "macos"))
            .tooltip(&m.tooltip)
            .menu(&menu)
            .show_menu_on_left_click(false)
            .on_tray_icon_event(|tray, event| {
                if let TrayIconEvent::Click {
                    button: MouseButton::Left,
                    button_state: MouseButtonState::Up,
                    rect,
                    ..
                } = event
                {
                    crate::popover::toggle_at(tray.app_handle(), rect);
                }
            })
            .build(app)?;
        *self.lock() = Some(m.clone());
        Ok(tray)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<MenuModel>> {
        self.shown
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Shows `m`, rebuilding the menu and swapping the icon only when they
    /// changed (or always with `force`, after a click changed a checkbox
    /// that the model may not follow).
    pub fn show<R: Runtime>(&self, app: &AppHandle<R>, m: &MenuModel, force: bool) {
        let Some(tray) = app.tray_by_id(TRAY_ID) else {
            return;
        };
        let before = self.lock().replace(m.clone());
        let result = (|| -> tauri::Result<()> {
            let icon_changed = before.as_ref().is_none_or(|b| b.icon != m.icon);
            if icon_changed {
                tray.set_icon(Some(icon(m.icon)?))?;
                tray.set_icon_as_template(cfg!(target_os = "macos"))?;
            }
            if force || before.as_ref() != Some(m) {
                tray.set_menu(Some(build_menu(app, m)?))?;
                tray.set_tooltip(Some(&m.tooltip))?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            tracing::warn!(error = %e, "updating the tray");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_icons_are_distinct_rgba_pngs() {
        let states = [
            TrayState::Healthy,
            TrayState::Legacy,
            TrayState::Degraded,
            TrayState::Unavailable,
        ];
        let images: Vec<Image<'static>> = states.iter().map(|s| icon(*s).unwrap()).collect();
        for image in &images {
            assert_eq!((image.width(), image.height()), (44, 44));
            assert_eq!(image.rgba().len(), 44 * 44 * 4);
        }
        for i in 0..images.len() {
            for j in i + 1..images.len() {
                let alpha = |im: &Image<'_>| {
                    im.rgba()
                        .iter()
                        .skip(3)
                        .step_by(4)
                        .copied()
                        .collect::<Vec<u8>>()
                };
                assert_ne!(
                    alpha(&images[i]),
                    alpha(&images[j]),
                    "{:?} vs {:?}: shapes must differ (macOS shows alpha only)",
                    states[i],
                    states[j]
                );
            }
        }
    }
}
