//! What validators say to each other, and its bounded binary codec.
//!
//! Rules: every frame is a little-endian u32 length then the canonical encoding
//! (`kuai_types::codec`); a frame over its limit is refused before it is read; decoding
//! rejects trailing bytes. Nothing here is trusted: the receiver verifies signatures
//! and certificates.

use std::io;

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use kuai_consensus::ConsensusMessage;
use kuai_types::certificate::CommitCertificate;
use kuai_types::codec::{self, MAX_BLOCK_BYTES};
use kuai_types::{Block, BlockHeader, Hash, SignedTransaction};
use libp2p::StreamProtocol;
use serde::{Deserialize, Serialize};

/// The protocol name (changing the wire format means a new version: `/2` added compact
/// proposals and candidate fetches).
pub const PROTOCOL: StreamProtocol = StreamProtocol::new("/kuai/wire/2");
/// Largest request: a proposal with its block, or a batch of transactions.
pub const MAX_REQUEST_BYTES: usize = MAX_BLOCK_BYTES + 64 * 1024;
/// Largest response: a batch of synced blocks.
pub const MAX_RESPONSE_BYTES: usize = 4 * MAX_BLOCK_BYTES;
/// Blocks per sync response.
pub const SYNC_BATCH: u32 = 64;

/// A message gossiped to every peer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Gossip {
    /// A vote, or a proposal without its block.
    Consensus(ConsensusMessage),
    /// A proposal with the block whose hash it proposes.
    ProposalWithBlock {
        message: ConsensusMessage,
        block: Box<Block>,
    },
    /// Transactions a peer admitted to its mempool.
    Txs(Vec<SignedTransaction>),
    /// A proposal with its block's header and transactions, each by id where the
    /// proposer expects every peer to hold it already (see [`crate::bft::compact`]).
    CompactProposal {
        message: ConsensusMessage,
        header: Box<BlockHeader>,
        txs: Vec<TxRef>,
    },
}

/// One transaction of a compact proposal, in block order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TxRef {
    /// By id: the receiver takes it from its mempool or gossip pool.
    Id(Hash),
    /// Whole: a transaction peers may not hold yet.
    Full(Box<SignedTransaction>),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Request {
    Gossip(Gossip),
    /// Committed blocks from `from` on, with their certificates.
    Sync {
        from: u64,
        max: u32,
    },
    /// A candidate block, whole: a compact proposal named transactions this node lacks.
    Candidate {
        height: u64,
        hash: Hash,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Response {
    Ack,
    Blocks(Vec<(Block, CommitCertificate)>),
    /// The candidate asked for (by its hash), if this node holds it.
    Candidate {
        hash: Hash,
        block: Option<Box<Block>>,
    },
}

/// Reads one frame's body; a length over `limit` is refused (`InvalidData`) before the
/// body is read.
pub(super) async fn read_frame<T: AsyncRead + Unpin + Send>(
    io: &mut T,
    limit: usize,
) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_le_bytes(len) as usize;
    if len > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes over the limit of {limit}"),
        ));
    }
    let mut buf = vec![0u8; len];
    io.read_exact(&mut buf).await?;
    Ok(buf)
}

async fn write_frame<T: AsyncWrite + Unpin + Send>(io: &mut T, bytes: &[u8]) -> io::Result<()> {
    let len = u32::try_from(bytes.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame too large"))?;
    io.write_all(&len.to_le_bytes()).await?;
    io.write_all(bytes).await?;
    io.close().await
}

/// Decodes a frame's body (`InvalidData` if it does not decode whole).
pub(super) fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8], limit: usize) -> io::Result<T> {
    codec::decode(bytes, limit)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
}

/// The request-response codec of [`PROTOCOL`].
#[derive(Clone, Default)]
pub struct WireCodec;

#[async_trait::async_trait]
impl libp2p::request_response::Codec for WireCodec {
    type Protocol = StreamProtocol;
    type Request = Request;
    type Response = Response;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Request> {
        decode(&read_frame(io, MAX_REQUEST_BYTES).await?, MAX_REQUEST_BYTES)
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Response> {
        decode(
            &read_frame(io, MAX_RESPONSE_BYTES).await?,
            MAX_RESPONSE_BYTES,
        )
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Request,
    ) -> io::Result<()> {
        write_frame(io, &codec::encode(&req)).await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Response,
    ) -> io::Result<()> {
        write_frame(io, &codec::encode(&res)).await
    }
}
