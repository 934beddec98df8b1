//! The driver's candidate blocks: how its proposals travel (compact where peers hold the
//! transactions), how a compact proposal is assembled, and which blocks are kept.
//!
//! Rules (see [`super::super::compact`]): a block is kept only for the next two heights
//! and only once its transactions are shown to be its header's (assembled by id, or
//! hashed when it came whole); it is stored before any vote for it can leave; assembly
//! starts only for a proposal its round's proposer signed, once per block hash at a time,
//! and what it lacks is asked of that proposer first, then of the other validators in
//! turn ([`crate::bft::fetches`]).

use kuai_consensus::types::Height;
use kuai_consensus::ConsensusMessage;
use kuai_types::{Block, BlockHeader, Hash, PublicKey, SignedTransaction};

use super::{proposal_value, Driver, Internal};
use crate::bft::compact::{self, Assembled, Unassembled, GOSSIP_WAIT};
use crate::error::NodeError;
use crate::p2p::wire::TxRef;
use crate::p2p::Gossip;

impl Driver {
    /// A proposal as it goes to the peers: compact when this node knows its block's
    /// transaction ids, whole when it holds only the block, bare without either.
    pub(super) fn proposal_gossip(&self, message: ConsensusMessage) -> Gossip {
        let value = proposal_value(&message);
        match (self.blocks.get(&value), self.tx_hashes.get(&value)) {
            (Some(b), Some(hashes)) => Gossip::CompactProposal {
                header: Box::new(b.header.clone()),
                txs: compact::compact(b, hashes, &self.chain.peers_hold(hashes)),
                message,
            },
            (Some(b), None) => Gossip::ProposalWithBlock {
                message,
                block: Box::new(b.clone()),
            },
            (None, _) => Gossip::Consensus(message),
        }
    }

    /// Starts assembling a compact proposal's block, if it is one worth the work.
    pub(super) fn compact_proposal(
        &mut self,
        message: &ConsensusMessage,
        header: Box<BlockHeader>,
        txs: Vec<TxRef>,
    ) {
        let value = proposal_value(message);
        let Some(proposer) = self.round_proposer(message, header.height) else {
            return;
        };
        if header.hash() != value
            || !self.candidate_height_ok(header.height)
            || self.blocks.contains_key(&value)
            || self.assembling.contains(&value)
            || message.verify().is_err()
        {
            return;
        }
        self.assembling.insert(value);
        self.assemble(proposer, value, header, txs);
    }

    /// The signer of `message` when it is a proposal of `height` by the proposer of its
    /// round.
    fn round_proposer(&self, message: &ConsensusMessage, height: Height) -> Option<PublicKey> {
        let ConsensusMessage::Proposal(p) = message else {
            return None;
        };
        let expected = self
            .core
            .validators()
            .proposer(p.proposal.height, p.proposal.round);
        (p.proposal.height == height && p.proposer == expected).then_some(p.proposer)
    }

    /// The outcome of an assembly: the block is kept, or asked of the proposer whole
    /// (it stored the block before broadcasting; whole, it is checked like any other).
    pub(super) fn assembled(
        &mut self,
        proposer: PublicKey,
        height: Height,
        value: Hash,
        result: Result<Assembled, Unassembled>,
    ) -> Result<(), NodeError> {
        self.assembling.remove(&value);
        let why = match result {
            Ok(a) => {
                self.metrics.compact_proposals.inc();
                self.metrics
                    .compact_proposal_txs
                    .inc_by(a.block.txs.len() as u64);
                return self.add_candidate(value, a.block, Some(a.tx_hashes));
            }
            Err(why) => why,
        };
        // The block came whole meanwhile, or its height committed: nothing to fetch.
        if self.blocks.contains_key(&value) || !self.candidate_height_ok(height) {
            return Ok(());
        }
        match why {
            Unassembled::Lacking { missing, .. } => {
                tracing::debug!(height, %value, missing, %proposer, "compact proposal lacks transactions; fetching the block")
            }
            Unassembled::NotTheHeaders => {
                tracing::warn!(height, %value, %proposer, "a compact proposal's transactions are not its header's; fetching the block")
            }
        }
        let validators = self.core.validators().keys().to_vec();
        if let Some(peer) =
            self.fetches
                .start(value, height, proposer, &validators, &self.key.public())
        {
            self.fetch(peer, height, value);
        }
        Ok(())
    }

    /// A peer asked for a candidate whole lacks it (or could not be asked): the next
    /// validator is asked, while the block is still wanted (see [`crate::bft::fetches`]).
    pub(super) fn candidate_unavailable(&mut self, from: PublicKey, hash: Hash) {
        // A fetch still pending is for a block not yet here of a height not yet
        // committed: both end it ([`Driver::add_candidate`], `after_commit`).
        match self.fetches.unavailable(&hash, &from) {
            Some((height, next)) => {
                tracing::debug!(height, %hash, peer = %from, next = %next, "a peer lacks a candidate; asking the next validator");
                self.fetch(next, height, hash);
            }
            // Re-gossip of the stalled height, or the next round, goes on from here.
            None => {
                tracing::debug!(%hash, peer = %from, "a peer asked for a candidate does not hold it")
            }
        }
    }

    fn fetch(&self, peer: PublicKey, height: Height, value: Hash) {
        self.metrics.candidate_fetches.inc();
        self.net.fetch_candidate(peer, height, value);
    }

    /// Whether a candidate of `height` is worth keeping: the next height or the one after.
    fn candidate_height_ok(&self, height: Height) -> bool {
        let head = self.chain.head().height;
        (head + 1..=head + 2).contains(&height)
    }

    /// Keeps a candidate block (stored before any vote for it can leave) and validates it
    /// if the core asked for it already. `tx_hashes` are its transactions' ids when the
    /// caller has them from assembly; a block that came whole is hashed and checked
    /// against its header here (a validator could pair a proposal's header with other
    /// transactions), and the ids are kept for its verification.
    pub(super) fn add_candidate(
        &mut self,
        value: Hash,
        block: Block,
        tx_hashes: Option<Vec<Hash>>,
    ) -> Result<(), NodeError> {
        if !self.candidate_height_ok(block.header.height) || self.blocks.contains_key(&value) {
            return Ok(());
        }
        let tx_hashes = match tx_hashes {
            Some(hashes) => hashes,
            None => {
                let hashes: Vec<Hash> = block.txs.iter().map(SignedTransaction::hash).collect();
                if Block::tx_root_of(&hashes) != block.header.tx_root {
                    tracing::warn!(height = block.header.height, %value, "a block whose transactions are not its header's was refused");
                    return Ok(());
                }
                hashes
            }
        };
        self.chain.store().put_candidate(&value, &block)?;
        self.fetches.end(&value);
        self.blocks.insert(value, block);
        self.tx_hashes.insert(value, tx_hashes);
        if let Some(h) = self.wanted.remove(&value) {
            self.validate(h, value)?;
        }
        Ok(())
    }

    /// Assembles a compact proposal's block off the driver's task; lacking transactions,
    /// it waits (at most [`GOSSIP_WAIT`]) for the gossip that arrived before the proposal
    /// and tries once more.
    fn assemble(
        &self,
        proposer: PublicKey,
        value: Hash,
        header: Box<BlockHeader>,
        txs: Vec<TxRef>,
    ) {
        let (chain, tx, flight) = (
            self.chain.clone(),
            self.internal.clone(),
            self.gossip_in_flight.clone(),
        );
        let mark = flight.mark();
        tokio::task::spawn_blocking(move || {
            let held = |ids: &[Hash]| chain.held_txs(ids);
            let result = compact::assemble(&header, txs, held).or_else(|why| match why {
                Unassembled::Lacking { refs, .. } if flight.wait_before(mark, GOSSIP_WAIT) => {
                    compact::assemble(&header, refs, held)
                }
                other => Err(other),
            });
            let _ = tx.send(Internal::Assembled {
                proposer,
                height: header.height,
                value,
                result,
            });
        });
    }
}
