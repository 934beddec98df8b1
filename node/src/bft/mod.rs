//! The BFT engine: drives the pure consensus core (`kuai-consensus`) with the node's
//! timers, network, disk and ledger.
//!
//! Rules the driver keeps (the core's contract, see its docs):
//! - effects run in the order the core gives them; `PersistSafety` is written synced
//!   before any later effect, so no signature leaves the node before its record is on disk;
//! - every input is appended to the write-ahead log before the core sees it, and every
//!   message the node signed before it is sent; each height has its own log, kept until
//!   that height's block is stored (a crash between deciding and storing replays it);
//! - incoming consensus messages are signature-checked here before the core sees them;
//!   synced blocks are accepted only with a commit certificate of more than 2/3 of the
//!   current validators that names exactly that block;
//! - blocks are executed when proposed or validated, and the execution is reused when the
//!   block is decided; a decided block is committed with its certificate in one batch;
//! - the safety record is also kept next to the key file ([`safety_file`]) and the guard
//!   starts from the later of the two copies, so a node restarted from an old copy of its
//!   data directory refuses to sign anything conflicting with what it signed since;
//! - a proposal names the transactions peers hold by id ([`compact`]); a block assembled
//!   from ids is verified like any other, against its header's transactions root.
//!
//! Deviation: proposing the next block waits for the last one's execution (the header
//! carries the post-state root), so the pipeline is propose → validate → commit per height;
//! execution of a block overlaps with the network rounds of the same height only.

pub mod compact;
mod driver;
pub mod fetches;
pub mod safety_file;
mod sync_pacer;

pub use driver::{start, BftConfig};
