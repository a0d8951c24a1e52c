//! The state of the one connection to the helper, as the UI sees it
//! (`Connection` in docs/APP.md).

use helper_client::ClientError;
use helper_proto::{Access, Welcome};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Where the connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnState {
    /// Talking to the helper.
    Connected,
    /// Nothing listens at the socket (or the helper went away), though a
    /// helper is installed (or the app cannot tell); retrying.
    NotRunning,
    /// Nothing listens at the socket and no helper is installed
    /// (no systemd unit, the bundle's daemon not registered); retrying.
    NotInstalled,
    /// The socket or the policy keeps this user out.
    NotPermitted,
    /// The helper speaks another protocol major.
    Incompatible,
    /// Trying to connect (at start, or after the helper went away).
    Connecting,
}

/// The connection, as the `connection` command and event carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Where it stands.
    pub state: ConnState,
    /// The sentence to show when not connected.
    pub message: Option<String>,
    /// `egress-helper 0.1.0`, once connected.
    pub helper: Option<String>,
    /// `macos`, `linux` or `sim`, once connected.
    pub backend: Option<String>,
    /// What the policy lets this user do, once connected.
    pub access: Option<Access>,
    /// When access is read-only: what it would take to change things.
    pub change_requires: Option<String>,
    /// The socket path.
    pub socket: String,
}

impl Connection {
    /// Not connected yet.
    pub fn connecting(socket: &str) -> Connection {
        Connection {
            state: ConnState::Connecting,
            message: Some("Connecting to the Egress helper…".to_string()),
            helper: None,
            backend: None,
            access: None,
            change_requires: None,
            socket: socket.to_string(),
        }
    }

    /// Connected, as the helper welcomed us.
    pub fn connected(socket: &str, welcome: &Welcome) -> Connection {
        Connection {
            state: ConnState::Connected,
            message: None,
            helper: Some(welcome.helper.clone()),
            backend: Some(welcome.backend.clone()),
            access: Some(welcome.access),
            change_requires: welcome.change_requires.clone(),
            socket: socket.to_string(),
        }
    }

    /// Not connected because of `error` (a failed connect, or the end of
    /// the connection).
    pub fn failed(socket: &str, error: &ClientError) -> Connection {
        let state = match error {
            ClientError::NotPermitted { .. } => ConnState::NotPermitted,
            ClientError::Incompatible(_) => ConnState::Incompatible,
            ClientError::NotRunning { .. } | ClientError::Disconnected => ConnState::NotRunning,
            ClientError::Helper(body) if body.code == helper_proto::ErrorCode::Unavailable => {
                ConnState::NotRunning
            }
            _ => ConnState::Connecting,
        };
        // The refusal names the helper; keep it so both versions show.
        let helper = match error {
            ClientError::Incompatible(body) => {
                crate::setup::versions::refusing_helper(&body.message)
            }
            _ => None,
        };
        Connection {
            state,
            message: Some(error.to_string()),
            helper,
            ..Connection::connecting(socket)
        }
    }

    /// "Not running" becomes "not installed" when the service manager says
    /// nothing is installed (`installed`: `Some(false)`).
    pub fn with_installed(mut self, installed: Option<bool>) -> Connection {
        if self.state == ConnState::NotRunning && installed == Some(false) {
            self.state = ConnState::NotInstalled;
            self.message = Some(format!(
                "the Egress helper is not installed: nothing is listening at {}",
                self.socket
            ));
        }
        self
    }

    /// Whether commands can reach the helper.
    pub fn is_connected(&self) -> bool {
        self.state == ConnState::Connected
    }

    /// Whether this user may change things (mode, flush, sim).
    pub fn may_change(&self) -> bool {
        self.is_connected() && self.access == Some(Access::Change)
    }

    /// The error a command gets while not connected.
    pub fn error(&self) -> AppError {
        let code = match self.state {
            ConnState::Connected | ConnState::Connecting => "disconnected",
            ConnState::NotRunning => "not_running",
            ConnState::NotInstalled => "not_installed",
            ConnState::NotPermitted => "not_permitted",
            ConnState::Incompatible => "incompatible",
        };
        let message = self
            .message
            .clone()
            .unwrap_or_else(|| "Not connected to the Egress helper.".to_string());
        AppError::new(code, message)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn it_reads_as_the_contract_spells_it() {
        let c = Connection::connecting("/tmp/s");
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["state"], "connecting");
        assert_eq!(json["changeRequires"], serde_json::Value::Null);
        assert_eq!(json["socket"], "/tmp/s");
        let gone = Connection::failed(
            "/tmp/s",
            &ClientError::NotRunning {
                path: PathBuf::from("/tmp/s"),
            },
        );
        assert_eq!(serde_json::to_value(&gone).unwrap()["state"], "not_running");
        assert_eq!(gone.error().code, "not_running");
        assert!(gone.error().message.contains("not running"));
        let kept = gone.clone().with_installed(Some(true));
        assert_eq!(kept.state, ConnState::NotRunning);
        assert_eq!(gone.clone().with_installed(None), gone);
        let missing = gone.with_installed(Some(false));
        assert_eq!(missing.state, ConnState::NotInstalled);
        assert_eq!(missing.error().code, "not_installed");
        assert!(missing.error().message.contains("not installed"));
    }

    #[test]
    fn an_incompatible_helper_is_named_from_its_refusal() {
        let hello = helper_proto::Hello {
            protocol: helper_proto::ProtocolVersion { major: 9, minor: 0 },
            software: "egress-app 9.0.0".into(),
        };
        let body = hello
            .check(helper_proto::PROTOCOL, "egress-helper 0.1.0")
            .unwrap_err();
        let c = Connection::failed("/tmp/s", &ClientError::Incompatible(body));
        assert_eq!(c.state, ConnState::Incompatible);
        assert_eq!(c.helper.as_deref(), Some("egress-helper 0.1.0"));
        assert_eq!(c.error().code, "incompatible");
    }
}
