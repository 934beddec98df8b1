//! The event stream `GET /v1/events` (server-sent events), and the event positions and
//! subjects that the stream and the history listings (through [`super::event_index`])
//! share.
//!
//! Rules:
//! - an event's id is `height:tx_index:event_index`; a block's own events have tx index
//!   `-1`, so within a block they come before its transactions' events. Ids are in
//!   ledger order: the stream sends them strictly increasing;
//! - the stream replays committed history from the cursor (`Last-Event-ID` header, else
//!   `?from=`: a full id means "strictly after it", a bare height `H` means "from the
//!   first event of block H"; no cursor means from block 1), then follows new blocks as
//!   they commit (the head is polled every 100 ms). A reconnect with the last id seen
//!   loses and repeats nothing;
//! - one poll reads at most [`MAX_BLOCKS_PER_POLL`] blocks or [`MAX_EVENTS_PER_POLL`]
//!   events off the async workers, and sends them through a small bounded channel, so a
//!   slow or greedy subscriber only waits on itself; a keep-alive comment goes out every
//!   [`KEEP_ALIVE`];
//! - filters (all must hold): `type` — comma-separated event kinds (`Event::kind`);
//!   `organization` — a credit code the event *concerns*; `entry` — a catalog entry id
//!   the event concerns. See [`subjects`] for "concerns".

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::Stream;
use kuai_runtime::keys;
use kuai_types::api::{ErrorBody, EventRecord};
use kuai_types::codec::{self, MAX_STATE_VALUE_BYTES};
use kuai_types::identifiers::check_credit_code;
use kuai_types::model::{Agreement, CatalogEntry, Grant, Objection, ShareRequest};
use kuai_types::{Event, Hash};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use super::params;
use super::AppState;
use crate::chain::Chain;
use crate::error::NodeError;
use crate::store::Store;

pub const MAX_BLOCKS_PER_POLL: u64 = 64;
pub const MAX_EVENTS_PER_POLL: usize = 256;
pub const POLL: Duration = Duration::from_millis(100);
pub const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// Where an event is: `slot` 0 is the block's own events, `slot` i+1 transaction i.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventPos {
    pub height: u64,
    pub slot: u32,
    pub event: u32,
}

impl EventPos {
    pub fn id(&self) -> String {
        let tx = match self.slot {
            0 => "-1".to_string(),
            s => (s - 1).to_string(),
        };
        format!("{}:{tx}:{}", self.height, self.event)
    }

    /// Parses `height:tx_index:event_index` (tx index `-1` for block events).
    pub fn parse(raw: &str) -> Result<EventPos, String> {
        let bad = || {
            format!("{raw:?} is not an event id of the form height:tx_index:event_index (tx_index -1 for block events)")
        };
        let parts: Vec<&str> = raw.trim().split(':').collect();
        let [h, t, e] = parts.as_slice() else {
            return Err(bad());
        };
        let height = h.parse::<u64>().map_err(|_| bad())?;
        let slot = match *t {
            "-1" => 0,
            t => t
                .parse::<u32>()
                .ok()
                .and_then(|i| i.checked_add(1))
                .ok_or_else(bad)?,
        };
        let event = e.parse::<u32>().map_err(|_| bad())?;
        Ok(EventPos {
            height,
            slot,
            event,
        })
    }

    /// The 16-byte big-endian key suffix: height, slot, event index (the event index's
    /// single entries, which only stores written before groups hold; see
    /// [`super::event_index`]).
    #[cfg(test)]
    pub fn key_suffix(&self) -> Vec<u8> {
        [
            self.height.to_be_bytes().as_slice(),
            &self.slot.to_be_bytes(),
            &self.event.to_be_bytes(),
        ]
        .concat()
    }

    pub fn from_key_suffix(s: &[u8]) -> Option<EventPos> {
        if s.len() != 16 {
            return None;
        }
        Some(EventPos {
            height: u64::from_be_bytes(s[0..8].try_into().ok()?),
            slot: u32::from_be_bytes(s[8..12].try_into().ok()?),
            event: u32::from_be_bytes(s[12..16].try_into().ok()?),
        })
    }

    pub fn record(&self, tx_hash: Option<Hash>, time_ms: u64, event: Event) -> EventRecord {
        EventRecord {
            id: self.id(),
            height: self.height,
            tx_index: self.slot.checked_sub(1),
            event_index: self.event,
            tx_hash,
            time_ms,
            kind: event.kind(),
            event,
        }
    }
}

/// The organizations and catalog entries an event concerns.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Subjects {
    pub organizations: BTreeSet<String>,
    pub entries: BTreeSet<u64>,
}

/// The parties of one record: the organizations it names and the entry it is about.
#[derive(Clone)]
struct Parties {
    organizations: [Option<String>; 2],
    entry: Option<u64>,
}

impl Parties {
    /// A record between two organizations about an entry (request, grant, objection,
    /// agreement).
    fn between(a: String, b: String, entry_id: u64) -> Parties {
        Parties {
            organizations: [Some(a), Some(b)],
            entry: Some(entry_id),
        }
    }
}

/// The records events are about, read with `get` (state key → value) and decoded once
/// each: a block's index pass meets the same grant and catalog entry for each of its
/// thousands of access events, and decoding them each time was a twentieth of a
/// validator's work. Only fields that never change once written are kept.
pub struct Records<'a> {
    get: &'a dyn Fn(&[u8]) -> Option<Vec<u8>>,
    memo: RefCell<HashMap<Vec<u8>, Option<Parties>>>,
}

impl<'a> Records<'a> {
    pub fn new(get: &'a dyn Fn(&[u8]) -> Option<Vec<u8>>) -> Self {
        Records {
            get,
            memo: RefCell::default(),
        }
    }

    /// The parties of the record at `key`, decoded as `T` by `parties` (memoized).
    fn parties<T: DeserializeOwned>(
        &self,
        key: Vec<u8>,
        parties: fn(T) -> Parties,
    ) -> Option<Parties> {
        if let Some(p) = self.memo.borrow().get(&key) {
            return p.clone();
        }
        let found = (self.get)(&key)
            .and_then(|v| codec::decode::<T>(&v, MAX_STATE_VALUE_BYTES).ok())
            .map(parties);
        self.memo.borrow_mut().insert(key, found.clone());
        found
    }
}

/// What an event concerns. An organization: the one a field names (`credit_code`,
/// `organization`, `proposer`, `provider`, `requester`, `grantee`, `raised_by`,
/// `applicant`, `party`), and the parties of the record the event is about — the
/// provider of a catalog entry; the requester and provider of a share request; the
/// grantee and provider of a grant (and so of its access events); the raiser and
/// provider of an objection; the applicant and provider of an agreement. An entry: the
/// `entry_id` an event names, or the entry of the request, grant, objection or agreement
/// it is about. Records are looked up through `records`; the fields used never change
/// once written, so the answer is the same at commit time and later.
/// Governance events (proposals, validators, calendars, parameters) concern only the
/// organizations they name.
pub fn subjects(event: &Event, records: &Records<'_>) -> Subjects {
    let mut s = Subjects::default();
    let mut entry_ids = Vec::new();
    let mut request = None;
    let mut grant = None;
    let mut objection = None;
    let mut agreement = None;
    {
        let mut org = |c: &String| {
            s.organizations.insert(c.clone());
        };
        match event {
            Event::OrganizationRegistered { credit_code }
            | Event::OrganizationRemoved { credit_code } => org(credit_code),
            Event::MemberAdded { organization, .. }
            | Event::MemberRemoved { organization, .. }
            | Event::KeyRotated { organization, .. }
            | Event::ApprovalThresholdSet { organization, .. }
            | Event::ProposalVoted { organization, .. } => org(organization),
            Event::ProposalSubmitted { proposer, .. } => org(proposer),
            Event::ProposalPassed { .. }
            | Event::ProposalRejected { .. }
            | Event::ProposalExpired { .. }
            | Event::ValidatorSetScheduled { .. }
            | Event::ValidatorSetChanged { .. }
            | Event::HolidayCalendarSet { .. }
            | Event::ParametersSet
            | Event::ContractCodeApproved { .. }
            | Event::ContractUpgraded { .. } => {}
            Event::ContractCodeUploaded { uploaded_by, .. } => org(uploaded_by),
            Event::ContractInstantiated { owner, .. } => org(owner),
            Event::PolicyContractBound { entry_id, .. } => entry_ids.push(*entry_id),
            Event::PolicyDecided { request_id, .. } | Event::PolicyFailed { request_id, .. } => {
                request = Some(*request_id)
            }
            Event::CatalogEntryRegistered { entry_id, provider } => {
                org(provider);
                entry_ids.push(*entry_id);
            }
            Event::CatalogEntryUpdated { entry_id, .. }
            | Event::CatalogEntryReviewed { entry_id, .. }
            | Event::ChangeDeclared { entry_id, .. }
            | Event::NegativeListSet { entry_id, .. }
            | Event::EntryUpdateOverdue { entry_id, .. }
            | Event::EntryReviewOverdue { entry_id, .. } => entry_ids.push(*entry_id),
            Event::ShareRequestSubmitted {
                request_id,
                entry_id,
                requester,
            } => {
                org(requester);
                entry_ids.push(*entry_id);
                request = Some(*request_id);
            }
            Event::ShareRequestApproved { request_id, .. }
            | Event::ShareRequestRejected { request_id, .. }
            | Event::ShareRequestWithdrawn { request_id }
            | Event::ShareRequestOverdue { request_id, .. } => request = Some(*request_id),
            Event::GrantIssued {
                grant_id,
                request_id,
                grantee,
                ..
            } => {
                org(grantee);
                request = Some(*request_id);
                grant = Some(*grant_id);
            }
            Event::GrantRevoked { grant_id, .. } | Event::AccessRecorded { grant_id, .. } => {
                grant = Some(*grant_id)
            }
            Event::ObjectionRaised {
                objection_id,
                entry_id,
                raised_by,
            } => {
                org(raised_by);
                entry_ids.push(*entry_id);
                objection = Some(*objection_id);
            }
            Event::ObjectionAnswered { objection_id, .. }
            | Event::ObjectionOverdue { objection_id, .. } => objection = Some(*objection_id),
            Event::AgreementProposed {
                agreement_id,
                entry_id,
                applicant,
            } => {
                org(applicant);
                entry_ids.push(*entry_id);
                agreement = Some(*agreement_id);
            }
            Event::AgreementSigned {
                agreement_id,
                party,
            } => {
                org(party);
                agreement = Some(*agreement_id);
            }
        }
    }
    let about = [
        request.and_then(|id| {
            records.parties(keys::share_request(id), |r: ShareRequest| {
                Parties::between(r.requester, r.provider, r.entry_id)
            })
        }),
        grant.and_then(|id| {
            records.parties(keys::grant(id), |g: Grant| {
                Parties::between(g.grantee, g.provider, g.entry_id)
            })
        }),
        objection.and_then(|id| {
            records.parties(keys::objection(id), |o: Objection| {
                Parties::between(o.raised_by, o.provider, o.entry_id)
            })
        }),
        agreement.and_then(|id| {
            records.parties(keys::agreement(id), |a: Agreement| {
                Parties::between(a.applicant, a.provider, a.entry_id)
            })
        }),
    ];
    for p in about.into_iter().flatten() {
        s.organizations
            .extend(p.organizations.into_iter().flatten());
        entry_ids.extend(p.entry);
    }
    for id in entry_ids {
        if s.entries.insert(id) {
            let entry = records.parties(keys::catalog_entry(id), |e: CatalogEntry| Parties {
                organizations: [Some(e.provider), None],
                entry: None,
            });
            s.organizations
                .extend(entry.into_iter().flat_map(|p| p.organizations).flatten());
        }
    }
    s
}

/// Every event of the committed block at `height`, in order; `None` if there is none.
pub fn block_records(
    store: &Store,
    height: u64,
) -> Result<Option<Vec<(EventPos, EventRecord)>>, NodeError> {
    let Some(block) = store.block(height)? else {
        return Ok(None);
    };
    let time = block.header.time_ms;
    let mut out = Vec::new();
    for (i, e) in store.block_events(height)?.into_iter().enumerate() {
        let pos = EventPos {
            height,
            slot: 0,
            event: i as u32,
        };
        out.push((pos, pos.record(None, time, e)));
    }
    for (t, stx) in block.txs.iter().enumerate() {
        let hash = stx.hash();
        let receipt = store.receipt(&hash)?.ok_or_else(|| NodeError::Corrupt {
            what: "receipt".into(),
            reason: format!("block {height} has no receipt for tx {hash}"),
        })?;
        for (i, e) in receipt.events.into_iter().enumerate() {
            let pos = EventPos {
                height,
                slot: t as u32 + 1,
                event: i as u32,
            };
            out.push((pos, pos.record(Some(hash), time, e)));
        }
    }
    Ok(Some(out))
}

/// Query of `GET /v1/events`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// Event kinds, comma-separated, e.g. `grant_issued,access_recorded`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// Credit code of an organization the events must concern.
    pub organization: Option<String>,
    /// Catalog entry id the events must concern.
    pub entry: Option<String>,
    /// Resume point: an event id `height:tx_index:event_index` (events strictly after
    /// it) or a block height (events from that block on). The `Last-Event-ID` header,
    /// when present, takes precedence.
    pub from: Option<String>,
}

/// The stream's filters, checked.
#[derive(Debug, Default)]
pub struct Filter {
    pub kinds: Option<BTreeSet<String>>,
    pub organization: Option<String>,
    pub entry: Option<u64>,
}

impl Filter {
    pub fn parse(p: &EventParams) -> Result<Filter, ApiError> {
        let kinds = match &p.kind {
            None => None,
            Some(raw) => {
                let set: BTreeSet<String> = raw
                    .split(',')
                    .map(|k| k.trim().to_string())
                    .filter(|k| !k.is_empty())
                    .collect();
                if set.is_empty() {
                    return Err(ApiError::bad_request("type names no event kind"));
                }
                if let Some(bad) = set
                    .iter()
                    .find(|k| !k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                {
                    return Err(ApiError::bad_request(format!(
                        "type must be snake_case event kinds such as grant_issued, got {bad:?}"
                    )));
                }
                Some(set)
            }
        };
        let organization = p
            .organization
            .as_deref()
            .map(|raw| {
                check_credit_code(raw)
                    .map_err(|e| ApiError::bad_request(format!("organization: {e}")))
            })
            .transpose()?;
        let entry = p
            .entry
            .as_deref()
            .map(|raw| params::numeric_id("entry", raw))
            .transpose()?;
        Ok(Filter {
            kinds,
            organization,
            entry,
        })
    }

    pub fn matches(&self, rec: &EventRecord, store: &Store) -> bool {
        if let Some(k) = &self.kinds {
            if !k.contains(&rec.kind) {
                return false;
            }
        }
        if self.organization.is_none() && self.entry.is_none() {
            return true;
        }
        let get = |k: &[u8]| kuai_runtime::StateRead::get(store, k).ok().flatten();
        let s = subjects(&rec.event, &Records::new(&get));
        self.organization
            .as_ref()
            .is_none_or(|o| s.organizations.contains(o))
            && self.entry.is_none_or(|e| s.entries.contains(&e))
    }
}

/// Where a stream starts: the first height to read, and the last id already seen.
fn start(headers: &HeaderMap, from: Option<&str>) -> Result<(u64, Option<EventPos>), ApiError> {
    if let Some(v) = headers.get("last-event-id") {
        let raw = v
            .to_str()
            .map_err(|_| ApiError::bad_request("Last-Event-ID is not text"))?;
        if !raw.trim().is_empty() {
            let pos = EventPos::parse(raw)
                .map_err(|e| ApiError::bad_request(format!("Last-Event-ID: {e}")))?;
            return Ok((pos.height.max(1), Some(pos)));
        }
    }
    match from {
        None => Ok((1, None)),
        Some(raw) if !raw.contains(':') => {
            let h = params::numeric_id("from", raw)?;
            Ok((h.max(1), None))
        }
        Some(raw) => {
            let pos =
                EventPos::parse(raw).map_err(|e| ApiError::bad_request(format!("from: {e}")))?;
            Ok((pos.height.max(1), Some(pos)))
        }
    }
}

/// Reads up to the poll's bound of matching events from `next` to `head`; returns them
/// and the next height to read.
fn read_chunk(
    chain: &Chain,
    filter: &Filter,
    next: u64,
    head: u64,
    after: Option<EventPos>,
) -> Result<(Vec<(EventPos, EventRecord)>, u64), NodeError> {
    let store = chain.store();
    let mut out = Vec::new();
    let mut h = next;
    while h <= head && h < next + MAX_BLOCKS_PER_POLL && out.len() < MAX_EVENTS_PER_POLL {
        let Some(records) = block_records(store, h)? else {
            break;
        };
        out.extend(
            records
                .into_iter()
                .filter(|(p, r)| after.is_none_or(|a| *p > a) && filter.matches(r, store)),
        );
        h += 1;
    }
    Ok((out, h))
}

/// Runs a stream's store read on the blocking pool; a failure is logged and ends the
/// stream (`None`): a follower reconnects and resumes from its last id.
pub(super) async fn stream_read<T: Send + 'static>(
    stream: &'static str,
    read: impl FnOnce() -> Result<T, NodeError> + Send + 'static,
) -> Option<T> {
    match tokio::task::spawn_blocking(read).await {
        Ok(Ok(r)) => Some(r),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "{stream}: storage error; closing the stream");
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "{stream}: reader failed; closing the stream");
            None
        }
    }
}

async fn follow(
    chain: Arc<Chain>,
    filter: Arc<Filter>,
    mut next: u64,
    mut after: Option<EventPos>,
    tx: tokio::sync::mpsc::Sender<SseEvent>,
) {
    loop {
        if tx.is_closed() {
            return;
        }
        let head = chain.head().height;
        if next > head {
            tokio::time::sleep(POLL).await;
            continue;
        }
        let (c, f) = (chain.clone(), filter.clone());
        let read = move || read_chunk(&c, &f, next, head, after);
        let Some((records, n)) = stream_read("event stream", read).await else {
            return;
        };
        next = n;
        for (pos, rec) in records {
            let msg = match SseEvent::default()
                .id(rec.id.clone())
                .event(rec.kind.clone())
                .json_data(&rec)
            {
                Ok(m) => m,
                Err(e) => {
                    tracing::error!(error = %e, "event stream: cannot encode an event");
                    return;
                }
            };
            if tx.send(msg).await.is_err() {
                return;
            }
            after = Some(pos);
        }
        tokio::task::yield_now().await;
    }
}

#[utoipa::path(get, path = "/v1/events", tag = "events", params(EventParams,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume strictly after this event id")),
    responses(
        (status = 200, description = "text/event-stream: `id:` the event id, `event:` its kind, `data:` an EventRecord as JSON", body = EventRecord),
        (status = 400, body = ErrorBody)))]
pub async fn stream(
    State(s): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<EventParams>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let Query(q) = q?;
    let filter = Arc::new(Filter::parse(&q)?);
    let (next, after) = start(&headers, q.from.as_deref())?;
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(follow(s.chain.clone(), filter, next, after, tx));
    Ok(sse(rx))
}

/// A stream's response: what its follower task sends, with keep-alives every
/// [`KEEP_ALIVE`]; the task ends when the client goes away and the receiver drops.
pub(super) fn sse(
    rx: tokio::sync::mpsc::Receiver<SseEvent>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let messages =
        futures::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|m| (Ok(m), rx)) },
        );
    Sse::new(messages).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_sort() {
        let b = EventPos {
            height: 7,
            slot: 0,
            event: 1,
        };
        let t = EventPos {
            height: 7,
            slot: 1,
            event: 0,
        };
        assert_eq!(b.id(), "7:-1:1");
        assert_eq!(t.id(), "7:0:0");
        assert!(b < t);
        for p in [b, t] {
            assert_eq!(EventPos::parse(&p.id()).unwrap(), p);
            assert_eq!(EventPos::from_key_suffix(&p.key_suffix()), Some(p));
        }
        assert!(b.key_suffix() < t.key_suffix());
        for bad in ["7", "7:0", "a:0:0", "7:-2:0", "7:0:-1", "7:0:0:0", ""] {
            assert!(EventPos::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn subjects_name_fields_and_resolve_records() {
        let none = |_: &[u8]| None;
        let s = subjects(
            &Event::GrantIssued {
                grant_id: 1,
                request_id: 2,
                grantee: "G".into(),
                expires_at: 0,
            },
            &Records::new(&none),
        );
        assert_eq!(s.organizations, BTreeSet::from(["G".to_string()]));
        assert!(s.entries.is_empty());
        let s = subjects(&Event::ParametersSet, &Records::new(&none));
        assert_eq!(s, Subjects::default());
    }

    #[test]
    fn records_are_read_once_each_and_a_missing_one_stays_missing() {
        let grant = crate::test_support::grant();
        let reads = std::cell::Cell::new(0);
        let get = |k: &[u8]| {
            reads.set(reads.get() + 1);
            (k == keys::grant(4).as_slice()).then(|| codec::encode(&grant))
        };
        let records = Records::new(&get);
        for access_id in 1..=3 {
            let event = Event::AccessRecorded {
                access_id,
                grant_id: 4,
                rows: 1,
            };
            let s = subjects(&event, &records);
            assert_eq!(
                s.organizations,
                BTreeSet::from(["G".to_string(), "P".to_string()])
            );
            assert_eq!(s.entries, BTreeSet::from([9]));
        }
        // The grant, and the entry it names (absent here), once each.
        assert_eq!(reads.get(), 2);
    }
}
