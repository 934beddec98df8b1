//! Networking between validators over libp2p: the wire format ([`wire`]), the swarm
//! with its permissioned peer set ([`network`]), gossip over one long-lived stream per
//! peer ([`gossip_stream`]) and the pacing of transaction gossip ([`tx_gossip`]).

pub mod gossip_stream;
pub mod network;
pub mod tx_gossip;
pub mod wire;

pub use network::{peer_id, spawn, Command, NetEvent, NetworkConfig, NetworkHandle};
pub use wire::Gossip;
