//! `kuai-node dev`: a local chain with the sample consortium of `genesis/dev.json`,
//! seeded on first start with a history: 28 catalog entries of every share type and
//! open mode, requests in every state (granted at once, approved, approved late,
//! rejected, withdrawn, pending, overdue), accesses, a revoked grant, objections, an
//! opening agreement, governance proposals, a declared change left overdue, and policy
//! contracts deciding share requests (see `policies`). The
//! history is written with the dev clock pinned to past days, so deadlines really
//! passed on chain. Restarting on the same data directory resumes and does not seed again.

pub mod datasets;
mod entries;
pub mod policies;
mod story;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kuai_runtime::{keys, Overlay};
use kuai_types::{keyfile, Hash, Keypair, Payload, Receipt, Transaction, TxOutcome};

use crate::chain::Chain;
use crate::clock::DevClock;
use crate::error::NodeError;
use crate::node::Running;

pub use story::APPLICANT_CODE;

/// Signs with the dev keys, submits to the chain, and waits for commits.
struct Seeder<'a> {
    node: &'a Running,
    chain: &'a Chain,
    keys_dir: PathBuf,
    clock: &'a DevClock,
}

fn seed_error(reason: String) -> NodeError {
    NodeError::Genesis(format!("seeding the dev chain: {reason}"))
}

impl Seeder<'_> {
    fn key(&self, name: &str) -> Result<Keypair, NodeError> {
        Ok(keyfile::read(&self.keys_dir.join(format!("{name}.key")))?)
    }

    /// Creates a key file for a member the seed adds (if it does not exist yet).
    fn new_key(&self, name: &str) -> Result<Keypair, NodeError> {
        let path = self.keys_dir.join(format!("{name}.key"));
        if !path.exists() {
            keyfile::write(&path, &Keypair::generate())?;
        }
        self.key(name)
    }

    /// Pins block time for the next blocks.
    fn at(&self, time_ms: u64) {
        self.clock.pin(time_ms);
    }

    /// Submits all transactions (per signer in order), waits until all are committed,
    /// and returns their receipts in order.
    async fn submit_all(&self, txs: &[(&str, Payload)]) -> Result<Vec<Receipt>, NodeError> {
        let mut next: HashMap<String, u64> = HashMap::new();
        let mut hashes: Vec<(Hash, String)> = Vec::new();
        for (name, payload) in txs {
            let key = self.key(name)?;
            let nonce = match next.get(*name) {
                Some(n) => *n,
                None => Overlay::new(self.chain.store())
                    .read::<u64>(&keys::nonce(&key.public()))?
                    .unwrap_or(0),
            };
            next.insert(name.to_string(), nonce + 1);
            let stx = Transaction {
                chain_id: self.chain.chain_id().to_string(),
                signer: key.public(),
                nonce,
                payload: payload.clone(),
            }
            .sign(&key);
            let what = format!("{} by {name}", stx.tx.payload.kind());
            let hash = self
                .node
                .submit(stx)
                .map_err(|e| seed_error(format!("{what}: {e}")))?;
            hashes.push((hash, what));
        }
        let mut receipts = Vec::with_capacity(hashes.len());
        for (hash, what) in hashes {
            let mut found = None;
            for _ in 0..1500 {
                if let Some(r) = self.chain.store().receipt(&hash)? {
                    found = Some(r);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            receipts.push(
                found.ok_or_else(|| seed_error(format!("{what} was not committed within 30 s")))?,
            );
        }
        Ok(receipts)
    }

    /// Runs transactions that must succeed.
    async fn run(&self, txs: &[(&str, Payload)]) -> Result<(), NodeError> {
        for (r, (name, p)) in self.submit_all(txs).await?.iter().zip(txs) {
            if let TxOutcome::Rejected { code, reason } = &r.outcome {
                return Err(seed_error(format!(
                    "{} by {name} was rejected: {code}: {reason}",
                    p.kind()
                )));
            }
        }
        Ok(())
    }

    /// The status of a governance proposal.
    fn proposal_status(&self, id: u64) -> Result<kuai_types::model::ProposalStatus, NodeError> {
        let p: kuai_types::model::Proposal = Overlay::new(self.chain.store())
            .read(&keys::proposal(id))?
            .ok_or_else(|| seed_error(format!("proposal {id} does not exist")))?;
        Ok(p.status)
    }

    /// The credit code of the organization a dev key belongs to.
    fn org_of(&self, name: &str) -> Result<String, NodeError> {
        Overlay::new(self.chain.store())
            .read::<String>(&keys::member_key(&self.key(name)?.public()))?
            .ok_or_else(|| seed_error(format!("{name} is not a member key")))
    }

    /// Runs one transaction that the ledger must refuse (to show the refusal on chain).
    async fn refused(
        &self,
        name: &str,
        payload: Payload,
        expected_code: &str,
    ) -> Result<(), NodeError> {
        let r = self.submit_all(&[(name, payload)]).await?.remove(0);
        match &r.outcome {
            TxOutcome::Rejected { code, .. } if code == expected_code => Ok(()),
            other => Err(seed_error(format!(
                "expected a {expected_code} refusal, got {other:?}"
            ))),
        }
    }
}

/// Seeds the sample history if the chain has no catalog entries yet. `now` is the wall
/// time the history leads up to. Returns whether it seeded. The clock is released to
/// the wall clock in any case.
pub async fn seed(
    node: &Running,
    keys_dir: &Path,
    clock: &DevClock,
    now: u64,
) -> Result<bool, NodeError> {
    if !node
        .chain
        .store()
        .scan_state(keys::CATALOG_ENTRY, None, 1)?
        .is_empty()
    {
        clock.release();
        return Ok(false);
    }
    let s = Seeder {
        node,
        chain: &node.chain,
        keys_dir: keys_dir.to_path_buf(),
        clock,
    };
    // The policy contracts come after the story's last day (-1, 14:00).
    let result = match story::tell(&s, now).await {
        Ok(()) => policies::tell(&s, now - 86_400_000 + 15 * 3_600_000).await,
        Err(e) => Err(e),
    };
    clock.release();
    result.map(|_| true)
}

/// Days of history the dev chain's genesis lies before its first start.
pub const HISTORY_DAYS: u64 = 60;

/// What to try next, printed after start.
pub fn tour(api: &str, dir: &Path) -> String {
    let k = dir.join("keys");
    let k = k.display();
    format!(
        "\nKuai dev chain is running. API: {api}/v1  (OpenAPI: {api}/v1/openapi.json)\n\n\
         Try (the CLI is built next to kuai-node as `kuai`):\n\
         \x20 kuai --node {api} status\n\
         \x20 kuai --node {api} catalog list --share-type conditional\n\
         \x20 kuai --node {api} request list --overdue\n\
         \x20 kuai --node {api} request approve 11 --key {k}/civil-cdo.key --quota-rows 5000\n\
         \x20 kuai --node {api} scorecard list\n\
         \x20 kuai --node {api} access list --grant 2\n\
         \x20 kuai --node {api} proposal list\n\
         \x20 kuai --node {api} block list --limit 5\n\
         \x20 kuai --node {api} data datasets\n\
         \x20 kuai --node {api} data fetch 1 --key {k}/demo-app.key --fields id_number,name,birth_date,district --limit 5 --out demo.csv\n\n\
         Keys of the sample departments are in {k}/. Stop with Ctrl-C; run again to resume.\n"
    )
}
