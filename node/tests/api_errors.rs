//! Every route, given malformed JSON, wrong types, a huge body, bad or unknown ids,
//! answers 4xx with a JSON message; the node stays up throughout.

mod common;

use std::time::Duration;

use common::{init, key, NodeProc};
use kuai_client::{Client, ListQuery, TxBuilder};
use reqwest::StatusCode;
use serde_json::Value;

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    /// Asserts `status` and a JSON error body with a code and a non-empty message; returns the message.
    async fn expect(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
        status: StatusCode,
    ) -> String {
        let url = format!("{}{path}", self.base);
        let mut req = match method {
            "GET" => self.http.get(&url),
            _ => self.http.post(&url),
        };
        if let Some((ctype, bytes)) = body {
            req = req.header("content-type", ctype).body(bytes);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), status, "{method} {path}");
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The refused body may be partly unread: the connection must not be reused.
            assert_eq!(
                resp.headers().get("connection").map(|v| v.as_bytes()),
                Some(&b"close"[..]),
                "{method} {path}: a 413 closes its connection"
            );
        }
        let v: Value = resp
            .json()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: body is not JSON: {e}"));
        let code = v["error"]["code"].as_str().unwrap_or_default();
        let message = v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            !code.is_empty() && !message.is_empty(),
            "{method} {path}: {v}"
        );
        message
    }

    async fn post_json(&self, body: &str, status: StatusCode) -> String {
        self.expect(
            "POST",
            "/v1/tx",
            Some(("application/json", body.as_bytes().to_vec())),
            status,
        )
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_4xx_with_a_message_and_never_kills_the_node() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "kuai-api");
    let mut node = NodeProc::start(dir);
    let api = Api {
        http: reqwest::Client::new(),
        base: node.url.clone(),
    };
    use StatusCode as S;

    // POST /v1/tx
    api.post_json("{not json", S::BAD_REQUEST).await;
    api.post_json(r#"{"tx": 5}"#, S::UNPROCESSABLE_ENTITY).await;
    api.post_json(r#"{"other": "x"}"#, S::UNPROCESSABLE_ENTITY)
        .await;
    api.expect(
        "POST",
        "/v1/tx",
        Some(("text/plain", b"{}".to_vec())),
        S::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    api.expect(
        "POST",
        "/v1/tx",
        Some(("application/json", vec![b'a'; 200 * 1024])),
        S::PAYLOAD_TOO_LARGE,
    )
    .await;
    let huge_hex = format!(r#"{{"tx": "{}"}}"#, "00".repeat(64 * 1024 + 1));
    assert!(api
        .post_json(&huge_hex, S::PAYLOAD_TOO_LARGE)
        .await
        .contains("over the limit"));
    assert!(api
        .post_json(r#"{"tx": "zz"}"#, S::BAD_REQUEST)
        .await
        .contains("not hex"));
    assert!(api
        .post_json(r#"{"tx": "00ff00ff"}"#, S::BAD_REQUEST)
        .await
        .contains("does not decode"));

    // Well-formed transactions that the ledger refuses at the door.
    let c = Client::new(&node.url).unwrap();
    let k = key(dir, "health-cdo");
    let wrong_chain = common::wrong_chain_tx(&k);
    let body = format!(r#"{{"tx": "{}"}}"#, hex::encode(wrong_chain.encode()));
    assert!(api
        .post_json(&body, S::UNPROCESSABLE_ENTITY)
        .await
        .contains("another-chain"));
    let mut trailing = wrong_chain.encode();
    trailing.push(0);
    let body = format!(r#"{{"tx": "{}"}}"#, hex::encode(trailing));
    assert!(api
        .post_json(&body, S::BAD_REQUEST)
        .await
        .contains("trailing"));
    let mut forged = wrong_chain.clone();
    forged.tx.chain_id = "kuai-api".into();
    let body = format!(r#"{{"tx": "{}"}}"#, hex::encode(forged.encode()));
    assert!(api
        .post_json(&body, S::UNPROCESSABLE_ENTITY)
        .await
        .contains("signature"));

    let mut b = TxBuilder::for_key(&c, k).await.unwrap();
    let stx = b.reject_share_request(1, "x");
    let pending_body = format!(r#"{{"tx": "{}"}}"#, hex::encode(stx.encode()));
    c.submit(&stx).await.unwrap();
    let dup = api.post_json(&pending_body, S::CONFLICT).await;
    assert!(
        dup.contains("already pending") || dup.contains("nonce"),
        "{dup}"
    );
    c.wait_for_commit(&stx.hash(), Duration::from_secs(30))
        .await
        .unwrap();
    assert!(api
        .post_json(&pending_body, S::UNPROCESSABLE_ENTITY)
        .await
        .contains("replay"));

    // Reads with bad or unknown ids and parameters.
    let zeros = "0".repeat(64);
    for (path, status) in [
        ("/v1/tx/zz".to_string(), S::BAD_REQUEST),
        (format!("/v1/tx/{zeros}"), S::NOT_FOUND),
        ("/v1/blocks/abc".to_string(), S::BAD_REQUEST),
        ("/v1/blocks/99999999".to_string(), S::NOT_FOUND),
        (format!("/v1/blocks/{zeros}"), S::NOT_FOUND),
        ("/v1/blocks?limit=0".to_string(), S::BAD_REQUEST),
        ("/v1/blocks?limit=abc".to_string(), S::BAD_REQUEST),
        ("/v1/blocks?before=-1".to_string(), S::BAD_REQUEST),
        ("/v1/catalog/abc".to_string(), S::BAD_REQUEST),
        ("/v1/catalog/999".to_string(), S::NOT_FOUND),
        ("/v1/catalog?limit=100000".to_string(), S::BAD_REQUEST),
        ("/v1/catalog?after=xyz".to_string(), S::BAD_REQUEST),
        ("/v1/organizations/NOT-A-CODE".to_string(), S::BAD_REQUEST),
        (
            "/v1/organizations/91520100MA6DKQ8X2E".to_string(),
            S::NOT_FOUND,
        ),
        ("/v1/share-requests?status=lost".to_string(), S::BAD_REQUEST),
        ("/v1/share-requests?entry=x".to_string(), S::BAD_REQUEST),
        ("/v1/share-requests/1x".to_string(), S::BAD_REQUEST),
        ("/v1/share-requests/77".to_string(), S::NOT_FOUND),
        ("/v1/grants/77".to_string(), S::NOT_FOUND),
        ("/v1/grants?limit=-3".to_string(), S::BAD_REQUEST),
        ("/v1/access-events/x".to_string(), S::BAD_REQUEST),
        ("/v1/access-events/5".to_string(), S::NOT_FOUND),
        ("/v1/accounts/xyz".to_string(), S::BAD_REQUEST),
        ("/v1/no-such-route".to_string(), S::NOT_FOUND),
    ] {
        api.expect("GET", &path, None, status).await;
    }
    assert!(node.is_running(), "the node survived every bad request");
    assert_eq!(c.status().await.unwrap().chain_id, "kuai-api");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_cover_every_record_once_and_the_openapi_document_lists_every_route() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "kuai-pages");
    let node = NodeProc::start(dir);
    let c = Client::new(&node.url).unwrap();
    let all = c.organizations(&ListQuery::limit(500)).await.unwrap();
    assert_eq!(all.items.len(), 6, "the dev genesis has six organizations");
    assert!(all.next.is_none());
    let mut seen = Vec::new();
    let mut q = ListQuery::limit(4);
    loop {
        let page = c.organizations(&q).await.unwrap();
        assert!(page.items.len() <= 4);
        seen.extend(page.items.into_iter().map(|o| o.credit_code));
        match page.next {
            Some(n) => q.after = Some(n),
            None => break,
        }
    }
    assert_eq!(
        seen,
        all.items
            .iter()
            .map(|o| o.credit_code.clone())
            .collect::<Vec<_>>()
    );

    let doc: Value = reqwest::get(format!("{}/v1/openapi.json", node.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/v1/status",
        "/v1/tx",
        "/v1/tx/{hash}",
        "/v1/blocks",
        "/v1/blocks/{id}",
        "/v1/organizations",
        "/v1/catalog",
        "/v1/catalog/{id}",
        "/v1/share-requests",
        "/v1/grants",
        "/v1/access-events",
    ] {
        assert!(paths.contains_key(p), "OpenAPI lacks {p}");
    }
}
