//! The CLI's command implementations. Queries print JSON; transactions print the
//! outcome and exit non-zero when the ledger rejects them.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use kuai_client::types::model::{CatalogEntrySpec, Member, OrgKind, Role};
use kuai_client::types::{Hash, PublicKey, SignedTransaction};
use kuai_client::{identifiers, keyfile, Client, ClientError, Keypair, ListQuery, TxBuilder};
use serde::Serialize;

use crate::{
    AccessCmd, BlockCmd, CatalogCmd, Cli, Cmd, GrantCmd, IdCmd, KeysCmd, ListArgs, OrgCmd,
    RequestCmd, Signer, TxCmd,
};

fn print<T: Serialize>(v: &T) -> Result<i32> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(0)
}

fn query(l: &ListArgs) -> ListQuery {
    ListQuery {
        limit: l.limit,
        after: l.after.clone(),
        filters: vec![],
    }
}

fn with(q: ListQuery, key: &str, v: &Option<impl ToString>) -> ListQuery {
    match v {
        Some(v) => q.filter(key, v.to_string()),
        None => q,
    }
}

fn read_key(path: &Path) -> Result<Keypair> {
    keyfile::read(path).map_err(|e| anyhow!(e))
}

fn parse_enum<T: serde::de::DeserializeOwned>(what: &str, raw: &str, allowed: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(raw.to_string()))
        .map_err(|_| anyhow!("{what} {raw:?} is not one of: {allowed}"))
}

async fn send(
    client: &Client,
    cli_wait: u64,
    signer: &Signer,
    build: impl FnOnce(&mut TxBuilder) -> SignedTransaction,
) -> Result<i32> {
    let key = read_key(&signer.key)?;
    let mut b = TxBuilder::for_key(client, key).await?;
    let stx = build(&mut b);
    let hash = client.submit(&stx).await?;
    if signer.no_wait {
        println!("submitted {hash}");
        return Ok(0);
    }
    match client
        .wait_for_success(&hash, Duration::from_secs(cli_wait))
        .await
    {
        Ok(r) => {
            println!("committed {hash} in block {}", r.height);
            for e in &r.events {
                println!("  event: {}", serde_json::to_string(e)?);
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
    let resident = identifiers::check_resident_id(value);
    let credit = identifiers::check_credit_code(value);
    match (resident, credit) {
        (Ok(v), _) => println!("valid resident ID number {v}"),
        (_, Ok(v)) => println!("valid unified social credit code {v}"),
        (Err(r), Err(c)) => {
            let digits = value.trim().chars().take(17).all(|ch| ch.is_ascii_digit());
            if digits {
                eprintln!("{r}\n{c}");
            } else {
                eprintln!("{c}");
            }
            return 1;
        }
    }
    0
}

fn parse_member(raw: &str) -> Result<Member> {
    let (key, role) = raw
        .split_once(':')
        .ok_or_else(|| anyhow!("member {raw:?} must be PUBLIC_KEY:ROLE"))?;
    let key: PublicKey = key
        .parse()
        .map_err(|e| anyhow!("member key {key:?}: {e}"))?;
    let role: Role = parse_enum("role", role, "cdo, reviewer, app, validator")?;
    Ok(Member { key, role })
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
    let client = || Client::new(&cli.node).map_err(|e| anyhow!(e));
    let wait = cli.wait_secs;
    match cli.cmd {
        Cmd::Status => print(&client()?.status().await?),
        Cmd::Keys(KeysCmd::New { out }) => {
            let k = Keypair::generate();
            keyfile::write(&out, &k).map_err(|e| anyhow!(e))?;
            println!("{}", k.public());
            Ok(0)
        }
        Cmd::Keys(KeysCmd::Show { file }) => {
            println!("{}", read_key(&file)?.public());
            Ok(0)
        }
        Cmd::Id(IdCmd::Check { value }) => Ok(id_check(&value)),
        Cmd::Account { key } => {
            let key: PublicKey = key.parse().map_err(|e| anyhow!("key: {e}"))?;
            print(&client()?.account(&key).await?)
        }
        Cmd::Org(OrgCmd::List(l)) => print(&client()?.organizations(&query(&l)).await?),
        Cmd::Org(OrgCmd::Show { credit_code }) => {
            print(&client()?.organization(&credit_code).await?)
        }
        Cmd::Org(OrgCmd::Register {
            signer,
            credit_code,
            name,
            kind,
            members,
        }) => {
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
            send(&client()?, wait, &signer, |b| {
                b.register_organization(&credit_code, &name, kind, members)
            })
            .await
        }
        Cmd::Catalog(CatalogCmd::List { list, provider }) => print(
            &client()?
                .catalog(&with(query(&list), "provider", &provider))
                .await?,
        ),
        Cmd::Catalog(CatalogCmd::Show { id }) => print(&client()?.catalog_entry(id).await?),
        Cmd::Catalog(CatalogCmd::Register { signer, file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let spec: CatalogEntrySpec = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a catalog entry spec", file.display()))?;
            send(&client()?, wait, &signer, |b| {
                b.register_catalog_entry(spec)
            })
            .await
        }
        Cmd::Request(RequestCmd::List {
            list,
            status,
            entry,
            requester,
            provider,
        }) => {
            let q = with(
                with(
                    with(with(query(&list), "status", &status), "entry", &entry),
                    "requester",
                    &requester,
                ),
                "provider",
                &provider,
            );
            print(&client()?.share_requests(&q).await?)
        }
        Cmd::Request(RequestCmd::Show { id }) => print(&client()?.share_request(id).await?),
        Cmd::Request(RequestCmd::Submit {
            signer,
            entry,
            fields,
            purpose,
            legal_basis,
            days,
        }) => {
            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
            send(&client()?, wait, &signer, |b| {
                b.submit_share_request(entry, &fields, &purpose, &legal_basis, days)
            })
            .await
        }
        Cmd::Request(RequestCmd::Approve {
            id,
            signer,
            quota_rows,
        }) => {
            send(&client()?, wait, &signer, |b| {
                b.approve_share_request(id, quota_rows)
            })
            .await
        }
        Cmd::Request(RequestCmd::Reject { id, signer, reason }) => {
            send(&client()?, wait, &signer, |b| {
                b.reject_share_request(id, &reason)
            })
            .await
        }
        Cmd::Grant(GrantCmd::List {
            list,
            entry,
            grantee,
        }) => print(
            &client()?
                .grants(&with(
                    with(query(&list), "entry", &entry),
                    "grantee",
                    &grantee,
                ))
                .await?,
        ),
        Cmd::Grant(GrantCmd::Show { id }) => print(&client()?.grant(id).await?),
        Cmd::Access(AccessCmd::List {
            list,
            entry,
            grant,
            accessor_org,
        }) => {
            let q = with(
                with(with(query(&list), "entry", &entry), "grant", &grant),
                "accessor_org",
                &accessor_org,
            );
            print(&client()?.access_events(&q).await?)
        }
        Cmd::Access(AccessCmd::Show { id }) => print(&client()?.access_event(id).await?),
        Cmd::Access(AccessCmd::Record {
            signer,
            grant,
            accessor,
            fields,
            rows,
            query: q,
            purpose,
        }) => {
            let accessor: PublicKey = accessor.parse().map_err(|e| anyhow!("accessor: {e}"))?;
            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
            send(&client()?, wait, &signer, |b| {
                b.record_access(grant, accessor, &fields, rows, &q, &purpose)
            })
            .await
        }
        Cmd::Tx(TxCmd::Show { hash }) => {
            let hash: Hash = hash.parse().map_err(|e| anyhow!("hash: {e}"))?;
            print(&client()?.tx(&hash).await?)
        }
        Cmd::Block(BlockCmd::Show { id }) => print(&client()?.block(&id).await?),
        Cmd::Block(BlockCmd::List { limit, before }) => {
            print(&client()?.blocks(limit, before).await?)
        }
    }
}
