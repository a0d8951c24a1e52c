use helper_client::ClientError;
use helper_proto::Welcome;

use super::*;
use crate::setup::{Manager, ServiceStatus};

const APP: &str = "egress-app 0.2.0";
const SOCKET: &str = "/var/run/egress/helper.sock";

fn connected(helper: &str) -> Connection {
    let welcome: Welcome = serde_json::from_value(serde_json::json!({
        "protocol": {"major": 1, "minor": 0}, "helper": helper,
        "backend": "macos", "peer": {"uid": 501, "gid": 20, "pid": null},
        "access": "change", "change_requires": null
    }))
    .unwrap();
    Connection::connected(SOCKET, &welcome)
}

fn not_running() -> Connection {
    Connection::failed(
        SOCKET,
        &ClientError::NotRunning {
            path: SOCKET.into(),
        },
    )
}

fn with_state(state: ConnState) -> Connection {
    Connection {
        state,
        ..not_running()
    }
}

fn eval(manager: Manager, service: ServiceStatus, c: &Connection) -> (SetupState, Vec<Action>) {
    let s = evaluate(manager, service, c, APP, "admin");
    (s.state, s.actions)
}

#[test]
fn app_service_states_and_their_actions() {
    use Action::*;
    let m = Manager::AppService;
    let down = not_running();
    let table = [
        (
            ServiceStatus::NotRegistered,
            SetupState::NotInstalled,
            vec![Register],
        ),
        (
            ServiceStatus::RequiresApproval,
            SetupState::NeedsApproval,
            vec![OpenApprovalSettings, Unregister],
        ),
        (
            ServiceStatus::NotFound,
            SetupState::NotFound,
            vec![Update, Unregister],
        ),
        (
            ServiceStatus::Enabled,
            SetupState::NotRunning,
            vec![Restart, Unregister],
        ),
    ];
    for (service, state, actions) in table {
        assert_eq!(eval(m, service, &down), (state, actions), "{service:?}");
    }
    assert_eq!(
        eval(m, ServiceStatus::Enabled, &connected("egress-helper 0.2.0")),
        (SetupState::Ok, vec![Unregister])
    );
    assert_eq!(
        eval(m, ServiceStatus::Enabled, &connected("egress-helper 0.1.0")),
        (SetupState::UpdateAvailable, vec![Update, Unregister])
    );
    // Approval pending is shown even while the owner is still connecting.
    assert_eq!(
        eval(
            m,
            ServiceStatus::RequiresApproval,
            &with_state(ConnState::Connecting)
        )
        .0,
        SetupState::NeedsApproval
    );
    assert_eq!(
        eval(
            m,
            ServiceStatus::Enabled,
            &with_state(ConnState::Connecting)
        ),
        (SetupState::Connecting, vec![])
    );
}

#[test]
fn systemd_states_and_their_actions() {
    use Action::*;
    let m = Manager::Systemd;
    let down = not_running();
    let table = [
        (
            ServiceStatus::NotInstalled,
            SetupState::NotInstalled,
            vec![],
        ),
        (
            ServiceStatus::Disabled,
            SetupState::NotRunning,
            vec![Register],
        ),
        (
            ServiceStatus::Enabled,
            SetupState::NotRunning,
            vec![Restart],
        ),
        (ServiceStatus::Failed, SetupState::NotRunning, vec![Restart]),
        (ServiceStatus::Masked, SetupState::NotRunning, vec![]),
        // systemd not running: no pkexec systemctl to offer.
        (ServiceStatus::Unknown, SetupState::NotRunning, vec![]),
    ];
    for (service, state, actions) in table {
        assert_eq!(eval(m, service, &down), (state, actions), "{service:?}");
    }
    assert_eq!(
        eval(m, ServiceStatus::Enabled, &connected("egress-helper 0.1.9")),
        (SetupState::UpdateAvailable, vec![Update])
    );
    assert_eq!(
        eval(m, ServiceStatus::Enabled, &connected("egress-helper 0.2.0")),
        (SetupState::Ok, vec![Unregister])
    );
    // The owner already knew nothing is installed.
    assert_eq!(
        eval(
            m,
            ServiceStatus::Unknown,
            &with_state(ConnState::NotInstalled)
        )
        .0,
        SetupState::NotInstalled
    );
}

#[test]
fn unmanaged_and_legacy_helpers_offer_no_buttons() {
    for m in [Manager::Unmanaged, Manager::LegacyLaunchd] {
        for (service, c) in [
            (ServiceStatus::Unknown, not_running()),
            (ServiceStatus::NotInstalled, not_running()),
            (ServiceStatus::Enabled, connected("egress-helper 0.1.0")),
        ] {
            assert!(eval(m, service, &c).1.is_empty(), "{m:?} {service:?}");
        }
    }
    assert_eq!(
        eval(
            Manager::LegacyLaunchd,
            ServiceStatus::NotInstalled,
            &not_running()
        )
        .0,
        SetupState::NotInstalled
    );
    assert_eq!(
        eval(Manager::Unmanaged, ServiceStatus::Unknown, &not_running()).0,
        SetupState::NotRunning
    );
}

#[test]
fn permission_denied_names_the_group() {
    let c = Connection::failed(
        SOCKET,
        &ClientError::NotPermitted {
            path: SOCKET.into(),
        },
    );
    let s = evaluate(Manager::Systemd, ServiceStatus::Enabled, &c, APP, "egress");
    assert_eq!(s.state, SetupState::PermissionDenied);
    assert_eq!(s.group.as_deref(), Some("egress"));
    assert!(s.actions.is_empty());
    let ok = evaluate(
        Manager::Systemd,
        ServiceStatus::Enabled,
        &connected("egress-helper 0.2.0"),
        APP,
        "egress",
    );
    assert_eq!(ok.group, None);
}

#[test]
fn incompatible_shows_both_versions() {
    let hello = helper_proto::Hello {
        protocol: helper_proto::ProtocolVersion { major: 2, minor: 0 },
        software: APP.into(),
    };
    let body = hello
        .check(helper_proto::PROTOCOL, "egress-helper 0.1.0")
        .unwrap_err();
    let c = Connection::failed(SOCKET, &ClientError::Incompatible(body));
    let s = evaluate(
        Manager::AppService,
        ServiceStatus::Enabled,
        &c,
        APP,
        "admin",
    );
    assert_eq!(s.state, SetupState::Incompatible);
    assert_eq!(s.app, APP);
    assert_eq!(s.helper.as_deref(), Some("egress-helper 0.1.0"));
    assert_eq!(s.actions, vec![Action::Update, Action::Unregister]);
    assert!(s.message.unwrap().contains("speaks protocol"));
}

#[test]
fn it_reads_as_the_contract_spells_it() {
    let s = evaluate(
        Manager::AppService,
        ServiceStatus::RequiresApproval,
        &not_running(),
        APP,
        "admin",
    );
    // The UI's types are checked against the same file (ui/tests/unit/types.test.ts).
    let fixture: serde_json::Value = serde_json::from_str(include_str!(
        "../../../ui/tests/fixtures/setup-needs-approval.json"
    ))
    .unwrap();
    assert_eq!(serde_json::to_value(&s).unwrap(), fixture);
}
