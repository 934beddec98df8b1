//! Compact proposals between two nodes' chains of one genesis: the proposer names by id
//! what its peers hold (gossip it sent, gossip it received), the receiver assembles the
//! block from its mempool and gossip pool and verifies it with those ids against the
//! header; a receiver that lacks a transaction is told how many; ids that are not the
//! block's are refused by the transactions root; the proposer's stored candidate is there
//! to be fetched whole; a commit forgets the committed ids.

use kuai_node::bft::compact;
use kuai_node::chain::Chain;
use kuai_node::p2p::wire::TxRef;
use kuai_types::{Hash, Keypair};

mod common;

use common::chains::{now_ms, two_chains, tx};

#[test]
fn a_receiver_assembles_the_proposers_block_from_its_pools_and_verifies_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (proposer, receiver, key) = two_chains(tmp.path(), "kuai-compact");
    let (police, civil) = (key("police-cdo"), key("civil-app"));
    let peer = Keypair::from_seed("a third validator").public();
    // t0: a client of the proposer's, gossiped by it; t1: a third validator's gossip,
    // which reached both; t2: a client of the proposer's, not gossiped yet.
    let (t0, t1, t2) = (
        tx(&proposer, &police, 0),
        tx(&proposer, &civil, 0),
        tx(&proposer, &police, 1),
    );
    proposer.submit(t0.clone()).unwrap();
    proposer.note_peers_hold([t0.hash()]);
    proposer.defer_gossiped(peer, vec![t1.clone()]);
    proposer.submit(t2.clone()).unwrap();
    receiver.submit(t0.clone()).unwrap(); // as the proposer's gossip would have
    receiver.defer_gossiped(peer, vec![t1.clone()]);

    let proposal = proposer.propose(now_ms(), 100).unwrap();
    let block = proposal.block.clone();
    let hashes: Vec<Hash> = proposal
        .outcome
        .receipts
        .iter()
        .map(|r| r.tx_hash)
        .collect();
    assert_eq!(hashes.len(), 3);
    let held = proposer.peers_hold(&hashes);
    let by_id: Vec<bool> = block.txs.iter().map(|t| *t == t0 || *t == t1).collect();
    assert_eq!(held, by_id, "only gossip sent or received counts as held");
    let refs = compact::compact(&block, &hashes, &held);
    assert_eq!(
        refs.iter().filter(|r| matches!(r, TxRef::Full(_))).count(),
        1,
        "only the transaction not gossiped yet goes whole"
    );

    let assembled = compact::assemble(&block.header, refs.clone(), |ids| receiver.held_txs(ids))
        .expect("the receiver holds the ones named by id");
    assert_eq!(assembled.block, block);
    assert_eq!(assembled.tx_hashes, hashes);
    // Ids that are not the block's (here, in another order) fail the transactions root.
    let mut shuffled = hashes.clone();
    shuffled.swap(0, 2);
    let err = receiver
        .verify_hashed(block.clone(), Some(shuffled), now_ms())
        .err()
        .expect("refused");
    assert!(err.to_string().contains("transactions root"), "{err}");
    let checked = receiver
        .verify_hashed(assembled.block, Some(assembled.tx_hashes), now_ms())
        .unwrap();
    assert_eq!(checked.block.hash(), block.hash());

    // A receiver that lacks a transaction named by id learns how many it lacks; the
    // proposer's stored candidate is there to be fetched whole.
    let bare = Chain::open(
        &tmp.path().join("bare"),
        proposer.genesis().clone(),
        key("validator"),
        1_000,
    )
    .unwrap();
    assert_eq!(
        compact::assemble(&block.header, refs, |ids| bare.held_txs(ids)).unwrap_err(),
        compact::Unassembled::Lacking {
            missing: 2,
            refs: compact::compact(&block, &hashes, &held)
        }
    );
    proposer
        .store()
        .put_candidate(&block.hash(), &block)
        .unwrap();
    assert_eq!(
        proposer
            .store()
            .candidate(block.header.height, &block.hash())
            .unwrap(),
        Some(block.clone())
    );
    assert_eq!(
        proposer
            .store()
            .candidate(block.header.height + 1, &block.hash())
            .unwrap(),
        None,
        "a candidate is found under its own height only"
    );

    // Committed transactions are no longer remembered as held.
    proposer.commit(proposal).unwrap();
    assert_eq!(proposer.peers_hold(&hashes), vec![false; 3]);
    receiver.commit(checked).unwrap();
    assert_eq!(receiver.pending_len(), 0);
}

/// The fallback of a receiver that lacks transactions: it asks the proposer for the
/// candidate whole, over libp2p, and gets exactly the stored block; a candidate the
/// proposer does not hold, or a peer not connected, is answered as unavailable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_fetches_a_stored_candidate_whole_over_libp2p() {
    use kuai_node::p2p::{spawn, NetEvent, NetworkConfig};
    use std::sync::Arc;

    let tmp = tempfile::tempdir().unwrap();
    let (proposer, receiver, key) = two_chains(tmp.path(), "kuai-compact");
    proposer
        .submit(tx(&proposer, &key("police-cdo"), 0))
        .unwrap();
    let block = proposer.propose(now_ms(), 100).unwrap().block;
    assert_eq!(block.txs.len(), 1);
    proposer
        .store()
        .put_candidate(&block.hash(), &block)
        .unwrap();

    let (ka, kb) = (Keypair::from_seed("net a"), Keypair::from_seed("net b"));
    let base = common::free_base(2);
    let addr = |i: u16| -> libp2p::Multiaddr {
        format!("/ip4/127.0.0.1/tcp/{}", base + i).parse().unwrap()
    };
    let allowed = vec![ka.public(), kb.public()];
    let (_a, _a_events) = spawn(
        &ka,
        NetworkConfig {
            listen: addr(0),
            peers: vec![(kb.public(), addr(1))],
            allowed: allowed.clone(),
        },
        Arc::new(proposer),
    )
    .unwrap();
    let (b, mut b_events) = spawn(
        &kb,
        NetworkConfig {
            listen: addr(1),
            peers: vec![(ka.public(), addr(0))],
            allowed,
        },
        Arc::new(receiver),
    )
    .unwrap();
    loop {
        if let NetEvent::PeerConnected(k) = next(&mut b_events).await {
            assert_eq!(k, ka.public());
            break;
        }
    }
    let h = block.header.height;
    // Under another height it is not found: the answer says so.
    b.fetch_candidate(ka.public(), h + 1, block.hash());
    loop {
        match next(&mut b_events).await {
            NetEvent::CandidateUnavailable { from, hash } => {
                assert_eq!((from, hash), (ka.public(), block.hash()));
                break;
            }
            NetEvent::Candidate { .. } => panic!("a candidate under the wrong height was served"),
            _ => {}
        }
    }
    // A validator this node is not connected to cannot be asked: answered as
    // unavailable at once, so the driver asks the next one.
    let absent = Keypair::from_seed("net c").public();
    b.fetch_candidate(absent, h, block.hash());
    loop {
        match next(&mut b_events).await {
            NetEvent::CandidateUnavailable { from, hash } => {
                assert_eq!((from, hash), (absent, block.hash()));
                break;
            }
            NetEvent::Candidate { .. } => panic!("an unconnected peer served a candidate"),
            _ => {}
        }
    }
    b.fetch_candidate(ka.public(), h, block.hash());
    loop {
        match next(&mut b_events).await {
            NetEvent::Candidate { from, block: got } => {
                assert_eq!(from, ka.public());
                assert_eq!(*got, block);
                break;
            }
            NetEvent::CandidateUnavailable { .. } => panic!("the stored candidate was not found"),
            _ => {}
        }
    }
}

async fn next(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<kuai_node::p2p::NetEvent>,
) -> kuai_node::p2p::NetEvent {
    tokio::time::timeout(std::time::Duration::from_secs(30), events.recv())
        .await
        .expect("an event within 30 s")
        .expect("the network runs")
}
