//! In-process chains for tests of the ledger without processes: two nodes' stores of one
//! dev genesis, and transactions to fill them.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use kuai_node::chain::Chain;
use kuai_node::init;
use kuai_types::payload::SetApprovalThreshold;
use kuai_types::{Keypair, Payload, SignedTransaction, Transaction};

/// The wall clock in milliseconds, as a proposer passes it.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A dev chain in `dir` (`kuai-node init`), a second node's chain of the same genesis
/// (its store in `dir/second`), and a reader of the keys.
pub fn two_chains(dir: &Path, chain_id: &str) -> (Chain, Chain, impl Fn(&str) -> Keypair) {
    super::init(dir, chain_id);
    let cfg = kuai_node::config::NodeConfig::load(&dir.join(init::CONFIG_FILE)).unwrap();
    let genesis = init::read_genesis(&cfg.genesis_file).unwrap();
    let dir = dir.to_path_buf();
    let key = move |n: &str| super::key(&dir, n);
    let second = Chain::open(
        &cfg.db_dir.with_file_name("second"),
        genesis.clone(),
        key("validator"),
        1_000,
    )
    .unwrap();
    let first = Chain::open(&cfg.db_dir, genesis, key("validator"), 1_000).unwrap();
    (first, second, key)
}

/// A small valid transaction of `key`'s with `nonce` (it sets the approval threshold).
pub fn tx(chain: &Chain, key: &Keypair, nonce: u64) -> SignedTransaction {
    Transaction {
        chain_id: chain.chain_id().into(),
        signer: key.public(),
        nonce,
        payload: Payload::SetApprovalThreshold(SetApprovalThreshold { threshold: 1 }),
    }
    .sign(key)
}
