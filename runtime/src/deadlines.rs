//! Deadlines and the overdue sweep.
//!
//! Every deadline is the end of a CST day (see [`crate::calendar`]). Items are filed
//! under their due day, one state key each plus a counter per day (so filing costs the
//! same however many items share a day); at the start of each block the runtime sweeps
//! every day that has ended since the last sweep, and marks each item that is still open as
//! overdue, with an event and a scorecard change. An item answered in time is simply
//! found closed by the sweep. The sweep's cost is the days elapsed plus the items due.
//! Once deadline groups are in force, a block's items for one day are stored as one
//! group ([`crate::deadline_groups`]); the sweep reads groups and single items alike,
//! in item order.

use kuai_types::model::{
    CatalogEntry, Objection, ObjectionStatus, Proposal, ProposalStatus, RequestStatus, ShareRequest,
};
use kuai_types::Event;
use serde::{Deserialize, Serialize};

use crate::calendar::day_of;
use crate::chain_state::score;
use crate::error::RuntimeError;
use crate::keys;
use crate::state::Overlay;

/// Something with a deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Due {
    /// The provider's answer to a share request.
    RequestAnswer(u64),
    /// An entry update after a declared change (with the due time it was filed for).
    EntryUpdate { entry_id: u64, due: u64 },
    /// An entry's yearly review (with the due time it was filed for).
    EntryReview { entry_id: u64, due: u64 },
    /// The provider's answer to an objection.
    ObjectionAnswer(u64),
    /// The voting deadline of a governance proposal.
    Proposal(u64),
}

/// Files `item` under the day whose end is `due`.
pub fn file(st: &mut Overlay<'_>, due: u64, item: Due) -> Result<(), RuntimeError> {
    // One key per item and a counter per day: filing costs the same however many
    // deadlines share the day.
    let day = day_of(due.saturating_sub(1));
    let count_key = keys::deadlines(day);
    let n: u64 = st.read(&count_key)?.unwrap_or(0);
    st.write(keys::deadline_item(day, n), &item);
    st.write(count_key, &(n + 1));
    Ok(())
}

/// Sweeps the buckets of days that ended before block time `now`.
pub fn sweep(st: &mut Overlay<'_>, now: u64) -> Result<Vec<Event>, RuntimeError> {
    let today = day_of(now);
    let last: i64 = match st.read(keys::LAST_DEADLINE_DAY)? {
        Some(d) => d,
        None => today - 1,
    };
    let mut events = Vec::new();
    // Groups exist only on chains whose genesis put them in force at some height.
    let grouped = st.contains(keys::DEADLINE_GROUPS_FROM)?;
    for day in (last + 1)..today {
        let count_key = keys::deadlines(day);
        let Some(count) = st.read::<u64>(&count_key)? else {
            continue;
        };
        let mut n = 0;
        while n < count {
            let group_key = keys::deadline_group(day, n);
            let group = if grouped {
                st.read::<Vec<Due>>(&group_key)?
            } else {
                None
            };
            let items = match group {
                Some(items) if items.is_empty() => {
                    return Err(RuntimeError::CorruptState {
                        key: String::from_utf8_lossy(&group_key).into_owned(),
                        reason: "an empty deadline group".into(),
                    })
                }
                Some(items) => {
                    st.delete(group_key);
                    items
                }
                None => {
                    let key = keys::deadline_item(day, n);
                    let item = st.read::<Due>(&key)?;
                    st.delete(key);
                    item.into_iter().collect()
                }
            };
            n += items.len().max(1) as u64;
            for item in &items {
                if let Some(e) = mark_overdue(st, item)? {
                    events.push(e);
                }
            }
        }
        st.delete(count_key);
    }
    if last != today - 1 || !st.contains(keys::LAST_DEADLINE_DAY)? {
        st.write(keys::LAST_DEADLINE_DAY.to_vec(), &(today - 1));
    }
    Ok(events)
}

fn mark_overdue(st: &mut Overlay<'_>, item: &Due) -> Result<Option<Event>, RuntimeError> {
    match *item {
        Due::RequestAnswer(id) => {
            let key = keys::share_request(id);
            let Some(mut r) = st.read::<ShareRequest>(&key)? else {
                return Ok(None);
            };
            if r.status != RequestStatus::Pending || r.overdue {
                return Ok(None);
            }
            r.overdue = true;
            st.write(key, &r);
            score(st, &r.provider, |s| s.requests_overdue += 1)?;
            Ok(Some(Event::ShareRequestOverdue {
                request_id: id,
                due: r.answer_due,
            }))
        }
        Due::EntryUpdate { entry_id, due } => {
            let key = keys::catalog_entry(entry_id);
            let Some(mut e) = st.read::<CatalogEntry>(&key)? else {
                return Ok(None);
            };
            if e.update_due != Some(due) || e.update_overdue {
                return Ok(None);
            }
            e.update_overdue = true;
            st.write(key, &e);
            score(st, &e.provider, |s| s.entries_update_overdue += 1)?;
            Ok(Some(Event::EntryUpdateOverdue { entry_id, due }))
        }
        Due::EntryReview { entry_id, due } => {
            let key = keys::catalog_entry(entry_id);
            let Some(mut e) = st.read::<CatalogEntry>(&key)? else {
                return Ok(None);
            };
            if e.review_due != due || e.review_overdue {
                return Ok(None);
            }
            e.review_overdue = true;
            st.write(key, &e);
            score(st, &e.provider, |s| s.entries_review_overdue += 1)?;
            Ok(Some(Event::EntryReviewOverdue { entry_id, due }))
        }
        Due::ObjectionAnswer(id) => {
            let key = keys::objection(id);
            let Some(mut o) = st.read::<Objection>(&key)? else {
                return Ok(None);
            };
            if o.status != ObjectionStatus::Open || o.overdue {
                return Ok(None);
            }
            o.overdue = true;
            st.write(key, &o);
            score(st, &o.provider, |s| s.objections_overdue += 1)?;
            Ok(Some(Event::ObjectionOverdue {
                objection_id: id,
                due: o.answer_due,
            }))
        }
        Due::Proposal(id) => {
            let key = keys::proposal(id);
            let Some(mut p) = st.read::<Proposal>(&key)? else {
                return Ok(None);
            };
            if p.status != ProposalStatus::Open {
                return Ok(None);
            }
            p.status = ProposalStatus::Expired;
            st.write(key, &p);
            Ok(Some(Event::ProposalExpired { proposal_id: id }))
        }
    }
}
