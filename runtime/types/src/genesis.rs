//! The genesis specification: the chain id, the start time, the validator set and
//! the founding organizations. Files under `genesis/` in the repository are templates of it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::crypto::PublicKey;
use crate::hash::Hash;
use crate::model::{HolidayCalendar, Member, OrgKind, Parameters};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GenesisOrganization {
    pub credit_code: String,
    pub name: String,
    pub kind: OrgKind,
    pub members: Vec<Member>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GenesisValidator {
    pub key: PublicKey,
    /// Credit code of the organization that runs it.
    pub operator: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GenesisSpec {
    pub chain_id: String,
    pub genesis_time_ms: u64,
    pub validators: Vec<GenesisValidator>,
    pub organizations: Vec<GenesisOrganization>,
    /// Initial parameters (defaults when absent).
    #[serde(default)]
    pub parameters: Option<Parameters>,
    /// Initial holiday calendars, one per year.
    #[serde(default)]
    pub calendars: Vec<HolidayCalendar>,
}

impl GenesisSpec {
    /// A digest of the spec, so nodes can check they start from the same genesis.
    pub fn hash(&self) -> Hash {
        Hash::tagged(b"kuai/genesis/v1", &[&crate::codec::encode(self)])
    }
}
