//! A `PF_ROUTE` request/reply session over any transport.
//!
//! The routing socket is a broadcast channel: every process's changes, and
//! every reply to anyone's `RTM_GET`, reach every routing socket. So a
//! request is matched to its reply by (type, sequence number, our pid),
//! everything else read meanwhile is handed to the event watcher, not lost,
//! and a reply that never comes is retried on a deadline.
//!
//! The same session drives the real macOS socket and the simulated one, so
//! this logic is tested on Linux:
//! - each attempt gets a fresh sequence number;
//! - a write failing with `ENOBUFS` or `EAGAIN`, or a reply not read
//!   within the per-attempt timeout, is retried with exponential backoff
//!   (50 ms doubling to 500 ms) until an absolute deadline, which is at
//!   least three attempt timeouts long;
//! - any other write error, or a reply carrying `rtm_errno`, is final and is
//!   turned into meaning by [`crate::error::darwin_kind`];
//! - the caller learns whether the request was retried, because a retried
//!   add that meets `EEXIST` (or a retried delete that meets `ESRCH`) may be
//!   the echo of its own first attempt, and must be confirmed with a lookup.

use std::future::Future;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::error::{darwin_errno, Error, ErrorKind, Op};

/// Moves whole routing messages. One `send` is one `write(2)`; one `recv`
/// is one `read(2)`.
pub trait Transport: Send {
    /// Writes one message. `Err` carries the Darwin errno of `write(2)`.
    fn send(&mut self, message: &[u8]) -> impl Future<Output = Result<(), i32>> + Send;

    /// Reads one message, waiting at most `timeout`; `Ok(None)` when nothing
    /// arrived in time. `Err` carries the errno of `read(2)`.
    fn recv(
        &mut self,
        timeout: Duration,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, i32>> + Send;
}

/// The header fields a reply is matched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyHeader {
    /// `rtm_type`.
    pub rtm_type: u8,
    /// `rtm_seq`.
    pub seq: i32,
    /// `rtm_pid`, stamped by the kernel with the writer's pid.
    pub pid: i32,
    /// `rtm_errno`.
    pub errno: i32,
}

/// Timeouts and retry budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionConfig {
    /// How long one attempt waits for its reply.
    pub attempt_timeout: Duration,
    /// How long a request may take in all, retries included. Raised to at
    /// least three attempt timeouts.
    pub deadline: Duration,
    /// The first backoff between attempts.
    pub backoff_initial: Duration,
    /// The longest backoff between attempts.
    pub backoff_max: Duration,
}

impl Default for SessionConfig {
    fn default() -> SessionConfig {
        SessionConfig {
            attempt_timeout: Duration::from_secs(1),
            deadline: Duration::from_secs(5),
            backoff_initial: Duration::from_millis(50),
            backoff_max: Duration::from_millis(500),
        }
    }
}

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The reply's bytes.
    pub reply: Vec<u8>,
    /// How many attempts it took (1 if not retried).
    pub attempts: u32,
}

/// A failed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What it means.
    pub error: Error,
    /// How many attempts were made.
    pub attempts: u32,
}

/// A request/reply session. See the module doc.
#[derive(Debug)]
pub struct PfRouteSession<T> {
    transport: T,
    pid: i32,
    next_seq: i32,
    config: SessionConfig,
    /// Unrelated messages read while waiting for a reply.
    unrelated: mpsc::Sender<Vec<u8>>,
    /// Whether unrelated messages were dropped since the watcher last heard.
    overflowed: bool,
}

impl<T: Transport> PfRouteSession<T> {
    /// A session writing as process `pid`, handing unrelated messages to
    /// `unrelated`.
    pub fn new(
        transport: T,
        pid: i32,
        config: SessionConfig,
        unrelated: mpsc::Sender<Vec<u8>>,
    ) -> PfRouteSession<T> {
        let deadline = config.deadline.max(config.attempt_timeout * 3);
        PfRouteSession {
            transport,
            pid,
            next_seq: 1,
            config: SessionConfig { deadline, ..config },
            unrelated,
            overflowed: false,
        }
    }

    /// The transport, for the backend's other uses.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Whether unrelated messages were dropped because the watcher's queue
    /// was full (then the watcher must re-read the table). Reading clears it.
    pub fn take_overflow(&mut self) -> bool {
        std::mem::take(&mut self.overflowed)
    }

    /// Sends the message `build(seq)` and waits for its reply of type
    /// `rtm_type`. `header` reads a message's header, or `None` if it is no
    /// routing message we can match.
    ///
    /// # Errors
    /// A [`Failure`] with the meaning of the kernel's errno, or
    /// [`ErrorKind::TimedOut`] when the deadline passed.
    pub async fn request(
        &mut self,
        op: Op,
        rtm_type: u8,
        build: impl Fn(i32) -> Vec<u8>,
        header: impl Fn(&[u8]) -> Option<ReplyHeader>,
    ) -> Result<Answer, Failure> {
        let deadline = Instant::now() + self.config.deadline;
        let mut backoff = self.config.backoff_initial;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let seq = self.next_seq;
            self.next_seq = self.next_seq.wrapping_add(1).max(1);
            let retryable = match self.transport.send(&build(seq)).await {
                Ok(()) => match self.await_reply(rtm_type, seq, deadline, &header).await {
                    Ok(Some(reply)) => return Ok(Answer { reply, attempts }),
                    Ok(None) => {
                        Error::new(op, ErrorKind::TimedOut, format!("no reply to seq {seq}"))
                    }
                    Err(errno) => {
                        return Err(Failure {
                            error: Error::from_darwin(op, errno, ""),
                            attempts,
                        })
                    }
                },
                Err(errno @ (darwin_errno::ENOBUFS | darwin_errno::EAGAIN)) => {
                    Error::from_darwin(op, errno, "write")
                }
                Err(errno) => {
                    return Err(Failure {
                        error: Error::from_darwin(op, errno, ""),
                        attempts,
                    })
                }
            };
            let now = Instant::now();
            if now + backoff >= deadline {
                return Err(Failure {
                    error: retryable,
                    attempts,
                });
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(self.config.backoff_max);
        }
    }

    /// Reads until our reply arrives (`Ok(Some)`), the attempt times out
    /// (`Ok(None)`), or the reply carries an errno (`Err(errno)`).
    async fn await_reply(
        &mut self,
        rtm_type: u8,
        seq: i32,
        deadline: Instant,
        header: &impl Fn(&[u8]) -> Option<ReplyHeader>,
    ) -> Result<Option<Vec<u8>>, i32> {
        let attempt_end = (Instant::now() + self.config.attempt_timeout).min(deadline);
        loop {
            let left = attempt_end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            let message = match self.transport.recv(left).await {
                Ok(Some(message)) => message,
                Ok(None) | Err(darwin_errno::EAGAIN) => return Ok(None),
                Err(errno) => return Err(errno),
            };
            match header(&message) {
                Some(h) if h.rtm_type == rtm_type && h.seq == seq && h.pid == self.pid => {
                    return if h.errno == 0 {
                        Ok(Some(message))
                    } else {
                        Err(h.errno)
                    };
                }
                _ => {
                    if self.unrelated.try_send(message).is_err() {
                        self.overflowed = true;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
