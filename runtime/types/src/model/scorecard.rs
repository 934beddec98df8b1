use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A department's record, derived from the chain (§8.5 assessment): kept up to date by
/// the runtime as transactions and deadlines happen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Scorecard {
    pub organization: String,
    pub entries_published: u64,
    /// Entries with a declared change not reflected in time, right now.
    pub entries_update_overdue: u64,
    /// Entries past their yearly review, right now.
    pub entries_review_overdue: u64,
    pub requests_received: u64,
    pub requests_answered_on_time: u64,
    pub requests_answered_late: u64,
    /// Requests pending past their deadline, right now.
    pub requests_overdue: u64,
    pub objections_received: u64,
    pub objections_resolved: u64,
    pub objections_overdue: u64,
    pub accesses_served: u64,
    pub rows_served: u64,
    pub requests_submitted: u64,
    pub accesses_made: u64,
}

impl Scorecard {
    /// Entries whose catalog information is current (no overdue update or review).
    pub fn entries_up_to_date(&self) -> u64 {
        self.entries_published
            .saturating_sub(self.entries_update_overdue.max(self.entries_review_overdue))
    }

    /// Share of answered requests answered in time, in percent (100 when none answered).
    pub fn on_time_percent(&self) -> u64 {
        let answered = self.requests_answered_on_time + self.requests_answered_late;
        (self.requests_answered_on_time * 100)
            .checked_div(answered)
            .unwrap_or(100)
    }
}
