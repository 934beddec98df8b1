//! The one error enum of the runtime. Every variant but [`RuntimeError::CorruptState`]
//! and [`RuntimeError::Storage`] is a rejection of one transaction; those two abort the
//! block (see [`RuntimeError::is_fatal`]).

use kuai_types::model::Role;
use thiserror::Error;

macro_rules! runtime_errors {
    ($($(#[$doc:meta])* $variant:ident $({ $($field:ident : $ty:ty),* $(,)? })? $(( $($tty:ty),* ))? => $code:literal, $msg:literal;)*) => {
        #[derive(Debug, Error, Clone, PartialEq, Eq)]
        pub enum RuntimeError {
            $($(#[$doc])* #[error($msg)] $variant $({ $($field: $ty),* })? $(( $($tty),* ))?,)*
        }

        impl RuntimeError {
            /// Stable snake_case code for receipts and API errors.
            pub fn code(&self) -> &'static str {
                match self {
                    $(runtime_errors!(@pat $variant $({ $($field),* })? $(( $($tty),* ))?) => $code,)*
                }
            }

            /// Every code, for documentation and tests.
            pub const CODES: &'static [&'static str] = &[$($code),*];
        }
    };
    (@pat $variant:ident { $($field:ident),* }) => { RuntimeError::$variant { .. } };
    (@pat $variant:ident ( $($tty:ty),* )) => { RuntimeError::$variant(..) };
    (@pat $variant:ident) => { RuntimeError::$variant };
}

runtime_errors! {
    WrongChain { expected: String, found: String } => "wrong_chain", "transaction is for chain {found:?}, this chain is {expected:?}";
    BadSignature { signer: String } => "bad_signature", "signature does not verify for signer {signer}";
    NonceReplayed { expected: u64, found: u64 } => "nonce_replayed", "nonce {found} was already used (replay); the signer's next nonce is {expected}";
    NonceGap { expected: u64, found: u64 } => "nonce_gap", "nonce {found} skips ahead; the signer's next nonce is {expected}";
    UnknownSigner { key: String } => "unknown_signer", "key {key} is not an active member key of any organization";
    NotAuthorized { key: String, org: String, role: Role, action: &'static str, needed: &'static str } => "not_authorized", "key {key} of {org} has role {role:?}; {action} needs {needed}";
    WrongOrganization { org: String, action: &'static str, needed: String } => "wrong_organization", "{action} must be signed by {needed}; {org} is not";
    RequiresGovernance { kind: String } => "requires_governance", "an organization of kind {kind} joins only through a governance proposal";
    InvalidIdentifier(String) => "invalid_identifier", "{0}";
    UnknownOrganization(String) => "unknown_organization", "organization {0} is not a member";
    OrganizationExists(String) => "organization_exists", "organization {0} is already registered";
    KeyAlreadyMember { key: String, org: String } => "key_already_member", "key {key} already belongs (or belonged) to {org}; keys are never reused";
    NotAMember { key: String, org: String } => "not_a_member", "key {key} is not an active member of {org}";
    LastCdo { org: String } => "last_cdo", "{org} would have no CDO left; add another CDO first";
    InvalidField { field: &'static str, reason: String } => "invalid_field", "{field}: {reason}";
    UnknownEntry(u64) => "unknown_entry", "catalog entry {0} does not exist";
    VersionMismatch { entry_id: u64, current: u32, found: u32 } => "version_mismatch", "catalog entry {entry_id} is at version {current}, not {found}";
    DataElementTaken { code: String, holder: String, entry_id: u64 } => "data_element_taken", "data element {code} already has a source: {holder} (catalog entry {entry_id}); one datum, one source: obtain it by sharing";
    UnknownRequest(u64) => "unknown_request", "share request {0} does not exist";
    UnknownGrant(u64) => "unknown_grant", "grant {0} does not exist";
    EntryNotShareable { entry_id: u64, legal_basis: String } => "entry_not_shareable", "catalog entry {entry_id} is not shareable (legal basis: {legal_basis})";
    EntryNotOpen { entry_id: u64, basis: String } => "entry_not_open", "catalog entry {entry_id} is not open to outside applicants ({basis})";
    FieldNotInEntry { entry_id: u64, field: String } => "field_not_in_entry", "catalog entry {entry_id} has no field {field:?}";
    OwnEntry { entry_id: u64, org: String } => "own_entry", "{org} provides catalog entry {entry_id}; it cannot request its own data";
    RequestNotPending { request_id: u64, status: String } => "request_not_pending", "share request {request_id} is {status}, not pending";
    AlreadyApproved { request_id: u64, key: String } => "already_approved", "key {key} already approved share request {request_id}; another signer must approve";
    GrantExpired { grant_id: u64, expired_at: u64, now: u64 } => "grant_expired", "grant {grant_id} expired at {expired_at} (block time {now})";
    GrantRevoked { grant_id: u64, reason: String } => "grant_revoked", "grant {grant_id} was revoked: {reason}";
    FieldOutsideGrant { grant_id: u64, field: String } => "field_outside_grant", "field {field:?} is outside the scope of grant {grant_id}";
    QuotaExceeded { grant_id: u64, quota: u64, used: u64, requested: u64 } => "quota_exceeded", "grant {grant_id} allows {quota} rows, {used} used; {requested} more exceed it";
    CallQuotaExceeded { grant_id: u64, quota: u64 } => "call_quota_exceeded", "grant {grant_id} allows {quota} deliveries, all used";
    PurposeMismatch { grant_id: u64, expected: String, found: String } => "purpose_mismatch", "purpose {found:?} differs from the purpose of grant {grant_id} ({expected:?})";
    UnknownObjection(u64) => "unknown_objection", "objection {0} does not exist";
    ObjectionClosed { objection_id: u64 } => "objection_closed", "objection {objection_id} is already answered";
    UnknownAgreement(u64) => "unknown_agreement", "agreement {0} does not exist";
    AgreementMismatch { agreement_id: u64 } => "agreement_mismatch", "the digest signed is not the digest of agreement {agreement_id}";
    NotAParty { agreement_id: u64, org: String } => "not_a_party", "{org} is not a party to agreement {agreement_id}";
    AlreadySigned { agreement_id: u64, org: String } => "already_signed", "{org} already signed agreement {agreement_id}";
    UnknownProposal(u64) => "unknown_proposal", "proposal {0} does not exist";
    ProposalClosed { proposal_id: u64, status: String } => "proposal_closed", "proposal {proposal_id} is {status}; it takes no more votes";
    AlreadyVoted { proposal_id: u64, org: String } => "already_voted", "{org} already voted on proposal {proposal_id}";
    ValidatorSet(String) => "validator_set", "validator set: {0}";
    ContractCodeRefused { reason: String } => "contract_code_refused", "contract code refused: {reason}";
    ContractCodeExists { code_hash: String } => "contract_code_exists", "contract code {code_hash} is already stored";
    UnknownContractCode { code_hash: String } => "unknown_contract_code", "contract code {code_hash} has not been uploaded";
    ContractCodeNotApproved { code_hash: String } => "contract_code_not_approved", "contract code {code_hash} is not approved by governance yet";
    UnknownContractInstance(u64) => "unknown_contract_instance", "contract instance {0} does not exist";
    ContractParamsRefused { reason: String, fuel_used: u64 } => "contract_params_refused", "the contract refused its parameters: {reason} (fuel used {fuel_used})";
    /// The contract host itself failed (not the contract): aborts the block, like a store
    /// failure, so no validator records an outcome that depends on its own machine.
    ContractHost(String) => "contract_host", "contract host failed: {0}";
    /// The node's store failed: aborts the block.
    Storage(String) => "storage", "state storage failed: {0}";
    /// A stored value does not decode: aborts the block.
    CorruptState { key: String, reason: String } => "corrupt_state", "state value under {key} is corrupt: {reason}";
}

impl RuntimeError {
    /// True for failures of the node's store rather than of the transaction.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            RuntimeError::CorruptState { .. }
                | RuntimeError::Storage(_)
                | RuntimeError::ContractHost(_)
        )
    }
}
