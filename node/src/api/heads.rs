//! The stream of committed heads (`GET /v1/heads`, server-sent events): for applications
//! and load generators that wait on commits without polling, as CometBFT's `NewBlock`
//! subscription and Substrate's finalized-heads subscription serve theirs.
//!
//! Rules:
//! - one event per height, in height order, none skipped: the event id is the height,
//!   `event:` is `head` and `data:` a [`HeadEvent`] as JSON;
//! - without `Last-Event-ID` the stream starts after the current head; with it, strictly
//!   after that height, at most [`MAX_RESUME`] heights back (older ones: `GET /v1/blocks`);
//! - a head is pushed as its block commits (the chain's head watch); when a follower
//!   falls behind, the heights in between are read from the store;
//! - a bad `Last-Event-ID` or one above the head is a 400; keep-alives every
//!   [`super::events::KEEP_ALIVE`].

use std::convert::Infallible;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, Sse};
use futures::Stream;
use kuai_types::api::{ErrorBody, HeadEvent};

use super::error::ApiError;
use super::AppState;
use crate::chain::Chain;
use crate::error::NodeError;
use crate::store::Head;

/// The most heights a resumed stream replays from the store.
pub const MAX_RESUME: u64 = 10_000;

fn view(h: &Head) -> HeadEvent {
    HeadEvent {
        height: h.height,
        hash: h.hash,
        state_root: h.state_root,
        time_ms: h.time_ms,
    }
}

/// The head of committed block `height`, from the store (its header only).
fn stored_head(chain: &Chain, height: u64) -> Result<HeadEvent, NodeError> {
    let (header, _) = chain
        .store()
        .block_header(height)?
        .ok_or_else(|| NodeError::Corrupt {
            what: "block".into(),
            reason: format!("committed block {height} is missing"),
        })?;
    Ok(HeadEvent {
        height,
        hash: header.hash(),
        state_root: header.state_root,
        time_ms: header.time_ms,
    })
}

/// The height a stream resumes after: `Last-Event-ID`, checked against the head.
fn resume_after(headers: &HeaderMap, head: u64) -> Result<u64, ApiError> {
    let Some(v) = headers.get("last-event-id") else {
        return Ok(head);
    };
    let raw = v
        .to_str()
        .map_err(|_| ApiError::bad_request("Last-Event-ID is not text"))?
        .trim();
    if raw.is_empty() {
        return Ok(head);
    }
    let after: u64 = raw.parse().map_err(|_| {
        ApiError::bad_request(format!("Last-Event-ID {raw:?} is not a block height"))
    })?;
    if after > head {
        return Err(ApiError::bad_request(format!(
            "Last-Event-ID {after} is above the head ({head})"
        )));
    }
    if head - after > MAX_RESUME {
        return Err(ApiError::bad_request(format!(
            "Last-Event-ID {after} is more than {MAX_RESUME} heights behind the head ({head}); read older blocks from /v1/blocks"
        )));
    }
    Ok(after)
}

fn message(h: &HeadEvent) -> Option<SseEvent> {
    SseEvent::default()
        .id(h.height.to_string())
        .event("head")
        .json_data(h)
        .ok()
}

/// Sends every head after `after` as blocks commit, until the client goes away.
async fn follow(
    chain: std::sync::Arc<Chain>,
    mut after: u64,
    tx: tokio::sync::mpsc::Sender<SseEvent>,
) {
    let mut heads = chain.follow_heads();
    loop {
        let head = heads.borrow_and_update().clone();
        while after < head.height {
            let height = after + 1;
            let event = if height == head.height {
                view(&head)
            } else {
                let c = chain.clone();
                let read = move || stored_head(&c, height);
                match super::events::stream_read("head stream", read).await {
                    Some(h) => h,
                    None => return,
                }
            };
            let Some(msg) = message(&event) else { return };
            if tx.send(msg).await.is_err() {
                return;
            }
            after = height;
        }
        tokio::select! {
            changed = heads.changed() => if changed.is_err() { return },
            _ = tx.closed() => return,
        }
    }
}

#[utoipa::path(get, path = "/v1/heads", tag = "ledger",
    params(("Last-Event-ID" = Option<String>, Header, description = "Resume strictly after this height")),
    responses(
        (status = 200, description = "text/event-stream: `id:` the height, `event:` head, `data:` a HeadEvent as JSON", body = HeadEvent),
        (status = 400, body = ErrorBody)))]
pub async fn stream(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let after = resume_after(&headers, s.chain.head().height)?;
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(follow(s.chain.clone(), after, tx));
    Ok(super::events::sse(rx))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(id: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("last-event-id", id.parse().unwrap());
        h
    }

    #[test]
    fn a_stream_resumes_after_a_height_at_or_below_the_head_and_within_reach() {
        assert_eq!(resume_after(&HeaderMap::new(), 7).unwrap(), 7);
        assert_eq!(resume_after(&with(" "), 7).unwrap(), 7);
        assert_eq!(resume_after(&with("3"), 7).unwrap(), 3);
        assert_eq!(resume_after(&with("7"), 7).unwrap(), 7);
        assert_eq!(resume_after(&with("0"), MAX_RESUME).unwrap(), 0);
        for bad in ["8", "x", "-1", "1:0:0"] {
            assert!(resume_after(&with(bad), 7).is_err(), "{bad}");
        }
        assert!(resume_after(&with("0"), MAX_RESUME + 1).is_err());
    }
}
