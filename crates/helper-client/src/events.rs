//! Subscriptions: the helper's events as a stream.

use helper_proto::{Event, Request, Response, Topic};
use tokio::sync::mpsc;

use crate::api::response_kind;
use crate::connection::Client;
use crate::error::ClientError;

/// Events of one subscription, in the order the helper sent them.
///
/// It keeps the connection open. If it is not read quickly enough, the
/// events that did not fit are counted and an [`Event::Lagged`] comes
/// ahead of the next one: re-read the status then.
#[derive(Debug)]
pub struct EventStream {
    rx: mpsc::Receiver<Event>,
    client: Client,
    topics: Vec<Topic>,
}

impl EventStream {
    /// The next event; `None` once the connection has ended (see
    /// [`Client::close_reason`]) or the subscription was replaced.
    pub async fn next(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// The connection the events come on.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The topics the helper says it sends (empty: all).
    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }
}

impl Client {
    /// Asks for events of `topics` (all topics when empty). A connection
    /// has one subscription: subscribing again replaces it, and the
    /// earlier stream ends.
    ///
    /// # Errors
    /// Any [`ClientError`].
    pub async fn subscribe(&self, topics: &[Topic]) -> Result<EventStream, ClientError> {
        // Listen first, so no event sent right after the reply is lost.
        let rx = self.install_subscriber();
        let request = Request::Subscribe {
            topics: topics.to_vec(),
        };
        match self.call(request).await {
            Ok(Response::Subscribed { topics }) => Ok(EventStream {
                rx,
                client: self.clone(),
                topics,
            }),
            Ok(other) => {
                self.remove_subscriber();
                Err(ClientError::Protocol(format!(
                    "the helper answered subscribe with a {} reply",
                    response_kind(&other)
                )))
            }
            Err(e) => {
                self.remove_subscriber();
                Err(e)
            }
        }
    }

    /// Stops the events; the stream ends.
    ///
    /// # Errors
    /// Any [`ClientError`].
    pub async fn unsubscribe(&self) -> Result<(), ClientError> {
        let result = self.call(Request::Unsubscribe).await;
        self.remove_subscriber();
        match result? {
            Response::Subscribed { .. } => Ok(()),
            other => Err(ClientError::Protocol(format!(
                "the helper answered unsubscribe with a {} reply",
                response_kind(&other)
            ))),
        }
    }
}
