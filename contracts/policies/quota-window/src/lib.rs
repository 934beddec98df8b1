//! Policy contract `quota_window`: grants share requests for a bounded period with a call
//! quota, at most a number of grants per requester per day, and optionally only within
//! approval hours.
//!
//! # Parameters
//! - `max_days=T` (required, at least 1): the longest period granted.
//! - `daily_calls=N` (required, at least 1): calls allowed per granted day.
//! - `daily_grants=M` (required, at least 1): grants per requester organization per
//!   calendar day in China time (UTC+8).
//! - `hours=S-E` (optional): automatic approval hours in China time, whole hours: a request
//!   at `hh:mm` is inside when `S <= hh < E` (`9-18` is 09:00 to 17:59); `S > E` wraps
//!   past midnight (`22-6`); `0-24` is the whole day. `S` is 0 to 23, `E` 1 to 24.
//!
//! Any other key is an error, naming it.
//!
//! # Decision, in this order
//! 1. With `hours`, a request outside them → Defer to the provider's officers, with a note
//!    giving the time (what officers decide is not counted below).
//! 2. A request for 0 days → Reject.
//! 3. If the requester organization already has `M` grants from this instance on this
//!    China date → Reject "daily limit of M grants reached for <org> on <yyyy-mm-dd>".
//! 4. If today's tally (below) has no room for another organization (it would pass
//!    `limits::MAX_VALUE_BYTES`: some 580 organizations in one day) → Defer, with a note.
//! 5. Otherwise Grant for `min(requested, T)` days with `quota_calls = N × days`
//!    (saturating), all requested fields, no raw (unmasked) fields: the entry's masking
//!    applies. Events note a shortened period and raw fields not granted.
//!
//! # Storage
//! One entry, [`TALLY_KEY`]: today's grants per organization — the China day number
//! (days since 1970-01-01) as `u64` little-endian, then per organization its code's
//! length (`u16` LE), the code, and its grants (`u64` LE). The first grant of a new day
//! replaces the whole tally, so storage stays one bounded entry however many
//! organizations ask over the years.

#![cfg_attr(target_arch = "wasm32", no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

use kuai_contract_sdk::limits;
use kuai_contract_sdk::prelude::*;

/// The parameter keys this policy knows.
pub const KEYS: &[&str] = &["max_days", "daily_calls", "daily_grants", "hours"];

/// The checked parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub max_days: u32,
    pub daily_calls: u64,
    pub daily_grants: u64,
    /// `(start, end)` hours, see the module docs.
    pub hours: Option<(u8, u8)>,
}

/// `kuai_init`: checks the parameters.
pub fn init(params: &Params) -> Result<Config, String> {
    params.check_keys(KEYS)?;
    let max_days = at_least_one(params, "max_days")?;
    let max_days = u32::try_from(max_days)
        .map_err(|_| format!("parameter `max_days` must be at most {}", u32::MAX))?;
    let daily_calls = at_least_one(params, "daily_calls")?;
    let daily_grants = at_least_one(params, "daily_grants")?;
    let hours = match params.get("hours") {
        None => None,
        Some(text) => Some(parse_hours(text)?),
    };
    Ok(Config {
        max_days,
        daily_calls,
        daily_grants,
        hours,
    })
}

/// `kuai_decide`.
pub fn decide(ctx: &mut Context, config: &Config, input: &PolicyInput) -> Decision {
    let request = &input.request;
    let org = &input.requester.org;
    let now = input.block_time_ms;
    let date = time::china_date(now);
    if let Some((start, end)) = config.hours {
        let minute = time::china_minute_of_day(now);
        let hour = (minute / 60) as u8;
        let inside = if start < end {
            start <= hour && hour < end
        } else {
            start <= hour || hour < end
        };
        if !inside {
            return Decision::Defer {
                note: format!(
                    "requested at {:02}:{:02} China time on {date}, outside the automatic \
                     approval hours {start}-{end}; left to the provider's officers",
                    u32::from(minute / 60),
                    u32::from(minute % 60),
                    start = u32::from(start),
                    end = u32::from(end),
                ),
            };
        }
    }
    if request.period_days == 0 {
        return Decision::Reject {
            reason: "the requested period is 0 days".into(),
        };
    }

    let today = time::china_day(now);
    let mut tally = Tally::load(ctx, today);
    let count = tally.count(org);
    if count >= config.daily_grants {
        return Decision::Reject {
            reason: format!(
                "daily limit of {} grants reached for {org} on {date}",
                config.daily_grants
            ),
        };
    }
    if !tally.set(org, count + 1) {
        return Decision::Defer {
            note: format!(
                "the daily tally of {date} has no room for another organization; left to \
                 the provider's officers"
            ),
        };
    }
    ctx.storage.set(TALLY_KEY, &tally.bytes);

    let days = request.period_days.min(config.max_days);
    if days < request.period_days {
        ctx.emit(&format!(
            "period shortened from {} to {days} days",
            request.period_days
        ));
    }
    if !request.raw_fields.is_empty() {
        ctx.emit(&format!(
            "raw fields not granted, the entry's masking applies: {}",
            join(&request.raw_fields, ", ")
        ));
    }
    Decision::Grant(GrantTerms {
        fields: Vec::new(),
        raw_fields: Vec::new(),
        period_days: days,
        quota_rows: None,
        quota_calls: Some(config.daily_calls.saturating_mul(u64::from(days))),
    })
}

kuai_contract_sdk::policy!(init = init, decide = decide);

/// The storage key of today's tally (see the module docs).
pub const TALLY_KEY: &str = "tally";

/// Today's grants per organization, in its stored encoding.
struct Tally {
    bytes: Vec<u8>,
}

impl Tally {
    /// The stored tally if it is of `today`, else an empty one for `today`.
    fn load(ctx: &mut Context, today: u64) -> Tally {
        match ctx.storage.get(TALLY_KEY) {
            Some(bytes) if bytes.get(..8) == Some(&today.to_le_bytes()[..]) => Tally { bytes },
            _ => Tally {
                bytes: today.to_le_bytes().to_vec(),
            },
        }
    }

    /// The entries: `(offset of the count, organization)`.
    fn entries(&self) -> impl Iterator<Item = (usize, &[u8])> {
        let b = &self.bytes;
        let mut at = 8;
        core::iter::from_fn(move || {
            let len = usize::from(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?));
            let org = b.get(at + 2..at + 2 + len)?;
            let count_at = at + 2 + len;
            b.get(count_at..count_at + 8)?;
            at = count_at + 8;
            Some((count_at, org))
        })
    }

    fn count(&self, org: &str) -> u64 {
        self.entries()
            .find(|(_, o)| *o == org.as_bytes())
            .and_then(|(at, _)| self.bytes.get(at..at + 8))
            .and_then(|c| c.try_into().ok())
            .map_or(0, u64::from_le_bytes)
    }

    /// Records `count` for `org`; false if a new entry would not fit in a storage value.
    fn set(&mut self, org: &str, count: u64) -> bool {
        let found = self.entries().find(|(_, o)| *o == org.as_bytes());
        if let Some((at, _)) = found {
            self.bytes[at..at + 8].copy_from_slice(&count.to_le_bytes());
            return true;
        }
        let Ok(len) = u16::try_from(org.len()) else {
            return false;
        };
        if self.bytes.len() + 2 + org.len() + 8 > limits::MAX_VALUE_BYTES {
            return false;
        }
        self.bytes.extend_from_slice(&len.to_le_bytes());
        self.bytes.extend_from_slice(org.as_bytes());
        self.bytes.extend_from_slice(&count.to_le_bytes());
        true
    }
}

fn at_least_one(params: &Params, key: &str) -> Result<u64, String> {
    match params.required_u64(key)? {
        0 => Err(format!("parameter `{key}` must be at least 1")),
        n => Ok(n),
    }
}

fn parse_hours(text: &str) -> Result<(u8, u8), String> {
    let bad = || format!("parameter `hours` must be `start-end` in whole hours, found `{text}`");
    let (start, end) = text.split_once('-').ok_or_else(bad)?;
    let hour = |s: &str| -> Result<u8, String> {
        let s = s.trim();
        if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse::<u8>().map_err(|_| bad())
    };
    let (start, end) = (hour(start)?, hour(end)?);
    if start > 23 || end == 0 || end > 24 {
        return Err(format!(
            "parameter `hours`: start must be 0 to 23 and end 1 to 24, found `{text}`"
        ));
    }
    if start == end {
        return Err(format!(
            "parameter `hours`: start and end are the same hour (`{text}`)"
        ));
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_contract_sdk::{sample_input, MockHost};

    const HOUR: u64 = 3_600_000;
    const MARKET: &str = "11520100MB1742286U";
    const HEALTH: &str = "11520100MB01377292";
    const PARAMS: &str = "max_days=10\ndaily_calls=100\ndaily_grants=2";

    fn config(text: &str) -> Config {
        init(&Params::parse(text).unwrap()).unwrap()
    }

    fn init_err(text: &str) -> String {
        init(&Params::parse(text).unwrap()).unwrap_err()
    }

    fn terms(d: Decision) -> GrantTerms {
        match d {
            Decision::Grant(t) => t,
            other => panic!("expected Grant, got {other:?}"),
        }
    }

    #[test]
    fn caps_the_period_and_sets_the_call_quota() {
        let mut host = MockHost::new();
        let t = terms(decide(
            &mut host.context(),
            &config(PARAMS),
            &sample_input(),
        ));
        assert_eq!(t.period_days, 10);
        assert_eq!(t.quota_calls, Some(1000));
        assert!(t.fields.is_empty() && t.raw_fields.is_empty() && t.quota_rows.is_none());
        assert_eq!(host.events, ["period shortened from 30 to 10 days"]);

        let mut input = sample_input();
        input.request.period_days = 3;
        let mut host = MockHost::new();
        let t = terms(decide(&mut host.context(), &config(PARAMS), &input));
        assert_eq!((t.period_days, t.quota_calls), (3, Some(300)));
        assert!(host.events.is_empty());
    }

    #[test]
    fn daily_limit_per_organization_and_china_date() {
        let cfg = config(PARAMS);
        let mut host = MockHost::new();
        let mut input = sample_input(); // 2025-03-03 10:00 China time
        for _ in 0..2 {
            terms(decide(&mut host.context(), &cfg, &input));
        }
        assert_eq!(
            decide(&mut host.context(), &cfg, &input),
            Decision::Reject {
                reason: "daily limit of 2 grants reached for 11520100MB1742286U on 2025-03-03"
                    .into()
            }
        );
        // Another organization has its own count.
        let mut other = input.clone();
        other.requester.org = HEALTH.into();
        terms(decide(&mut host.context(), &cfg, &other));
        // 23:59 China time is still the 3rd (15:59 UTC) ...
        input.block_time_ms += 13 * HOUR + 59 * 60_000;
        assert!(matches!(
            decide(&mut host.context(), &cfg, &input),
            Decision::Reject { .. }
        ));
        // ... one minute later it is the 4th (16:00 UTC, still the 3rd in UTC).
        input.block_time_ms += 60_000;
        terms(decide(&mut host.context(), &cfg, &input));
        terms(decide(&mut host.context(), &cfg, &input));
        let Decision::Reject { reason } = decide(&mut host.context(), &cfg, &input) else {
            panic!("third grant on the 4th")
        };
        assert!(reason.ends_with("on 2025-03-04"), "{reason}");
        assert_eq!(stored_count(&host, MARKET), 2);
        // The new day replaced the tally: the other organization is gone.
        assert_eq!(stored_count(&host, HEALTH), 0);
        assert_eq!(host.storage.len(), 1);
    }

    fn stored_count(host: &MockHost, org: &str) -> u64 {
        let bytes = host.storage[TALLY_KEY.as_bytes()].clone();
        Tally { bytes }.count(org)
    }

    #[test]
    fn a_full_tally_defers_new_organizations() {
        let cfg = config("max_days=1\ndaily_calls=1\ndaily_grants=9");
        let mut host = MockHost::new();
        let mut input = sample_input();
        let fits = (limits::MAX_VALUE_BYTES - 8) / (2 + 18 + 8);
        for i in 0..fits {
            input.requester.org = format!("ORG{i:015}");
            terms(decide(&mut host.context(), &cfg, &input));
        }
        assert!(host.storage[TALLY_KEY.as_bytes()].len() <= limits::MAX_VALUE_BYTES);
        input.requester.org = "ORG-ONE-TOO-MANY-1".into();
        let d = decide(&mut host.context(), &cfg, &input);
        assert!(
            matches!(d, Decision::Defer { ref note } if note.contains("no room")),
            "{d:?}"
        );
        // Organizations already in the tally still count up.
        input.requester.org = format!("ORG{:015}", 7);
        terms(decide(&mut host.context(), &cfg, &input));
        assert_eq!(stored_count(&host, &input.requester.org), 2);
    }

    #[test]
    fn tally_encoding() {
        let mut t = Tally {
            bytes: 5u64.to_le_bytes().to_vec(),
        };
        assert_eq!(t.count("A"), 0);
        assert!(t.set("A", 3));
        assert!(t.set("BC", 1));
        assert!(t.set("A", 4));
        assert_eq!((t.count("A"), t.count("BC"), t.count("B")), (4, 1, 0));
        let mut expected = 5u64.to_le_bytes().to_vec();
        expected.extend_from_slice(&[1, 0, b'A', 4, 0, 0, 0, 0, 0, 0, 0]);
        expected.extend_from_slice(&[2, 0, b'B', b'C', 1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(t.bytes, expected);
        // A truncated entry at the end is ignored, not misread.
        t.bytes.truncate(t.bytes.len() - 1);
        assert_eq!((t.count("A"), t.count("BC")), (4, 0));
    }

    #[test]
    fn hours_defer_outside_the_window() {
        let cfg = config(&format!("{PARAMS}\nhours=9-18"));
        let mut input = sample_input(); // 10:00
        let mut host = MockHost::new();
        terms(decide(&mut host.context(), &cfg, &input));
        input.block_time_ms += 7 * HOUR + 59 * 60_000; // 17:59
        terms(decide(&mut host.context(), &cfg, &input));
        input.block_time_ms += 60_000; // 18:00
        let d = decide(&mut host.context(), &cfg, &input);
        assert_eq!(
            d,
            Decision::Defer {
                note: "requested at 18:00 China time on 2025-03-03, outside the automatic \
                       approval hours 9-18; left to the provider's officers"
                    .into()
            }
        );
        // The deferral touched no count; the next morning counts from zero again.
        assert_eq!(stored_count(&host, MARKET), 2);
        input.block_time_ms += 15 * HOUR; // 09:00 on the 4th
        terms(decide(&mut host.context(), &cfg, &input));
        assert_eq!(stored_count(&host, MARKET), 1);
    }

    #[test]
    fn hours_may_wrap_past_midnight() {
        let cfg = config(&format!("{PARAMS}\nhours=22-6"));
        let mut input = sample_input(); // 10:00
        let d = decide(&mut MockHost::new().context(), &cfg, &input);
        assert!(matches!(d, Decision::Defer { .. }), "{d:?}");
        input.block_time_ms += 13 * HOUR; // 23:00
        terms(decide(&mut MockHost::new().context(), &cfg, &input));
        input.block_time_ms += 6 * HOUR + 59 * 60_000; // 05:59
        terms(decide(&mut MockHost::new().context(), &cfg, &input));
        let whole_day = config(&format!("{PARAMS}\nhours=0-24"));
        terms(decide(&mut MockHost::new().context(), &whole_day, &input));
    }

    #[test]
    fn zero_day_requests_are_rejected() {
        let mut input = sample_input();
        input.request.period_days = 0;
        let d = decide(&mut MockHost::new().context(), &config(PARAMS), &input);
        assert!(matches!(d, Decision::Reject { .. }), "{d:?}");
    }

    #[test]
    fn raw_fields_are_noted_not_granted() {
        let mut input = sample_input();
        input.request.period_days = 1;
        input.request.raw_fields = vec!["id_number".into()];
        let mut host = MockHost::new();
        let t = terms(decide(&mut host.context(), &config(PARAMS), &input));
        assert!(t.raw_fields.is_empty());
        assert_eq!(
            host.events,
            ["raw fields not granted, the entry's masking applies: id_number"]
        );
    }

    #[test]
    fn quota_saturates() {
        let cfg = config(&format!(
            "max_days=1000\ndaily_calls={}\ndaily_grants=1",
            u64::MAX / 2
        ));
        let t = terms(decide(
            &mut MockHost::new().context(),
            &cfg,
            &sample_input(),
        ));
        assert_eq!(t.quota_calls, Some(u64::MAX));
    }

    #[test]
    fn init_names_the_bad_key() {
        assert_eq!(
            config(&format!("{PARAMS}\nhours=9-18")).hours,
            Some((9, 18))
        );
        assert_eq!(
            init_err("daily_calls=1\ndaily_grants=1"),
            "missing required parameter `max_days`"
        );
        assert_eq!(
            init_err("max_days=0\ndaily_calls=1\ndaily_grants=1"),
            "parameter `max_days` must be at least 1"
        );
        assert_eq!(
            init_err("max_days=5000000000\ndaily_calls=1\ndaily_grants=1"),
            "parameter `max_days` must be at most 4294967295"
        );
        assert_eq!(
            init_err("max_days=1\ndaily_calls=ten\ndaily_grants=1"),
            "parameter `daily_calls` must be a whole number, found `ten`"
        );
        assert_eq!(
            init_err("max_days=1\ndaily_calls=1"),
            "missing required parameter `daily_grants`"
        );
        assert!(init_err(&format!("{PARAMS}\nmax_day=3")).contains("unknown parameter `max_day`"));
        for bad in ["9", "9-", "a-b", "9-18-20", "-1-5", "009-18"] {
            let e = init_err(&format!("{PARAMS}\nhours={bad}"));
            assert!(e.starts_with("parameter `hours` must be"), "{bad}: {e}");
        }
        for bad in ["24-5", "5-25", "3-0"] {
            let e = init_err(&format!("{PARAMS}\nhours={bad}"));
            assert!(
                e.starts_with("parameter `hours`: start must be"),
                "{bad}: {e}"
            );
        }
        assert_eq!(
            init_err(&format!("{PARAMS}\nhours=9-9")),
            "parameter `hours`: start and end are the same hour (`9-9`)"
        );
    }
}
