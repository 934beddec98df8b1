//! `kuai bench`: load a running consortium with signed transactions of the domain mix
//! and measure what it commits (`--contract`: only share requests that a policy contract
//! decides, see `bench_contract`).
//!
//! Setup: the civil-affairs CDO of the dev consortium (`--keys DIR/civil-cdo.key`) adds
//! `--signers` fresh app keys; then every transaction is signed before the clock starts:
//! 70% access events under a grant of civil affairs, 30% share requests for another
//! department's conditional entry (about 200-400 bytes each). Signer `i` always talks to
//! node `i mod n`, so each signer's nonces arrive in order. Commit times are observed on
//! the first node: its stream of committed heads (`GET /v1/heads`) says when a block
//! commits, and the bench then reads that block's transaction ids; when no head arrives
//! for 100 ms it asks the node's head once (or every 2 ms, if the node has no stream).
//! Latency is submit-to-observed-commit.
//! Each node's `/metrics` is read just before the load starts and after the last commit,
//! so the report also says what the run cost the nodes (see `bench_cost`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use kuai_client::types::api::SubmitMode;
use kuai_client::types::model::{
    CatalogEntrySpec, FieldSpec, Grant, MaskingRule, OpenMode, Role, Sensitivity, ShareMethod,
    ShareType,
};
use kuai_client::types::Event;
use kuai_client::types::{Hash, SignedTransaction};
use kuai_client::{keyfile, Client, EncodedTx, Keypair, ListQuery, TxBuilder};
use serde::Serialize;

use crate::bench_cost::{self, round1, Cost, Sample};

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Transactions per second to offer (0: as fast as the nodes accept).
    #[arg(long, default_value_t = 1000)]
    pub rate: u64,
    /// Seconds to send for.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Key directory of the dev consortium (needs civil-cdo.key).
    #[arg(long, default_value = ".kuai-dev/keys")]
    pub keys: PathBuf,
    /// Fresh signer keys to spread the load over.
    #[arg(long, default_value_t = 32)]
    pub signers: usize,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// Send only share requests for an entry with a bound policy contract, so each
    /// transaction is a contract decision (sets the contract up if needed).
    #[arg(long)]
    pub contract: bool,
    /// How each request is answered: `sync` after verification, `async` at once (the
    /// node verifies later, in larger batches; see the API's `mode`).
    #[arg(long, value_enum, default_value_t = Submit::Sync)]
    pub submit: Submit,
    /// Requests per second to each node (the rate is split into batches of
    /// rate / nodes / this); fewer, larger requests cost the nodes less.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub requests: u32,
}

/// The submission mode `kuai bench` uses.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submit {
    Sync,
    Async,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub offered: usize,
    pub accepted: usize,
    pub committed: usize,
    pub committed_tps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Resident memory of each node, in MiB, after the run.
    pub rss_mb: Vec<f64>,
    pub avg_tx_bytes: usize,
    /// What the run cost the nodes (CPU per transaction, cores, phases of a height).
    #[serde(flatten)]
    pub cost: Cost,
}

/// Every node's figures from its `/metrics` (a node that does not answer gives none).
async fn samples(nodes: &[Client]) -> Vec<Sample> {
    let mut out = Vec::with_capacity(nodes.len());
    for n in nodes {
        out.push(Sample::parse(&n.metrics().await.unwrap_or_default()));
    }
    out
}

struct Plan {
    /// Per node: the transactions to send there, in order, encoded before the clock
    /// starts (so the load generator's own encoding is not in the figures).
    per_node: Vec<Vec<EncodedTx>>,
    total: usize,
    avg_bytes: usize,
}

/// A grant of civil affairs in force with no delivery quota and room for a million rows;
/// on a fresh consortium, market regulation publishes an unconditional entry (and a
/// conditional one) and civil affairs takes the entry at once.
async fn bench_grant(c0: &Client, args: &BenchArgs, civil: &str) -> Result<Grant> {
    let now = c0.status().await?.latest_block_time_ms;
    let usable = |g: &Grant| {
        g.revoked.is_none()
            && g.expires_at > now + 3_600_000
            && g.quota_rows.is_none_or(|q| q > g.rows_used + 1_000_000)
            && g.quota_calls.is_none()
    };
    let grants = c0
        .grants(&ListQuery::limit(500).filter("grantee", civil))
        .await?;
    if let Some(g) = grants.items.into_iter().find(usable) {
        return Ok(g);
    }
    let market = keyfile::read(&args.keys.join("market-cdo.key")).map_err(|e| anyhow!(e))?;
    let mut m = TxBuilder::for_key(c0, market).await?;
    let spec = |share_type| CatalogEntrySpec {
        name: "Benchmark registry (压测数据)".into(),
        classification: "benchmark".into(),
        security_grade: 1,
        format: "csv".into(),
        fields: vec![FieldSpec {
            name: "company_name".into(),
            sensitivity: Sensitivity::Public,
            masking: MaskingRule::None,
            element_code: None,
        }],
        update_frequency: "daily".into(),
        share_type,
        legal_basis: None,
        share_methods: vec![ShareMethod::Api],
        open_mode: OpenMode::Open,
        usage_requirements: "benchmark only".into(),
        approval_threshold: None,
    };
    let r = c0
        .submit_and_wait(
            &m.register_catalog_entry(spec(ShareType::Unconditional)),
            Duration::from_secs(60),
        )
        .await?;
    let entry_id = r
        .events
        .iter()
        .find_map(|e| match e {
            Event::CatalogEntryRegistered { entry_id, .. } => Some(*entry_id),
            _ => None,
        })
        .context("no entry id")?;
    c0.submit_and_wait(
        &m.register_catalog_entry(spec(ShareType::Conditional)),
        Duration::from_secs(60),
    )
    .await?;
    let cdo = keyfile::read(&args.keys.join("civil-cdo.key")).map_err(|e| anyhow!(e))?;
    let mut c = TxBuilder::for_key(c0, cdo).await?;
    let r = c0
        .submit_and_wait(
            &c.submit_share_request(
                entry_id,
                &["company_name"],
                "Benchmark load",
                "Benchmark basis",
                3650,
            ),
            Duration::from_secs(60),
        )
        .await?;
    let grant_id = r
        .events
        .iter()
        .find_map(|e| match e {
            Event::GrantIssued { grant_id, .. } => Some(*grant_id),
            _ => None,
        })
        .context("the request was not granted at once")?;
    Ok(c0.grant(grant_id).await?)
}

async fn setup(nodes: &[Client], args: &BenchArgs) -> Result<Plan> {
    let c0 = &nodes[0];
    let cdo = keyfile::read(&args.keys.join("civil-cdo.key")).map_err(|e| anyhow!(e))?;
    let civil = c0
        .account(&cdo.public())
        .await?
        .organization
        .context("civil-cdo.key is not a member key")?;
    let signers: Vec<Keypair> = (0..args.signers.max(1))
        .map(|_| Keypair::generate())
        .collect();
    let mut cdo_b = TxBuilder::for_key(c0, cdo).await?;
    let adds: Vec<SignedTransaction> = signers
        .iter()
        .map(|k| cdo_b.add_member(k.public(), Role::App))
        .collect();
    let results = c0.submit_batch(&adds).await?;
    for r in &results {
        if let Some(e) = &r.error {
            bail!(
                "adding a bench signer was refused: {}: {}",
                e.code,
                e.message
            );
        }
    }
    if let Some(last) = results.last().and_then(|r| r.hash) {
        c0.wait_for_success(&last, Duration::from_secs(60)).await?;
    }
    let grant = bench_grant(c0, args, &civil).await?;
    let entry = if args.contract {
        crate::bench_contract::policy_entry(c0, &args.keys, &grant.provider).await?
    } else {
        let entries = c0.catalog(&ListQuery::limit(500)).await?;
        entries
            .items
            .into_iter()
            .find(|e| e.provider != civil && e.spec.share_type == ShareType::Conditional)
            .context("no conditional catalog entry of another department to request")?
    };
    let field = entry.spec.fields[0].name.clone();
    let total = if args.rate > 0 {
        (args.rate * args.duration) as usize
    } else {
        (20_000 * args.duration).min(400_000) as usize
    };
    let chain_id = c0.status().await?.chain_id;
    let mut builders: Vec<TxBuilder> = signers
        .into_iter()
        .map(|k| TxBuilder::new(chain_id.clone(), k, 0))
        .collect();
    let mut per_node: Vec<Vec<EncodedTx>> = vec![Vec::new(); nodes.len()];
    let mut bytes = 0usize;
    for i in 0..total {
        let s = i % builders.len();
        let b = &mut builders[s];
        let stx = if i % 10 < 7 && !args.contract {
            let me = b.public_key();
            b.record_access(
                grant.id,
                me,
                &[grant.fields[0].as_str()],
                1,
                &format!("bench query {i}"),
                &grant.purpose,
            )
        } else {
            b.submit_share_request(
                entry.id,
                &[field.as_str()],
                "Benchmark load: eligibility checks",
                "Benchmark basis",
                30,
            )
        };
        let encoded = EncodedTx::new(&stx);
        bytes += encoded.byte_len();
        per_node[s % nodes.len()].push(encoded);
    }
    Ok(Plan {
        per_node,
        total,
        avg_bytes: bytes / total.max(1),
    })
}

/// Sends one node's share at its share of the rate; records submit times.
/// How one node's share is sent.
struct Pace {
    /// Transactions per second to this node (0: as fast as accepted).
    rate: f64,
    /// Requests per second.
    requests: u32,
    submit: Submit,
    /// How late this sender starts, in batch periods.
    offset: f64,
}

async fn send(
    client: Client,
    txs: Vec<EncodedTx>,
    pace: Pace,
    sent: Arc<Mutex<HashMap<Hash, Instant>>>,
    bar: ProgressBar,
) -> usize {
    let Pace {
        rate,
        requests,
        submit,
        offset,
    } = pace;
    // At most `requests` batches a second per node, so a low rate arrives as a steady
    // trickle (the nodes' senders are staggered by `offset`), not in bursts.
    let batch = if rate > 0.0 {
        ((rate / requests as f64).ceil() as usize).clamp(1, 5000)
    } else {
        1000
    };
    if rate > 0.0 {
        tokio::time::sleep(Duration::from_secs_f64(offset * batch as f64 / rate)).await;
    }
    let start = Instant::now();
    let mut accepted = 0;
    let mut queue: std::collections::VecDeque<EncodedTx> = txs.into();
    let mut done = 0usize;
    while !queue.is_empty() {
        if rate > 0.0 {
            let due = Duration::from_secs_f64(done as f64 / rate);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
        let chunk: Vec<EncodedTx> = queue.drain(..batch.min(queue.len())).collect();
        let at = Instant::now();
        let mode = match submit {
            Submit::Sync => SubmitMode::Sync,
            Submit::Async => SubmitMode::Async,
        };
        let answer = client.submit_encoded(&chunk, mode).await;
        let results = match answer {
            Ok(results) => results,
            // A whole asynchronous batch that did not fit: as each `mempool_full` below.
            Err(kuai_client::ClientError::Api { code, .. }) if code == "mempool_full" => {
                for t in chunk.into_iter().rev() {
                    queue.push_front(t);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let mut retry = Vec::new();
        {
            let mut map = sent.lock().unwrap_or_else(|p| p.into_inner());
            for (stx, r) in chunk.into_iter().zip(results) {
                match (r.hash, r.error) {
                    (Some(h), _) => {
                        map.insert(h, at);
                        accepted += 1;
                    }
                    (None, Some(e)) if e.code == "mempool_full" => retry.push(stx),
                    _ => {}
                }
            }
        }
        done += batch - retry.len();
        bar.inc((batch - retry.len()) as u64);
        if !retry.is_empty() {
            for t in retry.into_iter().rev() {
                queue.push_front(t);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    accepted
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// How long the observer waits for a pushed head before it asks the node's head itself.
const QUIET: Duration = Duration::from_millis(100);

pub async fn run(nodes: Vec<Client>, args: &BenchArgs) -> Result<Report> {
    let plan = setup(&nodes, args).await?;
    let start_height = nodes[0].status().await?.height;
    let sent: Arc<Mutex<HashMap<Hash, Instant>>> =
        Arc::new(Mutex::new(HashMap::with_capacity(plan.total)));
    let bar = ProgressBar::new(plan.total as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} sent {pos}/{len} [{elapsed_precise}] {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    if args.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let per_node_rate = args.rate as f64 / nodes.len() as f64;
    let before = samples(&nodes).await;
    let t0 = Instant::now();
    let mut senders = Vec::new();
    for (i, (client, txs)) in nodes.iter().cloned().zip(plan.per_node).enumerate() {
        let pace = Pace {
            rate: per_node_rate,
            requests: args.requests,
            submit: args.submit,
            // Sender i starts i/n of a batch period late.
            offset: i as f64 / nodes.len() as f64,
        };
        senders.push(tokio::spawn(send(
            client,
            txs,
            pace,
            sent.clone(),
            bar.clone(),
        )));
    }
    // Observe commits on the first node while sending and until everything accepted is in.
    let mut latencies: Vec<f64> = Vec::new();
    let mut next = start_height + 1;
    let mut last_commit = t0;
    let deadline = t0 + Duration::from_secs(args.duration + 60);
    let mut heads = Some(Box::pin(nodes[0].heads()));
    loop {
        let pushed = match heads.as_mut() {
            Some(stream) => match tokio::time::timeout(QUIET, stream.next()).await {
                Ok(Some(Ok(h))) => Some(h.height),
                // No stream (an older node) or a failed one: poll from here on.
                Ok(Some(Err(_)) | None) => {
                    heads = None;
                    None
                }
                Err(_) => None,
            },
            None => {
                tokio::time::sleep(Duration::from_millis(2)).await;
                None
            }
        };
        let head = match pushed {
            Some(h) => h,
            None => nodes[0]
                .status()
                .await
                .map(|s| s.height)
                .unwrap_or(next - 1),
        };
        while next <= head {
            if let Ok(ids) = nodes[0].block_tx_ids(next).await {
                let now = Instant::now();
                let map = sent.lock().unwrap_or_else(|p| p.into_inner());
                for h in ids.txs {
                    if let Some(at) = map.get(&h) {
                        latencies.push(now.duration_since(*at).as_secs_f64() * 1000.0);
                        last_commit = now;
                    }
                }
            }
            next += 1;
        }
        let all_sent = senders.iter().all(|s| s.is_finished());
        let accepted = sent.lock().map(|m| m.len()).unwrap_or(0);
        if (all_sent && latencies.len() >= accepted) || Instant::now() > deadline {
            break;
        }
    }
    bar.finish_and_clear();
    let mut accepted = 0;
    for s in senders {
        accepted += s.await.unwrap_or(0);
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    let secs = last_commit.duration_since(t0).as_secs_f64().max(1e-3);
    let after = samples(&nodes).await;
    let cost = bench_cost::cost(&before, &after, latencies.len(), t0.elapsed().as_secs_f64());
    let rss_mb = after
        .iter()
        .map(|s| round1(s.rss_bytes.unwrap_or(0.0) / 1_048_576.0))
        .collect();
    Ok(Report {
        offered: plan.total,
        accepted,
        committed: latencies.len(),
        committed_tps: round1(latencies.len() as f64 / secs),
        p50_ms: round1(percentile(&latencies, 0.50)),
        p99_ms: round1(percentile(&latencies, 0.99)),
        max_ms: round1(latencies.last().copied().unwrap_or(0.0)),
        rss_mb,
        avg_tx_bytes: plan.avg_bytes,
        cost,
    })
}
