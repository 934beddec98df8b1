//! Transaction builders: one method per transaction type. A builder holds a key, the
//! chain id and the key's next nonce, and increments the nonce with each transaction it
//! signs (so a batch can be signed offline and submitted in order).

use kuai_types::model::{CatalogEntrySpec, Member, OrgKind};
use kuai_types::payload::*;
use kuai_types::{Hash, Keypair, Payload, PublicKey, SignedTransaction, Transaction};

use crate::client::Client;
use crate::error::ClientError;

pub struct TxBuilder {
    chain_id: String,
    key: Keypair,
    nonce: u64,
}

impl TxBuilder {
    pub fn new(chain_id: impl Into<String>, key: Keypair, next_nonce: u64) -> Self {
        TxBuilder {
            chain_id: chain_id.into(),
            key,
            nonce: next_nonce,
        }
    }

    /// A builder for `key` with the chain id and next nonce fetched from the node.
    pub async fn for_key(client: &Client, key: Keypair) -> Result<Self, ClientError> {
        let status = client.status().await?;
        let account = client.account(&key.public()).await?;
        Ok(TxBuilder::new(status.chain_id, key, account.next_nonce))
    }

    pub fn public_key(&self) -> PublicKey {
        self.key.public()
    }

    pub fn next_nonce(&self) -> u64 {
        self.nonce
    }

    /// Signs any payload at the next nonce.
    pub fn sign(&mut self, payload: Payload) -> SignedTransaction {
        let stx = Transaction {
            chain_id: self.chain_id.clone(),
            signer: self.key.public(),
            nonce: self.nonce,
            payload,
        }
        .sign(&self.key);
        self.nonce += 1;
        stx
    }

    pub fn register_organization(
        &mut self,
        credit_code: &str,
        name: &str,
        kind: OrgKind,
        members: Vec<Member>,
    ) -> SignedTransaction {
        self.sign(Payload::RegisterOrganization(RegisterOrganization {
            credit_code: credit_code.into(),
            name: name.into(),
            kind,
            members,
        }))
    }

    pub fn register_catalog_entry(&mut self, spec: CatalogEntrySpec) -> SignedTransaction {
        self.sign(Payload::RegisterCatalogEntry(RegisterCatalogEntry { spec }))
    }

    pub fn submit_share_request(
        &mut self,
        entry_id: u64,
        fields: &[&str],
        purpose: &str,
        legal_basis: &str,
        period_days: u32,
    ) -> SignedTransaction {
        self.sign(Payload::SubmitShareRequest(SubmitShareRequest {
            entry_id,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            purpose: purpose.into(),
            legal_basis: legal_basis.into(),
            period_days,
        }))
    }

    pub fn approve_share_request(
        &mut self,
        request_id: u64,
        quota_rows: Option<u64>,
    ) -> SignedTransaction {
        self.sign(Payload::ApproveShareRequest(ApproveShareRequest {
            request_id,
            quota_rows,
        }))
    }

    pub fn reject_share_request(&mut self, request_id: u64, reason: &str) -> SignedTransaction {
        self.sign(Payload::RejectShareRequest(RejectShareRequest {
            request_id,
            reason: reason.into(),
        }))
    }

    pub fn record_access(
        &mut self,
        grant_id: u64,
        accessor: PublicKey,
        fields: &[&str],
        rows: u64,
        query: &str,
        purpose: &str,
    ) -> SignedTransaction {
        self.sign(Payload::RecordAccess(RecordAccess {
            grant_id,
            accessor,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            rows,
            query_digest: Hash::tagged(b"kuai/query/v1", &[query.as_bytes()]),
            purpose: purpose.into(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_signs_for_its_chain_and_counts_nonces() {
        let key = Keypair::from_seed("b");
        let mut b = TxBuilder::new("kuai-x", key, 7);
        let t1 = b.reject_share_request(1, "no basis");
        let t2 = b.approve_share_request(2, Some(10));
        assert_eq!((t1.tx.nonce, t2.tx.nonce, b.next_nonce()), (7, 8, 9));
        assert_eq!(t1.tx.chain_id, "kuai-x");
        t1.verify_signature().unwrap();
        t2.verify_signature().unwrap();
    }
}
