//! The route manager's settings, and the environment override of the mode.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use routing_core::model::RouteFlags;

use crate::engine::plan::Mode;

/// The environment variable that forces legacy routing.
pub const LEGACY_ENV: &str = "EGRESS_USE_LEGACY_ROUTING";

/// Settings of the route manager.
#[derive(Debug, Clone)]
pub struct ManagerConfig {
    /// How long the table must be quiet before the engine re-pins.
    pub quiet: Duration,
    /// The longest a burst of changes may postpone a re-pin.
    pub max_delay: Duration,
    /// How long a lost physical default is waited for before its pin is
    /// torn down (a new default is acted on at once).
    pub loss_grace: Duration,
    /// Where the journal lives (root-owned, 0700).
    pub state_dir: PathBuf,
    /// Interfaces registered as VPN interfaces: never physical.
    pub vpn_interfaces: Vec<String>,
    /// The flag our routes carry on macOS (`RTF_PROTO1` by default).
    pub tag: RouteFlags,
    /// What the environment says about the mode.
    pub mode_override: ModeOverride,
}

impl ManagerConfig {
    /// Defaults: re-pin 100 ms after the last change (at most 1 s after the
    /// first; NetBird waits 2 s), 1 s of grace on loss, `RTF_PROTO1`.
    pub fn new(state_dir: PathBuf) -> ManagerConfig {
        ManagerConfig {
            quiet: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            loss_grace: Duration::from_secs(1),
            state_dir,
            vpn_interfaces: Vec::new(),
            tag: RouteFlags::PROTO1,
            mode_override: ModeOverride::None,
        }
    }
}

/// What the environment says about the mode.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ModeOverride {
    /// Nothing: the user's persisted choice applies.
    #[default]
    None,
    /// The mode is forced; the user cannot switch it.
    Forced {
        /// The forced mode.
        mode: Mode,
        /// What forced it, e.g. `EGRESS_USE_LEGACY_ROUTING=1`.
        by: String,
    },
    /// The variable is set to something that is not a yes or a no. The
    /// user's choice applies, and status shows this error.
    Invalid {
        /// The error to show.
        error: String,
    },
}

impl ModeOverride {
    /// Reads `EGRESS_USE_LEGACY_ROUTING`'s value: `1`/`true`/`yes`/`on`
    /// force legacy; `0`/`false`/`no`/`off`/empty or unset force nothing;
    /// anything else is an error that is reported, never silently ignored.
    pub fn from_env_value(value: Option<&str>) -> ModeOverride {
        let Some(raw) = value else {
            return ModeOverride::None;
        };
        match raw.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => {
                ModeOverride::Forced { mode: Mode::Legacy, by: format!("{LEGACY_ENV}={raw}") }
            }
            "" | "0" | "false" | "no" | "off" => ModeOverride::None,
            _ => ModeOverride::Invalid {
                error: format!("{LEGACY_ENV}={raw:?} is not a yes or a no (use 1 or 0); the chosen mode applies"),
            },
        }
    }
}

impl fmt::Display for ModeOverride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModeOverride::None => f.write_str("not forced"),
            ModeOverride::Forced { mode, by } => write!(f, "forced to {mode} by {by}"),
            ModeOverride::Invalid { error } => f.write_str(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values() {
        for yes in ["1", "true", "TRUE", " yes ", "on"] {
            assert!(
                matches!(
                    ModeOverride::from_env_value(Some(yes)),
                    ModeOverride::Forced {
                        mode: Mode::Legacy,
                        ..
                    }
                ),
                "{yes}"
            );
        }
        for no in ["0", "false", "No", "off", ""] {
            assert_eq!(
                ModeOverride::from_env_value(Some(no)),
                ModeOverride::None,
                "{no}"
            );
        }
        assert_eq!(ModeOverride::from_env_value(None), ModeOverride::None);
        let ModeOverride::Invalid { error } = ModeOverride::from_env_value(Some("maybe")) else {
            panic!("an unparsable value must be an error")
        };
        assert!(error.contains("\"maybe\""), "{error}");
    }

    #[test]
    fn forced_says_by_what() {
        let forced = ModeOverride::from_env_value(Some("1"));
        assert_eq!(
            forced.to_string(),
            "forced to legacy by EGRESS_USE_LEGACY_ROUTING=1"
        );
    }
}
