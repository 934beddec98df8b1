//! Fetching data from a provider's gateway: find the grant, sign the request with the
//! accessor's key ([`kuai_types::gateway`]), and read the masked rows with the delivery's
//! access transaction and query digest (the digest names the access event on chain).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kuai_types::gateway::{
    DataFormat, DatasetInfo, FetchRequest, Filter, GatewayScorecard, SignedFetch, HEADER_ACCESS_TX,
    HEADER_GRANT, HEADER_QUERY_DIGEST, HEADER_ROWS,
};
use kuai_types::model::Grant;
use kuai_types::{Hash, Keypair};
use serde::de::DeserializeOwned;

use crate::client::{Client, ListQuery};
use crate::error::ClientError;

/// What to fetch. `grant_id` and `purpose` default to the accessor's grant on the entry.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    pub entry_id: u64,
    pub grant_id: Option<u64>,
    pub fields: Vec<String>,
    pub filters: Vec<Filter>,
    pub offset: u64,
    pub limit: u32,
    pub purpose: Option<String>,
    pub format: DataFormat,
}

/// A delivery: the body (CSV or JSON lines) and what the gateway recorded.
#[derive(Clone, Debug)]
pub struct Fetched {
    pub body: Vec<u8>,
    pub rows: u64,
    pub grant_id: u64,
    /// The `record_access` transaction, admitted before the rows were sent.
    pub access_tx: Hash,
    /// The access event's `query_digest`.
    pub query_digest: Hash,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn http() -> Result<reqwest::Client, ClientError> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .map_err(|e| ClientError::Connect {
            url: String::new(),
            source: e,
        })
}

async fn failure(_url: &str, resp: reqwest::Response) -> ClientError {
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap_or_default();
    crate::error::api_error(status, &bytes)
}

fn header_hash(resp: &reqwest::Response, name: &str, url: &str) -> Result<Hash, ClientError> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| ClientError::Decode {
            url: url.to_string(),
            reason: format!("missing or bad {name} header"),
        })
}

impl Client {
    async fn gateway_get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base_url());
        let resp = http()?
            .get(&url)
            .send()
            .await
            .map_err(|e| ClientError::Connect {
                url: url.clone(),
                source: e,
            })?;
        if !resp.status().is_success() {
            return Err(failure(&url, resp).await);
        }
        resp.json().await.map_err(|e| ClientError::Decode {
            url,
            reason: e.to_string(),
        })
    }

    /// The datasets the node's gateway serves, with their dirty-row counts.
    pub async fn gateway_datasets(&self) -> Result<Vec<DatasetInfo>, ClientError> {
        self.gateway_get("/v1/gateway/datasets").await
    }

    /// Scorecards of the providers the node's gateway serves, with data quality.
    pub async fn gateway_scorecards(&self) -> Result<Vec<GatewayScorecard>, ClientError> {
        self.gateway_get("/v1/gateway/scorecards").await
    }

    /// The grant of `key`'s organization on `entry_id` that is in force and covers
    /// `fields` (the newest such grant).
    pub async fn find_grant(
        &self,
        key: &kuai_types::PublicKey,
        entry_id: u64,
        fields: &[String],
    ) -> Result<Grant, ClientError> {
        let account = self.account(key).await?;
        let org = account.organization.ok_or_else(|| ClientError::Api {
            status: 403,
            code: "unknown_accessor".into(),
            message: format!("key {key} is not a member key of any organization"),
        })?;
        let now = now_ms();
        let mut q = ListQuery::limit(500)
            .filter("entry", entry_id)
            .filter("grantee", &org);
        let mut best: Option<Grant> = None;
        loop {
            let page = self.grants(&q).await?;
            for g in page.items {
                if g.revoked.is_none()
                    && g.expires_at > now
                    && fields.iter().all(|f| g.fields.contains(f))
                    && best.as_ref().is_none_or(|b| g.id > b.id)
                {
                    best = Some(g);
                }
            }
            match page.next {
                Some(n) => q.after = Some(n),
                None => break,
            }
        }
        best.ok_or_else(|| ClientError::Api {
            status: 404,
            code: "no_grant".into(),
            message: format!(
                "{org} holds no grant in force on entry {entry_id} covering {}",
                fields.join(", ")
            ),
        })
    }

    /// Builds, signs and sends a fetch with `key` as the accessor.
    pub async fn fetch_data(
        &self,
        key: &Keypair,
        opts: &FetchOptions,
    ) -> Result<Fetched, ClientError> {
        let (grant_id, purpose) = match (opts.grant_id, &opts.purpose) {
            (Some(g), Some(p)) => (g, p.clone()),
            (Some(g), None) => (g, self.grant(g).await?.purpose),
            (None, p) => {
                let g = self
                    .find_grant(&key.public(), opts.entry_id, &opts.fields)
                    .await?;
                (g.id, p.clone().unwrap_or(g.purpose))
            }
        };
        let chain_id = self.status().await?.chain_id;
        let request = FetchRequest {
            chain_id,
            grant_id,
            entry_id: opts.entry_id,
            accessor: key.public(),
            fields: opts.fields.clone(),
            filters: opts.filters.clone(),
            offset: opts.offset,
            limit: opts.limit,
            purpose,
            format: opts.format,
            timestamp_ms: now_ms(),
            nonce: FetchRequest::random_nonce(),
        };
        self.fetch_signed(&request.sign(key)).await
    }

    /// Sends a prepared (signed or not) fetch.
    pub async fn fetch_signed(&self, body: &SignedFetch) -> Result<Fetched, ClientError> {
        let url = format!("{}/v1/gateway/fetch", self.base_url());
        let resp =
            http()?
                .post(&url)
                .json(body)
                .send()
                .await
                .map_err(|e| ClientError::Connect {
                    url: url.clone(),
                    source: e,
                })?;
        if !resp.status().is_success() {
            return Err(failure(&url, resp).await);
        }
        let access_tx = header_hash(&resp, HEADER_ACCESS_TX, &url)?;
        let query_digest = header_hash(&resp, HEADER_QUERY_DIGEST, &url)?;
        let num = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
        };
        let (rows, grant_id) = match (num(HEADER_ROWS), num(HEADER_GRANT)) {
            (Some(r), Some(g)) => (r, g),
            _ => {
                return Err(ClientError::Decode {
                    url,
                    reason: "missing row count or grant header".into(),
                })
            }
        };
        let body = resp
            .bytes()
            .await
            .map_err(|e| ClientError::Connect {
                url: url.clone(),
                source: e,
            })?
            .to_vec();
        Ok(Fetched {
            body,
            rows,
            grant_id,
            access_tx,
            query_digest,
        })
    }
}
