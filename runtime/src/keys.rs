//! The state key scheme. Keys are `prefix byte || '/' || id`; numeric ids are
//! big-endian so a prefix scan lists records in id order. The node's API lists
//! records by scanning these prefixes.

use kuai_types::PublicKey;

pub const NONCE: &[u8] = b"n/";
pub const ORGANIZATION: &[u8] = b"o/";
pub const MEMBER_KEY: &[u8] = b"k/";
pub const CATALOG_ENTRY: &[u8] = b"c/";
pub const SHARE_REQUEST: &[u8] = b"r/";
pub const GRANT: &[u8] = b"g/";
pub const ACCESS_EVENT: &[u8] = b"a/";
pub const COUNTER: &[u8] = b"s/";

fn join(prefix: &[u8], rest: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(prefix.len() + rest.len());
    k.extend_from_slice(prefix);
    k.extend_from_slice(rest);
    k
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
pub fn share_request(id: u64) -> Vec<u8> {
    join(SHARE_REQUEST, &id.to_be_bytes())
}
pub fn grant(id: u64) -> Vec<u8> {
    join(GRANT, &id.to_be_bytes())
}
pub fn access_event(id: u64) -> Vec<u8> {
    join(ACCESS_EVENT, &id.to_be_bytes())
}
pub fn counter(name: &str) -> Vec<u8> {
    join(COUNTER, name.as_bytes())
}

/// The id part of a numeric-id key, for API cursors.
pub fn numeric_id(key: &[u8]) -> Option<u64> {
    let tail: [u8; 8] = key.get(key.len().checked_sub(8)?..)?.try_into().ok()?;
    Some(u64::from_be_bytes(tail))
}
