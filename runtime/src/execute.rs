//! Block execution: the state transition function.

use std::collections::HashSet;

use kuai_types::crypto::{verify_each, SignDomain};
use kuai_types::model::ValidatorInfo;
use kuai_types::receipt::{Receipt, TxOutcome};
use kuai_types::{codec, hash::merkle_root, Event, Hash, PublicKey, SignedTransaction};

use crate::error::RuntimeError;
use crate::keys;
use crate::state::{Overlay, ReadCache, StateDiff, StateRead};
use crate::tx;
use crate::{access_buckets, chain_state, deadline_groups, deadlines};

/// What the runtime knows about the block it executes.
#[derive(Clone, Debug)]
pub struct BlockContext {
    pub chain_id: String,
    pub height: u64,
    /// Block time in ms since the Unix epoch: the runtime's only clock.
    pub time_ms: u64,
    pub proposer: PublicKey,
}

/// The result of executing a block.
#[derive(Clone, Debug)]
pub struct BlockOutcome {
    pub diff: StateDiff,
    pub receipts: Vec<Receipt>,
    /// Events of the block itself (overdue marks, validator-set changes), before its
    /// transactions.
    pub block_events: Vec<Event>,
    /// The validator set from this block on, when it changed at this block.
    pub new_validators: Option<Vec<ValidatorInfo>>,
    /// Merkle root over the receipts' hashes followed by the hash of `block_events`.
    pub receipts_root: Hash,
}

/// The hash of a block's own events, the last leaf of the receipts root.
pub fn block_events_hash(events: &[Event]) -> Hash {
    Hash::tagged(b"kuai/block-events/v1", &[&codec::encode(&events)])
}

/// Checks what can be checked of a transaction without executing it, against the
/// committed state: chain id, signature, and that its nonce is not already used.
/// Returns the signer's next nonce in `state` (read for the check; callers need not read
/// it again). The mempool admits only what passes; execution checks everything again.
pub fn check_envelope(
    state: &dyn StateRead,
    chain_id: &str,
    stx: &SignedTransaction,
) -> Result<u64, RuntimeError> {
    stx.verify_signature()
        .map_err(|_| RuntimeError::BadSignature {
            signer: stx.tx.signer.to_hex(),
        })?;
    check_envelope_verified(state, chain_id, stx)
}

/// [`check_envelope`] for a transaction whose signature the caller already verified
/// (e.g. in a batch).
pub fn check_envelope_verified(
    state: &dyn StateRead,
    chain_id: &str,
    stx: &SignedTransaction,
) -> Result<u64, RuntimeError> {
    check_chain(chain_id, stx)?;
    let next = next_nonce(state, &stx.tx.signer)?;
    if stx.tx.nonce < next {
        return Err(RuntimeError::NonceReplayed {
            expected: next,
            found: stx.tx.nonce,
        });
    }
    Ok(next)
}

fn check_chain(chain_id: &str, stx: &SignedTransaction) -> Result<(), RuntimeError> {
    if stx.tx.chain_id != chain_id {
        return Err(RuntimeError::WrongChain {
            expected: chain_id.to_string(),
            found: stx.tx.chain_id.clone(),
        });
    }
    Ok(())
}

/// The nonce `signer`'s next transaction must carry in `state` (0 for a new signer).
pub fn next_nonce(state: &dyn StateRead, signer: &PublicKey) -> Result<u64, RuntimeError> {
    Ok(Overlay::new(state)
        .read::<u64>(&keys::nonce(signer))?
        .unwrap_or(0))
}

/// Executes `txs` in order on top of `state`. The header's state root is the caller's
/// (the node's authenticated state tree over the returned diff).
///
/// Signatures are checked in one batch, except for transactions whose ids are in
/// `pre_verified` (the node's mempool verified them on admission). Only
/// [`RuntimeError::CorruptState`] fails the whole block; every other problem becomes a
/// rejected receipt.
pub fn execute_block(
    state: &dyn StateRead,
    ctx: &BlockContext,
    txs: &[SignedTransaction],
    pre_verified: &HashSet<Hash>,
) -> Result<BlockOutcome, RuntimeError> {
    let hashes: Vec<Hash> = txs.iter().map(SignedTransaction::hash).collect();
    execute_hashed_block(state, ctx, txs, &hashes, pre_verified)
}

/// [`execute_block`] for a caller that already has each transaction's hash
/// (`hashes[i]` is `txs[i].hash()`): a node hashes a block's transactions once for the
/// transactions root, the verified set and execution, instead of once for each.
pub fn execute_hashed_block(
    state: &dyn StateRead,
    ctx: &BlockContext,
    txs: &[SignedTransaction],
    hashes: &[Hash],
    pre_verified: &HashSet<Hash>,
) -> Result<BlockOutcome, RuntimeError> {
    if hashes.len() != txs.len() {
        return Err(RuntimeError::Storage(format!(
            "{} transaction hashes for {} transactions",
            hashes.len(),
            txs.len()
        )));
    }
    let sig_ok = signature_results(txs, hashes, pre_verified);
    let committed = ReadCache::new(state);
    let mut block = Overlay::new(&committed);
    // Begin block: scheduled validator changes, then the deadline sweep.
    let mut block_events = Vec::new();
    let new_validators = chain_state::apply_scheduled(&mut block, ctx.height)?;
    if let Some(set) = &new_validators {
        block_events.push(Event::ValidatorSetChanged {
            validators: set.iter().map(|v| v.key).collect(),
        });
    }
    block_events.extend(deadlines::sweep(&mut block, ctx.time_ms)?);
    let mut receipts = Vec::with_capacity(txs.len());
    for (index, (stx, hash)) in txs.iter().zip(hashes).enumerate() {
        let result = apply_tx(&mut block, ctx, stx, sig_ok[index]);
        let (outcome, events) = match result {
            Ok(events) => (TxOutcome::Success, events),
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => (
                TxOutcome::Rejected {
                    code: e.code().to_string(),
                    reason: e.to_string(),
                },
                Vec::new(),
            ),
        };
        receipts.push(Receipt {
            tx_hash: *hash,
            height: ctx.height,
            index: index as u32,
            outcome,
            events,
        });
    }
    let mut diff = block.into_diff();
    if access_buckets::in_force(&committed, ctx.height)? {
        access_buckets::seal(&mut diff, ctx.height)?;
    }
    if deadline_groups::in_force(&committed, ctx.height)? {
        deadline_groups::seal(&mut diff)?;
    }
    let mut leaves: Vec<Hash> = receipts.iter().map(Receipt::hash).collect();
    leaves.push(block_events_hash(&block_events));
    Ok(BlockOutcome {
        diff,
        receipts,
        block_events,
        new_validators,
        receipts_root: merkle_root(&leaves),
    })
}

fn signature_results(
    txs: &[SignedTransaction],
    hashes: &[Hash],
    pre_verified: &HashSet<Hash>,
) -> Vec<bool> {
    let todo: Vec<usize> = (0..txs.len())
        .filter(|i| !pre_verified.contains(&hashes[*i]))
        .collect();
    let mut ok = vec![true; txs.len()];
    let msgs: Vec<Vec<u8>> = todo.iter().map(|&i| codec::encode(&txs[i].tx)).collect();
    let items: Vec<_> = todo
        .iter()
        .zip(&msgs)
        .map(|(&i, m)| {
            (
                txs[i].tx.signer,
                SignDomain::Transaction,
                m.as_slice(),
                txs[i].signature,
            )
        })
        .collect();
    for (&i, verdict) in todo.iter().zip(verify_each(&items)) {
        ok[i] = verdict;
    }
    ok
}

fn apply_tx(
    block: &mut Overlay<'_>,
    ctx: &BlockContext,
    stx: &SignedTransaction,
    signature_ok: bool,
) -> Result<Vec<Event>, RuntimeError> {
    check_chain(&ctx.chain_id, stx)?;
    if !signature_ok {
        return Err(RuntimeError::BadSignature {
            signer: stx.tx.signer.to_hex(),
        });
    }
    let expected = next_nonce(block, &stx.tx.signer)?;
    match stx.tx.nonce {
        n if n < expected => return Err(RuntimeError::NonceReplayed { expected, found: n }),
        n if n > expected => return Err(RuntimeError::NonceGap { expected, found: n }),
        _ => {}
    }
    // From here the nonce is consumed whatever the outcome.
    block.write(keys::nonce(&stx.tx.signer), &(expected + 1));
    let mut scratch = Overlay::new(&*block);
    let events = tx::apply(&mut scratch, ctx, &stx.tx)?;
    let writes = scratch.into_writes();
    block.merge(writes);
    Ok(events)
}
