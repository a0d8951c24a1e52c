use std::sync::Mutex;

use super::*;
use crate::connection::ConnState;

#[derive(Default)]
struct Recorder {
    connections: Mutex<Vec<Connection>>,
}

impl Sink for Recorder {
    fn helper_event(&self, _event: &Event) {}
    fn connection(&self, connection: &Connection) {
        self.connections.lock().unwrap().push(connection.clone());
    }
    fn snapshot(&self, _connection: &Connection, _status: Option<&Status>) {}
}

#[tokio::test]
async fn without_a_helper_commands_say_not_running_and_it_keeps_trying() {
    let dir = std::env::temp_dir().join(format!("egress-app-owner-{}", std::process::id()));
    let socket = dir.join("missing.sock");
    let owner = Arc::new(Owner::new(socket.clone(), "egress-app test"));
    assert_eq!(owner.connection().state, ConnState::Connecting);
    let error = owner.status().await.unwrap_err();
    assert_eq!(error.code, "disconnected");

    let sink = Arc::new(Recorder::default());
    let task = tokio::spawn(Arc::clone(&owner).run(sink.clone()));
    for _ in 0..100 {
        if owner.connection().state == ConnState::NotRunning {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let connection = owner.connection();
    assert_eq!(connection.state, ConnState::NotRunning);
    assert_eq!(connection.socket, socket.display().to_string());
    let error = owner.status().await.unwrap_err();
    assert_eq!(error.code, "not_running");
    assert!(error.message.contains("not running"), "{}", error.message);
    assert_eq!(
        sink.connections.lock().unwrap().len(),
        1,
        "one change told once"
    );
    assert!(!task.is_finished(), "the owner keeps retrying");
    task.abort();
}

#[tokio::test]
async fn without_an_installed_helper_it_says_not_installed() {
    let dir = std::env::temp_dir().join(format!("egress-app-owner-ni-{}", std::process::id()));
    let socket = dir.join("missing.sock");
    let systemd = crate::setup::systemd::Systemd::new(
        crate::setup::systemd::Paths::under(&dir),
        Arc::new(crate::setup::systemd::NoRunner),
    );
    let owner =
        Arc::new(Owner::new(socket, "egress-app test").with_service_manager(Arc::new(systemd)));
    let sink = Arc::new(Recorder::default());
    let task = tokio::spawn(Arc::clone(&owner).run(sink));
    for _ in 0..100 {
        if owner.connection().state == ConnState::NotInstalled {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(owner.connection().state, ConnState::NotInstalled);
    let error = owner.status().await.unwrap_err();
    assert_eq!(error.code, "not_installed");
    task.abort();
}
