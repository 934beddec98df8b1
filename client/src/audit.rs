//! `kuai audit export` and `kuai audit verify`: a self-contained bundle of every share
//! request, grant and access event concerning an organization (or one entry), checkable
//! offline with only the genesis file.
//!
//! Bundle layout (a directory):
//! - `records.json`: each record with its Merkle proof, header and commit certificate;
//! - `headers.json`: every block header from 1 up to the highest proof's height, with its
//!   certificate and own events, so the verifier follows validator-set changes from genesis;
//! - `requests.csv`, `grants.csv`, `accesses.csv`: the records as tables (UTF-8);
//! - `manifest.json`: chain id, genesis hash, the selection, counts, SHA-256 of each file.
//!
//! Verification trusts nothing but the genesis file: it follows every header's certificate
//! from the genesis validators, checks every record's proof under its certified header,
//! checks each record belongs to the selection, regenerates the CSV files from the verified
//! records and compares them byte for byte, and checks the manifest's hashes. Any changed
//! byte of content fails one of these.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use kuai_client::types::api::Proven;
use kuai_client::types::genesis::GenesisSpec;
use kuai_client::types::model::{AccessEvent, Grant, ShareRequest};
use kuai_client::types::{state_keys, Hash};
use kuai_client::{CertifiedHeader, Client, LightClient, ListQuery};
use serde::{Deserialize, Serialize};

const FORMAT: &str = "kuai-audit/1";
const DAY_MS: u64 = 86_400_000;
const CST_MS: u64 = 8 * 3_600_000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Selection {
    pub organization: String,
    pub entry: Option<u64>,
    /// Block time bounds, ms: `[from, to)`.
    pub from_ms: u64,
    pub to_ms: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Records {
    share_requests: Vec<Proven<ShareRequest>>,
    grants: Vec<Proven<Grant>>,
    access_events: Vec<Proven<AccessEvent>>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    chain_id: String,
    genesis_hash: Hash,
    selection: Selection,
    counts: [usize; 3],
    /// File name -> SHA-256 (hex) of its bytes.
    files: Vec<(String, String)>,
}

/// `YYYY-MM-DD` (China time; the start of that day) or milliseconds.
pub fn parse_time(raw: &str, end_of_day: bool) -> Result<u64> {
    if let Ok(ms) = raw.parse::<u64>() {
        return Ok(ms);
    }
    let d = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| anyhow!("{raw:?} is neither YYYY-MM-DD nor milliseconds"))?;
    let days = d
        .signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).context("epoch")?)
        .num_days();
    let days =
        u64::try_from(days + i64::from(end_of_day)).map_err(|_| anyhow!("{raw} is before 1970"))?;
    Ok((days * DAY_MS).saturating_sub(CST_MS))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn in_range(sel: &Selection, t: u64) -> bool {
    t >= sel.from_ms && t < sel.to_ms
}

fn request_ok(sel: &Selection, r: &ShareRequest) -> bool {
    (r.requester == sel.organization || r.provider == sel.organization)
        && sel.entry.is_none_or(|e| r.entry_id == e)
        && in_range(sel, r.submitted_at)
}
fn grant_ok(sel: &Selection, g: &Grant) -> bool {
    (g.grantee == sel.organization || g.provider == sel.organization)
        && sel.entry.is_none_or(|e| g.entry_id == e)
        && in_range(sel, g.granted_at)
}
fn access_ok(sel: &Selection, a: &AccessEvent) -> bool {
    (a.accessor_org == sel.organization || a.provider == sel.organization)
        && sel.entry.is_none_or(|e| a.entry_id == e)
        && in_range(sel, a.time)
}

fn csv_of<T>(rows: &[T], header: &[&str], cells: impl Fn(&T) -> Vec<String>) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(cells(r))?;
    }
    w.into_inner().map_err(|e| anyhow!(e.to_string()))
}

fn tables(r: &Records) -> Result<[(String, Vec<u8>); 3]> {
    let req: Vec<&ShareRequest> = r
        .share_requests
        .iter()
        .filter_map(|p| p.value.as_ref())
        .collect();
    let gr: Vec<&Grant> = r.grants.iter().filter_map(|p| p.value.as_ref()).collect();
    let ac: Vec<&AccessEvent> = r
        .access_events
        .iter()
        .filter_map(|p| p.value.as_ref())
        .collect();
    Ok([
        (
            "requests.csv".into(),
            csv_of(
                &req,
                &[
                    "id",
                    "entry_id",
                    "requester",
                    "provider",
                    "fields",
                    "purpose",
                    "legal_basis",
                    "submitted_at",
                    "answer_due",
                    "overdue",
                    "status",
                ],
                |x| {
                    vec![
                        x.id.to_string(),
                        x.entry_id.to_string(),
                        x.requester.clone(),
                        x.provider.clone(),
                        x.fields.join(";"),
                        x.purpose.clone(),
                        x.legal_basis.clone(),
                        x.submitted_at.to_string(),
                        x.answer_due.to_string(),
                        x.overdue.to_string(),
                        x.status.name().into(),
                    ]
                },
            )?,
        ),
        (
            "grants.csv".into(),
            csv_of(
                &gr,
                &[
                    "id",
                    "request_id",
                    "entry_id",
                    "grantee",
                    "provider",
                    "fields",
                    "purpose",
                    "granted_at",
                    "expires_at",
                    "quota_rows",
                    "rows_used",
                    "revoked",
                ],
                |x| {
                    vec![
                        x.id.to_string(),
                        x.request_id.to_string(),
                        x.entry_id.to_string(),
                        x.grantee.clone(),
                        x.provider.clone(),
                        x.fields.join(";"),
                        x.purpose.clone(),
                        x.granted_at.to_string(),
                        x.expires_at.to_string(),
                        x.quota_rows.map(|q| q.to_string()).unwrap_or_default(),
                        x.rows_used.to_string(),
                        x.revoked
                            .as_ref()
                            .map(|r| r.reason.clone())
                            .unwrap_or_default(),
                    ]
                },
            )?,
        ),
        (
            "accesses.csv".into(),
            csv_of(
                &ac,
                &[
                    "id",
                    "grant_id",
                    "entry_id",
                    "provider",
                    "accessor",
                    "accessor_org",
                    "fields",
                    "rows",
                    "query_digest",
                    "purpose",
                    "time",
                    "height",
                ],
                |x| {
                    vec![
                        x.id.to_string(),
                        x.grant_id.to_string(),
                        x.entry_id.to_string(),
                        x.provider.clone(),
                        x.accessor.to_hex(),
                        x.accessor_org.clone(),
                        x.fields.join(";"),
                        x.rows.to_string(),
                        x.query_digest.to_hex(),
                        x.purpose.clone(),
                        x.time.to_string(),
                        x.height.to_string(),
                    ]
                },
            )?,
        ),
    ])
}

async fn all<T: serde::de::DeserializeOwned>(
    c: &Client,
    path: &str,
    filter: (&str, String),
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    let mut q = ListQuery::limit(500).filter(filter.0, filter.1.clone());
    loop {
        let page: kuai_client::types::model::Page<serde_json::Value> = c.list(path, &q).await?;
        for v in page.items {
            out.push(serde_json::from_value(v)?);
        }
        match page.next {
            Some(n) => q.after = Some(n),
            None => return Ok(out),
        }
    }
}

/// Writes the bundle for `sel` into `out` (a new or empty directory).
pub async fn export(c: &Client, sel: Selection, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    if std::fs::read_dir(out)?.next().is_some() {
        bail!("{} is not empty", out.display());
    }
    let status = c.status().await?;
    let mut ids: (Vec<u64>, Vec<u64>, Vec<u64>) = (Vec::new(), Vec::new(), Vec::new());
    for role in ["requester", "provider"] {
        let reqs: Vec<ShareRequest> =
            all(c, "/v1/share-requests", (role, sel.organization.clone())).await?;
        ids.0
            .extend(reqs.iter().filter(|r| request_ok(&sel, r)).map(|r| r.id));
    }
    let grants: Vec<Grant> = all(c, "/v1/grants", ("grantee", sel.organization.clone())).await?;
    ids.1
        .extend(grants.iter().filter(|g| grant_ok(&sel, g)).map(|g| g.id));
    let provided: Vec<Grant> = all(c, "/v1/grants", ("provider", sel.organization.clone()))
        .await
        .unwrap_or_default();
    ids.1
        .extend(provided.iter().filter(|g| grant_ok(&sel, g)).map(|g| g.id));
    for role in ["accessor_org", "provider"] {
        let acc: Vec<AccessEvent> =
            all(c, "/v1/access-events", (role, sel.organization.clone())).await?;
        ids.2
            .extend(acc.iter().filter(|a| access_ok(&sel, a)).map(|a| a.id));
    }
    for v in [&mut ids.0, &mut ids.1, &mut ids.2] {
        v.sort_unstable();
        v.dedup();
    }
    let total = (ids.0.len() + ids.1.len() + ids.2.len()) as u64;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{spinner} proving records {pos}/{len} [{elapsed_precise}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut records = Records {
        share_requests: vec![],
        grants: vec![],
        access_events: vec![],
    };
    for id in &ids.0 {
        records
            .share_requests
            .push(c.proven(&format!("/v1/share-requests/{id}")).await?);
        bar.inc(1);
    }
    for id in &ids.1 {
        records
            .grants
            .push(c.proven(&format!("/v1/grants/{id}")).await?);
        bar.inc(1);
    }
    for id in &ids.2 {
        records
            .access_events
            .push(c.proven(&format!("/v1/access-events/{id}")).await?);
        bar.inc(1);
    }
    let top = records
        .share_requests
        .iter()
        .map(|p| p.proof.height)
        .chain(records.grants.iter().map(|p| p.proof.height))
        .chain(records.access_events.iter().map(|p| p.proof.height))
        .max()
        .unwrap_or(status.height);
    bar.set_length(total + top);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} records and headers {pos}/{len} [{elapsed_precise}]",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut headers = Vec::new();
    for h in 1..=top {
        headers.push(CertifiedHeader::of(&c.block(&h.to_string()).await?));
        bar.inc(1);
    }
    bar.finish_and_clear();
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("records.json".into(), serde_json::to_vec_pretty(&records)?),
        ("headers.json".into(), serde_json::to_vec(&headers)?),
    ];
    files.extend(tables(&records)?);
    let manifest = Manifest {
        format: FORMAT.into(),
        chain_id: status.chain_id,
        genesis_hash: status.genesis_hash,
        selection: sel,
        counts: [
            records.share_requests.len(),
            records.grants.len(),
            records.access_events.len(),
        ],
        files: files
            .iter()
            .map(|(n, b)| (n.clone(), sha256_hex(b)))
            .collect(),
    };
    for (name, bytes) in &files {
        std::fs::write(out.join(name), bytes)?;
    }
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_vec_pretty(&manifest)?,
    )?;
    out!(
        "exported {} requests, {} grants, {} access events with proofs and {} headers to {}",
        manifest.counts[0],
        manifest.counts[1],
        manifest.counts[2],
        top,
        out.display()
    );
    Ok(())
}

/// Checks a bundle offline against a genesis file. Returns the counts it verified.
pub fn verify(dir: &Path, genesis: &Path) -> Result<[usize; 3]> {
    let read = |name: &str| {
        std::fs::read(dir.join(name))
            .with_context(|| format!("reading {}", dir.join(name).display()))
    };
    let genesis: GenesisSpec =
        serde_json::from_slice(&std::fs::read(genesis).context("reading the genesis file")?)
            .context("genesis file")?;
    let manifest: Manifest =
        serde_json::from_slice(&read("manifest.json")?).context("manifest.json")?;
    if manifest.format != FORMAT {
        bail!("unknown bundle format {:?}", manifest.format);
    }
    if manifest.chain_id != genesis.chain_id || manifest.genesis_hash != genesis.hash() {
        bail!(
            "the bundle is of chain {} (genesis {}), not of this genesis file",
            manifest.chain_id,
            manifest.genesis_hash
        );
    }
    for (name, digest) in &manifest.files {
        if &sha256_hex(&read(name)?) != digest {
            bail!("{name} has changed since the export (its SHA-256 differs from the manifest)");
        }
    }
    let headers: Vec<CertifiedHeader> =
        serde_json::from_slice(&read("headers.json")?).context("headers.json")?;
    let mut light = LightClient::new(genesis.validators.iter().map(|v| v.key).collect());
    for h in &headers {
        light
            .accept_header(h)
            .map_err(|e| anyhow!("header {}: {e}", h.header.height))?;
    }
    let records: Records =
        serde_json::from_slice(&read("records.json")?).context("records.json")?;
    let sel = &manifest.selection;
    for p in &records.share_requests {
        let v = p
            .value
            .as_ref()
            .context("a share request without its value")?;
        light
            .verify(p, &state_keys::share_request(v.id))
            .map_err(|e| anyhow!("share request {}: {e}", v.id))?;
        if !request_ok(sel, v) {
            bail!("share request {} is outside the bundle's selection", v.id);
        }
    }
    for p in &records.grants {
        let v = p.value.as_ref().context("a grant without its value")?;
        light
            .verify(p, &state_keys::grant(v.id))
            .map_err(|e| anyhow!("grant {}: {e}", v.id))?;
        if !grant_ok(sel, v) {
            bail!("grant {} is outside the bundle's selection", v.id);
        }
    }
    for p in &records.access_events {
        let v = p
            .value
            .as_ref()
            .context("an access event without its value")?;
        light
            .verify_access_event(p)
            .map_err(|e| anyhow!("access event {}: {e}", v.id))?;
        if !access_ok(sel, v) {
            bail!("access event {} is outside the bundle's selection", v.id);
        }
    }
    let counts = [
        records.share_requests.len(),
        records.grants.len(),
        records.access_events.len(),
    ];
    if counts != manifest.counts {
        bail!(
            "the manifest counts {:?} records, the bundle holds {counts:?}",
            manifest.counts
        );
    }
    for (name, bytes) in tables(&records)? {
        if read(&name)? != bytes {
            bail!("{name} does not match the verified records");
        }
    }
    Ok(counts)
}
