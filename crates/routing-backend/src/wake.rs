//! Sleep/wake detection without Apple frameworks.
//!
//! The monotonic clock (`Instant`: `mach_absolute_time` / `CLOCK_UPTIME_RAW`
//! on macOS, `CLOCK_MONOTONIC` on Linux) stops while the machine sleeps; the
//! wall clock does not. Sampling both now and then, a gap between how far
//! each moved is time spent asleep. A wall clock set backwards, or forwards
//! by less than the threshold, is not a wake.

/// Compares wall-clock and monotonic progress between samples.
#[derive(Debug, Clone)]
pub struct WakeDetector {
    threshold_ms: i64,
    last: Option<(i64, i64)>,
}

impl WakeDetector {
    /// A detector that reports gaps of at least `threshold_ms`.
    pub fn new(threshold_ms: u64) -> WakeDetector {
        WakeDetector {
            threshold_ms: i64::try_from(threshold_ms).unwrap_or(i64::MAX),
            last: None,
        }
    }

    /// Records a sample (wall-clock and monotonic milliseconds) and returns
    /// how long the machine slept since the previous one, if it did.
    pub fn observe(&mut self, wall_ms: i64, monotonic_ms: i64) -> Option<u64> {
        let previous = self.last.replace((wall_ms, monotonic_ms));
        let (last_wall, last_mono) = previous?;
        let gap = (wall_ms - last_wall) - (monotonic_ms - last_mono);
        (gap >= self.threshold_ms).then(|| u64::try_from(gap).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_clocks_are_not_a_wake() {
        let mut d = WakeDetector::new(5_000);
        assert_eq!(d.observe(1_000_000, 10), None);
        assert_eq!(d.observe(1_001_000, 1_010), None);
        assert_eq!(
            d.observe(1_002_050, 2_000),
            None,
            "jitter below the threshold"
        );
    }

    #[test]
    fn wall_clock_running_ahead_of_monotonic_is_sleep() {
        let mut d = WakeDetector::new(5_000);
        d.observe(1_000_000, 10);
        assert_eq!(d.observe(1_000_000 + 3_600_000, 1_010), Some(3_599_000));
    }

    #[test]
    fn a_clock_set_backwards_is_not_a_wake() {
        let mut d = WakeDetector::new(5_000);
        d.observe(1_000_000, 10);
        assert_eq!(d.observe(500_000, 1_010), None);
    }
}
