//! The genesis specification: the chain id, the start time, the validator set and
//! the founding organizations. Files under `genesis/` in the repository are templates of it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::crypto::PublicKey;
use crate::error::TypesError;
use crate::hash::Hash;
use crate::model::{HolidayCalendar, Member, OrgKind, Parameters};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GenesisOrganization {
    pub credit_code: String,
    pub name: String,
    pub kind: OrgKind,
    pub members: Vec<Member>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GenesisValidator {
    pub key: PublicKey,
    /// Credit code of the organization that runs it.
    pub operator: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GenesisSpec {
    pub chain_id: String,
    pub genesis_time_ms: u64,
    pub validators: Vec<GenesisValidator>,
    pub organizations: Vec<GenesisOrganization>,
    /// Initial parameters (defaults when absent).
    #[serde(default)]
    pub parameters: Option<Parameters>,
    /// Initial holiday calendars, one per year.
    #[serde(default)]
    pub calendars: Vec<HolidayCalendar>,
    /// The height from which access events are committed in one state-tree leaf per
    /// block instead of one each ([`crate::access_bucket`]); 0: never, as on chains
    /// created before buckets existed. The repository's templates set 1.
    #[serde(default)]
    pub access_event_buckets_from: u64,
    /// The height from which a block's deadline filings for one day are one state-tree
    /// leaf instead of one each (`kuai_runtime::deadlines`); 0: never, as on chains
    /// created before groups existed. The repository's templates set 1.
    #[serde(default)]
    pub deadline_groups_from: u64,
}

/// The fields added after the chain's first format (`access_event_buckets_from`, then
/// `deadline_groups_from`) come last and the codec writes a `u64` as eight fixed-width
/// bytes, so a spec's encoding is the encoding from before a field existed followed by
/// its eight bytes.
const ADDED_FIELD_BYTES: usize = 8;

impl GenesisSpec {
    /// A digest of the spec, so nodes can check they start from the same genesis. Added
    /// fields that are 0 at the end of the spec are left out, so a spec hashes exactly as
    /// it did before those fields existed and an existing chain keeps its genesis hash
    /// (block 1's parent).
    pub fn hash(&self) -> Hash {
        let bytes = crate::codec::encode(self);
        let unset = if self.deadline_groups_from != 0 {
            0
        } else if self.access_event_buckets_from != 0 {
            1
        } else {
            2
        };
        let hashed = &bytes[..bytes.len() - unset * ADDED_FIELD_BYTES];
        Hash::tagged(b"kuai/genesis/v1", &[hashed])
    }

    /// Decodes a spec stored with [`crate::codec::encode`], also one a store wrote
    /// before an added field existed (it reads as 0).
    pub fn decode_stored(bytes: &[u8], limit: usize) -> Result<GenesisSpec, TypesError> {
        crate::codec::decode::<GenesisSpec>(bytes, limit).or_else(|e| {
            for missing in 1..=2 {
                let mut old = bytes.to_vec();
                old.resize(bytes.len() + missing * ADDED_FIELD_BYTES, 0);
                let limit = limit.saturating_add(missing * ADDED_FIELD_BYTES);
                if let Ok(spec) = crate::codec::decode(&old, limit) {
                    return Ok(spec);
                }
            }
            Err(e)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(buckets: u64, groups: u64) -> GenesisSpec {
        GenesisSpec {
            chain_id: "kuai-test".into(),
            genesis_time_ms: 1_700_000_000_000,
            validators: vec![],
            organizations: vec![],
            parameters: None,
            calendars: vec![],
            access_event_buckets_from: buckets,
            deadline_groups_from: groups,
        }
    }

    /// The spec's fields before `access_event_buckets_from`, as they were encoded.
    #[derive(Serialize)]
    struct LegacyRef<'a> {
        chain_id: &'a String,
        genesis_time_ms: u64,
        validators: &'a Vec<GenesisValidator>,
        organizations: &'a Vec<GenesisOrganization>,
        parameters: &'a Option<Parameters>,
        calendars: &'a Vec<HolidayCalendar>,
    }

    #[test]
    fn a_spec_without_buckets_keeps_the_hash_and_storage_of_before() {
        let old = spec(0, 0);
        let legacy_bytes = crate::codec::encode(&LegacyRef {
            chain_id: &old.chain_id,
            genesis_time_ms: old.genesis_time_ms,
            validators: &old.validators,
            organizations: &old.organizations,
            parameters: &old.parameters,
            calendars: &old.calendars,
        });
        // What the hash was before the field: the same tag over the same six fields.
        assert_eq!(
            old.hash(),
            Hash::tagged(b"kuai/genesis/v1", &[&legacy_bytes])
        );
        assert_eq!(
            GenesisSpec::decode_stored(&legacy_bytes, 1 << 20),
            Ok(old.clone())
        );
        let new = spec(1, 0);
        assert_ne!(new.hash(), old.hash());
        let stored = crate::codec::encode(&new);
        assert_eq!(GenesisSpec::decode_stored(&stored, 1 << 20), Ok(new));
        assert!(GenesisSpec::decode_stored(&stored[..stored.len() - 3], 1 << 20).is_err());
    }

    #[test]
    fn a_spec_without_deadline_groups_keeps_the_hash_and_storage_of_before() {
        for buckets in [0, 1] {
            let before = spec(buckets, 0);
            let legacy = LegacyRef {
                chain_id: &before.chain_id,
                genesis_time_ms: before.genesis_time_ms,
                validators: &before.validators,
                organizations: &before.organizations,
                parameters: &before.parameters,
                calendars: &before.calendars,
            };
            let seven = crate::codec::encode(&(
                legacy.chain_id,
                legacy.genesis_time_ms,
                legacy.validators,
                legacy.organizations,
                legacy.parameters,
                legacy.calendars,
                buckets,
            ));
            // A store written before the field: seven fields, read back with groups off.
            assert_eq!(
                GenesisSpec::decode_stored(&seven, 1 << 20),
                Ok(before.clone())
            );
            if buckets == 1 {
                // Hashed over the same seven fields as before the field existed.
                assert_eq!(before.hash(), Hash::tagged(b"kuai/genesis/v1", &[&seven]));
            }
            let grouped = spec(buckets, 1);
            assert_ne!(grouped.hash(), before.hash());
            let stored = crate::codec::encode(&grouped);
            assert_eq!(stored.len(), seven.len() + ADDED_FIELD_BYTES);
            assert_eq!(grouped.hash(), Hash::tagged(b"kuai/genesis/v1", &[&stored]));
            assert_eq!(GenesisSpec::decode_stored(&stored, 1 << 20), Ok(grouped));
        }
        // Groups without buckets hash all eight fields, unlike buckets without groups.
        assert_ne!(spec(0, 1).hash(), spec(1, 0).hash());
    }

    #[test]
    fn a_template_without_the_field_reads_as_no_buckets() {
        let json = r#"{"chain_id":"c","genesis_time_ms":0,"validators":[],"organizations":[]}"#;
        let s: GenesisSpec = serde_json::from_str(json).unwrap();
        assert_eq!(s.access_event_buckets_from, 0);
        assert_eq!(s.deadline_groups_from, 0);
    }
}
