use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::TimeMs;
use crate::crypto::PublicKey;
use crate::hash::Hash;
use crate::payload::RegisterOrganization;

/// The chain's governed parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Parameters {
    /// Percentage of governing organizations whose approval passes a proposal (default 67: 2/3).
    pub governance_threshold_percent: u8,
    /// Working days a provider has to answer a share request (default 10).
    pub answer_working_days: u32,
    /// Working days to update an entry after its data changes (default 2).
    pub update_working_days_data: u32,
    /// Working days to update an entry after a law or duty change (default 15).
    pub update_working_days_law: u32,
    /// Days between reviews of an entry (default 365).
    pub review_interval_days: u32,
    /// Working days a provider has to answer an objection (default 5).
    pub objection_working_days: u32,
    /// Blocks between a validator-set change passing and taking effect (default 2).
    pub validator_change_delay: u64,
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters {
            governance_threshold_percent: 67,
            answer_working_days: 10,
            update_working_days_data: 2,
            update_working_days_law: 15,
            review_interval_days: 365,
            objection_working_days: 5,
            validator_change_delay: 2,
        }
    }
}

/// One year's official holidays and make-up working days (调休), dates as `YYYY-MM-DD`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HolidayCalendar {
    pub year: i32,
    /// Weekdays that are days off.
    pub holidays: Vec<String>,
    /// Weekend days that are working days.
    pub makeup_workdays: Vec<String>,
}

/// A validator and the organization that runs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ValidatorInfo {
    pub key: PublicKey,
    pub operator: String,
}

/// What a governance proposal does when it passes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalAction {
    AddOrganization(RegisterOrganization),
    RemoveOrganization {
        credit_code: String,
    },
    AddValidator(ValidatorInfo),
    RemoveValidator {
        key: PublicKey,
    },
    SetHolidayCalendar(HolidayCalendar),
    SetParameters(Parameters),
    /// Approve uploaded contract code for instantiation: code runs on every validator,
    /// so the consortium, not one department, decides what may run.
    ApproveContractCode {
        code_hash: Hash,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    Open,
    /// Passed and executed at this height.
    Passed {
        height: u64,
    },
    /// Enough organizations voted against that it can no longer pass.
    Rejected,
    /// The deadline passed without enough approvals.
    Expired,
    /// It passed, but its action could no longer be carried out (e.g. the organization
    /// had been registered meanwhile).
    Failed {
        height: u64,
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Proposal {
    pub id: u64,
    pub proposer: String,
    pub action: ProposalAction,
    pub submitted_at: TimeMs,
    /// Votes after this time are refused; still open at the first block past it: expired.
    pub deadline: TimeMs,
    /// Credit codes of the organizations that approved / opposed.
    pub approvals: Vec<String>,
    pub rejections: Vec<String>,
    /// Approvals needed, fixed when the proposal was submitted.
    pub required: u32,
    pub status: ProposalStatus,
}
