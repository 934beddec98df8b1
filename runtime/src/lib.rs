//! Kuai's ledger state machine: a deterministic function
//! `(state, block context, transactions) -> (state diff, receipts, receipts root)`; the node
//! turns the diff into the header's state root with its state tree.
//!
//! Rules it enforces (each rejection is a [`RuntimeError`] variant with the values a
//! user needs, recorded in the transaction's receipt):
//! - a transaction for another chain id, with a bad signature, or with a nonce other than
//!   its signer's next one is rejected and changes nothing (not even the nonce), so a
//!   replay of a committed transaction can never apply twice;
//! - any other rejection consumes the nonce but leaves all other state untouched
//!   (transactions are atomic);
//! - each block first applies scheduled validator-set changes and sweeps deadlines that
//!   ended (marking what is overdue, see [`deadlines`]), then runs its transactions;
//! - the only clock is the block time in [`BlockContext`]; there is no I/O, randomness or
//!   floating point, so every validator computes the same diff, receipts and root;
//! - once access buckets are in force, a block's access events end up in one bucket
//!   value, `ab/{height}`, written last (see [`access_buckets`]);
//! - once deadline groups are in force, the deadlines a block files for one day end up
//!   in one value, `dg/{day}/{first}` (see [`deadline_groups`]).
//!
//! The runtime reads state through [`StateRead`] and never writes it: the node applies
//! the returned [`StateDiff`] together with the block in one storage batch.

pub mod access_buckets;
pub mod calendar;
pub mod chain_state;
mod commitment;
pub mod contracts;
pub mod deadline_groups;
pub mod deadlines;
mod error;
mod execute;
pub mod genesis;
mod memo;
pub use kuai_types::state_keys as keys;
mod state;
mod tx;

pub use commitment::state_root;
pub use error::RuntimeError;
pub use execute::{
    block_events_hash, check_envelope, check_envelope_verified, execute_block,
    execute_hashed_block, next_nonce, BlockContext, BlockOutcome,
};
pub use state::{MemState, Overlay, ReadCache, StateDiff, StateRead};
