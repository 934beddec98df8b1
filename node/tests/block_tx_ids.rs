//! A committed block's transaction ids (`GET /v1/blocks/{height}/txs`): the latest
//! blocks' are served from memory, older ones (or after a restart) from the stored body;
//! both give the ids of the block's transactions in block order, and an uncommitted
//! height gives none.

use kuai_node::chain::Chain;
use kuai_types::{Hash, SignedTransaction};

mod common;

use common::chains::{now_ms, two_chains, tx};

fn stored_ids(chain: &Chain, height: u64) -> Vec<Hash> {
    let block = chain.store().block(height).unwrap().unwrap();
    block.txs.iter().map(SignedTransaction::hash).collect()
}

#[test]
fn recent_ids_come_from_memory_and_agree_with_the_stored_blocks() {
    let tmp = tempfile::tempdir().unwrap();
    let (chain, second, key) = two_chains(tmp.path(), "kuai-tx-ids");
    drop(second);
    let police = key("police-cdo");
    let mut nonce = 0;
    let mut committed = Vec::new();
    for size in [3, 0, 5] {
        for _ in 0..size {
            chain.submit(tx(&chain, &police, nonce)).unwrap();
            nonce += 1;
        }
        let proposal = chain.propose(now_ms(), 100).unwrap();
        let head = chain.commit(proposal).unwrap();
        committed.push((head.height, head.time_ms, size));
    }
    for &(height, time_ms, size) in &committed {
        let ids = chain.block_tx_ids(height).unwrap().expect("committed");
        assert_eq!((ids.height, ids.time_ms), (height, time_ms));
        assert_eq!(ids.ids.len(), size);
        assert_eq!(
            ids.ids.to_vec(),
            stored_ids(&chain, height),
            "height {height}"
        );
    }
    let next = committed.last().unwrap().0 + 1;
    assert!(chain.block_tx_ids(next).unwrap().is_none());

    // Reopened, the chain holds no recent ids: the stored bodies give the same answers.
    let genesis = chain.genesis().clone();
    let db = chain.store().path().to_path_buf();
    let remembered: Vec<_> = committed
        .iter()
        .map(|&(h, _, _)| chain.block_tx_ids(h).unwrap().unwrap())
        .collect();
    drop(chain);
    let reopened = Chain::open(&db, genesis, key("validator"), 1_000).unwrap();
    for ids in remembered {
        assert_eq!(reopened.block_tx_ids(ids.height).unwrap(), Some(ids));
    }
    assert!(reopened.block_tx_ids(next).unwrap().is_none());
}
