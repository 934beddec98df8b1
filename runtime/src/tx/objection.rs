//! Objections (疑义、错误数据快速校核): a grantee disputes a datum of the entry it was
//! granted; the provider's CDO or reviewer answers, corrected (with a note) or rejected
//! (with a reason), within the objection deadline (default 5 working days) or it is
//! marked overdue.

use kuai_types::model::{Objection, ObjectionStatus, Role};
use kuai_types::payload::{AnswerObjection, RaiseObjection};
use kuai_types::Event;

use super::{entry, grant_record, text, Signer};
use crate::calendar::WorkingDays;
use crate::chain_state::{parameters, score};
use crate::deadlines::{self, Due};
use crate::error::RuntimeError;
use crate::execute::BlockContext;
use crate::keys;
use crate::state::Overlay;

pub(crate) fn raise(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &RaiseObjection,
) -> Result<Vec<Event>, RuntimeError> {
    let g = grant_record(st, p.grant_id)?;
    by.require_org(&g.grantee, "raising an objection", || {
        format!("the grantee {}", g.grantee)
    })?;
    by.require(
        &[Role::Cdo, Role::Reviewer, Role::App],
        "raising an objection",
        "a CDO, reviewer or app key",
    )?;
    let e = entry(st, g.entry_id)?;
    if e.field(&p.field).is_none() {
        return Err(RuntimeError::FieldNotInEntry {
            entry_id: e.id,
            field: p.field.clone(),
        });
    }
    text("record_ref", &p.record_ref, 200)?;
    text("description", &p.description, 2000)?;
    let days = parameters(st)?.objection_working_days;
    let answer_due = WorkingDays::new(st).due(ctx.time_ms, days)?;
    let id = st.next_id("objection")?;
    let o = Objection {
        id,
        entry_id: e.id,
        grant_id: g.id,
        raised_by: by.code().into(),
        provider: g.provider.clone(),
        field: p.field.clone(),
        record_ref: p.record_ref.clone(),
        description: p.description.clone(),
        raised_at: ctx.time_ms,
        answer_due,
        overdue: false,
        status: ObjectionStatus::Open,
        answered_at: None,
    };
    st.write(keys::objection(id), &o);
    deadlines::file(st, answer_due, Due::ObjectionAnswer(id))?;
    score(st, &g.provider, |s| s.objections_received += 1)?;
    Ok(vec![Event::ObjectionRaised {
        objection_id: id,
        entry_id: e.id,
        raised_by: by.code().into(),
    }])
}

pub(crate) fn answer(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &AnswerObjection,
) -> Result<Vec<Event>, RuntimeError> {
    let key = keys::objection(p.objection_id);
    let mut o: Objection = st
        .read(&key)?
        .ok_or(RuntimeError::UnknownObjection(p.objection_id))?;
    by.require_officer_of(&o.provider, "answering an objection")?;
    if o.status != ObjectionStatus::Open {
        return Err(RuntimeError::ObjectionClosed { objection_id: o.id });
    }
    text("note", &p.note, 2000)?;
    o.status = if p.corrected {
        ObjectionStatus::Corrected {
            note: p.note.clone(),
        }
    } else {
        ObjectionStatus::Rejected {
            reason: p.note.clone(),
        }
    };
    o.answered_at = Some(ctx.time_ms);
    let overdue = o.overdue;
    score(st, &o.provider, |s| {
        s.objections_resolved += 1;
        if overdue {
            s.objections_overdue = s.objections_overdue.saturating_sub(1);
        }
    })?;
    st.write(key, &o);
    Ok(vec![Event::ObjectionAnswered {
        objection_id: p.objection_id,
        corrected: p.corrected,
    }])
}
