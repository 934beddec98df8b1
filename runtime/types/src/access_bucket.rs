//! Access buckets: how a chain commits its access events without a state-tree leaf each.
//!
//! Access events are the bulk of a busy chain's transactions and are append-only
//! records: once written, never changed. From the height a chain's genesis names
//! ([`crate::genesis::GenesisSpec::access_event_buckets_from`]) the rules are:
//! - each access-event record (`a/{id}`) stays in the state every node keeps and
//!   reads, but is not a leaf of the authenticated state tree
//!   ([`crate::state_keys::outside_state_tree`]);
//! - a block that records access events sets one tree leaf instead, its bucket
//!   `ab/{height}` = [`AccessBucket`]: the first id, how many, and the Merkle root
//!   ([`crate::hash::merkle_root`]) over [`leaf`] of each record's canonical encoding,
//!   in id order. A block's ids are consecutive (one counter hands them out);
//! - a record is proven by the state proof of its block's bucket plus a
//!   [`BucketMembership`]: its position and the Merkle siblings up to the bucket's root.
//!
//! One leaf per block instead of one per event: the tree work (hashing new internal
//! nodes, writing them) of an access event drops to two hashes. Nothing is lost to an
//! auditor: the bucket leaf is as provable as the record's own leaf was.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::hash::{merkle_path, merkle_path_leads_to, merkle_root, Hash};

/// The access events one block recorded, as one leaf of the state tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccessBucket {
    pub height: u64,
    /// The id of the block's first access event; the others follow it without gaps.
    pub first_id: u64,
    pub count: u64,
    /// Merkle root over [`leaf`] of each record, in id order.
    pub root: Hash,
}

/// The bucket leaf of one access-event record, from its canonical encoding.
pub fn leaf(record: &[u8]) -> Hash {
    Hash::tagged(b"kuai/access-event/v1", &[record])
}

impl AccessBucket {
    /// The bucket of a block's access events: `records` are `(id, encoding)` in id
    /// order. `None` when there are none, or the ids are not consecutive.
    pub fn of(height: u64, records: &[(u64, &[u8])]) -> Option<AccessBucket> {
        let first_id = records.first()?.0;
        if records
            .iter()
            .enumerate()
            .any(|(i, (id, _))| *id != first_id + i as u64)
        {
            return None;
        }
        let leaves: Vec<Hash> = records.iter().map(|(_, r)| leaf(r)).collect();
        Some(AccessBucket {
            height,
            first_id,
            count: records.len() as u64,
            root: merkle_root(&leaves),
        })
    }

    /// Whether access event `id` belongs to this bucket.
    pub fn holds(&self, id: u64) -> bool {
        id >= self.first_id && id - self.first_id < self.count
    }
}

/// Where one access-event record sits in its block's bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BucketMembership {
    pub bucket: AccessBucket,
    /// Siblings from the record's leaf up to the bucket's root, lowest first.
    pub path: Vec<Hash>,
}

impl BucketMembership {
    /// The membership of record `id` in the bucket built from all of its block's
    /// `records` (`(id, encoding)`, id order, as for [`AccessBucket::of`]).
    pub fn prove(bucket: &AccessBucket, records: &[(u64, &[u8])], id: u64) -> Option<Self> {
        let leaves: Vec<Hash> = records.iter().map(|(_, r)| leaf(r)).collect();
        Self::from_leaves(bucket, &leaves, id)
    }

    /// [`BucketMembership::prove`] from the records' [`leaf`] hashes, in id order (a
    /// node proving many records of one block hashes them once).
    pub fn from_leaves(bucket: &AccessBucket, leaves: &[Hash], id: u64) -> Option<Self> {
        if !bucket.holds(id) || leaves.len() as u64 != bucket.count {
            return None;
        }
        let path = merkle_path(leaves, (id - bucket.first_id) as usize)?;
        Some(BucketMembership {
            bucket: bucket.clone(),
            path,
        })
    }

    /// Checks that the record `id` encoded as `record`, recorded at `height`, is in
    /// the bucket; the error says what does not hold.
    pub fn check(&self, id: u64, height: u64, record: &[u8]) -> Result<(), String> {
        let b = &self.bucket;
        if b.height != height {
            return Err(format!(
                "the bucket is of block {}, the access event was recorded at {height}",
                b.height
            ));
        }
        if !b.holds(id) {
            return Err(format!(
                "the bucket holds ids {}..{}, not {id}",
                b.first_id,
                b.first_id + b.count
            ));
        }
        let (index, count) = ((id - b.first_id) as usize, b.count as usize);
        if !merkle_path_leads_to(&leaf(record), index, count, &self.path, &b.root) {
            return Err("the Merkle proof of its place in the bucket does not hold".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(first: u64, n: u64) -> Vec<(u64, Vec<u8>)> {
        (first..first + n)
            .map(|id| (id, format!("record {id}").into_bytes()))
            .collect()
    }

    fn refs(r: &[(u64, Vec<u8>)]) -> Vec<(u64, &[u8])> {
        r.iter().map(|(i, b)| (*i, b.as_slice())).collect()
    }

    #[test]
    fn each_record_is_proven_in_its_bucket_and_a_changed_one_is_not() {
        let owned = records(41, 7);
        let r = refs(&owned);
        let bucket = AccessBucket::of(9, &r).unwrap();
        assert_eq!((bucket.first_id, bucket.count), (41, 7));
        for (id, bytes) in &r {
            let m = BucketMembership::prove(&bucket, &r, *id).unwrap();
            assert_eq!(m.check(*id, 9, bytes), Ok(()));
            assert!(m.check(*id, 9, b"another record").is_err());
            assert!(m.check(*id, 10, bytes).is_err(), "another block's record");
            let other = if *id == 41 { 42 } else { 41 };
            assert!(m.check(other, 9, bytes).is_err(), "another position");
        }
        assert!(BucketMembership::prove(&bucket, &r, 48).is_none());
        assert!(BucketMembership::prove(&bucket, &r[1..], 42).is_none());
    }

    #[test]
    fn ids_must_follow_each_other() {
        let mut owned = records(1, 3);
        owned[2].0 = 4;
        assert!(AccessBucket::of(1, &refs(&owned)).is_none());
        assert!(AccessBucket::of(1, &[]).is_none());
    }

    #[test]
    fn the_root_commits_to_every_record_and_their_order() {
        let owned = records(1, 4);
        let a = AccessBucket::of(1, &refs(&owned)).unwrap();
        let mut swapped = owned.clone();
        swapped.swap(1, 2);
        swapped[1].0 = 2;
        swapped[2].0 = 3;
        assert_ne!(AccessBucket::of(1, &refs(&swapped)).unwrap().root, a.root);
    }
}
