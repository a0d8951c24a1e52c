//! Times as people read them: local clock times and "5 min ago".

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// How to show times: the zone, and what "now" is (seconds since the epoch).
#[derive(Debug, Clone)]
pub struct Clock {
    /// The zone times are shown in.
    pub zone: TimeZone,
    /// Now, in seconds since the epoch.
    pub now: i64,
}

impl Clock {
    /// The system's zone and the current time.
    pub fn system() -> Clock {
        Clock {
            zone: TimeZone::system(),
            now: Timestamp::now().as_second(),
        }
    }

    /// `2024-05-01 14:03:07` in the clock's zone.
    pub fn date_time(&self, secs: u64) -> String {
        self.format(secs, "%Y-%m-%d %H:%M:%S")
    }

    /// `14:03:07` in the clock's zone.
    pub fn time(&self, secs: u64) -> String {
        self.format(secs, "%H:%M:%S")
    }

    /// `2024-05-01T14:03:07+02:00`, for JSON.
    pub fn iso(&self, secs: u64) -> String {
        self.format(secs, "%Y-%m-%dT%H:%M:%S%:z")
    }

    /// The clock moved to the current time.
    pub fn tick(&mut self) {
        self.now = Timestamp::now().as_second();
    }

    /// Now, as seconds since the epoch (0 before 1970).
    pub fn now_secs(&self) -> u64 {
        u64::try_from(self.now).unwrap_or(0)
    }

    /// How long ago `secs` was: `just now`, `42 s ago`, `5 min ago`,
    /// `3 h 4 min ago`, `2 days ago`.
    pub fn ago(&self, secs: u64) -> String {
        let then = i64::try_from(secs).unwrap_or(i64::MAX);
        match u64::try_from(self.now.saturating_sub(then)) {
            Ok(d) if d > 0 => format!("{} ago", duration(d)),
            _ => "just now".to_string(),
        }
    }

    fn format(&self, secs: u64, pattern: &str) -> String {
        match i64::try_from(secs)
            .ok()
            .and_then(|s| Timestamp::from_second(s).ok())
        {
            Some(t) => t
                .to_zoned_datetime(self.zone.clone())
                .strftime(pattern)
                .to_string(),
            None => format!("@{secs}"),
        }
    }
}

/// A span, to its largest units: `42 s`, `5 min`, `3 h 4 min`, `2 days`.
pub fn duration(d: u64) -> String {
    match d {
        0..=59 => format!("{d} s"),
        60..=3599 => format!("{} min", d / 60),
        3600..=86_399 if d % 3600 / 60 == 0 => format!("{} h", d / 3600),
        3600..=86_399 => format!("{} h {} min", d / 3600, d % 3600 / 60),
        86_400..=172_799 => "1 day".to_string(),
        _ => format!("{} days", d / 86_400),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// 2023-11-14 22:13:20 UTC.
    pub(crate) const NOW: u64 = 1_700_000_000;

    pub(crate) fn utc() -> Clock {
        Clock {
            zone: TimeZone::UTC,
            now: NOW as i64,
        }
    }

    #[test]
    fn times_are_shown_in_the_clocks_zone() {
        let clock = utc();
        assert_eq!(clock.date_time(NOW), "2023-11-14 22:13:20");
        assert_eq!(clock.time(NOW - 3600), "21:13:20");
        assert_eq!(clock.iso(NOW), "2023-11-14T22:13:20+00:00");
        let plus_two = Clock {
            zone: TimeZone::fixed(jiff::tz::offset(2)),
            now: clock.now,
        };
        assert_eq!(plus_two.time(NOW), "00:13:20");
    }

    #[test]
    fn ago_rounds_down_to_the_largest_unit() {
        let clock = utc();
        assert_eq!(clock.ago(NOW), "just now");
        assert_eq!(clock.ago(NOW + 5), "just now");
        assert_eq!(clock.ago(NOW - 42), "42 s ago");
        assert_eq!(clock.ago(NOW - 300), "5 min ago");
        assert_eq!(clock.ago(NOW - 7200), "2 h ago");
        assert_eq!(clock.ago(NOW - 3 * 3600 - 4 * 60), "3 h 4 min ago");
        assert_eq!(clock.ago(NOW - 86_400), "1 day ago");
        assert_eq!(clock.ago(NOW - 5 * 86_400), "5 days ago");
    }
}
