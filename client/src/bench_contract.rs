//! `kuai bench --contract`: the setup that makes every benchmark share request a
//! contract decision. Market regulation's conditional benchmark entry gets the sample
//! `allow_list` policy (any requester, any purpose) bound; when the code is not on chain
//! yet, market regulation uploads it and the CDOs in `--keys` approve it by governance.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use kuai_client::types::model::{CatalogEntry, ProposalAction, ProposalStatus, ShareType};
use kuai_client::types::{Event, Hash, Receipt, SignedTransaction};
use kuai_client::{keyfile, Client, ClientError, ListQuery, TxBuilder};

/// The committed build of the sample allow-list policy.
const ALLOW_LIST: &[u8] = include_bytes!("../../contracts/wasm/allow_list.wasm");
const WAIT: Duration = Duration::from_secs(60);

async fn builder(c: &Client, keys: &Path, name: &str) -> Result<TxBuilder> {
    let key = keyfile::read(&keys.join(format!("{name}.key"))).map_err(|e| anyhow!(e))?;
    Ok(TxBuilder::for_key(c, key).await?)
}

async fn ok(c: &Client, stx: &SignedTransaction) -> Result<Receipt> {
    Ok(c.wait_for_success(&c.submit(stx).await?, WAIT).await?)
}

/// Uploads the allow-list code and passes its approval, unless that happened already.
async fn approved_code(c: &Client, keys: &Path) -> Result<Hash> {
    let hash = Hash::sha256(ALLOW_LIST);
    let mut market = builder(c, keys, "market-cdo").await?;
    let code = match c.contract_code(&hash).await {
        Ok(code) => code,
        Err(ClientError::Api { status: 404, .. }) => {
            ok(
                c,
                &market.upload_contract_code("allow_list", ALLOW_LIST.to_vec()),
            )
            .await?;
            c.contract_code(&hash).await?
        }
        Err(e) => return Err(e.into()),
    };
    if code.approved_by_proposal.is_some() {
        return Ok(hash);
    }
    let now = c.status().await?.latest_block_time_ms;
    let r = ok(
        c,
        &market.submit_proposal(
            ProposalAction::ApproveContractCode { code_hash: hash },
            now + 7 * 86_400_000,
        ),
    )
    .await?;
    let id = r
        .events
        .iter()
        .find_map(|e| match e {
            Event::ProposalSubmitted { proposal_id, .. } => Some(*proposal_id),
            _ => None,
        })
        .context("no proposal id")?;
    for entry in std::fs::read_dir(keys).context("reading the key directory")? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let Some(who) = name.strip_suffix(".key").filter(|n| n.ends_with("-cdo")) else {
            continue;
        };
        if who == "market-cdo" || c.proposal(id).await?.status != ProposalStatus::Open {
            continue;
        }
        let mut b = builder(c, keys, who).await?;
        // Organizations that do not govern are refused; that is fine here.
        let _ = c
            .wait_for_commit(&c.submit(&b.vote_proposal(id, true)).await?, WAIT)
            .await;
    }
    match c.proposal(id).await?.status {
        ProposalStatus::Passed { .. } => Ok(hash),
        other => bail!("the approval of the allow-list code ended {other:?}"),
    }
}

/// Market regulation's conditional benchmark entry with the allow-list bound to it.
pub async fn policy_entry(c: &Client, keys: &Path, market: &str) -> Result<CatalogEntry> {
    let entry = c
        .catalog(&ListQuery::limit(500).filter("provider", market))
        .await?
        .items
        .into_iter()
        .find(|e| {
            e.spec.classification == "benchmark" && e.spec.share_type == ShareType::Conditional
        })
        .context("no conditional benchmark entry of market regulation")?;
    if c.entry_policy(entry.id).await.is_ok() {
        return Ok(entry);
    }
    let hash = approved_code(c, keys).await?;
    let mut m = builder(c, keys, "market-cdo").await?;
    let r = ok(
        c,
        &m.instantiate_contract(
            hash,
            "Benchmark: anyone, any purpose",
            "requesters=*\npurposes=*",
        ),
    )
    .await?;
    let instance = r
        .events
        .iter()
        .find_map(|e| match e {
            Event::ContractInstantiated { instance_id, .. } => Some(*instance_id),
            _ => None,
        })
        .context("no instance id")?;
    ok(c, &m.bind_policy_contract(entry.id, Some(instance))).await?;
    Ok(entry)
}
