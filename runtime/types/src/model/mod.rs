//! The records the ledger holds, named as the policy names them (see `shared/seed/README.md`).
//! These are state values: the runtime writes them, the API and SDK read them.

mod catalog;
mod contract;
mod governance;
mod objection;
mod org;
mod scorecard;
mod sharing;

pub use catalog::{
    CatalogEntry, CatalogEntrySpec, CatalogEntryVersion, ChangeKind, DataElement, FieldSpec,
    MaskingRule, OpenMode, ReviewStatus, Sensitivity, ShareMethod, ShareType,
};
pub use contract::{ContractCode, ContractInstance, ContractVersion};
pub use governance::{
    HolidayCalendar, Parameters, Proposal, ProposalAction, ProposalStatus, ValidatorInfo,
};
pub use objection::{Objection, ObjectionStatus};
pub use org::{Member, MemberKey, OrgKind, Organization, Role};
pub use scorecard::Scorecard;
pub use sharing::{
    AccessEvent, Agreement, AgreementStatus, FieldMasking, Grant, RequestChannel, RequestStatus,
    Revocation, ShareRequest,
};

/// Milliseconds since the Unix epoch, as block time. The only clock the runtime knows.
pub type TimeMs = u64;

/// One page of a listing, with the cursor to ask for the next one.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next: Option<String>,
}
