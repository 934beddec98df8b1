//! Working-day clocks on block time.
//!
//! Rules:
//! - days are calendar days in China Standard Time (UTC+8, no daylight saving);
//! - a working day is Monday to Friday, except the governed calendar's holidays, plus the
//!   calendar's make-up working days (调休) even when they fall on a weekend; a year with
//!   no calendar on chain counts weekdays only;
//! - "within N working days of time t" ends at the end of the N-th working day after
//!   t's day (t's own day is not counted); the item is overdue from the first block whose
//!   time is at or after that instant.

use std::cell::RefCell;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Weekday};
use kuai_types::model::{HolidayCalendar, TimeMs};

use crate::error::RuntimeError;
use crate::keys;
use crate::memo::DecodedMemo;
use crate::state::{Overlay, StateRead};

pub const DAY_MS: u64 = 86_400_000;
const CST_OFFSET_MS: u64 = 8 * 3_600_000;
/// Days from 0001-01-01 (CE day 1) to 1970-01-01.
const UNIX_EPOCH_CE_DAYS: i64 = 719_163;

/// The CST day number (days since 1970-01-01) of a block time.
pub fn day_of(time_ms: TimeMs) -> i64 {
    ((time_ms + CST_OFFSET_MS) / DAY_MS) as i64
}

/// The first instant (ms) after CST day `day` ends.
pub fn end_of_day(day: i64) -> TimeMs {
    ((day + 1).max(0) as u64 * DAY_MS).saturating_sub(CST_OFFSET_MS)
}

pub fn date_of_day(day: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(day + UNIX_EPOCH_CE_DAYS).ok()?)
}

pub fn day_of_date(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - UNIX_EPOCH_CE_DAYS
}

/// Parses a `YYYY-MM-DD` date: exactly what `NaiveDate::parse_from_str(s, "%Y-%m-%d")`
/// accepts, with the canonical form read directly (chrono's format interpreter was 0.6%
/// of a validator: a share request's review deadline parses its year's calendar).
pub fn parse_date(s: &str) -> Result<NaiveDate, RuntimeError> {
    if let Some(date) = canonical_date(s) {
        return Ok(date);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| RuntimeError::InvalidField {
        field: "calendar",
        reason: format!("{s:?} is not a date of the form YYYY-MM-DD"),
    })
}

/// `s` as a date when it is exactly four, two and two ASCII digits joined by `-` and
/// names a real day; `None` otherwise (chrono then decides).
fn canonical_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
}

/// Checks a calendar: dates in its year, holidays not on weekends (they are days off
/// anyway), make-up days on weekends, no date twice.
pub fn validate(cal: &HolidayCalendar) -> Result<(), RuntimeError> {
    let bad = |reason: String| RuntimeError::InvalidField {
        field: "calendar",
        reason,
    };
    if !(2000..=2200).contains(&cal.year) {
        return Err(bad(format!("year {} is outside 2000 to 2200", cal.year)));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (list, weekend_expected) in [(&cal.holidays, false), (&cal.makeup_workdays, true)] {
        for s in list {
            let d = parse_date(s)?;
            if d.year() != cal.year {
                return Err(bad(format!("{s} is not in {}", cal.year)));
            }
            let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
            if weekend != weekend_expected {
                return Err(bad(if weekend_expected {
                    format!("make-up working day {s} is not a weekend day")
                } else {
                    format!("holiday {s} falls on a weekend; list only weekdays off")
                }));
            }
            if !seen.insert(d) {
                return Err(bad(format!("{s} is listed twice")));
            }
        }
    }
    Ok(())
}

/// A year's holidays and make-up working days, as CST day numbers.
type YearDays = Arc<(Vec<i64>, Vec<i64>)>;

/// Most calendar years memoized per thread (see [`WorkingDays`]).
const MAX_DECODED_YEARS: usize = 64;

thread_local! {
    static DECODED_YEARS: RefCell<DecodedMemo<(Vec<i64>, Vec<i64>)>> =
        RefCell::new(DecodedMemo::new(MAX_DECODED_YEARS));
}

/// Reads calendars from state as needed and answers working-day questions.
///
/// A year's calendar is decoded once per thread for as long as its stored bytes stay the
/// same ([`DecodedMemo`]): every share request computes a deadline, and decoding and
/// parsing the year's dates for each was about 1.7% of a validator's CPU.
pub struct WorkingDays<'s, 'a> {
    st: &'s Overlay<'a>,
    years: Vec<(i32, YearDays)>,
}

impl<'s, 'a> WorkingDays<'s, 'a> {
    pub fn new(st: &'s Overlay<'a>) -> Self {
        WorkingDays {
            st,
            years: Vec::new(),
        }
    }

    fn year(&mut self, year: i32) -> Result<YearDays, RuntimeError> {
        if let Some((_, days)) = self.years.iter().find(|(y, _)| *y == year) {
            return Ok(days.clone());
        }
        let key = keys::calendar(year);
        let bytes = self.st.get(&key)?;
        let days = DECODED_YEARS.with(|m| {
            m.borrow_mut().get_or_decode(&key, bytes, |b| {
                let Some(b) = b else {
                    return Ok(Default::default());
                };
                let cal: HolidayCalendar = self.st.decode(&key, b)?;
                let days = |v: &[String]| -> Vec<i64> {
                    v.iter()
                        .filter_map(|s| parse_date(s).ok())
                        .map(day_of_date)
                        .collect()
                };
                Ok((days(&cal.holidays), days(&cal.makeup_workdays)))
            })
        })?;
        self.years.push((year, days.clone()));
        Ok(days)
    }

    pub fn is_working_day(&mut self, day: i64) -> Result<bool, RuntimeError> {
        let Some(date) = date_of_day(day) else {
            return Ok(false);
        };
        let year = self.year(date.year())?;
        let (holidays, makeup) = &*year;
        if makeup.contains(&day) {
            return Ok(true);
        }
        Ok(!matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&day))
    }

    /// The instant after which something due "within `n` working days of `from`" is late.
    pub fn due(&mut self, from: TimeMs, n: u32) -> Result<TimeMs, RuntimeError> {
        let mut day = day_of(from);
        let mut counted = 0;
        while counted < n {
            day += 1;
            if self.is_working_day(day)? {
                counted += 1;
            }
        }
        Ok(end_of_day(day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::MemState;

    /// The direct reading of the canonical form agrees with chrono's `%Y-%m-%d` on
    /// every input: valid days, impossible days, and forms only chrono reads or nobody.
    #[test]
    fn dates_parse_exactly_as_chrono_parses_them() {
        let mut inputs: Vec<String> = [
            "2026-01-01",
            "2024-02-29",
            "2025-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-04-31",
            "0000-01-01",
            "9999-12-31",
            "2026-1-01",
            "2026-01-1",
            "+2026-01-01",
            "2026/01/01",
            " 2026-01-01",
            "2026-01-01 ",
            "２０２６-01-01",
            "2026-01-0a",
            "",
            "20260101",
            "2026-01-001",
        ]
        .map(String::from)
        .to_vec();
        let mut day = NaiveDate::from_ymd_opt(1999, 12, 25).unwrap();
        while day.year() < 2031 {
            inputs.push(day.format("%Y-%m-%d").to_string());
            day = day.succ_opt().unwrap();
        }
        for s in &inputs {
            let chrono = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            assert_eq!(parse_date(s).ok(), chrono, "{s:?}");
            if let Some(fast) = canonical_date(s) {
                assert_eq!(Some(fast), chrono, "{s:?}");
            }
        }
    }

    fn ms(date: &str, hour: u64) -> TimeMs {
        end_of_day(day_of_date(parse_date(date).unwrap()) - 1) + hour * 3_600_000
    }

    fn china_2025() -> HolidayCalendar {
        // State Council notice on the 2025 holidays: National Day and Mid-Autumn, 1-8 October
        // off; Sunday 28 September and Saturday 11 October are working days.
        HolidayCalendar {
            year: 2025,
            holidays: [
                "2025-10-01",
                "2025-10-02",
                "2025-10-03",
                "2025-10-06",
                "2025-10-07",
                "2025-10-08",
            ]
            .map(String::from)
            .to_vec(),
            makeup_workdays: vec!["2025-09-28".into(), "2025-10-11".into()],
        }
    }

    fn with_calendar(cal: &HolidayCalendar) -> MemState {
        let mut st = MemState::default();
        st.0.insert(keys::calendar(cal.year), kuai_types::codec::encode(cal));
        st
    }

    #[test]
    fn days_are_china_standard_time() {
        // 2025-10-01 00:30 CST is 2025-09-30 16:30 UTC.
        let t = 1_759_249_800_000;
        assert_eq!(date_of_day(day_of(t)).unwrap().to_string(), "2025-10-01");
        assert_eq!(ms("2025-10-01", 0) % DAY_MS, 16 * 3_600_000);
    }

    #[test]
    fn ten_working_days_across_national_day_week() {
        let st = with_calendar(&china_2025());
        let ov = Overlay::new(&st);
        let mut wd = WorkingDays::new(&ov);
        // Submitted Friday 26 September 2025. Working days after: Sun 28 Sep (make-up),
        // 29, 30 Sep, [1-8 Oct off], 9, 10, Sat 11 Oct (make-up), 13, 14, 15, 16 Oct.
        let due = wd.due(ms("2025-09-26", 15), 10).unwrap();
        assert_eq!(
            due,
            ms("2025-10-17", 0),
            "due at the end of Thursday 16 October"
        );
        // Without the calendar the same request would be due on 10 October.
        let empty = MemState::default();
        let ov = Overlay::new(&empty);
        assert_eq!(
            WorkingDays::new(&ov).due(ms("2025-09-26", 15), 10).unwrap(),
            ms("2025-10-11", 0)
        );
    }

    #[test]
    fn a_changed_or_removed_calendar_is_read_afresh_despite_the_memo() {
        let due = |st: &MemState| {
            let ov = Overlay::new(st);
            WorkingDays::new(&ov).due(ms("2025-09-26", 15), 10).unwrap()
        };
        let national_day = with_calendar(&china_2025());
        assert_eq!(due(&national_day), ms("2025-10-17", 0));
        // The same year, other holidays: one weekday off instead of six.
        let mut short = china_2025();
        short.holidays = vec!["2025-10-01".into()];
        short.makeup_workdays.clear();
        assert_eq!(due(&with_calendar(&short)), ms("2025-10-14", 0));
        // No calendar for the year: weekdays only.
        assert_eq!(due(&MemState::default()), ms("2025-10-11", 0));
        assert_eq!(due(&national_day), ms("2025-10-17", 0));
    }

    #[test]
    fn two_working_days_over_a_weekend_and_a_make_up_day() {
        let st = with_calendar(&china_2025());
        let ov = Overlay::new(&st);
        let mut wd = WorkingDays::new(&ov);
        // Friday 10 October: Sat 11 (make-up) and Mon 13.
        assert_eq!(wd.due(ms("2025-10-10", 9), 2).unwrap(), ms("2025-10-14", 0));
        assert!(wd.is_working_day(day_of(ms("2025-09-28", 12))).unwrap());
        assert!(!wd.is_working_day(day_of(ms("2025-10-03", 12))).unwrap());
        assert!(!wd.is_working_day(day_of(ms("2025-10-12", 12))).unwrap());
    }

    #[test]
    fn calendars_are_validated() {
        assert!(validate(&china_2025()).is_ok());
        let mut c = china_2025();
        c.holidays.push("2025-10-04".into()); // a Saturday
        assert!(validate(&c).unwrap_err().to_string().contains("weekend"));
        let mut c = china_2025();
        c.makeup_workdays.push("2025-10-09".into()); // a Thursday
        assert!(validate(&c)
            .unwrap_err()
            .to_string()
            .contains("not a weekend"));
        let mut c = china_2025();
        c.holidays.push("2026-01-01".into());
        assert!(validate(&c)
            .unwrap_err()
            .to_string()
            .contains("not in 2025"));
        let mut c = china_2025();
        c.holidays.push("2025-13-01".into());
        assert!(validate(&c).is_err());
    }
}
