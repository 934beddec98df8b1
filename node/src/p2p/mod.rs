//! Networking between validators over libp2p: the wire format ([`wire`]) and the swarm
//! with its permissioned peer set ([`network`]).

pub mod network;
pub mod wire;

pub use network::{peer_id, spawn, Command, NetEvent, NetworkConfig, NetworkHandle};
pub use wire::Gossip;
