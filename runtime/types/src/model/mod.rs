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

#[cfg(test)]
mod tests {
    use super::*;

    fn json<T: serde::Serialize>(v: T) -> String {
        serde_json::to_value(v)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn names_are_the_json_names() {
        use MaskingRule as M;
        for s in [
            Sensitivity::Public,
            Sensitivity::Internal,
            Sensitivity::Sensitive,
        ] {
            assert_eq!(s.name(), json(s));
        }
        for m in [
            M::None,
            M::IdNumber,
            M::Name,
            M::Phone,
            M::Address,
            M::KeyedHash,
            M::Generalize,
            M::Suppress,
        ] {
            assert_eq!(m.name(), json(m));
        }
        for k in [
            OrgKind::Department,
            OrgKind::PlatformOperator,
            OrgKind::ExternalApplicant,
            OrgKind::Auditor,
        ] {
            assert_eq!(k.name(), json(k));
        }
        for r in [Role::Cdo, Role::Reviewer, Role::App, Role::Validator] {
            assert_eq!(r.name(), json(r));
        }
    }
}
