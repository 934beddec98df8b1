//! Transaction builders: one method per transaction type. A builder holds a key, the
//! chain id and the key's next nonce, and increments the nonce with each transaction it
//! signs (so a batch can be signed offline and submitted in order).

use kuai_types::model::{CatalogEntrySpec, ChangeKind, Member, OrgKind, ProposalAction, Role};
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

    pub fn add_member(&mut self, key: PublicKey, role: Role) -> SignedTransaction {
        self.sign(Payload::AddMember(AddMember {
            member: Member { key, role },
        }))
    }

    pub fn remove_member(&mut self, key: PublicKey) -> SignedTransaction {
        self.sign(Payload::RemoveMember(RemoveMember { key }))
    }

    /// Signs with the current key a transaction naming its successor. Use
    /// [`TxBuilder::new`] with the new key afterwards (its nonce starts at 0).
    pub fn rotate_key(&mut self, new_key: PublicKey) -> SignedTransaction {
        self.sign(Payload::RotateKey(RotateKey { new_key }))
    }

    pub fn set_approval_threshold(&mut self, threshold: u8) -> SignedTransaction {
        self.sign(Payload::SetApprovalThreshold(SetApprovalThreshold {
            threshold,
        }))
    }

    pub fn submit_proposal(
        &mut self,
        action: ProposalAction,
        deadline_ms: u64,
    ) -> SignedTransaction {
        self.sign(Payload::SubmitProposal(SubmitProposal {
            action,
            deadline: deadline_ms,
        }))
    }

    pub fn vote_proposal(&mut self, proposal_id: u64, approve: bool) -> SignedTransaction {
        self.sign(Payload::VoteProposal(VoteProposal {
            proposal_id,
            approve,
        }))
    }

    pub fn register_catalog_entry(&mut self, spec: CatalogEntrySpec) -> SignedTransaction {
        self.sign(Payload::RegisterCatalogEntry(RegisterCatalogEntry { spec }))
    }

    pub fn update_catalog_entry(
        &mut self,
        entry_id: u64,
        spec: CatalogEntrySpec,
    ) -> SignedTransaction {
        self.sign(Payload::UpdateCatalogEntry(UpdateCatalogEntry {
            entry_id,
            spec,
        }))
    }

    pub fn review_catalog_entry(
        &mut self,
        entry_id: u64,
        version: u32,
        approve: bool,
        note: &str,
    ) -> SignedTransaction {
        self.sign(Payload::ReviewCatalogEntry(ReviewCatalogEntry {
            entry_id,
            version,
            approve,
            note: note.into(),
        }))
    }

    pub fn declare_change(
        &mut self,
        entry_id: u64,
        kind: ChangeKind,
        note: &str,
    ) -> SignedTransaction {
        self.sign(Payload::DeclareChange(DeclareChange {
            entry_id,
            kind,
            note: note.into(),
        }))
    }

    pub fn set_negative_list(&mut self, entry_id: u64, basis: Option<&str>) -> SignedTransaction {
        self.sign(Payload::SetNegativeList(SetNegativeList {
            entry_id,
            basis: basis.map(String::from),
        }))
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
            raw_fields: vec![],
        }))
    }

    /// A share request with every option (e.g. fields asked for unmasked).
    pub fn submit_share_request_with(&mut self, p: SubmitShareRequest) -> SignedTransaction {
        self.sign(Payload::SubmitShareRequest(p))
    }

    /// Upload policy code (a CDO); it runs once a governance proposal approves its hash.
    pub fn upload_contract_code(&mut self, name: &str, code: Vec<u8>) -> SignedTransaction {
        self.sign(Payload::UploadContractCode(UploadContractCode {
            name: name.into(),
            code,
        }))
    }

    pub fn instantiate_contract(
        &mut self,
        code_hash: Hash,
        label: &str,
        params: &str,
    ) -> SignedTransaction {
        self.sign(Payload::InstantiateContract(InstantiateContract {
            code_hash,
            label: label.into(),
            params: params.into(),
        }))
    }

    /// Bind (`Some`) or unbind (`None`) the policy contract of an entry.
    pub fn bind_policy_contract(
        &mut self,
        entry_id: u64,
        instance_id: Option<u64>,
    ) -> SignedTransaction {
        self.sign(Payload::BindPolicyContract(BindPolicyContract {
            entry_id,
            instance_id,
        }))
    }

    pub fn upgrade_contract(
        &mut self,
        instance_id: u64,
        code_hash: Hash,
        params: Option<&str>,
    ) -> SignedTransaction {
        self.sign(Payload::UpgradeContract(UpgradeContract {
            instance_id,
            code_hash,
            params: params.map(String::from),
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
            quota_calls: None,
        }))
    }

    /// Approves with a row quota and a delivery (call) quota.
    pub fn approve_share_request_with_quotas(
        &mut self,
        request_id: u64,
        quota_rows: Option<u64>,
        quota_calls: Option<u64>,
    ) -> SignedTransaction {
        self.sign(Payload::ApproveShareRequest(ApproveShareRequest {
            request_id,
            quota_rows,
            quota_calls,
        }))
    }

    pub fn reject_share_request(&mut self, request_id: u64, reason: &str) -> SignedTransaction {
        self.sign(Payload::RejectShareRequest(RejectShareRequest {
            request_id,
            reason: reason.into(),
        }))
    }

    pub fn withdraw_share_request(&mut self, request_id: u64) -> SignedTransaction {
        self.sign(Payload::WithdrawShareRequest(WithdrawShareRequest {
            request_id,
        }))
    }

    pub fn revoke_grant(&mut self, grant_id: u64, reason: &str) -> SignedTransaction {
        self.sign(Payload::RevokeGrant(RevokeGrant {
            grant_id,
            reason: reason.into(),
        }))
    }

    /// Records an access; only the digest of `query` goes on chain.
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
            query_digest: query_digest(query),
            purpose: purpose.into(),
            subjects: vec![],
        }))
    }

    /// Records an access naming its data subjects by keyed hash
    /// ([`kuai_types::identifiers::subject_hash`]).
    pub fn record_access_with_subjects(&mut self, p: RecordAccess) -> SignedTransaction {
        self.sign(Payload::RecordAccess(p))
    }

    pub fn raise_objection(
        &mut self,
        grant_id: u64,
        field: &str,
        record_ref: &str,
        description: &str,
    ) -> SignedTransaction {
        self.sign(Payload::RaiseObjection(RaiseObjection {
            grant_id,
            field: field.into(),
            record_ref: record_ref.into(),
            description: description.into(),
        }))
    }

    pub fn answer_objection(
        &mut self,
        objection_id: u64,
        corrected: bool,
        note: &str,
    ) -> SignedTransaction {
        self.sign(Payload::AnswerObjection(AnswerObjection {
            objection_id,
            corrected,
            note: note.into(),
        }))
    }

    pub fn propose_agreement(&mut self, p: ProposeAgreement) -> SignedTransaction {
        self.sign(Payload::ProposeAgreement(p))
    }

    pub fn sign_agreement(&mut self, agreement_id: u64, digest: Hash) -> SignedTransaction {
        self.sign(Payload::SignAgreement(SignAgreement {
            agreement_id,
            digest,
        }))
    }
}

/// The digest an access event records for a query text.
pub fn query_digest(query: &str) -> Hash {
    Hash::tagged(b"kuai/query/v1", &[query.as_bytes()])
}

/// The digest of an agreement's text, as its parties sign it.
pub fn agreement_digest(text: &[u8]) -> Hash {
    Hash::tagged(b"kuai/agreement/v1", &[text])
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
