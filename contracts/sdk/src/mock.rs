//! Native stand-ins for the contract host, for unit tests (not built for `wasm32`).

use crate::{limits, Channel, Context, Entry, Field, Host, PolicyInput, Request, Requester};
use std::collections::BTreeMap;

/// An in-memory host: storage in a map, events in a list (of all calls made with it). It
/// enforces the host's limits on keys, values and event sizes by panicking, as the real
/// host stops the call; the number of events per call is counted by [`Context`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MockHost {
    pub storage: BTreeMap<Vec<u8>, Vec<u8>>,
    pub events: Vec<String>,
}

impl MockHost {
    pub fn new() -> Self {
        Self::default()
    }

    /// A context over this host, as `decide` receives it.
    pub fn context(&mut self) -> Context<'_> {
        Context::new(self)
    }

    fn check_key(key: &[u8]) {
        assert!(
            key.len() <= limits::MAX_KEY_BYTES,
            "storage key of {} bytes is over the limit of {}",
            key.len(),
            limits::MAX_KEY_BYTES
        );
    }
}

impl Host for MockHost {
    fn storage_get(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        Self::check_key(key);
        self.storage.get(key).cloned()
    }

    fn storage_set(&mut self, key: &[u8], value: &[u8]) {
        Self::check_key(key);
        assert!(
            value.len() <= limits::MAX_VALUE_BYTES,
            "storage value of {} bytes is over the limit of {}",
            value.len(),
            limits::MAX_VALUE_BYTES
        );
        self.storage.insert(key.to_vec(), value.to_vec());
    }

    fn storage_remove(&mut self, key: &[u8]) {
        Self::check_key(key);
        self.storage.remove(key);
    }

    fn emit_event(&mut self, note: &str) {
        assert!(
            note.len() <= limits::MAX_EVENT_BYTES,
            "event of {} bytes is over the limit of {}",
            note.len(),
            limits::MAX_EVENT_BYTES
        );
        self.events.push(note.to_owned());
    }
}

/// A plausible [`PolicyInput`] for tests, to adjust field by field:
///
/// - the Market Regulation bureau (`11520100MB1742286U`, role `app`) asks the Public
///   Security bureau (`11520100009283741A`) for `name`, `id_number` and `district` of
///   entry 7 (population basic information), none raw, for 30 days, purpose
///   "business licence verification", no legal basis, on the sharing channel;
/// - the entry's fields: `name` (sensitive, masking `name`), `id_number` (sensitive,
///   `id_number`), `phone` (sensitive, `phone`), `address` (sensitive, `address`),
///   `birth_year` (internal, `generalize`), `district` (public, `none`);
/// - block time 2025-03-03 10:00 China time (a Monday), height 100, no parameters.
pub fn sample_input() -> PolicyInput {
    let field = |name: &str, sensitivity: &str, masking: &str| Field {
        name: name.into(),
        sensitivity: sensitivity.into(),
        masking: masking.into(),
    };
    PolicyInput {
        instance_id: 1,
        params: String::new(),
        block_height: 100,
        // 2025-03-03T02:00:00Z
        block_time_ms: 1_740_967_200_000,
        request: Request {
            id: 42,
            channel: Channel::Sharing,
            fields: vec!["name".into(), "id_number".into(), "district".into()],
            raw_fields: Vec::new(),
            purpose: "business licence verification".into(),
            legal_basis: String::new(),
            period_days: 30,
        },
        entry: Entry {
            id: 7,
            version: 1,
            provider: "11520100009283741A".into(),
            name: "Population basic information (人口基础信息)".into(),
            security_grade: 3,
            fields: vec![
                field("name", "sensitive", "name"),
                field("id_number", "sensitive", "id_number"),
                field("phone", "sensitive", "phone"),
                field("address", "sensitive", "address"),
                field("birth_year", "internal", "generalize"),
                field("district", "public", "none"),
            ],
        },
        requester: Requester {
            org: "11520100MB1742286U".into(),
            org_name: "Guiyang Administration for Market Regulation".into(),
            org_kind: "department".into(),
            role: "app".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time;

    #[test]
    fn sample_time_is_monday_ten_in_china() {
        let input = sample_input();
        assert_eq!(
            time::china_date(input.block_time_ms).to_string(),
            "2025-03-03"
        );
        assert_eq!(time::china_hour(input.block_time_ms), 10);
    }

    #[test]
    #[should_panic(expected = "over the limit")]
    fn long_keys_are_refused() {
        MockHost::new().storage_set(&[b'k'; 257], b"v");
    }

    #[test]
    #[should_panic(expected = "more than 16 events")]
    fn too_many_events_in_one_call_are_refused() {
        let mut host = MockHost::new();
        for _ in 0..2 {
            let mut ctx = host.context(); // one call each: 16 events are fine
            for _ in 0..16 {
                ctx.emit("e");
            }
        }
        assert_eq!(host.events.len(), 32);
        let mut ctx = host.context();
        for _ in 0..17 {
            ctx.emit("e");
        }
    }
}
