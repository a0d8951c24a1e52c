//! Live per-interface throughput from sysinfo, so the user can see
//! traffic leaving on the physical interface versus the VPN's.
//!
//! Nothing here runs by itself: counters are read only when a window asks
//! (the popover, every 2 s while it is shown), the first read happens on
//! the first ask, and a read after a long pause (the popover was hidden)
//! starts a new measurement instead of averaging over the pause.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sysinfo::Networks;

/// Rates are measured over at least this long; asking sooner returns the
/// last measurement.
const MIN_WINDOW: Duration = Duration::from_millis(500);

/// A measurement longer than this (nobody asked for a while) is not shown:
/// it would be the average over the pause, not the rate now.
const MAX_WINDOW: Duration = Duration::from_secs(10);

/// One interface's rates (`InterfaceRate` in docs/APP.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InterfaceRate {
    /// The interface.
    pub name: String,
    /// Bytes received per second.
    pub rx_bytes_per_sec: f64,
    /// Bytes sent per second.
    pub tx_bytes_per_sec: f64,
}

struct Meter {
    networks: Option<Networks>,
    measured: Instant,
    last: Vec<InterfaceRate>,
}

/// Throughput since the previous measurement.
pub struct Throughput {
    meter: Mutex<Meter>,
}

impl std::fmt::Debug for Throughput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throughput").finish_non_exhaustive()
    }
}

impl Default for Throughput {
    fn default() -> Throughput {
        Throughput {
            meter: Mutex::new(Meter {
                networks: None,
                measured: Instant::now(),
                last: Vec::new(),
            }),
        }
    }
}

impl Throughput {
    /// Bytes per second per interface since the last measurement, by
    /// name; empty on the first ask, after a long pause, or when the
    /// counters cannot be read.
    pub fn rates(&self) -> Vec<InterfaceRate> {
        let mut meter = self
            .meter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let elapsed = meter.measured.elapsed();
        if meter.networks.is_none() {
            // The first ask: read the counters now, rates from the next.
            match Networks::new_with_refreshed_list() {
                Ok(networks) => meter.networks = Some(networks),
                Err(e) => tracing::warn!(error = %e, "interface counters are not available"),
            }
            meter.measured = Instant::now();
            return Vec::new();
        }
        if elapsed < MIN_WINDOW && !meter.last.is_empty() {
            return meter.last.clone();
        }
        let Some(networks) = meter.networks.as_mut() else {
            return Vec::new();
        };
        networks.refresh(true);
        let rates: Vec<InterfaceRate> = if elapsed > MAX_WINDOW {
            Vec::new()
        } else {
            let seconds = elapsed.as_secs_f64().max(0.001);
            let mut rates: Vec<InterfaceRate> = networks
                .iter()
                .map(|(name, data)| InterfaceRate {
                    name: name.to_string_lossy().into_owned(),
                    rx_bytes_per_sec: rate(data.received(), seconds),
                    tx_bytes_per_sec: rate(data.transmitted(), seconds),
                })
                .collect();
            rates.sort_by(|a, b| a.name.cmp(&b.name));
            rates
        };
        meter.measured = Instant::now();
        meter.last = rates.clone();
        rates
    }

    /// Whether the counters have been read at all (they are not until a
    /// window asks).
    pub fn started(&self) -> bool {
        self.meter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .networks
            .is_some()
    }
}

/// Bytes over seconds, rounded to a whole byte.
fn rate(bytes: u64, seconds: f64) -> f64 {
    (bytes as f64 / seconds).round()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_per_second_and_named() {
        assert_eq!(rate(1000, 0.5), 2000.0);
        let t = Throughput::default();
        assert!(!t.started(), "nothing is read before a window asks");
        assert!(t.rates().is_empty(), "the first ask starts the measurement");
        assert!(t.started());
        std::thread::sleep(MIN_WINDOW);
        let rates = t.rates();
        if cfg!(target_os = "linux") {
            assert!(rates.iter().any(|r| r.name == "lo"), "{rates:?}");
        }
        assert!(rates.iter().all(|r| r.rx_bytes_per_sec >= 0.0));
        assert_eq!(
            t.rates(),
            rates,
            "asked again at once: the same measurement"
        );
        let json = serde_json::to_value(&rates).unwrap();
        if let Some(first) = json.as_array().and_then(|a| a.first()) {
            assert!(first.get("rxBytesPerSec").is_some());
        }
    }
}

#[cfg(test)]
mod pause_tests {
    use super::*;

    #[test]
    fn a_read_after_a_long_pause_starts_over_instead_of_averaging() {
        let t = Throughput::default();
        assert!(t.rates().is_empty());
        {
            let mut meter = t.meter.lock().unwrap();
            meter.measured = Instant::now()
                .checked_sub(MAX_WINDOW + Duration::from_secs(1))
                .expect("the machine has been up for 11 s");
        }
        assert!(t.rates().is_empty(), "a fresh measurement after the pause");
        std::thread::sleep(MIN_WINDOW);
        if cfg!(target_os = "linux") {
            assert!(t.rates().iter().any(|r| r.name == "lo"));
        }
    }
}
