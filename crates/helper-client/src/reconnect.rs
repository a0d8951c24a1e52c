//! Coming back after the helper restarts: connecting with backoff, and an
//! event stream that reconnects and re-subscribes by itself.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;

use helper_proto::{Event, Topic};
use tokio::time::Instant;

use crate::connection::Client;
use crate::error::ClientError;
use crate::events::EventStream;

/// How to wait between attempts: exponential from `initial` to `max`,
/// each delay jittered down by up to half, giving up after `deadline`
/// (never, when `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    /// The first delay.
    pub initial: Duration,
    /// The longest delay.
    pub max: Duration,
    /// How long to keep trying in all.
    pub deadline: Option<Duration>,
}

impl Default for BackoffPolicy {
    /// 100 ms doubling to 5 s, forever.
    fn default() -> BackoffPolicy {
        BackoffPolicy {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(5),
            deadline: None,
        }
    }
}

impl BackoffPolicy {
    /// The same policy, giving up after `deadline`.
    pub fn with_deadline(self, deadline: Duration) -> BackoffPolicy {
        BackoffPolicy {
            deadline: Some(deadline),
            ..self
        }
    }

    /// The delay before attempt `attempt` (0 for the first retry), given
    /// `jitter` in `[0, 1)`: the capped exponential delay, less up to half.
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let full = self
            .initial
            .saturating_mul(2u32.saturating_pow(attempt.min(31)))
            .min(self.max);
        let cut = full.mul_f64(jitter.clamp(0.0, 1.0) / 2.0);
        full.saturating_sub(cut)
    }
}

/// A random number in `[0, 1)` from the standard library's hash seeds.
fn jitter() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Connects, retrying transient failures ([`ClientError::is_transient`]:
/// not running, disconnected, busy, …) with `policy`'s backoff.
///
/// # Errors
/// A failure that will not go away by waiting (not permitted,
/// incompatible versions), or the last failure once the deadline passed.
pub async fn connect_with_backoff(
    path: impl AsRef<Path>,
    software: &str,
    policy: &BackoffPolicy,
) -> Result<Client, ClientError> {
    let path = path.as_ref();
    let give_up = policy.deadline.map(|d| Instant::now() + d);
    let mut attempt = 0;
    loop {
        let error = match Client::connect(path, software).await {
            Ok(client) => return Ok(client),
            Err(e) if !e.is_transient() => return Err(e),
            Err(e) => e,
        };
        let delay = policy.delay(attempt, jitter());
        if give_up.is_some_and(|t| Instant::now() + delay > t) {
            return Err(error);
        }
        tracing::debug!(attempt, ?delay, %error, "helper not reachable; retrying");
        tokio::time::sleep(delay).await;
        attempt = attempt.saturating_add(1);
    }
}

/// What a [`ReconnectingEvents`] yields.
#[derive(Debug)]
pub enum WatchItem {
    /// An event.
    Event(Event),
    /// The connection ended (why); reconnecting.
    Lost(ClientError),
    /// Connected and subscribed again: events may have been missed, so
    /// re-read the status.
    Reconnected,
}

/// An event stream that outlives the helper: when the connection ends it
/// reports [`WatchItem::Lost`], reconnects with backoff, re-subscribes to
/// the same topics and reports [`WatchItem::Reconnected`].
#[derive(Debug)]
pub struct ReconnectingEvents {
    path: PathBuf,
    software: String,
    topics: Vec<Topic>,
    policy: BackoffPolicy,
    stream: Option<EventStream>,
}

impl ReconnectingEvents {
    /// Subscribes on `client` to `topics` (all when empty); later
    /// connections go to the same socket as the same software.
    ///
    /// # Errors
    /// The subscription's failure.
    pub async fn new(
        client: &Client,
        software: &str,
        topics: &[Topic],
        policy: BackoffPolicy,
    ) -> Result<ReconnectingEvents, ClientError> {
        let stream = client.subscribe(topics).await?;
        Ok(ReconnectingEvents {
            path: client.path().to_path_buf(),
            software: software.to_string(),
            topics: topics.to_vec(),
            policy,
            stream: Some(stream),
        })
    }

    /// The current connection, if there is one.
    pub fn client(&self) -> Option<&Client> {
        self.stream.as_ref().map(EventStream::client)
    }

    /// The next item.
    ///
    /// # Errors
    /// When reconnecting gave up: a failure that waiting will not cure,
    /// or the policy's deadline passed.
    pub async fn next(&mut self) -> Result<WatchItem, ClientError> {
        if let Some(stream) = self.stream.as_mut() {
            if let Some(event) = stream.next().await {
                return Ok(WatchItem::Event(event));
            }
            let reason = stream
                .client()
                .close_reason()
                .unwrap_or(ClientError::Disconnected);
            self.stream = None;
            return Ok(WatchItem::Lost(reason));
        }
        let give_up = self.policy.deadline.map(|d| Instant::now() + d);
        loop {
            let policy = BackoffPolicy {
                deadline: give_up.map(|t| t.saturating_duration_since(Instant::now())),
                ..self.policy
            };
            let client = connect_with_backoff(&self.path, &self.software, &policy).await?;
            match client.subscribe(&self.topics).await {
                Ok(stream) => {
                    self.stream = Some(stream);
                    return Ok(WatchItem::Reconnected);
                }
                Err(e) if e.is_transient() && give_up.is_none_or(|t| Instant::now() < t) => {
                    tracing::debug!(error = %e, "re-subscribing failed; retrying");
                    tokio::time::sleep(self.policy.initial).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_jitter_cuts_at_most_half() {
        let p = BackoffPolicy::default();
        let ms = |d: Duration| d.as_millis();
        assert_eq!(ms(p.delay(0, 0.0)), 100);
        assert_eq!(ms(p.delay(1, 0.0)), 200);
        assert_eq!(ms(p.delay(5, 0.0)), 3200);
        assert_eq!(ms(p.delay(6, 0.0)), 5000);
        assert_eq!(ms(p.delay(40, 0.0)), 5000);
        assert_eq!(ms(p.delay(0, 0.5)), 75);
        assert_eq!(ms(p.delay(6, 0.999_999)), 2500);
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }
}
