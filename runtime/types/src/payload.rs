//! Transaction payloads: what a signed transaction asks the ledger to do. Each
//! variant's validation, state changes and events live in one runtime module
//! (`kuai-runtime/src/tx/`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::crypto::PublicKey;
use crate::hash::Hash;
use crate::model::{CatalogEntrySpec, ChangeKind, Member, OrgKind, ProposalAction};

/// Register an outside applicant (signed by the platform operator's CDO). Departments,
/// auditors and operators join only through governance ([`ProposalAction::AddOrganization`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegisterOrganization {
    pub credit_code: String,
    pub name: String,
    pub kind: OrgKind,
    pub members: Vec<Member>,
}

/// Add a key to the signer's organization (its CDO).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AddMember {
    pub member: Member,
}

/// Remove a key from the signer's organization (its CDO); the last CDO cannot be removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RemoveMember {
    pub key: PublicKey,
}

/// Replace the signing key by a new one with the same role; the old key stays in the
/// history, valid for the heights before this one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RotateKey {
    pub new_key: PublicKey,
}

/// Set how many of a department's CDO and reviewers must approve a share request (k of n).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SetApprovalThreshold {
    pub threshold: u8,
}

/// Put a governance proposal to the member organizations (signed by a governing CDO).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmitProposal {
    pub action: ProposalAction,
    /// Votes close at this block time (ms).
    pub deadline: u64,
}

/// A governing organization's vote (by its CDO).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VoteProposal {
    pub proposal_id: u64,
    pub approve: bool,
}

/// Publish a catalog entry for the signer's department (signed by its CDO or reviewer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegisterCatalogEntry {
    pub spec: CatalogEntrySpec,
}

/// Publish a new version of an entry (the owner's CDO or reviewer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpdateCatalogEntry {
    pub entry_id: u64,
    pub spec: CatalogEntrySpec,
}

/// A designated reviewer's sign-off (or request for changes) on an entry's version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReviewCatalogEntry {
    pub entry_id: u64,
    pub version: u32,
    pub approve: bool,
    pub note: String,
}

/// Declare that an entry's data or legal ground changed: the update clock starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeclareChange {
    pub entry_id: u64,
    pub kind: ChangeKind,
    pub note: String,
}

/// Put an entry on the negative list (with the basis), or take it off (`None`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SetNegativeList {
    pub entry_id: u64,
    pub basis: Option<String>,
}

/// Apply for data of an entry on behalf of the signer's organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmitShareRequest {
    pub entry_id: u64,
    pub fields: Vec<String>,
    pub purpose: String,
    pub legal_basis: String,
    pub period_days: u32,
    /// Of `fields`, those asked for unmasked. A request with raw fields is never granted
    /// at once: the provider's officers or its policy contract decide.
    #[serde(default)]
    pub raw_fields: Vec<String>,
}

/// One provider signer approves a pending request; the grant is issued at the k-th approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApproveShareRequest {
    pub request_id: u64,
    /// Row quota of the grant; `None` is unlimited. The approval that completes k decides.
    pub quota_rows: Option<u64>,
    /// Delivery (call) quota of the grant; `None` is unlimited.
    pub quota_calls: Option<u64>,
}

/// The provider refuses a pending request; the reason is required.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RejectShareRequest {
    pub request_id: u64,
    pub reason: String,
}

/// The requester withdraws its pending request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WithdrawShareRequest {
    pub request_id: u64,
}

/// The provider revokes a grant; the reason is required.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RevokeGrant {
    pub grant_id: u64,
    pub reason: String,
}

/// Record one delivery of data under a grant (signed by the provider's gateway key
/// or by the accessor itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecordAccess {
    pub grant_id: u64,
    pub accessor: PublicKey,
    pub fields: Vec<String>,
    pub rows: u64,
    pub query_digest: Hash,
    pub purpose: String,
    /// Keyed hashes ([`crate::identifiers::subject_hash`]) of the persons and companies
    /// whose records were delivered, at most [`MAX_SUBJECTS`].
    pub subjects: Vec<Hash>,
}

/// Most data subjects one access event names (keeps a transaction within its size limit;
/// a gateway delivers identified records in pages of at most this many subjects).
pub const MAX_SUBJECTS: usize = 1_500;

/// A grantee disputes a datum of the entry it was granted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RaiseObjection {
    pub grant_id: u64,
    pub field: String,
    pub record_ref: String,
    pub description: String,
}

/// The provider's answer: corrected (with a note) or rejected (with a reason).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AnswerObjection {
    pub objection_id: u64,
    pub corrected: bool,
    pub note: String,
}

/// The platform operator proposes a contract-based opening agreement (契约式开放).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProposeAgreement {
    pub entry_id: u64,
    pub applicant: String,
    /// SHA-256 of the agreement text, which stays off chain.
    pub digest: Hash,
    pub fields: Vec<String>,
    pub purpose: String,
    pub period_days: u32,
    pub quota_rows: Option<u64>,
}

/// The provider or the applicant signs an agreement (naming its digest).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignAgreement {
    pub agreement_id: u64,
    pub digest: Hash,
}

/// Upload WebAssembly policy code (a department's or the operator's CDO). It is checked
/// (size, imports, no floating point, compiles) and stored by hash, but can be
/// instantiated only once a governance proposal approves the hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UploadContractCode {
    pub name: String,
    #[serde(with = "crate::hexbytes")]
    #[schema(value_type = String, format = "hex")]
    pub code: Vec<u8>,
}

/// Create an instance of approved code with parameters, owned by the signer's
/// department (its CDO). The contract's `init` must accept the parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InstantiateContract {
    pub code_hash: Hash,
    pub label: String,
    /// `key=value` lines read by the contract.
    pub params: String,
}

/// Bind a policy instance to one of the signer's entries (`Some`), or unbind (`None`).
/// Signed by the providing department's CDO; the instance must be its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BindPolicyContract {
    pub entry_id: u64,
    pub instance_id: Option<u64>,
}

/// Move an instance to other approved code and/or parameters (the owner's CDO); the
/// previous versions stay in its history and its storage is kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpgradeContract {
    pub instance_id: u64,
    pub code_hash: Hash,
    /// New parameters; `None` keeps the current ones.
    pub params: Option<String>,
}

macro_rules! payloads {
    ($($variant:ident => $kind:literal),* $(,)?) => {
        /// Everything a transaction can ask for.
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum Payload {
            $($variant($variant),)*
        }

        impl Payload {
            /// A stable, human-readable name of the transaction type.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Payload::$variant(_) => $kind,)*
                }
            }

            /// Every transaction type's name.
            pub const KINDS: &'static [&'static str] = &[$($kind),*];
        }
    };
}

payloads! {
    RegisterOrganization => "register_organization",
    AddMember => "add_member",
    RemoveMember => "remove_member",
    RotateKey => "rotate_key",
    SetApprovalThreshold => "set_approval_threshold",
    SubmitProposal => "submit_proposal",
    VoteProposal => "vote_proposal",
    RegisterCatalogEntry => "register_catalog_entry",
    UpdateCatalogEntry => "update_catalog_entry",
    ReviewCatalogEntry => "review_catalog_entry",
    DeclareChange => "declare_change",
    SetNegativeList => "set_negative_list",
    SubmitShareRequest => "submit_share_request",
    ApproveShareRequest => "approve_share_request",
    RejectShareRequest => "reject_share_request",
    WithdrawShareRequest => "withdraw_share_request",
    RevokeGrant => "revoke_grant",
    RecordAccess => "record_access",
    RaiseObjection => "raise_objection",
    AnswerObjection => "answer_objection",
    ProposeAgreement => "propose_agreement",
    SignAgreement => "sign_agreement",
    UploadContractCode => "upload_contract_code",
    InstantiateContract => "instantiate_contract",
    BindPolicyContract => "bind_policy_contract",
    UpgradeContract => "upgrade_contract",
}
