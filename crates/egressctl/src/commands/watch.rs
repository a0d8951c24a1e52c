//! `egressctl watch`: events as they happen, across helper restarts.

use helper_client::{BackoffPolicy, ReconnectingEvents, WatchItem};
use helper_proto::Topic;
use serde_json::{json, Value};

use super::{Context, SOFTWARE};
use crate::failure::Failure;
use crate::output::clock::Clock;
use crate::output::event::{event_text, watch_line};
use crate::output::status::status_summary;

/// Prints one line (text or JSON) stamped with the current time.
fn emit(cx: &Context, clock: &mut Clock, kind: &str, text: &str, json: Value) {
    clock.tick();
    let now = clock.now_secs();
    if cx.json {
        let mut line = json!({ "time": clock.iso(now) });
        if let (Some(line), Value::Object(fields)) = (line.as_object_mut(), json) {
            line.extend(fields);
        }
        println!("{line}");
    } else {
        println!("{}", watch_line(&clock.time(now), kind, text));
    }
}

/// Watches until interrupted, or until reconnecting is hopeless.
pub async fn watch(cx: &Context, topics: &[Topic]) -> Result<(), Failure> {
    let client = cx.connect().await?;
    let mut events =
        ReconnectingEvents::new(&client, SOFTWARE, topics, BackoffPolicy::default()).await?;
    drop(client);
    let mut clock = cx.clock();
    if !cx.json {
        eprintln!(
            "watching the helper at {} (Ctrl-C to stop)",
            cx.socket.display()
        );
    }
    loop {
        match events.next().await? {
            WatchItem::Event(event) => {
                let (kind, text) = event_text(&event);
                emit(cx, &mut clock, kind, &text, json!({ "event": event }));
            }
            WatchItem::Lost(reason) => {
                let text = format!("{reason}; reconnecting");
                emit(
                    cx,
                    &mut clock,
                    "lost",
                    &text,
                    json!({ "lost": reason.to_string() }),
                );
            }
            WatchItem::Reconnected => {
                // Events were missed while away: say where things stand now.
                let status = match events.client() {
                    Some(client) => client.status().await.ok(),
                    None => None,
                };
                let text = match &status {
                    Some(s) => format!("reconnected; {}", status_summary(s)),
                    None => "reconnected".to_string(),
                };
                emit(
                    cx,
                    &mut clock,
                    "back",
                    &text,
                    json!({ "reconnected": true, "status": status }),
                );
            }
        }
    }
}
