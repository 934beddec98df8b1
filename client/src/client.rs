//! The REST client.

use std::time::Duration;

use kuai_types::api::{
    Account, BatchResult, BlockSummary, BlockTxIds, BlockView, Status, SubmitMode, SubmitTx,
    Submitted, SubmittedBatch, TxState, TxView,
};
use kuai_types::model::{
    AccessEvent, Agreement, CatalogEntry, CatalogEntryVersion, ContractCode, ContractInstance,
    DataElement, Grant, HolidayCalendar, Objection, Organization, Page, Parameters, Proposal,
    Scorecard, ShareRequest, ValidatorInfo,
};
use kuai_types::{Hash, PublicKey, Receipt, SignedTransaction, TxOutcome};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ClientError;

/// Paging and filters of a listing: `limit`, `after`, and `key=value` filters.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub limit: Option<u32>,
    pub after: Option<String>,
    pub filters: Vec<(String, String)>,
}

impl ListQuery {
    pub fn limit(n: u32) -> Self {
        ListQuery {
            limit: Some(n),
            ..Default::default()
        }
    }

    pub fn filter(mut self, key: &str, value: impl ToString) -> Self {
        self.filters.push((key.to_string(), value.to_string()));
        self
    }

    fn pairs(&self) -> Vec<(String, String)> {
        let mut p = self.filters.clone();
        if let Some(l) = self.limit {
            p.push(("limit".into(), l.to_string()));
        }
        if let Some(a) = &self.after {
            p.push(("after".into(), a.clone()));
        }
        p
    }
}

/// A signed transaction in its wire form (the hex of its canonical encoding), for
/// [`Client::submit_encoded`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedTx(String);

impl EncodedTx {
    pub fn new(stx: &SignedTransaction) -> EncodedTx {
        EncodedTx(hex::encode(stx.encode()))
    }

    /// The encoded transaction's size in bytes.
    pub fn byte_len(&self) -> usize {
        self.0.len() / 2
    }
}

/// A connection to one node's REST API.
#[derive(Clone, Debug)]
pub struct Client {
    base: String,
    http: reqwest::Client,
    poll: Duration,
}

impl Client {
    /// `url` is the node's base URL, e.g. `http://127.0.0.1:8080`.
    pub fn new(url: &str) -> Result<Client, ClientError> {
        let base = url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::BadUrl(url.to_string()));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ClientError::Connect {
                url: base.clone(),
                source: e,
            })?;
        Ok(Client {
            base,
            http,
            poll: Duration::from_millis(50),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn read<T: DeserializeOwned>(
        &self,
        url: String,
        resp: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<T, ClientError> {
        let resp = resp.map_err(|e| ClientError::Connect {
            url: url.clone(),
            source: e,
        })?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| ClientError::Connect {
            url: url.clone(),
            source: e,
        })?;
        if !status.is_success() {
            return Err(crate::error::api_error(status.as_u16(), &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode {
            url,
            reason: e.to_string(),
        })
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base);
        let resp = self.http.get(&url).query(query).send().await;
        self.read(url, resp).await
    }

    pub async fn status(&self) -> Result<Status, ClientError> {
        self.get("/v1/status", &[]).await
    }

    /// Sends a signed transaction; returns its id once the node admitted it to its mempool.
    pub async fn submit(&self, stx: &SignedTransaction) -> Result<Hash, ClientError> {
        let url = format!("{}/v1/tx", self.base);
        let body = SubmitTx {
            tx: hex::encode(stx.encode()),
        };
        let resp = self.http.post(&url).json(&body).send().await;
        let s: Submitted = self.read(url, resp).await?;
        Ok(s.hash)
    }

    pub async fn tx(&self, hash: &Hash) -> Result<TxView, ClientError> {
        self.get(&format!("/v1/tx/{hash}"), &[]).await
    }

    /// Polls until the transaction is in a committed block; returns its receipt
    /// (which may say it was rejected). Fails at once when the node refused it after an
    /// asynchronous submission ([`ClientError::is_refused`]).
    pub async fn wait_for_commit(
        &self,
        hash: &Hash,
        timeout: Duration,
    ) -> Result<Receipt, ClientError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.tx(hash).await {
                Ok(v) if v.status == TxState::Committed => {
                    if let Some(r) = v.receipt {
                        return Ok(r);
                    }
                }
                Ok(_) => {}
                Err(e) if e.is_not_found() && !e.is_refused() => {}
                Err(e) => return Err(e),
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ClientError::Timeout {
                    hash: hash.to_hex(),
                    seconds: timeout.as_secs(),
                });
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// Submits, waits for commit, and turns a rejected receipt into [`ClientError::Rejected`].
    pub async fn submit_and_wait(
        &self,
        stx: &SignedTransaction,
        timeout: Duration,
    ) -> Result<Receipt, ClientError> {
        let hash = self.submit(stx).await?;
        self.wait_for_success(&hash, timeout).await
    }

    /// Waits for commit and turns a rejected receipt into [`ClientError::Rejected`].
    pub async fn wait_for_success(
        &self,
        hash: &Hash,
        timeout: Duration,
    ) -> Result<Receipt, ClientError> {
        let receipt = self.wait_for_commit(hash, timeout).await?;
        match &receipt.outcome {
            TxOutcome::Success => Ok(receipt),
            TxOutcome::Rejected { code, reason } => Err(ClientError::Rejected {
                hash: hash.to_hex(),
                height: receipt.height,
                code: code.clone(),
                reason: reason.clone(),
            }),
        }
    }

    /// A block by height, or by hash when given 64 hex characters.
    pub async fn block(&self, id: &str) -> Result<BlockView, ClientError> {
        self.get(&format!("/v1/blocks/{id}"), &[]).await
    }

    /// Blocks newest first, below `before` when given.
    pub async fn blocks(
        &self,
        limit: Option<u32>,
        before: Option<u64>,
    ) -> Result<Vec<BlockSummary>, ClientError> {
        let mut q = Vec::new();
        if let Some(l) = limit {
            q.push(("limit".to_string(), l.to_string()));
        }
        if let Some(b) = before {
            q.push(("before".to_string(), b.to_string()));
        }
        self.get("/v1/blocks", &q).await
    }

    pub async fn account(&self, key: &PublicKey) -> Result<Account, ClientError> {
        self.get(&format!("/v1/accounts/{key}"), &[]).await
    }

    pub async fn organizations(&self, q: &ListQuery) -> Result<Page<Organization>, ClientError> {
        self.get("/v1/organizations", &q.pairs()).await
    }

    pub async fn organization(&self, credit_code: &str) -> Result<Organization, ClientError> {
        self.get(&format!("/v1/organizations/{credit_code}"), &[])
            .await
    }

    pub async fn catalog(&self, q: &ListQuery) -> Result<Page<CatalogEntry>, ClientError> {
        self.get("/v1/catalog", &q.pairs()).await
    }

    pub async fn catalog_entry(&self, id: u64) -> Result<CatalogEntry, ClientError> {
        self.get(&format!("/v1/catalog/{id}"), &[]).await
    }

    pub async fn share_requests(&self, q: &ListQuery) -> Result<Page<ShareRequest>, ClientError> {
        self.get("/v1/share-requests", &q.pairs()).await
    }

    pub async fn share_request(&self, id: u64) -> Result<ShareRequest, ClientError> {
        self.get(&format!("/v1/share-requests/{id}"), &[]).await
    }

    pub async fn grants(&self, q: &ListQuery) -> Result<Page<Grant>, ClientError> {
        self.get("/v1/grants", &q.pairs()).await
    }

    pub async fn grant(&self, id: u64) -> Result<Grant, ClientError> {
        self.get(&format!("/v1/grants/{id}"), &[]).await
    }

    pub async fn access_events(&self, q: &ListQuery) -> Result<Page<AccessEvent>, ClientError> {
        self.get("/v1/access-events", &q.pairs()).await
    }

    pub async fn access_event(&self, id: u64) -> Result<AccessEvent, ClientError> {
        self.get(&format!("/v1/access-events/{id}"), &[]).await
    }

    pub async fn contract_codes(&self, q: &ListQuery) -> Result<Page<ContractCode>, ClientError> {
        self.get("/v1/contracts/code", &q.pairs()).await
    }

    pub async fn contract_code(&self, hash: &Hash) -> Result<ContractCode, ClientError> {
        self.get(&format!("/v1/contracts/code/{hash}"), &[]).await
    }

    /// The WebAssembly bytes of stored code, checked against their hash.
    pub async fn contract_wasm(&self, hash: &Hash) -> Result<Vec<u8>, ClientError> {
        let path = format!("/v1/contracts/code/{hash}/wasm");
        let bytes = self.get_raw(&path, &[], None).await?;
        if Hash::sha256(&bytes) != *hash {
            return Err(ClientError::Decode {
                url: format!("{}{path}", self.base),
                reason: "the code's SHA-256 is not the hash asked for".into(),
            });
        }
        Ok(bytes)
    }

    pub async fn contract_instances(
        &self,
        q: &ListQuery,
    ) -> Result<Page<ContractInstance>, ClientError> {
        self.get("/v1/contracts/instances", &q.pairs()).await
    }

    pub async fn contract_instance(&self, id: u64) -> Result<ContractInstance, ClientError> {
        self.get(&format!("/v1/contracts/instances/{id}"), &[])
            .await
    }

    /// The policy contract instance bound to a catalog entry.
    pub async fn entry_policy(&self, entry_id: u64) -> Result<ContractInstance, ClientError> {
        self.get(&format!("/v1/catalog/{entry_id}/policy"), &[])
            .await
    }

    pub async fn catalog_versions(&self, id: u64) -> Result<Vec<CatalogEntryVersion>, ClientError> {
        self.get(&format!("/v1/catalog/{id}/versions"), &[]).await
    }

    pub async fn data_element(&self, code: &str) -> Result<DataElement, ClientError> {
        self.get(&format!("/v1/data-elements/{code}"), &[]).await
    }

    pub async fn objections(&self, q: &ListQuery) -> Result<Page<Objection>, ClientError> {
        self.get("/v1/objections", &q.pairs()).await
    }

    pub async fn objection(&self, id: u64) -> Result<Objection, ClientError> {
        self.get(&format!("/v1/objections/{id}"), &[]).await
    }

    pub async fn agreements(&self, q: &ListQuery) -> Result<Page<Agreement>, ClientError> {
        self.get("/v1/agreements", &q.pairs()).await
    }

    pub async fn agreement(&self, id: u64) -> Result<Agreement, ClientError> {
        self.get(&format!("/v1/agreements/{id}"), &[]).await
    }

    pub async fn proposals(&self, q: &ListQuery) -> Result<Page<Proposal>, ClientError> {
        self.get("/v1/proposals", &q.pairs()).await
    }

    pub async fn proposal(&self, id: u64) -> Result<Proposal, ClientError> {
        self.get(&format!("/v1/proposals/{id}"), &[]).await
    }

    pub async fn scorecards(&self) -> Result<Vec<Scorecard>, ClientError> {
        self.get("/v1/scorecards", &[]).await
    }

    pub async fn scorecard(&self, credit_code: &str) -> Result<Scorecard, ClientError> {
        self.get(&format!("/v1/organizations/{credit_code}/scorecard"), &[])
            .await
    }

    pub async fn validators(&self) -> Result<Vec<ValidatorInfo>, ClientError> {
        self.get("/v1/validators", &[]).await
    }

    pub async fn parameters(&self) -> Result<Parameters, ClientError> {
        self.get("/v1/parameters", &[]).await
    }

    pub async fn calendar(&self, year: i32) -> Result<HolidayCalendar, ClientError> {
        self.get(&format!("/v1/calendar/{year}"), &[]).await
    }

    /// A block whose commit certificate is checked against `validators`: more than 2/3 of
    /// them signed exactly this block (its header hash recomputed here, not taken from
    /// the node). Fails with [`ClientError::Unverified`] otherwise.
    pub async fn verified_block(
        &self,
        height: u64,
        validators: &[PublicKey],
    ) -> Result<BlockView, ClientError> {
        let view = self.block(&height.to_string()).await?;
        let hash = view.header.hash();
        let unverified = |reason: String| ClientError::Unverified { height, reason };
        let cert = view
            .certificate
            .as_ref()
            .ok_or_else(|| unverified("the block has no commit certificate".into()))?;
        if cert.block_hash != hash || cert.height != height || view.header.height != height {
            return Err(unverified(format!(
                "the certificate is for {} at height {}, the block is {hash}",
                cert.block_hash, cert.height
            )));
        }
        let tx_root = kuai_types::Block::compute_tx_root(
            &view
                .txs
                .iter()
                .map(|t| SignedTransaction {
                    tx: t.tx.clone(),
                    signature: t.signature,
                })
                .collect::<Vec<_>>(),
        );
        if tx_root != view.header.tx_root {
            return Err(unverified(
                "the transactions do not match the header's root".into(),
            ));
        }
        cert.verify(validators)
            .map_err(|e| unverified(e.to_string()))?;
        Ok(view)
    }

    /// Submits many transactions in one request; each result is its id or the reason it
    /// was refused, in order.
    pub async fn submit_batch(
        &self,
        txs: &[SignedTransaction],
    ) -> Result<Vec<BatchResult>, ClientError> {
        self.submit_batch_mode(txs, SubmitMode::Sync).await
    }

    /// [`Client::submit_batch`] answered at once: an id means queued for verification,
    /// not admitted (see [`SubmitMode::Async`]); follow it with [`Client::tx`] or the
    /// block stream. A batch that does not fit the mempool now fails whole with
    /// `mempool_full`.
    pub async fn submit_batch_async(
        &self,
        txs: &[SignedTransaction],
    ) -> Result<Vec<BatchResult>, ClientError> {
        self.submit_batch_mode(txs, SubmitMode::Async).await
    }

    async fn submit_batch_mode(
        &self,
        txs: &[SignedTransaction],
        mode: SubmitMode,
    ) -> Result<Vec<BatchResult>, ClientError> {
        let encoded: Vec<EncodedTx> = txs.iter().map(EncodedTx::new).collect();
        self.submit_encoded(&encoded, mode).await
    }

    /// [`Client::submit_batch`] (or its `async` mode) for transactions encoded ahead of
    /// time: a load generator encodes before its clock starts, so sending costs only
    /// the request itself.
    pub async fn submit_encoded(
        &self,
        txs: &[EncodedTx],
        mode: SubmitMode,
    ) -> Result<Vec<BatchResult>, ClientError> {
        #[derive(Serialize)]
        struct Body<'a> {
            txs: Vec<&'a str>,
            mode: SubmitMode,
        }
        let url = format!("{}/v1/txs", self.base);
        let body = Body {
            txs: txs.iter().map(|t| t.0.as_str()).collect(),
            mode,
        };
        let resp = self.http.post(&url).json(&body).send().await;
        let out: SubmittedBatch = self.read(url, resp).await?;
        Ok(out.results)
    }

    /// The ids of a block's transactions.
    pub async fn block_tx_ids(&self, height: u64) -> Result<BlockTxIds, ClientError> {
        self.get(&format!("/v1/blocks/{height}/txs"), &[]).await
    }

    /// The node's Prometheus metrics, as text.
    pub async fn metrics(&self) -> Result<String, ClientError> {
        let url = format!("{}/metrics", self.base);
        let resp = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| ClientError::Connect {
                url: url.clone(),
                source: e,
            })?;
        resp.text()
            .await
            .map_err(|e| ClientError::Connect { url, source: e })
    }

    /// The event stream from `from` (an event id: strictly after it; a height: from
    /// that block on; `None`: from the first block), then live. Reconnects on its own
    /// from the last event yielded, so each event comes exactly once, in ledger order.
    pub fn events(
        &self,
        filter: &crate::stream::EventFilter,
        from: Option<String>,
    ) -> impl futures::Stream<Item = Result<crate::stream::StreamedEvent, ClientError>> + Send + 'static
    {
        crate::stream::events(&self.base, filter, from)
    }

    /// Every block head this node commits from now on, one per height, in order, as it
    /// commits (`GET /v1/heads`); reconnects and resumes after a dropped connection.
    pub fn heads(
        &self,
    ) -> impl futures::Stream<Item = Result<kuai_types::api::HeadEvent, ClientError>> + Send + 'static
    {
        crate::stream::heads(&self.base, None)
    }

    /// [`Client::heads`] from strictly after `height` on: the heights already committed
    /// come first (the node replays at most 10,000 back, else the stream fails with its
    /// 400), e.g. for a follower resuming where it stopped.
    pub fn heads_after(
        &self,
        height: u64,
    ) -> impl futures::Stream<Item = Result<kuai_types::api::HeadEvent, ClientError>> + Send + 'static
    {
        crate::stream::heads(&self.base, Some(height))
    }

    /// Events concerning an organization, newest first unless `order=oldest` is among
    /// the query's filters (also `from`, `to`: ms or `YYYY-MM-DD`).
    pub async fn organization_history(
        &self,
        credit_code: &str,
        q: &ListQuery,
    ) -> Result<Page<kuai_types::api::EventRecord>, ClientError> {
        self.get(
            &format!("/v1/organizations/{credit_code}/history"),
            &q.pairs(),
        )
        .await
    }

    /// Events concerning a catalog entry; as [`Client::organization_history`].
    pub async fn entry_history(
        &self,
        id: u64,
        q: &ListQuery,
    ) -> Result<Page<kuai_types::api::EventRecord>, ClientError> {
        self.get(&format!("/v1/catalog/{id}/history"), &q.pairs())
            .await
    }

    /// A history page as CSV text: `path` is `organizations/{code}` or `catalog/{id}`.
    pub async fn history_csv(&self, path: &str, q: &ListQuery) -> Result<String, ClientError> {
        let bytes = self
            .get_raw(&format!("/v1/{path}/history"), &q.pairs(), Some("text/csv"))
            .await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The body of a GET that is not JSON (an error answer still is).
    async fn get_raw(
        &self,
        path: &str,
        query: &[(String, String)],
        accept: Option<&str>,
    ) -> Result<Vec<u8>, ClientError> {
        let url = format!("{}{path}", self.base);
        let mut req = self.http.get(&url).query(query);
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        let connect = |e| ClientError::Connect {
            url: url.clone(),
            source: e,
        };
        let resp = req.send().await.map_err(connect)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(connect)?;
        if !status.is_success() {
            return Err(crate::error::api_error(status.as_u16(), &bytes));
        }
        Ok(bytes.to_vec())
    }

    /// A record with a Merkle proof, the header and its certificate (`?proof=true`);
    /// `path` is the record's route, e.g. `/v1/catalog/7`. Check it with
    /// [`crate::LightClient::verify`].
    pub async fn proven<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<kuai_types::api::Proven<T>, ClientError> {
        self.get(path, &[("proof".to_string(), "true".to_string())])
            .await
    }

    /// Any paginated listing, untyped (for tools that page through several kinds).
    pub async fn list(
        &self,
        path: &str,
        q: &ListQuery,
    ) -> Result<Page<serde_json::Value>, ClientError> {
        self.get(path, &q.pairs()).await
    }

    /// "Who accessed my data": the access events whose deliveries included the person
    /// (resident ID number) or company (credit code). The node hashes the number with the
    /// consortium's subject key; the ledger holds only that keyed hash.
    pub async fn subject_accesses(
        &self,
        identifier: &str,
    ) -> Result<Vec<AccessEvent>, ClientError> {
        self.get(&format!("/v1/subjects/{identifier}/accesses"), &[])
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TxBuilder;
    use kuai_types::Keypair;

    #[test]
    fn an_encoded_transaction_is_the_hex_of_its_canonical_encoding() {
        let mut b = TxBuilder::new("kuai-test", Keypair::generate(), 0);
        let stx = b.add_member(Keypair::generate().public(), kuai_types::model::Role::App);
        let enc = EncodedTx::new(&stx);
        assert_eq!(enc.byte_len(), stx.encode().len());
        let bytes = hex::decode(&enc.0).unwrap();
        assert_eq!(SignedTransaction::decode(&bytes).unwrap(), stx);
    }
}
