//! Compact proposals: a proposal carries its block's header and, for each transaction,
//! either its id or the whole transaction. A validator receives nearly every transaction
//! by gossip before any block carries it, so sending each block whole sent every
//! transaction twice, and every receiver decoded and hashed it twice.
//!
//! Rules:
//! - the proposer names by id only what [`Chain::peers_hold`] says every peer holds
//!   (gossip this node sent, or received from the peer that sent it to all); the rest
//!   goes whole, in block order;
//! - a receiver assembles the block from its own pools, which key each transaction by the
//!   receiver's own hash of it, so an id can only resolve to the transaction it names;
//!   the ids must make the header's transactions root, and the block's hash is its
//!   header's: an assembled block is the proposer's block or it is refused (a block that
//!   arrives whole is checked against its header the same way before it is kept);
//! - a receiver assembles only proposals signed by the proposer of their height and round
//!   (checked before the work starts), at most one assembly per block hash at a time, and
//!   only for the next two heights; what it lacks it asks of that proposer;
//! - a receiver that lacks some first waits, at most [`GOSSIP_WAIT`], for the peers'
//!   gossip it received before the proposal and is still taking in ([`GossipInFlight`]),
//!   then asks the proposer for the block whole ([`crate::p2p::wire::Request::Candidate`]);
//!   the proposer stored it before broadcasting;
//! - re-gossip while a height stalls and block sync send whole blocks (a peer that
//!   restarted holds no gossip).

use std::collections::BTreeSet;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use kuai_types::{Block, BlockHeader, Hash, SignedTransaction};

use crate::p2p::wire::TxRef;

/// The longest a receiver waits for gossip in flight before asking for the whole block.
pub const GOSSIP_WAIT: Duration = Duration::from_millis(100);

/// The transactions of `block` (whose ids are `hashes`), by id where `held` says every
/// peer holds them, whole otherwise.
pub fn compact(block: &Block, hashes: &[Hash], held: &[bool]) -> Vec<TxRef> {
    block
        .txs
        .iter()
        .zip(hashes)
        .zip(held.iter().chain(std::iter::repeat(&false)))
        .map(|((tx, hash), held)| {
            if *held {
                TxRef::Id(*hash)
            } else {
                TxRef::Full(Box::new(tx.clone()))
            }
        })
        .collect()
}

/// A block assembled from a compact proposal, with its transactions' ids.
#[derive(Debug)]
pub struct Assembled {
    pub block: Block,
    pub tx_hashes: Vec<Hash>,
}

/// Why a compact proposal's block was not assembled.
#[derive(Debug, PartialEq, Eq)]
pub enum Unassembled {
    /// This node lacks `missing` of the transactions named by id; the references come
    /// back for another try.
    Lacking { missing: usize, refs: Vec<TxRef> },
    /// The transactions are not the ones the header's transactions root commits to.
    NotTheHeaders,
}

/// Assembles the block of a compact proposal; `held` looks up transactions by id in this
/// node's pools. The result's transactions are the ones the header commits to.
pub fn assemble(
    header: &BlockHeader,
    refs: Vec<TxRef>,
    held: impl FnOnce(&[Hash]) -> Vec<Option<SignedTransaction>>,
) -> Result<Assembled, Unassembled> {
    let wanted: Vec<Hash> = refs
        .iter()
        .filter_map(|r| match r {
            TxRef::Id(h) => Some(*h),
            TxRef::Full(_) => None,
        })
        .collect();
    let found = held(&wanted);
    let missing = found.iter().filter(|t| t.is_none()).count();
    if missing > 0 {
        return Err(Unassembled::Lacking { missing, refs });
    }
    let mut found = found.into_iter().flatten();
    let mut txs = Vec::with_capacity(refs.len());
    let mut tx_hashes = Vec::with_capacity(refs.len());
    for r in refs {
        match r {
            TxRef::Id(h) => {
                // As many found as ids: none is missing.
                if let Some(tx) = found.next() {
                    txs.push(tx);
                    tx_hashes.push(h);
                }
            }
            TxRef::Full(tx) => {
                tx_hashes.push(tx.hash());
                txs.push(*tx);
            }
        }
    }
    if Block::tx_root_of(&tx_hashes) != header.tx_root {
        return Err(Unassembled::NotTheHeaders);
    }
    Ok(Assembled {
        block: Block {
            header: header.clone(),
            txs,
        },
        tx_hashes,
    })
}

/// Peers' gossip handed to blocking tasks and not yet in the gossip pool, by ticket: a
/// receiver assembling a proposal waits for the gossip that arrived before it.
#[derive(Default)]
pub struct GossipInFlight {
    state: Mutex<Tickets>,
    done: Condvar,
}

#[derive(Default)]
struct Tickets {
    next: u64,
    open: BTreeSet<u64>,
}

/// Ends its ticket when dropped (also when the task holding it panics).
pub struct Ticket {
    id: u64,
    owner: Arc<GossipInFlight>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.owner.lock().open.remove(&self.id);
        self.owner.done.notify_all();
    }
}

impl GossipInFlight {
    fn lock(&self) -> MutexGuard<'_, Tickets> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts tracking one message of gossip.
    pub fn begin(self: &Arc<Self>) -> Ticket {
        let mut s = self.lock();
        let id = s.next;
        s.next += 1;
        s.open.insert(id);
        Ticket {
            id,
            owner: self.clone(),
        }
    }

    /// A mark of now: [`GossipInFlight::wait_before`] waits for the gossip begun before it.
    pub fn mark(&self) -> u64 {
        self.lock().next
    }

    /// Waits until every ticket begun before `mark` ended, at most `timeout`; whether
    /// they all did.
    pub fn wait_before(&self, mark: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut s = self.lock();
        loop {
            match s.open.first() {
                Some(first) if *first < mark => {}
                _ => return true,
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            s = self
                .done
                .wait_timeout(s, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_types::{Keypair, Payload, Transaction};

    fn tx(nonce: u64) -> SignedTransaction {
        let key = Keypair::from_seed("compact");
        Transaction {
            chain_id: "t".into(),
            signer: key.public(),
            nonce,
            payload: Payload::SetApprovalThreshold(kuai_types::payload::SetApprovalThreshold {
                threshold: 1,
            }),
        }
        .sign(&key)
    }

    fn block(n: u64) -> (Block, Vec<Hash>) {
        let txs: Vec<SignedTransaction> = (0..n).map(tx).collect();
        let hashes: Vec<Hash> = txs.iter().map(SignedTransaction::hash).collect();
        let header = BlockHeader {
            chain_id: "t".into(),
            height: 1,
            parent_hash: Hash::ZERO,
            time_ms: 1,
            proposer: Keypair::from_seed("p").public(),
            tx_root: Block::tx_root_of(&hashes),
            state_root: Hash::ZERO,
            receipts_root: Hash::ZERO,
        };
        (Block { header, txs }, hashes)
    }

    /// A lookup over the given transactions, keyed by their own hashes as the pools are.
    fn pools(held: &[SignedTransaction]) -> impl FnOnce(&[Hash]) -> Vec<Option<SignedTransaction>> {
        let by_id: std::collections::HashMap<Hash, SignedTransaction> =
            held.iter().map(|t| (t.hash(), t.clone())).collect();
        move |ids| ids.iter().map(|h| by_id.get(h).cloned()).collect()
    }

    #[test]
    fn only_what_peers_hold_goes_by_id_and_the_block_reassembles_in_order() {
        let (b, hashes) = block(5);
        let held = [true, false, true, true];
        let refs = compact(&b, &hashes, &held);
        assert_eq!(refs[0], TxRef::Id(hashes[0]));
        assert_eq!(refs[1], TxRef::Full(Box::new(b.txs[1].clone())));
        assert_eq!(
            refs[4],
            TxRef::Full(Box::new(b.txs[4].clone())),
            "no verdict: whole"
        );
        // The receiver holds exactly the ones named by id.
        let a = assemble(
            &b.header,
            refs,
            pools(&[b.txs[3].clone(), b.txs[0].clone(), b.txs[2].clone()]),
        )
        .expect("assembles");
        assert_eq!(a.block, b);
        assert_eq!(a.tx_hashes, hashes);
        assert_eq!(a.block.hash(), b.hash());
    }

    #[test]
    fn a_receiver_lacking_transactions_reports_how_many() {
        let (b, hashes) = block(4);
        let refs = compact(&b, &hashes, &[true; 4]);
        assert_eq!(
            assemble(&b.header, refs.clone(), pools(&[b.txs[1].clone()])).unwrap_err(),
            Unassembled::Lacking {
                missing: 3,
                refs: refs.clone()
            },
            "the references come back for another try"
        );
        assert!(matches!(
            assemble(&b.header, refs, pools(&[])),
            Err(Unassembled::Lacking { missing: 4, .. })
        ));
    }

    #[test]
    fn an_id_resolves_only_to_the_transaction_it_names() {
        let (b, hashes) = block(2);
        let refs = compact(&b, &hashes, &[true, true]);
        // A pool holding other transactions (another nonce) cannot fill the slots.
        assert!(matches!(
            assemble(&b.header, refs, pools(&[tx(7), tx(8)])),
            Err(Unassembled::Lacking { missing: 2, .. })
        ));
    }

    #[test]
    fn references_that_are_not_the_headers_transactions_are_refused() {
        let (b, hashes) = block(3);
        // Whole transactions, but another order than the header's root commits to.
        let mut refs = compact(&b, &hashes, &[false; 3]);
        refs.swap(0, 2);
        assert_eq!(
            assemble(&b.header, refs, pools(&[])).unwrap_err(),
            Unassembled::NotTheHeaders
        );
        // By id, one of them another transaction the receiver holds.
        let mut refs = compact(&b, &hashes, &[true; 3]);
        refs[1] = TxRef::Id(tx(9).hash());
        let mut held = b.txs.clone();
        held.push(tx(9));
        assert_eq!(
            assemble(&b.header, refs, pools(&held)).unwrap_err(),
            Unassembled::NotTheHeaders
        );
    }

    #[test]
    fn waits_for_the_gossip_begun_before_the_mark_only() {
        let flight = Arc::new(GossipInFlight::default());
        assert!(
            flight.wait_before(flight.mark(), Duration::ZERO),
            "nothing in flight"
        );
        let early = flight.begin();
        let mark = flight.mark();
        let late = flight.begin();
        assert!(
            !flight.wait_before(mark, Duration::from_millis(5)),
            "the early gossip is still open"
        );
        let waiter = {
            let flight = flight.clone();
            std::thread::spawn(move || flight.wait_before(mark, Duration::from_secs(30)))
        };
        drop(early);
        assert!(waiter.join().unwrap(), "done once the early gossip ended");
        assert!(
            flight.wait_before(mark, Duration::ZERO),
            "the later gossip does not count"
        );
        drop(late);
        assert!(flight.wait_before(flight.mark(), Duration::ZERO));
    }
}
