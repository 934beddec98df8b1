use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::TimeMs;

/// Where an objection stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionStatus {
    Open,
    /// The provider corrected the datum.
    Corrected {
        note: String,
    },
    /// The provider checked and kept the datum, with its reason.
    Rejected {
        reason: String,
    },
}

/// A user's dispute of a datum (疑义、错误数据快速校核): the provider must answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Objection {
    pub id: u64,
    pub entry_id: u64,
    pub grant_id: u64,
    /// Credit code of the objecting grantee.
    pub raised_by: String,
    pub provider: String,
    pub field: String,
    /// Which record (e.g. a masked key or row reference), as the user saw it.
    pub record_ref: String,
    pub description: String,
    pub raised_at: TimeMs,
    pub answer_due: TimeMs,
    pub overdue: bool,
    pub status: ObjectionStatus,
    pub answered_at: Option<TimeMs>,
}
