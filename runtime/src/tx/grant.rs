//! Revoke grant: by the CDO or a reviewer of the provider, with a reason. A revoked
//! grant admits no further access.

use kuai_types::model::Revocation;
use kuai_types::payload::RevokeGrant;
use kuai_types::Event;

use super::{grant_record, text, Signer};
use crate::error::RuntimeError;
use crate::execute::BlockContext;
use crate::keys;
use crate::state::Overlay;

pub(crate) fn revoke(
    st: &mut Overlay<'_>,
    ctx: &BlockContext,
    by: &Signer,
    p: &RevokeGrant,
) -> Result<Vec<Event>, RuntimeError> {
    let mut g = grant_record(st, p.grant_id)?;
    by.require_officer_of(&g.provider, "revoking a grant")?;
    if let Some(r) = &g.revoked {
        return Err(RuntimeError::GrantRevoked {
            grant_id: g.id,
            reason: r.reason.clone(),
        });
    }
    text("reason", &p.reason, 1000)?;
    g.revoked = Some(Revocation {
        at: ctx.time_ms,
        by: by.key,
        reason: p.reason.clone(),
    });
    st.write(keys::grant(g.id), &g);
    Ok(vec![Event::GrantRevoked {
        grant_id: g.id,
        reason: p.reason.clone(),
    }])
}
