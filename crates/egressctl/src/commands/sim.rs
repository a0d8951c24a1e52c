//! `egressctl sim …`: drives the simulated Mac, then shows the status.

use helper_client::{Client, ClientError, SimOutcome};
use helper_proto::{ErrorCode, SimAction};

use super::Context;
use crate::cli::{NetworkArg, SimCommand, UpDown};
use crate::failure::Failure;
use crate::output::print_json;
use crate::output::status::render_status;
use crate::output::table::aligned;

/// The action a command asks for.
fn action(command: SimCommand) -> SimAction {
    let event = |name: &str| SimAction::Event { name: name.into() };
    match command {
        SimCommand::Events => SimAction::ListEvents,
        SimCommand::Run { event: name } => SimAction::Event { name },
        SimCommand::Vpn { state: UpDown::Up } => event("vpn-up"),
        SimCommand::Vpn {
            state: UpDown::Down,
        } => event("vpn-down"),
        SimCommand::Network {
            kind: NetworkArg::Wifi,
        } => event("ethernet-to-wifi"),
        SimCommand::Network {
            kind: NetworkArg::Ethernet,
        } => event("wifi-to-ethernet"),
        SimCommand::Sleep => event("sleep"),
        SimCommand::Wake => event("wake"),
        SimCommand::Link { interface, state } => SimAction::Link {
            interface,
            up: state == UpDown::Up,
        },
    }
}

/// "Not supported" from a helper that is not on the sim says so plainly.
fn not_sim(client: &Client, e: ClientError) -> Failure {
    match e {
        ClientError::Helper(body) if body.code == ErrorCode::NotSupported => Failure::NotSim {
            message: body.message,
            backend: client.welcome().backend.clone(),
        },
        other => Failure::Client(other),
    }
}

/// Runs a sim command.
pub async fn sim(cx: &Context, command: SimCommand) -> Result<(), Failure> {
    let client = cx.connect().await?;
    let outcome = client
        .sim(action(command))
        .await
        .map_err(|e| not_sim(&client, e))?;
    match outcome {
        SimOutcome::Events(events) if cx.json => print_json(&events),
        SimOutcome::Events(events) => {
            let rows: Vec<Vec<String>> = events
                .iter()
                .map(|e| vec![e.name.clone(), e.description.clone()])
                .collect();
            print!("{}", aligned(&rows));
            Ok(())
        }
        SimOutcome::Status(status) if cx.json => print_json(&status),
        SimOutcome::Status(status) => {
            print!(
                "{}",
                render_status(&status, Some(client.welcome()), &cx.clock())
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_name_the_scenario_events() {
        let name = |c| match action(c) {
            SimAction::Event { name } => name,
            other => panic!("not an event: {other:?}"),
        };
        assert_eq!(name(SimCommand::Vpn { state: UpDown::Up }), "vpn-up");
        assert_eq!(
            name(SimCommand::Network {
                kind: NetworkArg::Wifi
            }),
            "ethernet-to-wifi"
        );
        assert_eq!(
            name(SimCommand::Network {
                kind: NetworkArg::Ethernet
            }),
            "wifi-to-ethernet"
        );
        assert_eq!(name(SimCommand::Wake), "wake");
        assert_eq!(
            action(SimCommand::Link {
                interface: "en0".into(),
                state: UpDown::Down
            }),
            SimAction::Link {
                interface: "en0".into(),
                up: false
            }
        );
    }
}
