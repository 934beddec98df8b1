//! Serving one fetch: the checks of a signed request against the chain, the selection of
//! rows, and the masked rendering (CSV or JSON lines) in chunks for streaming.
//!
//! Checks, in order (each refusal is a [`GatewayError`] naming the problem): signature
//! present and valid; chain id; timestamp within the skew window and nonce not seen;
//! limits and field lists well formed; a dataset serves the entry; the grant exists, is
//! for this entry, is not revoked or expired; the accessor is an active key of the
//! grantee; fields and filters are in scope (prefix filters only on unmasked fields,
//! no filter on suppressed ones); the purpose is the granted one; then, under the
//! gateway's lock, the quotas with reservations (see [`super::quota`]).

use std::collections::HashSet;
use std::sync::Arc;

use kuai_runtime::keys;
use kuai_types::gateway::{
    DataFormat, FetchRequest, FilterOp, SignedFetch, MAX_FETCH_ROWS, MAX_FILTERS,
};
use kuai_types::identifiers::subject_hash;
use kuai_types::masking::{mask, GrantMaskKey};
use kuai_types::model::{Grant, MaskingRule, Organization};
use kuai_types::payload::{RecordAccess, MAX_SUBJECTS};
use kuai_types::Hash;

use super::dataset::Dataset;
use super::quota::QuotaRefusal;
use super::replay::Refusal;
use super::{Gateway, GatewayError};

/// Rows rendered per streamed chunk.
pub const CHUNK_ROWS: usize = 1024;

/// A checked fetch, its rows chosen and its quota reserved, waiting to be recorded.
pub struct Plan {
    pub grant: Grant,
    pub digest: Hash,
    pub access: RecordAccess,
    pub delivery: Delivery,
}

/// What is sent: the chosen rows of a dataset, masked column by column.
pub struct Delivery {
    pub dataset: Arc<Dataset>,
    pub rows: Vec<u32>,
    pub fields: Vec<String>,
    pub cols: Vec<(usize, MaskingRule)>,
    pub key: GrantMaskKey,
    pub format: DataFormat,
    pub grant_id: u64,
    pub digest: Hash,
    /// Set once the access event is admitted.
    pub access_tx: Hash,
}

fn bad(msg: impl Into<String>) -> GatewayError {
    GatewayError::BadRequest(msg.into())
}

fn well_formed(r: &FetchRequest) -> Result<(), GatewayError> {
    if r.limit == 0 || r.limit > MAX_FETCH_ROWS {
        return Err(bad(format!(
            "limit must be 1 to {MAX_FETCH_ROWS}, got {}",
            r.limit
        )));
    }
    if r.fields.is_empty() {
        return Err(bad("name at least one field"));
    }
    let mut seen = HashSet::new();
    if let Some(dup) = r.fields.iter().find(|f| !seen.insert(f.as_str())) {
        return Err(bad(format!("field {dup:?} is named twice")));
    }
    if r.filters.len() > MAX_FILTERS {
        return Err(bad(format!("at most {MAX_FILTERS} filters")));
    }
    Ok(())
}

impl Gateway {
    /// Everything up to the recording: checks, row selection, quota reservation.
    pub fn plan(&self, signed: &SignedFetch, now_ms: u64) -> Result<Plan, GatewayError> {
        let r = &signed.request;
        match signed.verify() {
            Ok(true) => {}
            Ok(false) => return Err(GatewayError::Unsigned),
            Err(_) => return Err(GatewayError::BadSignature),
        }
        if r.chain_id != self.chain.chain_id() {
            return Err(GatewayError::WrongChain {
                expected: self.chain.chain_id().into(),
                found: r.chain_id.clone(),
            });
        }
        self.replay
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .accept(r.accessor, r.nonce, r.timestamp_ms, now_ms)
            .map_err(|e| match e {
                Refusal::Stale { skew_ms } => GatewayError::Stale { skew_ms },
                Refusal::Replayed => GatewayError::Replayed,
            })?;
        well_formed(r)?;
        let dataset = self
            .datasets
            .get(&r.entry_id)
            .cloned()
            .ok_or(GatewayError::NotServed(r.entry_id))?;
        let store = self.chain.store();
        let grant: Grant = store
            .state_value(&keys::grant(r.grant_id))?
            .ok_or(GatewayError::UnknownGrant(r.grant_id))?;
        if grant.entry_id != r.entry_id {
            return Err(GatewayError::GrantEntryMismatch {
                grant_id: grant.id,
                entry_id: grant.entry_id,
            });
        }
        let org: Option<String> = store.state_value(&keys::member_key(&r.accessor))?;
        let org: Option<Organization> = match org {
            Some(code) => store.state_value(&keys::organization(&code))?,
            None => None,
        };
        let org = org
            .filter(|o| o.is_active() && o.role_of(&r.accessor).is_some())
            .ok_or_else(|| GatewayError::UnknownAccessor(r.accessor.to_hex()))?;
        if org.credit_code != grant.grantee {
            return Err(GatewayError::WrongOrganization {
                org: org.credit_code,
                grantee: grant.grantee,
            });
        }
        if let Some(rev) = &grant.revoked {
            return Err(GatewayError::GrantRevoked {
                grant_id: grant.id,
                reason: rev.reason.clone(),
            });
        }
        if now_ms >= grant.expires_at {
            return Err(GatewayError::GrantExpired {
                grant_id: grant.id,
                expired_at: grant.expires_at,
            });
        }
        let rule = |field: &str| {
            grant
                .masking
                .iter()
                .find(|m| m.field == field)
                .map_or(MaskingRule::Suppress, |m| m.rule)
        };
        let outside = |field: &str| GatewayError::FieldOutsideGrant {
            grant_id: grant.id,
            field: field.to_string(),
        };
        let column = |field: &str| {
            dataset
                .column(field)
                .ok_or_else(|| GatewayError::SchemaMismatch {
                    entry_id: r.entry_id,
                    field: field.to_string(),
                })
        };
        let mut cols = Vec::with_capacity(r.fields.len());
        for f in &r.fields {
            if !grant.fields.contains(f) {
                return Err(outside(f));
            }
            cols.push((column(f)?, rule(f)));
        }
        let mut filters = Vec::with_capacity(r.filters.len());
        for flt in &r.filters {
            if !grant.fields.contains(&flt.field) {
                return Err(outside(&flt.field));
            }
            let rl = rule(&flt.field);
            if rl == MaskingRule::Suppress
                || (flt.op == FilterOp::Prefix && rl != MaskingRule::None)
            {
                return Err(GatewayError::FilterNotAllowed {
                    field: flt.field.clone(),
                    reason: if rl == MaskingRule::Suppress {
                        "the field is suppressed under the grant".into()
                    } else {
                        format!("the field is masked ({rl:?}); only equality filters may use it")
                    },
                });
            }
            filters.push((column(&flt.field)?, flt));
        }
        if r.purpose != grant.purpose {
            return Err(GatewayError::PurposeMismatch {
                expected: grant.purpose.clone(),
                found: r.purpose.clone(),
            });
        }
        let mut rows = select(&dataset, &filters, r.offset, r.limit);
        let subjects = self.subjects(&dataset, &mut rows);
        let digest = r.digest();
        {
            let mut book = self.quota.lock().unwrap_or_else(|p| p.into_inner());
            book.settle(grant.id, |h| store.receipt(h).map(|x| x.is_some()))?;
            let fresh: Grant = store
                .state_value(&keys::grant(grant.id))?
                .ok_or(GatewayError::UnknownGrant(grant.id))?;
            book.reserve(&fresh, digest, rows.len() as u64)
                .map_err(|q| match q {
                    QuotaRefusal::Rows {
                        quota,
                        used,
                        reserved,
                        requested,
                    } => GatewayError::QuotaExceeded {
                        grant_id: grant.id,
                        quota,
                        used: used + reserved,
                        requested,
                    },
                    QuotaRefusal::Calls {
                        quota,
                        used,
                        reserved,
                    } => GatewayError::CallQuotaExceeded {
                        grant_id: grant.id,
                        quota,
                        used: used + reserved,
                    },
                })?;
        }
        let access = RecordAccess {
            grant_id: grant.id,
            accessor: r.accessor,
            fields: r.fields.clone(),
            rows: rows.len() as u64,
            query_digest: digest,
            purpose: r.purpose.clone(),
            subjects,
        };
        let delivery = Delivery {
            dataset,
            rows,
            fields: r.fields.clone(),
            cols,
            key: GrantMaskKey::derive(&self.secret, grant.id),
            format: r.format,
            grant_id: grant.id,
            digest,
            access_tx: Hash([0; 32]),
        };
        Ok(Plan {
            grant,
            digest,
            access,
            delivery,
        })
    }
}

/// Rows passing every filter, after skipping `offset` of them, at most `limit`.
impl Gateway {
    /// The keyed hashes of the data subjects in `rows` (their identifier columns); the
    /// page is cut where one more row would name more than `MAX_SUBJECTS` subjects.
    fn subjects(&self, d: &Dataset, rows: &mut Vec<u32>) -> Vec<Hash> {
        let Some(key) = &self.subject_key else {
            return Vec::new();
        };
        if d.subject_columns.is_empty() {
            return Vec::new();
        }
        let mut set = std::collections::BTreeSet::new();
        let mut kept = 0;
        for &row in rows.iter() {
            let add: Vec<Hash> = d
                .subject_columns
                .iter()
                .filter_map(|&c| subject_hash(key, d.cell(row as usize, c)).ok())
                .collect();
            if set.len() + add.len() > MAX_SUBJECTS {
                break;
            }
            set.extend(add);
            kept += 1;
        }
        rows.truncate(kept);
        set.into_iter().collect()
    }
}

fn select(
    d: &Dataset,
    filters: &[(usize, &kuai_types::gateway::Filter)],
    offset: u64,
    limit: u32,
) -> Vec<u32> {
    let mut out = Vec::with_capacity((limit as usize).min(d.rows()));
    let mut skip = offset;
    for row in 0..d.rows() {
        if !filters.iter().all(|(c, f)| f.matches(d.cell(row, *c))) {
            continue;
        }
        if skip > 0 {
            skip -= 1;
            continue;
        }
        out.push(row as u32);
        if out.len() == limit as usize {
            break;
        }
    }
    out
}

fn csv_cell(out: &mut Vec<u8>, v: &str) {
    if v.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(v.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(v.as_bytes());
    }
}

fn json_str(out: &mut Vec<u8>, v: &str) {
    // Writing a &str to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, v);
}

impl Delivery {
    /// The CSV header line (empty for JSON lines).
    pub fn header(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.format == DataFormat::Csv {
            for (i, f) in self.fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                csv_cell(&mut out, f);
            }
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    /// Renders rows `from..to` of the delivery, masked, onto `out`.
    pub fn render(&self, from: usize, to: usize, out: &mut Vec<u8>) {
        for &row in &self.rows[from..to.min(self.rows.len())] {
            let row = row as usize;
            match self.format {
                DataFormat::Csv => {
                    for (i, (col, rule)) in self.cols.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        if let Some(v) = mask(*rule, self.dataset.cell(row, *col), &self.key) {
                            csv_cell(out, &v);
                        }
                    }
                    out.extend_from_slice(b"\r\n");
                }
                DataFormat::Jsonl => {
                    out.push(b'{');
                    for (i, ((col, rule), name)) in self.cols.iter().zip(&self.fields).enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        json_str(out, name);
                        out.push(b':');
                        match mask(*rule, self.dataset.cell(row, *col), &self.key) {
                            Some(v) => json_str(out, &v),
                            None => out.extend_from_slice(b"null"),
                        }
                    }
                    out.extend_from_slice(b"}\n");
                }
            }
        }
    }

    /// The whole body in chunks of [`CHUNK_ROWS`] rows, the header first.
    pub fn chunks(self: Arc<Self>) -> impl Iterator<Item = Vec<u8>> + Send {
        let header = self.header();
        let n = self.rows.len();
        std::iter::once(header)
            .filter(|h| !h.is_empty())
            .chain((0..n).step_by(CHUNK_ROWS).map(move |from| {
                let mut out = Vec::with_capacity(CHUNK_ROWS * 64);
                self.render(from, from + CHUNK_ROWS, &mut out);
                out
            }))
    }
}
