//! The CLI's command implementations. Queries print JSON; transactions print the
//! outcome and exit 1 when the node or the ledger refuses them, with the reason.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use kuai_client::types::model::{
    CatalogEntrySpec, ChangeKind, Member, OrgKind, ProposalAction, Role,
};
use kuai_client::types::payload::{ProposeAgreement, SubmitShareRequest};
use kuai_client::types::{Hash, PublicKey, SignedTransaction};
use kuai_client::{
    agreement_digest, identifiers, keyfile, Client, ClientError, Keypair, ListQuery, TxBuilder,
};
use serde::Serialize;

use crate::cli::*;

pub(crate) fn print<T: Serialize>(v: &T) -> Result<i32> {
    out!("{}", serde_json::to_string_pretty(v)?);
    Ok(0)
}

pub(crate) fn query(l: &ListArgs) -> ListQuery {
    ListQuery {
        limit: l.limit,
        after: l.after.clone(),
        filters: vec![],
    }
}

/// Adds `key=value` filters whose value is given.
fn filtered(mut q: ListQuery, filters: &[(&str, Option<String>)]) -> ListQuery {
    for (k, v) in filters {
        if let Some(v) = v {
            q = q.filter(k, v);
        }
    }
    q
}

fn flag(on: bool) -> Option<String> {
    on.then(|| "true".to_string())
}

fn read_key(path: &Path) -> Result<Keypair> {
    keyfile::read(path).map_err(|e| anyhow!(e))
}

fn parse_key(what: &str, raw: &str) -> Result<PublicKey> {
    raw.parse().map_err(|e| anyhow!("{what} {raw:?}: {e}"))
}

fn parse_enum<T: serde::de::DeserializeOwned>(what: &str, raw: &str, allowed: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(raw.to_string()))
        .map_err(|_| anyhow!("{what} {raw:?} is not one of: {allowed}"))
}

fn parse_member(raw: &str) -> Result<Member> {
    let (key, role) = raw
        .split_once(':')
        .ok_or_else(|| anyhow!("member {raw:?} must be PUBLIC_KEY:ROLE"))?;
    let role: Role = parse_enum("role", role, "cdo, reviewer, app, validator")?;
    Ok(Member {
        key: parse_key("member key", key)?,
        role,
    })
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a {what}", path.display()))
}

fn file_digest(path: &Path) -> Result<Hash> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(agreement_digest(&bytes))
}

/// Signs with the signer's key (chain id and nonce from the node), submits, waits.
pub(crate) async fn send(
    client: &Client,
    wait: u64,
    signer: &Signer,
    build: impl FnOnce(&mut TxBuilder) -> SignedTransaction,
) -> Result<i32> {
    let key = read_key(&signer.key)?;
    let mut b = TxBuilder::for_key(client, key).await?;
    let stx = build(&mut b);
    let hash = client.submit(&stx).await?;
    if signer.no_wait {
        out!("submitted {hash}");
        return Ok(0);
    }
    match client
        .wait_for_success(&hash, Duration::from_secs(wait))
        .await
    {
        Ok(r) => {
            out!("committed {hash} in block {}", r.height);
            for e in &r.events {
                out!("  event: {}", serde_json::to_string(e)?);
            }
            Ok(0)
        }
        Err(ClientError::Rejected {
            code,
            reason,
            height,
            ..
        }) => {
            eprintln!("rejected in block {height}: {code}: {reason}");
            Ok(1)
        }
        Err(e) => Err(e.into()),
    }
}

/// Checks VALUE as a resident ID number and as a credit code (an all-digit value can be
/// either); valid as either is a pass.
fn id_check(value: &str) -> i32 {
    match (
        identifiers::check_resident_id(value),
        identifiers::check_credit_code(value),
    ) {
        (Ok(v), _) => out!("valid resident ID number {v}"),
        (_, Ok(v)) => out!("valid unified social credit code {v}"),
        (Err(r), Err(c)) => {
            if value.trim().chars().take(17).all(|ch| ch.is_ascii_digit()) {
                eprintln!("{r}\n{c}");
            } else {
                eprintln!("{c}");
            }
            return 1;
        }
    }
    0
}

/// Runs a command; a node's error answer prints its message and exits 1.
pub async fn run(cli: Cli) -> Result<i32> {
    dispatch(cli)
        .await
        .or_else(|e| match e.downcast_ref::<ClientError>() {
            Some(ClientError::Api {
                status,
                code,
                message,
            }) => {
                eprintln!("error: node answered {status} {code}: {message}");
                Ok(1)
            }
            _ => bail!(e),
        })
}

async fn dispatch(cli: Cli) -> Result<i32> {
    let first = cli
        .node
        .first()
        .map(String::as_str)
        .unwrap_or("http://127.0.0.1:8080");
    let c = Client::new(first).map_err(|e| anyhow!(e))?;
    let w = cli.wait_secs;
    match cli.cmd {
        Cmd::Status => print(&c.status().await?),
        Cmd::Events(args) => events(&c, args).await,
        Cmd::History(cmd) => history(&c, cmd).await,
        Cmd::Keys(KeysCmd::New { out }) => {
            let k = Keypair::generate();
            keyfile::write(&out, &k).map_err(|e| anyhow!(e))?;
            out!("{}", k.public());
            Ok(0)
        }
        Cmd::Keys(KeysCmd::Show { file }) => {
            out!("{}", read_key(&file)?.public());
            Ok(0)
        }
        Cmd::Id(IdCmd::Check { value }) => Ok(id_check(&value)),
        Cmd::Account { key } => print(&c.account(&parse_key("key", &key)?).await?),
        Cmd::Org(cmd) => org(&c, w, cmd).await,
        Cmd::Catalog(cmd) => catalog(&c, w, cmd).await,
        Cmd::Element(ElementCmd::Show { code }) => print(&c.data_element(&code).await?),
        Cmd::Request(cmd) => request(&c, w, cmd).await,
        Cmd::Grant(GrantCmd::List {
            list,
            entry,
            grantee,
        }) => print(
            &c.grants(&filtered(
                query(&list),
                &[
                    ("entry", entry.map(|e| e.to_string())),
                    ("grantee", grantee),
                ],
            ))
            .await?,
        ),
        Cmd::Grant(GrantCmd::Show { id }) => print(&c.grant(id).await?),
        Cmd::Grant(GrantCmd::Revoke { id, signer, reason }) => {
            send(&c, w, &signer, |b| b.revoke_grant(id, &reason)).await
        }
        Cmd::Access(cmd) => access(&c, w, cmd).await,
        Cmd::Objection(cmd) => objection(&c, w, cmd).await,
        Cmd::Agreement(cmd) => agreement(&c, w, cmd).await,
        Cmd::Proposal(cmd) => proposal(&c, w, cmd).await,
        Cmd::Contract(cmd) => crate::contract_cmd::run(&c, w, cmd).await,
        Cmd::Scorecard(ScorecardCmd::List) => print(&c.scorecards().await?),
        Cmd::Scorecard(ScorecardCmd::Show { credit_code }) => {
            print(&c.scorecard(&credit_code).await?)
        }
        Cmd::Chain(ChainCmd::Validators) => print(&c.validators().await?),
        Cmd::Chain(ChainCmd::Parameters) => print(&c.parameters().await?),
        Cmd::Chain(ChainCmd::Calendar { year }) => print(&c.calendar(year).await?),
        Cmd::Tx(TxCmd::Show { hash }) => {
            let hash: Hash = hash.parse().map_err(|e| anyhow!("hash: {e}"))?;
            print(&c.tx(&hash).await?)
        }
        Cmd::Data(cmd) => data(&c, cmd).await,
        Cmd::Block(BlockCmd::Show { id }) => print(&c.block(&id).await?),
        Cmd::Block(BlockCmd::List { limit, before }) => print(&c.blocks(limit, before).await?),
        Cmd::Block(BlockCmd::Follow { after, count }) => follow_heads(&c, after, count).await,
        Cmd::Audit(AuditCmd::Export {
            org,
            out,
            entry,
            from,
            to,
        }) => {
            let sel = crate::audit::Selection {
                organization: identifiers::check_credit_code(&org).map_err(|e| anyhow!(e))?,
                entry,
                from_ms: from
                    .as_deref()
                    .map(|f| crate::audit::parse_time(f, false))
                    .transpose()?
                    .unwrap_or(0),
                to_ms: to
                    .as_deref()
                    .map(|t| crate::audit::parse_time(t, true))
                    .transpose()?
                    .unwrap_or(u64::MAX),
            };
            crate::audit::export(&c, sel, &out).await?;
            Ok(0)
        }
        Cmd::Audit(AuditCmd::Verify { path, genesis }) => {
            match crate::audit::verify(&path, &genesis) {
                Ok(counts) => {
                    out!("verified: {} requests, {} grants, {} access events; every proof, certificate and table checks out", counts[0], counts[1], counts[2]);
                    Ok(0)
                }
                Err(e) => {
                    eprintln!("bundle refused: {e:#}");
                    Ok(1)
                }
            }
        }
        Cmd::WhoAccessed { identifier } => print(&c.subject_accesses(&identifier).await?),
        Cmd::Bench(args) => {
            let nodes = cli
                .node
                .iter()
                .map(|u| Client::new(u).map_err(|e| anyhow!(e)))
                .collect::<Result<Vec<_>>>()?;
            let report = crate::bench::run(nodes, &args).await?;
            if args.json {
                out!("{}", serde_json::to_string(&report)?);
            } else {
                out!(
                    "offered {} accepted {} committed {} ({} bytes/tx)\ncommitted {:.1} tx/s; submit-to-commit p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms\nnode RSS (MiB): {:?}",
                    report.offered, report.accepted, report.committed, report.avg_tx_bytes, report.committed_tps, report.p50_ms, report.p99_ms, report.max_ms, report.rss_mb
                );
                let c = &report.cost;
                let shown = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v}"));
                out!(
                    "node CPU: {} µs per committed transaction (all nodes); cores per node: {}\nmean per block (ms): build {}, verify {}, write {}",
                    shown(c.cpu_us_per_tx),
                    c.cpu_cores.iter().map(|v| shown(*v)).collect::<Vec<_>>().join(", "),
                    shown(c.phases.build_ms),
                    shown(c.phases.verify_ms),
                    shown(c.phases.write_ms)
                );
            }
            Ok(0)
        }
    }
}

async fn org(c: &Client, w: u64, cmd: OrgCmd) -> Result<i32> {
    match cmd {
        OrgCmd::List(l) => print(&c.organizations(&query(&l)).await?),
        OrgCmd::Show { credit_code } => print(&c.organization(&credit_code).await?),
        OrgCmd::Register {
            signer,
            credit_code,
            name,
            kind,
            members,
        } => {
            let kind: OrgKind = parse_enum(
                "kind",
                &kind,
                "department, platform_operator, external_applicant, auditor",
            )?;
            identifiers::check_credit_code(&credit_code).map_err(|e| anyhow!(e))?;
            let members = members
                .iter()
                .map(|m| parse_member(m))
                .collect::<Result<Vec<_>>>()?;
            send(c, w, &signer, |b| {
                b.register_organization(&credit_code, &name, kind, members)
            })
            .await
        }
        OrgCmd::AddMember { signer, member } => {
            let m = parse_member(&member)?;
            send(c, w, &signer, |b| b.add_member(m.key, m.role)).await
        }
        OrgCmd::RemoveMember { signer, member_key } => {
            let key = parse_key("member key", &member_key)?;
            send(c, w, &signer, |b| b.remove_member(key)).await
        }
        OrgCmd::RotateKey {
            signer,
            new_key_file,
        } => {
            let new_key = read_key(&new_key_file)?.public();
            send(c, w, &signer, |b| b.rotate_key(new_key)).await
        }
        OrgCmd::SetThreshold { signer, threshold } => {
            send(c, w, &signer, |b| b.set_approval_threshold(threshold)).await
        }
    }
}

async fn catalog(c: &Client, w: u64, cmd: CatalogCmd) -> Result<i32> {
    match cmd {
        CatalogCmd::List {
            list,
            provider,
            share_type,
            open_mode,
            classification,
            negative_list,
        } => {
            let q = filtered(
                query(&list),
                &[
                    ("provider", provider),
                    ("share_type", share_type),
                    ("open_mode", open_mode),
                    ("classification", classification),
                    ("negative_list", flag(negative_list)),
                ],
            );
            print(&c.catalog(&q).await?)
        }
        CatalogCmd::Show { id } => print(&c.catalog_entry(id).await?),
        CatalogCmd::Versions { id } => print(&c.catalog_versions(id).await?),
        CatalogCmd::Register { signer, file } => {
            let spec: CatalogEntrySpec = read_json(&file, "catalog entry spec")?;
            send(c, w, &signer, |b| b.register_catalog_entry(spec)).await
        }
        CatalogCmd::Update { id, signer, file } => {
            let spec: CatalogEntrySpec = read_json(&file, "catalog entry spec")?;
            send(c, w, &signer, |b| b.update_catalog_entry(id, spec)).await
        }
        CatalogCmd::Review {
            id,
            signer,
            version,
            changes,
        } => {
            let note = changes.clone().unwrap_or_default();
            send(c, w, &signer, |b| {
                b.review_catalog_entry(id, version, changes.is_none(), &note)
            })
            .await
        }
        CatalogCmd::DeclareChange {
            id,
            signer,
            kind,
            note,
        } => {
            let kind: ChangeKind = parse_enum("kind", &kind, "data, law_or_duty")?;
            send(c, w, &signer, |b| b.declare_change(id, kind, &note)).await
        }
        CatalogCmd::NegativeList {
            id,
            signer,
            basis,
            remove,
        } => {
            let basis = if remove { None } else { basis };
            send(c, w, &signer, |b| b.set_negative_list(id, basis.as_deref())).await
        }
    }
}

async fn request(c: &Client, w: u64, cmd: RequestCmd) -> Result<i32> {
    match cmd {
        RequestCmd::List {
            list,
            status,
            entry,
            requester,
            provider,
            overdue,
        } => {
            let q = filtered(
                query(&list),
                &[
                    ("status", status),
                    ("entry", entry.map(|e| e.to_string())),
                    ("requester", requester),
                    ("provider", provider),
                    ("overdue", flag(overdue)),
                ],
            );
            print(&c.share_requests(&q).await?)
        }
        RequestCmd::Show { id } => print(&c.share_request(id).await?),
        RequestCmd::Submit {
            signer,
            entry,
            fields,
            purpose,
            legal_basis,
            days,
            raw_fields,
        } => {
            send(c, w, &signer, |b| {
                b.submit_share_request_with(SubmitShareRequest {
                    entry_id: entry,
                    fields,
                    purpose,
                    legal_basis,
                    period_days: days,
                    raw_fields,
                })
            })
            .await
        }
        RequestCmd::Approve {
            id,
            signer,
            quota_rows,
            quota_calls,
        } => {
            send(c, w, &signer, |b| {
                b.approve_share_request_with_quotas(id, quota_rows, quota_calls)
            })
            .await
        }
        RequestCmd::Reject { id, signer, reason } => {
            send(c, w, &signer, |b| b.reject_share_request(id, &reason)).await
        }
        RequestCmd::Withdraw { id, signer } => {
            send(c, w, &signer, |b| b.withdraw_share_request(id)).await
        }
    }
}

async fn access(c: &Client, w: u64, cmd: AccessCmd) -> Result<i32> {
    match cmd {
        AccessCmd::List {
            list,
            entry,
            grant,
            accessor_org,
            provider,
            purpose,
        } => {
            let q = filtered(
                query(&list),
                &[
                    ("entry", entry.map(|e| e.to_string())),
                    ("grant", grant.map(|g| g.to_string())),
                    ("accessor_org", accessor_org),
                    ("provider", provider),
                    ("purpose", purpose),
                ],
            );
            print(&c.access_events(&q).await?)
        }
        AccessCmd::Show { id } => print(&c.access_event(id).await?),
        AccessCmd::Record {
            signer,
            grant,
            accessor,
            fields,
            rows,
            query: q,
            purpose,
        } => {
            let accessor = parse_key("accessor", &accessor)?;
            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
            send(c, w, &signer, |b| {
                b.record_access(grant, accessor, &fields, rows, &q, &purpose)
            })
            .await
        }
    }
}

async fn objection(c: &Client, w: u64, cmd: ObjectionCmd) -> Result<i32> {
    match cmd {
        ObjectionCmd::List { list, entry, open } => print(
            &c.objections(&filtered(
                query(&list),
                &[
                    ("entry", entry.map(|e| e.to_string())),
                    ("open", flag(open)),
                ],
            ))
            .await?,
        ),
        ObjectionCmd::Show { id } => print(&c.objection(id).await?),
        ObjectionCmd::Raise {
            signer,
            grant,
            field,
            record,
            description,
        } => {
            send(c, w, &signer, |b| {
                b.raise_objection(grant, &field, &record, &description)
            })
            .await
        }
        ObjectionCmd::Answer {
            id,
            signer,
            corrected,
            rejected,
        } => {
            let (ok, note) = match (corrected, rejected) {
                (Some(n), _) => (true, n),
                (None, Some(r)) => (false, r),
                (None, None) => bail!("give --corrected NOTE or --rejected REASON"),
            };
            send(c, w, &signer, |b| b.answer_objection(id, ok, &note)).await
        }
    }
}

async fn agreement(c: &Client, w: u64, cmd: AgreementCmd) -> Result<i32> {
    match cmd {
        AgreementCmd::List(l) => print(&c.agreements(&query(&l)).await?),
        AgreementCmd::Show { id } => print(&c.agreement(id).await?),
        AgreementCmd::Propose {
            signer,
            entry,
            applicant,
            text_file,
            fields,
            purpose,
            days,
            quota_rows,
        } => {
            let digest = file_digest(&text_file)?;
            out!("agreement digest {digest}");
            let p = ProposeAgreement {
                entry_id: entry,
                applicant,
                digest,
                fields,
                purpose,
                period_days: days,
                quota_rows,
            };
            send(c, w, &signer, |b| b.propose_agreement(p)).await
        }
        AgreementCmd::Sign {
            id,
            signer,
            text_file,
        } => {
            let digest = file_digest(&text_file)?;
            send(c, w, &signer, |b| b.sign_agreement(id, digest)).await
        }
    }
}

async fn proposal(c: &Client, w: u64, cmd: ProposalCmd) -> Result<i32> {
    match cmd {
        ProposalCmd::List(l) => print(&c.proposals(&query(&l)).await?),
        ProposalCmd::Show { id } => print(&c.proposal(id).await?),
        ProposalCmd::Submit {
            signer,
            action_file,
            days,
        } => {
            let action: ProposalAction = read_json(&action_file, "proposal action")?;
            let now = c.status().await?.latest_block_time_ms.max(wall_clock_ms());
            send(c, w, &signer, |b| {
                b.submit_proposal(action, now + days * 86_400_000)
            })
            .await
        }
        ProposalCmd::Vote { id, signer, oppose } => {
            send(c, w, &signer, |b| b.vote_proposal(id, !oppose)).await
        }
    }
}

pub(crate) fn wall_clock_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// `kuai data ...`: fetch from a provider's gateway, or show what it serves.
async fn data(c: &Client, cmd: DataCmd) -> Result<i32> {
    use kuai_client::types::gateway::{DataFormat, Filter};
    use kuai_client::FetchOptions;
    match cmd {
        DataCmd::Datasets => print(&c.gateway_datasets().await?),
        DataCmd::Scorecards => print(&c.gateway_scorecards().await?),
        DataCmd::Fetch {
            entry,
            key,
            fields,
            filters,
            offset,
            limit,
            grant,
            purpose,
            format,
            out,
        } => {
            let by_ext = out
                .as_deref()
                .and_then(|p| p.extension())
                .and_then(|e| e.to_str())
                .filter(|e| matches!(*e, "jsonl" | "ndjson"))
                .map(|_| "jsonl");
            let format = match format.as_deref().or(by_ext).unwrap_or("csv") {
                "csv" => DataFormat::Csv,
                "jsonl" => DataFormat::Jsonl,
                other => bail!("format {other:?} is not one of: csv, jsonl"),
            };
            let filters = filters
                .iter()
                .map(|f| {
                    Filter::parse(f)
                        .ok_or_else(|| anyhow!("filter {f:?} must be field=value or field^=value"))
                })
                .collect::<Result<Vec<_>>>()?;
            let key = read_key(&key)?;
            let got = c
                .fetch_data(
                    &key,
                    &FetchOptions {
                        entry_id: entry,
                        grant_id: grant,
                        fields,
                        filters,
                        offset,
                        limit,
                        purpose,
                        format,
                    },
                )
                .await?;
            match &out {
                Some(path) => std::fs::write(path, &got.body)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&got.body)?;
                }
            }
            eprintln!(
                "fetched {} rows of entry {entry} under grant {}{}; access event: tx {} (query digest {})",
                got.rows,
                got.grant_id,
                out.as_ref().map(|p| format!(" into {}", p.display())).unwrap_or_default(),
                got.access_tx,
                got.query_digest
            );
            Ok(0)
        }
    }
}

/// `kuai events`: one JSON line per event.
async fn events(c: &Client, args: crate::cli::EventsArgs) -> Result<i32> {
    use futures::StreamExt;
    let filter = kuai_client::EventFilter {
        types: args
            .types
            .iter()
            .flat_map(|t| t.split(','))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        organization: args.organization,
        entry: args.entry,
    };
    let stream = c.events(&filter, args.from);
    futures::pin_mut!(stream);
    loop {
        let next = if args.follow {
            stream.next().await
        } else {
            // History replays quickly: a second without an event means it is done.
            match tokio::time::timeout(std::time::Duration::from_secs(1), stream.next()).await {
                Ok(n) => n,
                Err(_) => return Ok(0),
            }
        };
        match next {
            Some(Ok(e)) => out!("{}", serde_json::to_string(&e)?),
            Some(Err(e)) => return Err(anyhow!(e)),
            None => return Ok(0),
        }
    }
}

/// `kuai block follow`: one JSON line per committed head, as its block commits.
async fn follow_heads(c: &Client, after: Option<u64>, count: Option<u64>) -> Result<i32> {
    use futures::{stream::BoxStream, StreamExt};
    let mut stream: BoxStream<'_, _> = match after {
        Some(h) => c.heads_after(h).boxed(),
        None => c.heads().boxed(),
    };
    let mut printed = 0u64;
    while Some(printed) != count {
        match stream.next().await {
            Some(Ok(head)) => {
                out!("{}", serde_json::to_string(&head)?);
                printed += 1;
            }
            Some(Err(e)) => {
                // The node refuses a start it cannot resume from (too far back, above its
                // head): name the option it came from.
                if let (
                    Some(h),
                    0,
                    ClientError::Api {
                        status,
                        code,
                        message,
                    },
                ) = (after, printed, &e)
                {
                    eprintln!("error: --after {h}: node answered {status} {code}: {message}");
                    return Ok(1);
                }
                return Err(anyhow!(e));
            }
            None => break,
        }
    }
    Ok(0)
}

/// `kuai history org|entry`.
async fn history(c: &Client, cmd: crate::cli::HistoryCmd) -> Result<i32> {
    let (path, a) = match cmd {
        crate::cli::HistoryCmd::Org { credit_code, args } => {
            (format!("organizations/{credit_code}"), args)
        }
        crate::cli::HistoryCmd::Entry { id, args } => (format!("catalog/{id}"), args),
    };
    let mut q = ListQuery {
        limit: a.limit,
        after: a.after,
        filters: Vec::new(),
    };
    if let Some(f) = a.from {
        q = q.filter("from", f);
    }
    if let Some(t) = a.to {
        q = q.filter("to", t);
    }
    if a.oldest {
        q = q.filter("order", "oldest");
    }
    if a.csv {
        print!("{}", c.history_csv(&path, &q).await?);
        return Ok(0);
    }
    let page = match path.strip_prefix("catalog/") {
        Some(id) => c.entry_history(id.parse()?, &q).await?,
        None => {
            c.organization_history(&path["organizations/".len()..], &q)
                .await?
        }
    };
    print(&page)
}
