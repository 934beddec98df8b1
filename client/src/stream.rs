//! The node's server-sent-event streams, with reconnection: events (`GET /v1/events`)
//! and committed heads (`GET /v1/heads`, [`Client::heads`](crate::Client::heads), the same
//! rules with the height as the id).
//!
//! [`Client::events`](crate::Client::events) yields each event once, in ledger order:
//! after a dropped connection it reconnects with `Last-Event-ID` set to the last id it
//! yielded, so the node resumes strictly after it. A partly received message is dropped
//! and comes again after the reconnect. Consecutive failed connection attempts are
//! retried [`MAX_RETRIES`] times with backoff from 100 ms doubling to 2 s; a 4xx answer
//! (bad filter or cursor) ends the stream at once with the node's error.

use std::collections::VecDeque;
use std::pin::Pin;
use std::time::Duration;

use futures::{Stream, StreamExt};
use kuai_types::api::{EventRecord, HeadEvent};

use crate::error::ClientError;

/// An event as streamed: id, position, block time, kind and the event itself.
pub type StreamedEvent = EventRecord;

/// Consecutive failed connection attempts before the stream gives up.
pub const MAX_RETRIES: u32 = 30;

/// Filters of the event stream; empty means every event.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    /// Event kinds, e.g. `grant_issued` (any of them).
    pub types: Vec<String>,
    /// Credit code of an organization the events must concern.
    pub organization: Option<String>,
    /// Catalog entry id the events must concern.
    pub entry: Option<u64>,
}

impl EventFilter {
    fn pairs(&self) -> Vec<(String, String)> {
        let mut p = Vec::new();
        if !self.types.is_empty() {
            p.push(("type".into(), self.types.join(",")));
        }
        if let Some(o) = &self.organization {
            p.push(("organization".into(), o.clone()));
        }
        if let Some(e) = self.entry {
            p.push(("entry".into(), e.to_string()));
        }
        p
    }
}

type Bytes = Pin<Box<dyn Stream<Item = reqwest::Result<Vec<u8>>> + Send>>;

/// Incremental parser of the SSE line protocol (only `id`, `data`; comments ignored).
#[derive(Default)]
struct SseParser {
    buf: Vec<u8>,
    id: Option<String>,
    data: Option<String>,
}

impl SseParser {
    /// Feeds bytes; returns the complete messages as (id, data).
    fn feed(&mut self, bytes: &[u8]) -> Vec<(Option<String>, String)> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(nl) = self.buf.iter().position(|b| *b == b'\n') {
            let mut line: Vec<u8> = self.buf.drain(..=nl).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8_lossy(&line).into_owned();
            if line.is_empty() {
                if let Some(data) = self.data.take() {
                    out.push((self.id.take(), data));
                }
                self.id = None;
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (line.as_str(), ""),
            };
            match field {
                "id" => self.id = Some(value.to_string()),
                "data" => {
                    let d = self.data.get_or_insert_with(String::new);
                    if !d.is_empty() {
                        d.push('\n');
                    }
                    d.push_str(value);
                }
                _ => {}
            }
        }
        out
    }
}

/// A reconnecting reader of one server-sent-event stream whose messages are `T`s.
struct State<T> {
    http: reqwest::Client,
    url: String,
    query: Vec<(String, String)>,
    from: Option<String>,
    last_id: Option<String>,
    conn: Option<Bytes>,
    parser: SseParser,
    pending: VecDeque<T>,
    failures: u32,
    done: bool,
}

impl<T: serde::de::DeserializeOwned> State<T> {
    fn new(
        http: reqwest::Client,
        url: String,
        query: Vec<(String, String)>,
        from: Option<String>,
        resume_after: Option<String>,
    ) -> Self {
        State {
            http,
            url,
            query,
            from,
            last_id: resume_after,
            conn: None,
            parser: SseParser::default(),
            pending: VecDeque::new(),
            failures: 0,
            done: false,
        }
    }

    async fn connect(&mut self) -> Result<Bytes, ClientError> {
        let mut q = self.query.clone();
        let mut req = self.http.get(&self.url);
        match &self.last_id {
            Some(id) => req = req.header("Last-Event-ID", id),
            None => {
                if let Some(f) = &self.from {
                    q.push(("from".into(), f.clone()));
                }
            }
        }
        let resp = req
            .query(&q)
            .header("Accept", "text/event-stream")
            .send()
            .await
            .map_err(|e| ClientError::Connect {
                url: self.url.clone(),
                source: e,
            })?;
        let status = resp.status();
        if !status.is_success() {
            let bytes = resp.bytes().await.unwrap_or_default();
            return Err(crate::error::api_error(status.as_u16(), &bytes));
        }
        Ok(Box::pin(resp.bytes_stream().map(|r| r.map(|b| b.to_vec()))))
    }

    /// The next item of the stream, or `None` when it has ended.
    async fn next(&mut self) -> Option<Result<T, ClientError>> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Some(Ok(e));
            }
            if self.done {
                return None;
            }
            let Some(conn) = self.conn.as_mut() else {
                match self.connect().await {
                    Ok(c) => {
                        self.conn = Some(c);
                        self.parser = SseParser::default();
                    }
                    Err(e) => {
                        let client_error = matches!(&e, ClientError::Api { status, .. } if (400..500).contains(status));
                        self.failures += 1;
                        if client_error || self.failures > MAX_RETRIES {
                            self.done = true;
                            return Some(Err(e));
                        }
                        let backoff = 100u64 << self.failures.min(5);
                        tokio::time::sleep(Duration::from_millis(backoff.min(2_000))).await;
                    }
                }
                continue;
            };
            match conn.next().await {
                Some(Ok(bytes)) => {
                    for (id, data) in self.parser.feed(&bytes) {
                        let rec: T = match serde_json::from_str(&data) {
                            Ok(r) => r,
                            Err(e) => {
                                self.done = true;
                                return Some(Err(ClientError::Decode {
                                    url: self.url.clone(),
                                    reason: format!("event {id:?}: {e}"),
                                }));
                            }
                        };
                        // Both streams name every message; one without an id leaves the
                        // resume point where it was.
                        if id.is_some() {
                            self.last_id = id;
                        }
                        self.failures = 0;
                        self.pending.push_back(rec);
                    }
                }
                // Dropped or ended: reconnect after the last complete event.
                Some(Err(_)) | None => self.conn = None,
            }
        }
    }
}

/// An HTTP client for a long-lived stream: no overall timeout; keep-alives arrive every
/// 10 s, so a connection silent for 30 s is dead.
fn stream_http() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(30))
        .build()
}

/// The items of a [`State`] as a stream.
fn items<T: serde::de::DeserializeOwned + Send + 'static>(
    url: String,
    query: Vec<(String, String)>,
    from: Option<String>,
    resume_after: Option<String>,
) -> impl Stream<Item = Result<T, ClientError>> + Send + 'static {
    let state = match stream_http() {
        Ok(http) => Ok(State::new(http, url, query, from, resume_after)),
        Err(e) => Err(ClientError::Connect { url, source: e }),
    };
    futures::stream::unfold(Some(state), |state| async move {
        match state? {
            Err(e) => Some((Err(e), None)),
            Ok(mut s) => s.next().await.map(|item| (item, Some(Ok(s)))),
        }
    })
}

/// The stream behind [`crate::Client::events`].
pub(crate) fn events(
    base: &str,
    filter: &EventFilter,
    from: Option<String>,
) -> impl Stream<Item = Result<StreamedEvent, ClientError>> + Send + 'static {
    items(format!("{base}/v1/events"), filter.pairs(), from, None)
}

/// The stream behind [`crate::Client::heads`]: every committed head after `after` (or,
/// without it, after the node's head at connection), one per height, in order; after a
/// dropped connection it resumes after the last head it yielded (`Last-Event-ID`).
pub(crate) fn heads(
    base: &str,
    after: Option<u64>,
) -> impl Stream<Item = Result<HeadEvent, ClientError>> + Send + 'static {
    items(
        format!("{base}/v1/heads"),
        Vec::new(),
        None,
        after.map(|h| h.to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_messages_split_across_chunks() {
        let mut p = SseParser::default();
        assert!(p
            .feed(b": keep-alive\n\nid: 1:0:0\nevent: x\nda")
            .is_empty());
        let got = p.feed(b"ta: {\"a\":1}\r\n\r\nid: 2:-1:0\ndata: b\ndata: c\n\n");
        assert_eq!(
            got,
            vec![
                (Some("1:0:0".to_string()), "{\"a\":1}".to_string()),
                (Some("2:-1:0".to_string()), "b\nc".to_string())
            ]
        );
        // A message without data dispatches nothing.
        assert!(p.feed(b"id: 3:0:0\n\n").is_empty());
    }
}
