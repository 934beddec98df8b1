//! Gossip over one long-lived stream per peer.
//!
//! Gossip is one-way and frequent: a vote, a proposal, a batch of transactions, every few
//! milliseconds to every peer. As a request-response exchange each message cost a new
//! yamux stream (open, protocol header, request, acknowledgement, close: several frames
//! and task wake-ups each way). Here each node keeps one outbound stream per peer,
//! [`PROTOCOL`], and writes frames to it; the peer reads them off its inbound stream.
//!
//! Rules:
//! - frames are those of [`super::wire`] (little-endian u32 length, then the canonical
//!   encoding of a [`Gossip`]); a frame over [`MAX_REQUEST_BYTES`] or one that does not
//!   decode ends the stream (the peer reopens it; a Byzantine one gets nothing through);
//! - a message is encoded once and the same bytes go to every peer;
//! - per peer, messages queue in a bounded channel ([`QUEUE`] messages) and go out in
//!   order, as many as are queued in one write; when the queue is full a message is
//!   dropped and counted, never waited for: gossip is best effort (consensus re-gossips
//!   its messages while a height stalls, and the node a client submitted to keeps the
//!   transaction), and a slow peer must not stall the swarm or grow memory without bound;
//! - a stream that fails is reopened after [`REOPEN_AFTER`]; messages queued meanwhile
//!   wait; the writer ends when the connection to its peer closes;
//! - a peer that does not speak [`PROTOCOL`] (an older node, during a rolling upgrade) is
//!   reported, and the swarm sends it gossip as requests of [`super::wire::PROTOCOL`];
//! - inbound streams are accepted only from peers in the validator set, checked again for
//!   every message (the set can change while a stream is open).

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::{AsyncWriteExt, StreamExt};
use kuai_types::codec;
use kuai_types::PublicKey;
use libp2p::{PeerId, StreamProtocol};
use tokio::sync::mpsc;

use super::network::NetEvent;
use super::wire::{read_frame, Gossip, MAX_REQUEST_BYTES};

/// The protocol of the long-lived gossip stream.
pub const PROTOCOL: StreamProtocol = StreamProtocol::new("/kuai/gossip/2");
/// Messages queued per peer before new ones are dropped.
pub const QUEUE: usize = 4096;
/// Pause before reopening a failed stream.
pub const REOPEN_AFTER: Duration = Duration::from_millis(200);
/// Bytes written to a stream before it is flushed, at most (a frame is never split).
const WRITE_BATCH_BYTES: usize = 256 * 1024;

/// An encoded frame (length prefix included), shared by every peer's queue.
pub type Frame = Arc<Vec<u8>>;

/// Encodes a message once for every peer.
pub fn frame(gossip: &Gossip) -> Frame {
    let body = codec::encode(gossip);
    let mut out = Vec::with_capacity(4 + body.len());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    Arc::new(out)
}

/// Decodes a frame's body (after its length prefix).
pub fn decode(body: &[u8]) -> io::Result<Gossip> {
    super::wire::decode(body, MAX_REQUEST_BYTES)
}

/// Why a writer stopped for good.
pub enum WriterExit {
    /// The peer does not speak [`PROTOCOL`].
    Unsupported(PeerId),
}

/// Starts the writer of `peer`'s stream; returns its queue. Dropping the queue's sender
/// ends the writer.
pub fn spawn_writer(
    control: libp2p_stream::Control,
    peer: PeerId,
    exits: mpsc::UnboundedSender<WriterExit>,
) -> mpsc::Sender<Frame> {
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(write_loop(control, peer, rx, exits));
    tx
}

async fn write_loop(
    mut control: libp2p_stream::Control,
    peer: PeerId,
    mut queue: mpsc::Receiver<Frame>,
    exits: mpsc::UnboundedSender<WriterExit>,
) {
    let mut batch: Vec<u8> = Vec::new();
    loop {
        let mut stream = match control.open_stream(peer, PROTOCOL).await {
            Ok(s) => s,
            Err(libp2p_stream::OpenStreamError::UnsupportedProtocol(_)) => {
                tracing::info!(%peer, "peer does not speak {PROTOCOL}; gossip goes to it as requests");
                let _ = exits.send(WriterExit::Unsupported(peer));
                return;
            }
            Err(e) => {
                tracing::debug!(%peer, error = %e, "could not open the gossip stream");
                if queue.is_closed() {
                    return;
                }
                tokio::time::sleep(REOPEN_AFTER).await;
                continue;
            }
        };
        loop {
            let Some(first) = queue.recv().await else {
                let _ = stream.close().await;
                return;
            };
            batch.clear();
            batch.extend_from_slice(&first);
            while batch.len() < WRITE_BATCH_BYTES {
                match queue.try_recv() {
                    Ok(next) => batch.extend_from_slice(&next),
                    Err(_) => break,
                }
            }
            let written = async {
                stream.write_all(&batch).await?;
                stream.flush().await
            };
            if let Err(e) = written.await {
                tracing::debug!(%peer, error = %e, "gossip stream failed; reopening");
                break;
            }
        }
        tokio::time::sleep(REOPEN_AFTER).await;
    }
}

/// Accepts peers' gossip streams and hands what they carry to `events`. `allowed` maps
/// the validator set's peer ids to their keys; `dropped` counts streams and messages
/// from outside it.
pub fn spawn_reader(
    mut control: libp2p_stream::Control,
    allowed: Arc<RwLock<HashMap<PeerId, PublicKey>>>,
    events: mpsc::UnboundedSender<NetEvent>,
    dropped: Arc<AtomicU64>,
) -> Result<(), crate::error::NodeError> {
    let mut incoming = control
        .accept(PROTOCOL)
        .map_err(|e| crate::error::NodeError::P2p(e.to_string()))?;
    tokio::spawn(async move {
        while let Some((peer, stream)) = incoming.next().await {
            tokio::spawn(read_loop(
                peer,
                stream,
                allowed.clone(),
                events.clone(),
                dropped.clone(),
            ));
        }
    });
    Ok(())
}

fn key_of(allowed: &RwLock<HashMap<PeerId, PublicKey>>, peer: &PeerId) -> Option<PublicKey> {
    allowed
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(peer)
        .copied()
}

async fn read_loop<S: futures::AsyncRead + Unpin + Send>(
    peer: PeerId,
    stream: S,
    allowed: Arc<RwLock<HashMap<PeerId, PublicKey>>>,
    events: mpsc::UnboundedSender<NetEvent>,
    dropped: Arc<AtomicU64>,
) {
    let mut io = futures::io::BufReader::with_capacity(64 * 1024, stream);
    loop {
        let body = match read_frame(&mut io, MAX_REQUEST_BYTES).await {
            Ok(body) => body,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                tracing::warn!(%peer, error = %e, "gossip frame over the limit; closing the stream");
                dropped.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Err(e) => {
                if e.kind() != io::ErrorKind::UnexpectedEof {
                    tracing::debug!(%peer, error = %e, "gossip stream ended");
                }
                return;
            }
        };
        let Some(from) = key_of(&allowed, &peer) else {
            dropped.fetch_add(1, Ordering::Relaxed);
            return;
        };
        match decode(&body) {
            Ok(gossip) => {
                if events.send(NetEvent::Gossip { from, gossip }).is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(%peer, error = %e, "undecodable gossip; closing the stream");
                dropped.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_types::{Keypair, Payload, Transaction};

    #[test]
    fn a_frame_is_its_length_then_a_body_that_decodes_to_the_message() {
        let key = Keypair::from_seed("frame");
        let stx = Transaction {
            chain_id: "t".into(),
            signer: key.public(),
            nonce: 7,
            payload: Payload::SetApprovalThreshold(kuai_types::payload::SetApprovalThreshold {
                threshold: 1,
            }),
        }
        .sign(&key);
        let f = frame(&Gossip::Txs(vec![stx.clone()]));
        let len = u32::from_le_bytes(f[..4].try_into().unwrap()) as usize;
        assert_eq!(len, f.len() - 4);
        match decode(&f[4..]).unwrap() {
            Gossip::Txs(txs) => assert_eq!(txs, vec![stx]),
            other => panic!("{other:?}"),
        }
        assert!(decode(&f[4..f.len() - 1]).is_err(), "a cut body is refused");
    }

    fn txs_frame(nonce: u64) -> Frame {
        let key = Keypair::from_seed("reader");
        frame(&Gossip::Txs(vec![Transaction {
            chain_id: "t".into(),
            signer: key.public(),
            nonce,
            payload: Payload::SetApprovalThreshold(kuai_types::payload::SetApprovalThreshold {
                threshold: 1,
            }),
        }
        .sign(&key)]))
    }

    /// Reads `bytes` as one inbound stream from `peer`; returns the nonces of the
    /// transactions handed on, in order, and how many things were dropped.
    async fn read_all(bytes: Vec<u8>, peer: PeerId, allowed: Vec<PeerId>) -> (Vec<u64>, u64) {
        let key = Keypair::from_seed("sender").public();
        let allowed = Arc::new(RwLock::new(allowed.into_iter().map(|p| (p, key)).collect()));
        let (tx, mut rx) = mpsc::unbounded_channel();
        let dropped = Arc::new(AtomicU64::new(0));
        read_loop(
            peer,
            futures::io::Cursor::new(bytes),
            allowed,
            tx,
            dropped.clone(),
        )
        .await;
        let mut nonces = Vec::new();
        while let Ok(NetEvent::Gossip { from, gossip }) = rx.try_recv() {
            assert_eq!(from, key);
            if let Gossip::Txs(txs) = gossip {
                nonces.extend(txs.iter().map(|t| t.tx.nonce));
            }
        }
        (nonces, dropped.load(Ordering::Relaxed))
    }

    #[tokio::test]
    async fn a_stream_carries_frames_in_order_and_ends_at_the_first_bad_one() {
        let peer = PeerId::random();
        let mut bytes = Vec::new();
        for n in 0..3 {
            bytes.extend_from_slice(&txs_frame(n));
        }
        assert_eq!(
            read_all(bytes.clone(), peer, vec![peer]).await,
            (vec![0, 1, 2], 0)
        );

        // A frame that claims more than the limit ends the stream before it is read.
        let mut oversize = bytes.clone();
        oversize.extend_from_slice(&((MAX_REQUEST_BYTES + 1) as u32).to_le_bytes());
        oversize.extend_from_slice(&txs_frame(9));
        assert_eq!(
            read_all(oversize, peer, vec![peer]).await,
            (vec![0, 1, 2], 1)
        );

        // Garbage of a plausible length: refused, nothing after it is read.
        let mut garbage = txs_frame(0).to_vec();
        garbage.extend_from_slice(&8u32.to_le_bytes());
        garbage.extend_from_slice(&[0xff; 8]);
        garbage.extend_from_slice(&txs_frame(1));
        assert_eq!(read_all(garbage, peer, vec![peer]).await, (vec![0], 1));

        // A peer outside the validator set gets nothing through.
        assert_eq!(
            read_all(bytes, peer, vec![PeerId::random()]).await,
            (vec![], 1)
        );
    }
}
