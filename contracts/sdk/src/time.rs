//! Calendar dates and hours in China time from a block time, in integer arithmetic.
//!
//! # Rules
//! - China time is UTC+8 all year (no daylight saving): a block time `t` (ms since the
//!   Unix epoch) falls on China day `(t + 8 h) / 1 day` counted from 1970-01-01.
//! - Dates are proleptic Gregorian (the civil-from-days algorithm of H. Hinnant);
//!   [`Date`] displays as `yyyy-mm-dd`.
//! - No floating point anywhere: contracts must not contain float instructions.

use core::fmt;

/// Milliseconds that China time is ahead of UTC.
pub const CHINA_OFFSET_MS: u64 = 8 * 3_600_000;
/// Milliseconds in a day.
pub const DAY_MS: u64 = 86_400_000;

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: u32,
    /// 1 to 12.
    pub month: u8,
    /// 1 to 31.
    pub day: u8,
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // All as u32: one integer formatter in the contract rather than three.
        let (m, d) = (u32::from(self.month), u32::from(self.day));
        write!(f, "{:04}-{:02}-{:02}", self.year, m, d)
    }
}

impl Date {
    /// The date `days` days after 1970-01-01 (for the day of any block time, the year fits in a `u32`).
    pub fn from_days(days: u64) -> Date {
        let z = days + 719_468; // days since 0000-03-01
        let era = z / 146_097;
        let doe = z - era * 146_097; // [0, 146096]
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], from March 1
        let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + u64::from(month <= 2);
        Date {
            year: year as u32,
            month: month as u8,
            day: day as u8,
        }
    }
}

/// The China day of a block time: days since 1970-01-01 in UTC+8.
pub fn china_day(block_time_ms: u64) -> u64 {
    block_time_ms.saturating_add(CHINA_OFFSET_MS) / DAY_MS
}

/// The China date of a block time.
pub fn china_date(block_time_ms: u64) -> Date {
    Date::from_days(china_day(block_time_ms))
}

/// The hour of the day (0 to 23) of a block time in China time.
pub fn china_hour(block_time_ms: u64) -> u8 {
    (china_minute_of_day(block_time_ms) / 60) as u8
}

/// The minute of the day (0 to 1439) of a block time in China time.
pub fn china_minute_of_day(block_time_ms: u64) -> u16 {
    (block_time_ms.saturating_add(CHINA_OFFSET_MS) % DAY_MS / 60_000) as u16
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    const HOUR: u64 = 3_600_000;

    #[test]
    fn known_dates() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(59).to_string(), "1970-03-01");
        assert_eq!(Date::from_days(10_957).to_string(), "2000-01-01");
        assert_eq!(Date::from_days(11_016).to_string(), "2000-02-29");
        assert_eq!(Date::from_days(19_782).to_string(), "2024-02-29");
        assert_eq!(Date::from_days(20_089).to_string(), "2025-01-01");
        assert_eq!(Date::from_days(47_481).to_string(), "2099-12-31");
        assert_eq!(Date::from_days(47_482).to_string(), "2100-01-01");
        assert_eq!(Date::from_days(47_541).to_string(), "2100-03-01"); // 2100 not leap
    }

    #[test]
    fn consecutive_days_are_consecutive_dates() {
        let mut prev = Date::from_days(0);
        for days in 1..200_000 {
            let d = Date::from_days(days);
            assert!(d > prev, "{d} after {prev}");
            let next_day = d.day == prev.day + 1 && d.month == prev.month;
            let next_month = d.day == 1 && d.month == prev.month + 1 && d.year == prev.year;
            let next_year = d.day == 1 && d.month == 1 && prev.month == 12 && prev.day == 31;
            assert!(next_day || next_month || next_year, "{prev} -> {d}");
            prev = d;
        }
    }

    #[test]
    fn china_time_is_utc_plus_8() {
        // 2025-03-02T15:59:59.999Z is 23:59:59.999 in China; one ms later is the 3rd.
        let midnight_china = 20_150 * DAY_MS - 8 * HOUR;
        assert_eq!(china_date(midnight_china - 1).to_string(), "2025-03-02");
        assert_eq!(china_hour(midnight_china - 1), 23);
        assert_eq!(china_date(midnight_china).to_string(), "2025-03-03");
        assert_eq!(china_hour(midnight_china), 0);
        assert_eq!(china_day(midnight_china), 20_150);
        assert_eq!(china_hour(midnight_china + 9 * HOUR + 59 * 60_000), 9);
        assert_eq!(
            china_minute_of_day(midnight_china + 9 * HOUR + 59 * 60_000),
            599
        );
        assert_eq!(china_minute_of_day(midnight_china - 1), 1439);
        assert_eq!(china_hour(0), 8);
        assert_eq!(china_date(0).to_string(), "1970-01-01");
        // No overflow at the far end.
        assert_eq!(china_day(u64::MAX), u64::MAX / DAY_MS);
        assert_eq!(china_date(u64::MAX).to_string(), "584556019-04-03");
    }
}
