//! Live per-interface throughput from sysinfo, so the user can see
//! traffic leaving on the physical interface versus the VPN's.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sysinfo::Networks;

/// Rates are measured over at least this long; asking sooner returns the
/// last measurement.
const MIN_WINDOW: Duration = Duration::from_millis(500);

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
        let networks = match Networks::new_with_refreshed_list() {
            Ok(networks) => Some(networks),
            Err(e) => {
                tracing::warn!(error = %e, "interface counters are not available");
                None
            }
        };
        Throughput {
            meter: Mutex::new(Meter {
                networks,
                measured: Instant::now(),
                last: Vec::new(),
            }),
        }
    }
}

impl Throughput {
    /// Bytes per second per interface since the last measurement, by name.
    pub fn rates(&self) -> Vec<InterfaceRate> {
        let mut meter = self
            .meter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let elapsed = meter.measured.elapsed();
        if elapsed < MIN_WINDOW && !meter.last.is_empty() {
            return meter.last.clone();
        }
        let Some(networks) = meter.networks.as_mut() else {
            return Vec::new();
        };
        networks.refresh(true);
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
        meter.measured = Instant::now();
        meter.last = rates.clone();
        rates
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
