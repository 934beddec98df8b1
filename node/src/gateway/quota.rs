//! Quotas across deliveries not yet on chain. The committed grant says how many rows and
//! calls were used; deliveries whose access event is still in the mempool are not in it
//! yet. The book holds a reservation per such delivery, so a burst of fetches cannot take
//! more than the quota: a fetch is allowed only if `used + reserved + this` fits.
//!
//! A reservation is made (under the gateway's lock) before the rows are delivered, gets
//! its access transaction's hash once that is admitted, and is dropped when that
//! transaction has a receipt (committed: the grant now counts it, or the ledger refused
//! it). Settling happens before the grant is read, so a commit in between can only count
//! a delivery twice (refusing early), never not at all.

use std::collections::HashMap;

use kuai_types::model::Grant;
use kuai_types::Hash;

struct Reservation {
    digest: Hash,
    rows: u64,
    tx: Option<Hash>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum QuotaRefusal {
    Rows {
        quota: u64,
        used: u64,
        reserved: u64,
        requested: u64,
    },
    Calls {
        quota: u64,
        used: u64,
        reserved: u64,
    },
}

#[derive(Default)]
pub struct QuotaBook {
    pending: HashMap<u64, Vec<Reservation>>,
}

impl QuotaBook {
    /// Drops the grant's reservations whose transaction `is_committed`.
    pub fn settle<E>(
        &mut self,
        grant_id: u64,
        is_committed: impl Fn(&Hash) -> Result<bool, E>,
    ) -> Result<(), E> {
        if let Some(list) = self.pending.get_mut(&grant_id) {
            let mut keep = Vec::with_capacity(list.len());
            for r in list.drain(..) {
                let done = match &r.tx {
                    Some(h) => is_committed(h)?,
                    None => false,
                };
                if !done {
                    keep.push(r);
                }
            }
            *list = keep;
            if list.is_empty() {
                self.pending.remove(&grant_id);
            }
        }
        Ok(())
    }

    /// (rows, calls) reserved for the grant.
    pub fn reserved(&self, grant_id: u64) -> (u64, u64) {
        self.pending
            .get(&grant_id)
            .map_or((0, 0), |l| (l.iter().map(|r| r.rows).sum(), l.len() as u64))
    }

    /// Reserves `rows` and one call under `grant` (as committed), if they fit.
    pub fn reserve(&mut self, grant: &Grant, digest: Hash, rows: u64) -> Result<(), QuotaRefusal> {
        let (reserved_rows, reserved_calls) = self.reserved(grant.id);
        if let Some(quota) = grant.quota_rows {
            let used = grant.rows_used;
            if used.saturating_add(reserved_rows).saturating_add(rows) > quota {
                return Err(QuotaRefusal::Rows {
                    quota,
                    used,
                    reserved: reserved_rows,
                    requested: rows,
                });
            }
        }
        if let Some(quota) = grant.quota_calls {
            let used = grant.calls_used;
            if used.saturating_add(reserved_calls) >= quota {
                return Err(QuotaRefusal::Calls {
                    quota,
                    used,
                    reserved: reserved_calls,
                });
            }
        }
        self.pending.entry(grant.id).or_default().push(Reservation {
            digest,
            rows,
            tx: None,
        });
        Ok(())
    }

    /// Notes the access transaction of a reservation.
    pub fn set_tx(&mut self, grant_id: u64, digest: &Hash, tx: Hash) {
        if let Some(r) = self
            .pending
            .get_mut(&grant_id)
            .and_then(|l| l.iter_mut().find(|r| &r.digest == digest))
        {
            r.tx = Some(tx);
        }
    }

    /// Drops a reservation whose delivery did not happen.
    pub fn release(&mut self, grant_id: u64, digest: &Hash) {
        if let Some(l) = self.pending.get_mut(&grant_id) {
            l.retain(|r| &r.digest != digest);
            if l.is_empty() {
                self.pending.remove(&grant_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(quota_rows: Option<u64>, rows_used: u64, quota_calls: Option<u64>) -> Grant {
        Grant {
            id: 7,
            request_id: 1,
            agreement_id: None,
            entry_id: 1,
            grantee: "g".into(),
            provider: "p".into(),
            fields: vec![],
            masking: vec![],
            purpose: "x".into(),
            granted_at: 0,
            expires_at: u64::MAX,
            quota_rows,
            rows_used,
            quota_calls,
            calls_used: 0,
            revoked: None,
        }
    }

    fn h(i: u8) -> Hash {
        Hash([i; 32])
    }

    #[test]
    fn a_burst_cannot_exceed_the_row_quota() {
        let mut b = QuotaBook::default();
        let g = grant(Some(100), 30, None);
        b.reserve(&g, h(1), 40).unwrap();
        b.reserve(&g, h(2), 30).unwrap();
        assert_eq!(
            b.reserve(&g, h(3), 1),
            Err(QuotaRefusal::Rows {
                quota: 100,
                used: 30,
                reserved: 70,
                requested: 1
            })
        );
        b.release(g.id, &h(2));
        b.reserve(&g, h(3), 30).unwrap();
        assert_eq!(b.reserved(7), (70, 2));
    }

    #[test]
    fn committed_reservations_are_settled_and_calls_counted() {
        let mut b = QuotaBook::default();
        let g = grant(None, 0, Some(2));
        b.reserve(&g, h(1), 5).unwrap();
        b.reserve(&g, h(2), 5).unwrap();
        assert!(matches!(
            b.reserve(&g, h(3), 5),
            Err(QuotaRefusal::Calls { quota: 2, .. })
        ));
        b.set_tx(7, &h(1), h(101));
        // Not committed yet: still reserved.
        b.settle(7, |_| Ok::<_, ()>(false)).unwrap();
        assert_eq!(b.reserved(7), (10, 2));
        // Committed: dropped; the one without a transaction yet stays.
        b.settle(7, |t| Ok::<_, ()>(*t == h(101))).unwrap();
        assert_eq!(b.reserved(7), (5, 1));
    }
}
