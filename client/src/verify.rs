//! Checking what a node says without trusting it.
//!
//! A [`LightClient`] starts from a validator set it trusts (the genesis file's) and
//! follows the chain block by block: each block's commit certificate must carry
//! signatures of more than 2/3 of the set in force and name exactly that block; when a
//! block's own events change the validator set, the new set certifies the blocks after
//! it. A [`Proven`] record is then accepted only if its header is certified by the set in
//! force at its height and its Merkle proof (the `jmt` sparse Merkle proof, SHA-256)
//! shows exactly that value (or its absence) under the header's state root, for the
//! state key the client computed itself. An access event under access buckets is
//! accepted only if its block's bucket is so proven and the record's Merkle path leads
//! to the bucket's root (`kuai_types::access_bucket`).

use jmt::proof::SparseMerkleProof;
use jmt::{KeyHash, RootHash};
use kuai_types::api::{BlockView, Proven, StateProofView};
use kuai_types::model::AccessEvent;
use kuai_types::state_keys;
use kuai_types::{codec, Event, PublicKey};
use serde::Serialize;
use sha2::Sha256;

use crate::client::Client;
use crate::error::ClientError;

/// A block header with what a light client needs of its block: the commit certificate
/// and the block's own events (validator-set changes).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CertifiedHeader {
    pub header: kuai_types::BlockHeader,
    pub certificate: Option<kuai_types::certificate::CommitCertificate>,
    pub events: Vec<Event>,
}

impl CertifiedHeader {
    pub fn of(block: &BlockView) -> Self {
        CertifiedHeader {
            header: block.header.clone(),
            certificate: block.certificate.clone(),
            events: block.events.clone(),
        }
    }
}

pub struct LightClient {
    validators: Vec<PublicKey>,
    /// Highest block verified so far.
    height: u64,
    /// The set that certified each verified height, for proofs at older heights.
    history: Vec<(u64, Vec<PublicKey>)>,
}

fn unverified(height: u64, reason: impl Into<String>) -> ClientError {
    ClientError::Unverified {
        height,
        reason: reason.into(),
    }
}

impl LightClient {
    /// Trusts `validators` (e.g. the genesis file's) for block 1.
    pub fn new(validators: Vec<PublicKey>) -> Self {
        LightClient {
            validators,
            height: 0,
            history: Vec::new(),
        }
    }

    pub fn height(&self) -> u64 {
        self.height
    }

    /// The validator set that certifies the next block.
    pub fn validators(&self) -> &[PublicKey] {
        &self.validators
    }

    fn set_at(&self, height: u64) -> Option<&[PublicKey]> {
        self.history
            .iter()
            .rev()
            .find(|(h, _)| *h <= height)
            .map(|(_, v)| v.as_slice())
    }

    /// Verifies one block (the next) and takes its validator-set change, if any.
    pub fn accept(&mut self, block: &BlockView) -> Result<(), ClientError> {
        self.accept_header(&CertifiedHeader::of(block))
    }

    /// [`LightClient::accept`] for a header kept without its transactions (audit bundles).
    pub fn accept_header(&mut self, block: &CertifiedHeader) -> Result<(), ClientError> {
        let h = block.header.height;
        if h != self.height + 1 {
            return Err(unverified(h, format!("expected block {}", self.height + 1)));
        }
        let cert = block
            .certificate
            .as_ref()
            .ok_or_else(|| unverified(h, "no commit certificate"))?;
        if cert.block_hash != block.header.hash() || cert.height != h {
            return Err(unverified(h, "the certificate names another block"));
        }
        cert.verify(&self.validators)
            .map_err(|e| unverified(h, e.to_string()))?;
        if self.history.last().map(|(_, v)| v) != Some(&self.validators) {
            self.history.push((h, self.validators.clone()));
        }
        if let Some(next) = block.events.iter().find_map(|e| match e {
            Event::ValidatorSetChanged { validators } => Some(validators.clone()),
            _ => None,
        }) {
            self.validators = next;
        }
        self.height = h;
        Ok(())
    }

    /// Follows the chain up to `height`, verifying every block on the way.
    pub async fn sync_to(&mut self, client: &Client, height: u64) -> Result<(), ClientError> {
        while self.height < height {
            let block = client.block(&(self.height + 1).to_string()).await?;
            self.accept(&block)?;
        }
        Ok(())
    }

    /// Checks a proven record for `state_key` (see `kuai_types::state_keys`): the header
    /// is certified by the set in force at its height (sync first), and the proof shows
    /// this value — or, for `None`, its absence — under the header's state root. An
    /// access event is checked with [`LightClient::verify_access_event`] instead.
    pub fn verify<T: Serialize>(
        &self,
        proven: &Proven<T>,
        state_key: &[u8],
    ) -> Result<(), ClientError> {
        let p = &proven.proof;
        if p.access_bucket.is_some() {
            return Err(unverified(
                p.header.height,
                "an access bucket's proof is checked as an access event's",
            ));
        }
        self.verify_state(p, state_key, proven.value.as_ref().map(codec::encode))
    }

    /// Checks a proven access event. Under access buckets
    /// (`kuai_types::access_bucket`) the proof shows its block's bucket under the
    /// certified state root, and the record's place in that bucket; before them, the
    /// record itself under the root, as [`LightClient::verify`] does.
    pub fn verify_access_event(&self, proven: &Proven<AccessEvent>) -> Result<(), ClientError> {
        let p = &proven.proof;
        let h = p.header.height;
        let event = proven
            .value
            .as_ref()
            .ok_or_else(|| unverified(h, "no access event to check"))?;
        let Some(m) = &p.access_bucket else {
            return self.verify_state(
                p,
                &state_keys::access_event(event.id),
                Some(codec::encode(event)),
            );
        };
        self.verify_state(
            p,
            &state_keys::access_bucket(event.height),
            Some(codec::encode(&m.bucket)),
        )?;
        m.check(event.id, event.height, &codec::encode(event))
            .map_err(|e| unverified(h, format!("access event {}: {e}", event.id)))
    }

    /// The header is certified at its height and `merkle_proof` shows `value` (or
    /// absence) under `state_key` in its state root.
    fn verify_state(
        &self,
        p: &StateProofView,
        state_key: &[u8],
        value: Option<Vec<u8>>,
    ) -> Result<(), ClientError> {
        let h = p.header.height;
        if p.height != h {
            return Err(unverified(
                h,
                "the proof is for another height than its header",
            ));
        }
        if p.key != hex::encode(state_key) {
            return Err(unverified(h, "the proof is for another state key"));
        }
        let set = self
            .set_at(h)
            .filter(|_| h <= self.height)
            .ok_or_else(|| unverified(h, "not synced to this height"))?;
        let cert = p
            .certificate
            .as_ref()
            .ok_or_else(|| unverified(h, "no commit certificate"))?;
        if cert.block_hash != p.header.hash() || cert.height != h {
            return Err(unverified(h, "the certificate names another block"));
        }
        cert.verify(set).map_err(|e| unverified(h, e.to_string()))?;
        let proof: SparseMerkleProof<Sha256> = serde_json::from_value(p.merkle_proof.clone())
            .map_err(|e| unverified(h, format!("malformed proof: {e}")))?;
        proof
            .verify(
                RootHash(p.header.state_root.0),
                KeyHash::with::<Sha256>(state_key),
                value,
            )
            .map_err(|e| unverified(h, format!("the Merkle proof does not hold: {e}")))
    }
}
