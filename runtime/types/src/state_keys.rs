//! The state key scheme (shared with the client, which recomputes keys to check proofs). Keys are `prefix || id`; numeric ids are big-endian so a
//! prefix scan lists records in id order. The node's API lists records by scanning
//! these prefixes, so no prefix may be a prefix of another.

use crate::crypto::PublicKey;

pub const NONCE: &[u8] = b"n/";
pub const ORGANIZATION: &[u8] = b"o/";
pub const MEMBER_KEY: &[u8] = b"k/";
pub const CATALOG_ENTRY: &[u8] = b"c/";
pub const ENTRY_VERSION: &[u8] = b"cv/";
pub const DATA_ELEMENT: &[u8] = b"de/";
pub const SHARE_REQUEST: &[u8] = b"r/";
pub const GRANT: &[u8] = b"g/";
pub const ACCESS_EVENT: &[u8] = b"a/";
/// One per block with access events, once buckets are in force ([`crate::access_bucket`]).
pub const ACCESS_BUCKET: &[u8] = b"ab/";
pub const OBJECTION: &[u8] = b"ob/";
pub const AGREEMENT: &[u8] = b"ag/";
pub const PROPOSAL: &[u8] = b"gp/";
pub const SCORECARD: &[u8] = b"sc/";
pub const CALENDAR: &[u8] = b"cal/";
pub const DEADLINES: &[u8] = b"dl/";
/// A block's deadline filings for one day, once deadline groups are in force.
pub const DEADLINE_GROUP: &[u8] = b"dg/";
pub const COUNTER: &[u8] = b"s/";
pub const SUBJECT_ACCESS: &[u8] = b"su/";
pub const PARAMETERS: &[u8] = b"p/parameters";
/// The height from which access buckets are in force (absent: never), set at genesis.
pub const ACCESS_BUCKETS_FROM: &[u8] = b"p/access-buckets-from";
/// The height from which deadline groups are in force (absent: never), set at genesis.
pub const DEADLINE_GROUPS_FROM: &[u8] = b"p/deadline-groups-from";
pub const VALIDATORS: &[u8] = b"v/current";
pub const PENDING_VALIDATORS: &[u8] = b"v/pending";
pub const LAST_DEADLINE_DAY: &[u8] = b"dl-last";
pub const CONTRACT_CODE: &[u8] = b"xc/";
pub const CONTRACT_WASM: &[u8] = b"xw/";
pub const CONTRACT_INSTANCE: &[u8] = b"xi/";
pub const CONTRACT_STORAGE: &[u8] = b"xs/";
pub const ENTRY_POLICY: &[u8] = b"ep/";

fn join(prefix: &[u8], rest: &[u8]) -> Vec<u8> {
    [prefix, rest].concat()
}

pub fn nonce(key: &PublicKey) -> Vec<u8> {
    join(NONCE, &key.0)
}
pub fn organization(credit_code: &str) -> Vec<u8> {
    join(ORGANIZATION, credit_code.as_bytes())
}
pub fn member_key(key: &PublicKey) -> Vec<u8> {
    join(MEMBER_KEY, &key.0)
}
pub fn catalog_entry(id: u64) -> Vec<u8> {
    join(CATALOG_ENTRY, &id.to_be_bytes())
}
pub fn entry_version(id: u64, version: u32) -> Vec<u8> {
    join(
        ENTRY_VERSION,
        &[&id.to_be_bytes()[..], &version.to_be_bytes()].concat(),
    )
}
/// All versions of one entry share this prefix.
pub fn entry_versions(id: u64) -> Vec<u8> {
    join(ENTRY_VERSION, &id.to_be_bytes())
}
pub fn data_element(code: &str) -> Vec<u8> {
    join(DATA_ELEMENT, code.as_bytes())
}
pub fn share_request(id: u64) -> Vec<u8> {
    join(SHARE_REQUEST, &id.to_be_bytes())
}
pub fn grant(id: u64) -> Vec<u8> {
    join(GRANT, &id.to_be_bytes())
}
pub fn access_event(id: u64) -> Vec<u8> {
    join(ACCESS_EVENT, &id.to_be_bytes())
}
/// The bucket of the access events block `height` recorded.
pub fn access_bucket(height: u64) -> Vec<u8> {
    join(ACCESS_BUCKET, &height.to_be_bytes())
}
/// Whether a key stays out of the state tree once access buckets are in force: an
/// access-event record, which its block's bucket commits to instead.
pub fn outside_state_tree(key: &[u8]) -> bool {
    key.starts_with(ACCESS_EVENT)
}
pub fn objection(id: u64) -> Vec<u8> {
    join(OBJECTION, &id.to_be_bytes())
}
pub fn agreement(id: u64) -> Vec<u8> {
    join(AGREEMENT, &id.to_be_bytes())
}
pub fn proposal(id: u64) -> Vec<u8> {
    join(PROPOSAL, &id.to_be_bytes())
}
pub fn scorecard(credit_code: &str) -> Vec<u8> {
    join(SCORECARD, credit_code.as_bytes())
}
pub fn calendar(year: i32) -> Vec<u8> {
    join(CALENDAR, &year.to_be_bytes())
}
/// How many deadlines end on `day` (a counter; the items are [`deadline_item`]s).
pub fn deadlines(day: i64) -> Vec<u8> {
    join(DEADLINES, &day.to_be_bytes())
}
/// The `n`-th deadline ending on `day`.
pub fn deadline_item(day: i64, n: u64) -> Vec<u8> {
    join(
        DEADLINES,
        &[&day.to_be_bytes()[..], &n.to_be_bytes()].concat(),
    )
}
/// The deadlines one block filed for `day`, from its `first` item number on (the day's
/// counter counts each of them as an item).
pub fn deadline_group(day: i64, first: u64) -> Vec<u8> {
    join(
        DEADLINE_GROUP,
        &[&day.to_be_bytes()[..], &first.to_be_bytes()].concat(),
    )
}
/// Index entry: the access event `id` concerned the subject with keyed hash `subject`.
pub fn subject_access(subject: &crate::hash::Hash, id: u64) -> Vec<u8> {
    [SUBJECT_ACCESS, &subject.0, &id.to_be_bytes()].concat()
}
/// All access events of one subject share this prefix.
pub fn subject_accesses(subject: &crate::hash::Hash) -> Vec<u8> {
    [SUBJECT_ACCESS, &subject.0].concat()
}
pub fn counter(name: &str) -> Vec<u8> {
    join(COUNTER, name.as_bytes())
}

/// The id part of a numeric-id key, for API cursors.
pub fn numeric_id(key: &[u8]) -> Option<u64> {
    let tail: [u8; 8] = key.get(key.len().checked_sub(8)?..)?.try_into().ok()?;
    Some(u64::from_be_bytes(tail))
}

/// Metadata of uploaded contract code.
pub fn contract_code(hash: &crate::hash::Hash) -> Vec<u8> {
    join(CONTRACT_CODE, &hash.0)
}
/// The WebAssembly bytes of contract code.
pub fn contract_wasm(hash: &crate::hash::Hash) -> Vec<u8> {
    join(CONTRACT_WASM, &hash.0)
}
pub fn contract_instance(id: u64) -> Vec<u8> {
    join(CONTRACT_INSTANCE, &id.to_be_bytes())
}
/// An instance's own storage (one bounded map).
pub fn contract_storage(id: u64) -> Vec<u8> {
    join(CONTRACT_STORAGE, &id.to_be_bytes())
}
/// The policy contract instance bound to a catalog entry.
pub fn entry_policy(entry_id: u64) -> Vec<u8> {
    join(ENTRY_POLICY, &entry_id.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_listed_prefix_is_a_prefix_of_another() {
        let all = [
            NONCE,
            ORGANIZATION,
            MEMBER_KEY,
            CATALOG_ENTRY,
            ENTRY_VERSION,
            DATA_ELEMENT,
            SHARE_REQUEST,
            GRANT,
            ACCESS_EVENT,
            ACCESS_BUCKET,
            OBJECTION,
            AGREEMENT,
            PROPOSAL,
            SCORECARD,
            CALENDAR,
            DEADLINES,
            DEADLINE_GROUP,
            COUNTER,
            SUBJECT_ACCESS,
            PARAMETERS,
            ACCESS_BUCKETS_FROM,
            DEADLINE_GROUPS_FROM,
            VALIDATORS,
            PENDING_VALIDATORS,
            LAST_DEADLINE_DAY,
            CONTRACT_CODE,
            CONTRACT_WASM,
            CONTRACT_INSTANCE,
            CONTRACT_STORAGE,
            ENTRY_POLICY,
        ];
        for a in all {
            for b in all {
                if a != b {
                    assert!(
                        !b.starts_with(a),
                        "{:?} is a prefix of {:?}",
                        String::from_utf8_lossy(a),
                        String::from_utf8_lossy(b)
                    );
                }
            }
        }
    }
}
