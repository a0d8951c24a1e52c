//! The accept loop: limits, policy reloads, shutdown.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use helper_proto::{ErrorBody, ErrorCode};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::connection::{self, Shared};
use super::listener::{ListenError, Listening};
use super::policy::Policy;
use super::writer;
use crate::service::Service;

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The socket's path.
    pub socket: PathBuf,
    /// The policy; a new value (SIGHUP) applies to new connections, to
    /// live ones (re-judged) and to the socket's mode.
    pub policy: watch::Receiver<Policy>,
    /// Clients served at once; more are told `busy` and closed.
    pub max_connections: usize,
    /// Requests one connection may have in flight; more are answered
    /// `too_many_requests`.
    pub max_in_flight: usize,
    /// How long a client has to say hello.
    pub handshake_timeout: Duration,
    /// How long a connection may send nothing (while it has no
    /// subscription and no request in flight), and how long a write to a
    /// client that does not read may stall.
    pub idle_timeout: Duration,
    /// Events queued for one subscriber before they are dropped (and a
    /// `Lagged` is owed).
    pub subscriber_queue: usize,
    /// How long, when stopping, requests under way have to answer and
    /// subscribers to get `Stopping`.
    pub shutdown_grace: Duration,
}

impl ServerConfig {
    /// The defaults: 1024 clients, 32 requests each in flight, 5 s to say
    /// hello, 5 min idle, 256 events queued per subscriber.
    pub fn new(socket: impl Into<PathBuf>, policy: watch::Receiver<Policy>) -> ServerConfig {
        ServerConfig {
            socket: socket.into(),
            policy,
            max_connections: 1024,
            max_in_flight: 32,
            handshake_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(300),
            subscriber_queue: 256,
            shutdown_grace: Duration::from_secs(2),
        }
    }

    fn limits(&self) -> Limits {
        Limits {
            max_in_flight: self.max_in_flight.max(1),
            handshake_timeout: self.handshake_timeout,
            idle_timeout: self.idle_timeout,
            subscriber_queue: self.subscriber_queue.max(1),
            shutdown_grace: self.shutdown_grace,
        }
    }
}

/// The per-connection limits.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) max_in_flight: usize,
    pub(super) handshake_timeout: Duration,
    pub(super) idle_timeout: Duration,
    pub(super) subscriber_queue: usize,
    pub(super) shutdown_grace: Duration,
}

/// The helper's IPC server: a bound, locked socket, ready to serve.
#[derive(Debug)]
pub struct Server {
    config: ServerConfig,
    listening: Listening,
}

impl Server {
    /// Takes the socket (see [`Listening::bind`]). Needs a tokio runtime.
    ///
    /// # Errors
    /// Another helper serves it, its directory cannot be trusted, or a
    /// system call failed.
    pub fn bind(config: ServerConfig) -> Result<Server, ListenError> {
        let policy = config.policy.borrow().clone();
        let listening = Listening::bind(&config.socket, &policy)?;
        Ok(Server { config, listening })
    }

    /// The socket's path.
    pub fn socket(&self) -> &Path {
        self.listening.path()
    }

    /// Serves clients with `service` until `shutdown` completes; then
    /// subscribers get `Stopping`, requests under way get
    /// [`ServerConfig::shutdown_grace`] to answer, and the socket is removed.
    pub async fn serve<S: Service>(self, service: Arc<S>, shutdown: impl Future<Output = ()>) {
        let Server { config, listening } = self;
        let token = CancellationToken::new();
        let shared = Arc::new(Shared {
            service,
            limits: config.limits(),
            policy: config.policy.clone(),
            shutdown: token.clone(),
        });
        let max = config.max_connections.max(1);
        let slots = Arc::new(Semaphore::new(max));
        let mut connections = JoinSet::new();
        let mut policy = config.policy.clone();
        policy.mark_unchanged();
        let mut policy_live = true;
        info!(socket = %listening.path().display(), "serving");
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                changed = policy.changed(), if policy_live => {
                    if changed.is_err() {
                        policy_live = false;
                        continue;
                    }
                    let new = policy.borrow_and_update().clone();
                    match listening.apply_policy(&new) {
                        Ok(mode) => info!(origin = new.origin(), mode = format!("{mode:04o}"),
                            "policy reloaded"),
                        Err(e) => warn!(error = %e, "cannot set the socket's mode for the new policy"),
                    }
                }
                accepted = listening.listener().accept() => match accepted {
                    Ok((stream, _)) => match slots.clone().try_acquire_owned() {
                        Ok(permit) => {
                            connections.spawn(connection::serve(stream, shared.clone(), permit));
                        }
                        Err(_) => {
                            warn!(limit = max, "refusing a client: too many connections");
                            writer::try_write_fatal(&stream, ErrorBody::new(
                                ErrorCode::Busy,
                                format!("the helper is serving {max} clients, its limit; try again"),
                            ));
                        }
                    },
                    Err(e) => {
                        // Out of fds, say: do not spin; connections will end.
                        warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        }
        info!("stopping the server");
        token.cancel();
        // Each connection takes at most three graces (Stopping, requests,
        // the writer's last frames); then whatever is left is cut.
        let grace = config.shutdown_grace * 3 + Duration::from_secs(1);
        let drained = async { while connections.join_next().await.is_some() {} };
        if tokio::time::timeout(grace, drained).await.is_err() {
            connections.abort_all();
        }
        drop(listening);
    }
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
