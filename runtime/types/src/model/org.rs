use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::crypto::PublicKey;

/// The kinds of member organizations of the consortium.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// A government department (政府部门): provides data, uses data, or both.
    Department,
    /// The platform operator (块数据公司): runs the shared platforms.
    PlatformOperator,
    /// An outside body that uses open data or applies for it (社会主体).
    ExternalApplicant,
    /// A data security supervisor (数据安全监管).
    Auditor,
}

impl OrgKind {
    /// The name as in JSON (`external_applicant`).
    pub fn name(self) -> &'static str {
        match self {
            OrgKind::Department => "department",
            OrgKind::PlatformOperator => "platform_operator",
            OrgKind::ExternalApplicant => "external_applicant",
            OrgKind::Auditor => "auditor",
        }
    }

    /// Departments and the platform operator govern the consortium.
    pub fn votes_in_governance(self) -> bool {
        matches!(self, OrgKind::Department | OrgKind::PlatformOperator)
    }
}

/// What a member key may do for its organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Chief data officer (首席数据官): signs for the organization.
    Cdo,
    /// Designated catalog reviewer: signs off catalog entries and answers share requests.
    Reviewer,
    /// An application key: submits share requests and fetches data.
    App,
    /// A validator node key.
    Validator,
}

impl Role {
    /// The name as in JSON (`cdo`).
    pub fn name(self) -> &'static str {
        match self {
            Role::Cdo => "cdo",
            Role::Reviewer => "reviewer",
            Role::App => "app",
            Role::Validator => "validator",
        }
    }
}

/// A key with its role, as given when an organization or member is added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub key: PublicKey,
    pub role: Role,
}

/// A key of an organization with its history: a signature by this key is valid for
/// the organization from `added_height` up to (not including) `removed_height`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MemberKey {
    pub key: PublicKey,
    pub role: Role,
    pub added_height: u64,
    pub removed_height: Option<u64>,
    /// The key this one replaced by rotation, if any.
    pub rotated_from: Option<PublicKey>,
}

impl MemberKey {
    pub fn active(&self) -> bool {
        self.removed_height.is_none()
    }

    /// Was this key valid for its organization at `height`?
    pub fn valid_at(&self, height: u64) -> bool {
        height >= self.added_height && self.removed_height.is_none_or(|r| height < r)
    }
}

/// A member organization, keyed by its unified social credit code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Organization {
    pub credit_code: String,
    pub name: String,
    pub kind: OrgKind,
    /// Every key the organization ever had, active and removed.
    pub members: Vec<MemberKey>,
    /// Height of the block that registered it (0 for genesis).
    pub registered_height: u64,
    /// Set when governance removed the organization.
    pub removed_height: Option<u64>,
    /// Provider approvals a share request needs (k of its CDO and reviewers), unless the
    /// entry sets its own.
    pub approval_threshold: u8,
}

impl Organization {
    /// The role of an active key.
    pub fn role_of(&self, key: &PublicKey) -> Option<Role> {
        self.members
            .iter()
            .find(|m| &m.key == key && m.active())
            .map(|m| m.role)
    }

    pub fn active_members(&self) -> impl Iterator<Item = &MemberKey> {
        self.members.iter().filter(|m| m.active())
    }

    pub fn is_active(&self) -> bool {
        self.removed_height.is_none()
    }
}
