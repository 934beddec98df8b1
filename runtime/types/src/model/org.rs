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

/// What a member key may do for its organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Chief data officer (首席数据官): signs for the organization.
    Cdo,
    /// Designated catalog reviewer: may also answer share requests.
    Reviewer,
    /// An application key: submits share requests and fetches data.
    App,
    /// A validator node key.
    Validator,
}

/// A key of an organization with its role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub key: PublicKey,
    pub role: Role,
}

/// A member organization, keyed by its unified social credit code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Organization {
    pub credit_code: String,
    pub name: String,
    pub kind: OrgKind,
    pub members: Vec<Member>,
    /// Height of the block that registered it (0 for genesis).
    pub registered_height: u64,
}

impl Organization {
    pub fn role_of(&self, key: &PublicKey) -> Option<Role> {
        self.members.iter().find(|m| &m.key == key).map(|m| m.role)
    }
}
