//! Peers' gossiped transactions wait unverified in the chain's gossip pool: they count as
//! pending (a proposer wakes for them) but are neither served nor proposed until verified;
//! stale ones are dropped on arrival; building a block verifies them in one batch, drops
//! forged ones and distrusts their sender (whose gossip is then verified on arrival);
//! validating a block that carries them verifies them in execution and the commit forgets
//! them.

use kuai_types::{Keypair, SignedTransaction};

mod common;

use common::chains::{now_ms, two_chains, tx};

#[test]
fn gossip_is_checked_on_arrival_verified_when_building_and_forgers_distrusted() {
    let tmp = tempfile::tempdir().unwrap();
    let (chain, _, key) = two_chains(tmp.path(), "kuai-gossip");
    let cdo = key("police-cdo");
    let peer = Keypair::from_seed("a peer validator").public();
    let (t0, t1) = (tx(&chain, &cdo, 0), tx(&chain, &cdo, 1));
    // A forgery: the CDO named as signer of nonce 2, signed by someone else's key.
    let mut forged = tx(&chain, &key("civil-app"), 2);
    forged.tx.signer = cdo.public();
    chain.defer_gossiped(
        peer,
        vec![t0.clone(), forged.clone(), t1.clone(), t0.clone()],
    );
    assert_eq!(chain.pending_len(), 3, "held once each");
    assert_eq!(chain.gossip_pool_len(), 3);
    assert_eq!(chain.mempool_len(), 0, "nothing admitted unverified");
    assert!(chain.pending(&t0.hash()).is_none(), "nor served as pending");

    let p = chain.propose(now_ms(), 100).unwrap();
    let hashes: Vec<_> = p.block.txs.iter().map(SignedTransaction::hash).collect();
    assert_eq!(
        hashes,
        vec![t0.hash(), t1.hash()],
        "the forgery is not proposed"
    );
    assert_eq!(chain.mempool_len(), 2);
    chain.commit(p).unwrap();
    assert_eq!(chain.pending_len(), 0);

    // Stale gossip (nonces already used) does not wait in the pool.
    chain.defer_gossiped(
        Keypair::from_seed("another peer").public(),
        vec![t0.clone(), t1],
    );
    assert_eq!(chain.pending_len(), 0, "stale gossip is dropped on arrival");

    // The peer that sent the forgery is distrusted: its gossip is verified and admitted
    // on arrival, so its next forgery never waits in the pool.
    let t2 = tx(&chain, &cdo, 2);
    let mut forged = tx(&chain, &key("civil-app"), 3);
    forged.tx.signer = cdo.public();
    chain.defer_gossiped(peer, vec![t2.clone(), forged]);
    assert_eq!(chain.mempool_len(), 1, "admitted at once");
    assert!(chain.pending(&t2.hash()).is_some());
    assert_eq!(chain.pending_len(), 1, "the forgery was refused, not held");
    // Another peer's gossip still waits for a batch.
    let t3 = tx(&chain, &cdo, 3);
    chain.defer_gossiped(
        Keypair::from_seed("another peer").public(),
        vec![t3.clone()],
    );
    assert!(chain.pending(&t3.hash()).is_none());
    assert_eq!(chain.pending_len(), 2);
    // A client submitting what gossip brought first: admitted, and the gossip copy goes.
    chain.submit(t3).unwrap();
    assert_eq!((chain.mempool_len(), chain.pending_len()), (2, 2));
}

#[test]
fn a_validated_block_verifies_gossip_in_execution_and_the_commit_forgets_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (proposer, validator, key) = two_chains(tmp.path(), "kuai-gossip");
    let cdo = key("police-cdo");
    let peer = key("validator").public();
    let t0 = tx(&proposer, &cdo, 0);
    proposer.submit(t0.clone()).unwrap();
    validator.defer_gossiped(peer, vec![t0.clone()]);
    assert_eq!(validator.pending_len(), 1);

    let proposal = proposer.propose(now_ms(), 100).unwrap();
    let block = proposal.block.clone();
    proposer.commit(proposal).unwrap();
    let checked = validator.verify(block.clone(), now_ms()).unwrap();
    assert_eq!(checked.block.hash(), block.hash());
    validator.commit(checked).unwrap();
    assert_eq!(
        validator.pending_len(),
        0,
        "the committed transaction left the pool"
    );

    // A proposer that treats a forgery as verified (a Byzantine one) builds a block that
    // records it as a success. A validator holding the forgery only as gossip must check
    // its signature in execution, find it a rejection, and refuse the block.
    let mut forged = tx(&proposer, &cdo, 1);
    forged.signature = tx(&proposer, &key("civil-app"), 1).signature;
    validator.defer_gossiped(peer, vec![forged.clone()]);
    let head = proposer.head();
    let ctx = kuai_runtime::BlockContext {
        chain_id: proposer.chain_id().into(),
        height: head.height + 1,
        time_ms: now_ms().max(head.time_ms + 1),
        proposer: key("validator").public(),
    };
    let txs = vec![forged.clone()];
    let lie = std::collections::HashSet::from([forged.hash()]);
    let outcome = kuai_runtime::execute_block(proposer.store(), &ctx, &txs, &lie).unwrap();
    assert!(
        outcome.receipts[0].is_success(),
        "taken as verified, it succeeds"
    );
    let (state_root, _) = proposer
        .store()
        .state_tree_update(&outcome.diff, ctx.height)
        .unwrap();
    let bad = kuai_types::Block {
        header: kuai_types::BlockHeader {
            chain_id: ctx.chain_id.clone(),
            height: ctx.height,
            parent_hash: head.hash,
            time_ms: ctx.time_ms,
            proposer: ctx.proposer,
            tx_root: kuai_types::Block::compute_tx_root(&txs),
            state_root,
            receipts_root: outcome.receipts_root,
        },
        txs,
    };
    let err = validator.verify(bad, now_ms()).err().expect("refused");
    assert!(
        err.to_string().contains("differs from re-execution"),
        "{err}"
    );
    assert_eq!(validator.head().height, 1);
}

/// A transaction that cannot run yet (its nonce predecessor is missing) stops counting
/// as waiting once a block built here left it out, so an engine does not build empty
/// blocks back to back; an arrival (here, the predecessor by gossip) makes both count.
#[test]
fn what_a_build_left_out_waits_again_only_after_an_arrival() {
    let tmp = tempfile::tempdir().unwrap();
    let (chain, _, key) = two_chains(tmp.path(), "kuai-gossip");
    let cdo = key("police-cdo");
    let (t0, t1) = (tx(&chain, &cdo, 0), tx(&chain, &cdo, 1));
    chain.submit(t1.clone()).unwrap();
    assert_eq!(chain.waiting(), 1, "not built around yet");
    let p = chain.propose(now_ms(), 100).unwrap();
    assert!(p.block.txs.is_empty(), "nonce 1 cannot run before nonce 0");
    assert_eq!(chain.pending_len(), 1, "still pending");
    assert_eq!(chain.waiting(), 0, "but not worth another block");
    chain.defer_gossiped(
        Keypair::from_seed("a peer validator").public(),
        vec![t0.clone()],
    );
    assert_eq!(chain.waiting(), 2);
    let p = chain.propose(now_ms(), 100).unwrap();
    let hashes: Vec<_> = p.block.txs.iter().map(SignedTransaction::hash).collect();
    assert_eq!(hashes, vec![t0.hash(), t1.hash()]);
    assert_eq!(
        chain.waiting(),
        2,
        "a build that found work leaves the count alone"
    );
}
