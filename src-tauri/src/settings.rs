//! The app's own settings (notifications on or off), kept as JSON in the
//! app's config directory. Launch at login lives with the OS (autostart).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The settings; everything is off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Whether to show notifications.
    pub notifications: bool,
}

/// Settings stored in a file.
#[derive(Debug)]
pub struct SettingsFile {
    path: Option<PathBuf>,
}

impl SettingsFile {
    /// Settings in `dir/settings.json` (none stored when `dir` is unknown).
    pub fn new(dir: Option<&Path>) -> SettingsFile {
        SettingsFile {
            path: dir.map(|d| d.join("settings.json")),
        }
    }

    /// The stored settings, or the defaults.
    pub fn load(&self) -> Settings {
        let Some(path) = &self.path else {
            return Settings::default();
        };
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(path = %path.display(), error = %e, "ignoring unreadable settings");
                Settings::default()
            }),
            Err(_) => Settings::default(),
        }
    }

    /// Stores `settings` (written whole, then renamed into place).
    pub fn save(&self, settings: &Settings) {
        let Some(path) = &self.path else { return };
        let result = (|| {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = path.with_extension("json.tmp");
            std::fs::write(&tmp, serde_json::to_vec_pretty(settings)?)?;
            std::fs::rename(&tmp, path)
        })();
        if let Err(e) = result {
            tracing::warn!(path = %path.display(), error = %e, "saving the settings failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_off_and_survive_a_save() {
        let dir = std::env::temp_dir().join(format!("egress-app-settings-{}", std::process::id()));
        let file = SettingsFile::new(Some(&dir));
        assert_eq!(file.load(), Settings::default());
        file.save(&Settings {
            notifications: true,
        });
        assert!(file.load().notifications);
        std::fs::write(dir.join("settings.json"), b"{not json").unwrap();
        assert_eq!(file.load(), Settings::default());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(SettingsFile::new(None).load(), Settings::default());
    }
}
