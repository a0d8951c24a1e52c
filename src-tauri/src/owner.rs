//! The one owner of the helper connection: a task that connects with
//! backoff, subscribes to every event (re-subscribing across helper
//! restarts), forwards each event to a [`Sink`], and holds the [`Client`]
//! the commands use.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use helper_client::{
    connect_with_backoff, BackoffPolicy, Client, ClientError, ReconnectingEvents, SimOutcome,
    WatchItem,
};
use helper_proto::{
    Event, Exclusion, FlushReport, LookupAnswer, Mode, ProbeAnswer, RouteFilter, RouteRow,
    SimAction, SimEvent, SocketProtocol, Status,
};
use routing_core::model::Family;

use crate::connection::Connection;
use crate::error::AppError;
use crate::helper::{verify_destination, Helper, Progress};
use crate::setup::ServiceManager;

/// How long to wait before trying again after a failure that waiting
/// alone does not cure (not permitted, incompatible): a policy reload or
/// a reinstall may still fix it.
const PERMANENT_RETRY: Duration = Duration::from_secs(10);

/// Who hears what the owner learns.
pub trait Sink: Send + Sync + 'static {
    /// A helper event, as it came.
    fn helper_event(&self, event: &Event);
    /// The connection's state changed.
    fn connection(&self, connection: &Connection);
    /// The connection or the status changed (for the tray and notifications).
    fn snapshot(&self, connection: &Connection, status: Option<&Status>);
}

#[derive(Debug)]
struct State {
    client: Option<Client>,
    connection: Connection,
    status: Option<Status>,
}

/// The service manager asked whether a helper is installed at all, so
/// "not running" can be told from "not installed".
struct Installed(Arc<dyn ServiceManager>);

impl std::fmt::Debug for Installed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Installed({:?})", self.0.manager())
    }
}

/// The connection owner. Cheap to share (`Arc`); [`Owner::run`] is its task.
#[derive(Debug)]
pub struct Owner {
    socket: PathBuf,
    software: String,
    state: Mutex<State>,
    installed: Option<Installed>,
}

impl Owner {
    /// An owner for the helper at `socket`, saying hello as `software`.
    pub fn new(socket: PathBuf, software: &str) -> Owner {
        let connection = Connection::connecting(&socket.display().to_string());
        Owner {
            socket,
            software: software.to_string(),
            state: Mutex::new(State {
                client: None,
                connection,
                status: None,
            }),
            installed: None,
        }
    }

    /// Asks `manager` whether a helper is installed whenever nothing
    /// answers, so the connection says "not installed" rather than "not
    /// running" when that is the truth.
    pub fn with_service_manager(mut self, manager: Arc<dyn ServiceManager>) -> Owner {
        self.installed = Some(Installed(manager));
        self
    }

    /// The connection's state now.
    pub fn connection_snapshot(&self) -> Connection {
        self.lock().connection.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn socket_text(&self) -> String {
        self.socket.display().to_string()
    }

    /// The client, or the error of the connection's state.
    fn client(&self) -> Result<Client, AppError> {
        let state = self.lock();
        state.client.clone().ok_or_else(|| state.connection.error())
    }

    /// Records a new connection state (and client) and tells the sink.
    fn set(&self, sink: &dyn Sink, client: Option<Client>, connection: Connection) {
        let (changed, status) = {
            let mut state = self.lock();
            if client.is_none() {
                state.status = None;
            }
            state.client = client;
            let changed = state.connection != connection;
            state.connection = connection.clone();
            (changed, state.status.clone())
        };
        if changed {
            tracing::info!(state = ?connection.state, message = ?connection.message, "helper connection");
            sink.connection(&connection);
        }
        sink.snapshot(&connection, status.as_ref());
    }

    /// Keeps `status` as the latest and tells the sink.
    fn set_status(&self, sink: &dyn Sink, status: Status) {
        let connection = {
            let mut state = self.lock();
            if state.status.as_ref() == Some(&status) {
                return;
            }
            state.status = Some(status.clone());
            state.connection.clone()
        };
        sink.snapshot(&connection, Some(&status));
    }

    /// Reads the status afresh (after connecting, or after missed events).
    async fn refresh(&self, sink: &dyn Sink, client: &Client) {
        match client.status().await {
            Ok(status) => self.set_status(sink, status),
            Err(e) => tracing::warn!(error = %e, "reading the status failed"),
        }
    }

    fn connected(&self, sink: &dyn Sink, client: Client) {
        let connection = Connection::connected(&self.socket_text(), client.welcome());
        self.set(sink, Some(client), connection);
    }

    fn failed(&self, sink: &dyn Sink, error: &ClientError) {
        let mut connection = Connection::failed(&self.socket_text(), error);
        if let Some(Installed(manager)) = &self.installed {
            connection = connection.with_installed(manager.installed());
        }
        self.set(sink, None, connection);
    }

    /// Connects: one attempt (so the UI learns at once why it cannot),
    /// then with backoff.
    async fn connect(&self, sink: &dyn Sink, policy: &BackoffPolicy) -> Client {
        loop {
            let error = match Client::connect(&self.socket, &self.software).await {
                Ok(client) => return client,
                Err(e) => e,
            };
            self.failed(sink, &error);
            if error.is_transient() {
                match connect_with_backoff(&self.socket, &self.software, policy).await {
                    Ok(client) => return client,
                    Err(e) => self.failed(sink, &e),
                }
            }
            tokio::time::sleep(PERMANENT_RETRY).await;
        }
    }

    /// The owner's task: connect, subscribe, forward events, reconnect;
    /// never returns.
    pub async fn run(self: Arc<Self>, sink: Arc<dyn Sink>) {
        let sink = &*sink;
        let policy = BackoffPolicy::default();
        loop {
            let client = self.connect(sink, &policy).await;
            let mut events =
                match ReconnectingEvents::new(&client, &self.software, &[], policy).await {
                    Ok(events) => events,
                    Err(e) => {
                        self.failed(sink, &e);
                        tokio::time::sleep(policy.initial).await;
                        continue;
                    }
                };
            self.connected(sink, client.clone());
            self.refresh(sink, &client).await;
            loop {
                match events.next().await {
                    Ok(WatchItem::Event(event)) => {
                        sink.helper_event(&event);
                        match event {
                            Event::Status { status } => self.set_status(sink, *status),
                            Event::Lagged { .. } => self.refresh(sink, &client_of(&events)).await,
                            _ => {}
                        }
                    }
                    Ok(WatchItem::Lost(reason)) => self.failed(sink, &reason),
                    Ok(WatchItem::Reconnected) => {
                        let client = client_of(&events);
                        self.connected(sink, client.clone());
                        self.refresh(sink, &client).await;
                    }
                    Err(e) => {
                        self.failed(sink, &e);
                        tokio::time::sleep(PERMANENT_RETRY).await;
                        break;
                    }
                }
            }
        }
    }
}

/// The client of a live event stream (there is one after `next` yielded
/// an event or `Reconnected`).
fn client_of(events: &ReconnectingEvents) -> Client {
    events
        .client()
        .cloned()
        .expect("a stream that just yielded has a connection")
}

#[async_trait]
impl Helper for Owner {
    fn connection(&self) -> Connection {
        self.lock().connection.clone()
    }

    fn cached_status(&self) -> Option<Status> {
        self.lock().status.clone()
    }

    async fn status(&self) -> Result<Status, AppError> {
        Ok(self.client()?.status().await?)
    }

    async fn routes(&self, filter: RouteFilter) -> Result<Vec<RouteRow>, AppError> {
        Ok(self.client()?.routes_all(&filter).await?)
    }

    async fn lookup(
        &self,
        destination: IpAddr,
        scoped_to: Option<String>,
    ) -> Result<LookupAnswer, AppError> {
        let client = self.client()?;
        Ok(client.lookup(destination, scoped_to.as_deref()).await?)
    }

    async fn set_mode(&self, mode: Mode, progress: Progress<'_>) -> Result<Status, AppError> {
        let client = self.client()?;
        Ok(client.set_mode_with_progress(mode, progress).await?)
    }

    async fn exclusions(&self) -> Result<Vec<Exclusion>, AppError> {
        Ok(self.client()?.exclusions_all().await?)
    }

    async fn flush(&self, dry_run: bool) -> Result<FlushReport, AppError> {
        Ok(self.client()?.flush(dry_run).await?)
    }

    async fn verify(&self, family: Family) -> Result<ProbeAnswer, AppError> {
        let client = self.client()?;
        let (socket, fd) = client
            .open_bound_socket(family, SocketProtocol::Udp, None)
            .await?;
        let answer = client
            .probe(socket.local_port, verify_destination(family))
            .await;
        // The socket stays open until the helper has answered about it.
        drop(fd);
        Ok(answer?)
    }

    async fn sim_events(&self) -> Result<Vec<SimEvent>, AppError> {
        match self.client()?.sim(SimAction::ListEvents).await? {
            SimOutcome::Events(events) => Ok(events),
            SimOutcome::Status(_) => Err(AppError::new(
                "internal",
                "the helper answered the list of sim events with a status",
            )),
        }
    }

    async fn sim(&self, action: SimAction) -> Result<Status, AppError> {
        if action == SimAction::ListEvents {
            return Err(AppError::invalid("list the sim events with sim_events"));
        }
        match self.client()?.sim(action).await? {
            SimOutcome::Status(status) => Ok(*status),
            SimOutcome::Events(_) => Err(AppError::new(
                "internal",
                "the helper answered a sim action with a list of events",
            )),
        }
    }
}

#[cfg(test)]
#[path = "owner_tests.rs"]
mod tests;
