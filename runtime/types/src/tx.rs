//! The signed transaction envelope.
//!
//! Rules:
//! - the signature covers `SignDomain::Transaction` tag || canonical encoding of
//!   [`Transaction`], whose first field is the chain id: a transaction signed for one
//!   chain never verifies on another;
//! - the transaction id is `SHA-256("kuai/tx/v1" || encoding of the signed envelope)`;
//! - an envelope is at most [`MAX_TX_BYTES`] encoded, checked before decoding.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::codec::{self, MAX_TX_BYTES};
use crate::crypto::{Keypair, PublicKey, SignDomain, Signature};
use crate::error::TypesError;
use crate::hash::Hash;
use crate::payload::Payload;

/// What the signer signs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Transaction {
    pub chain_id: String,
    pub signer: PublicKey,
    /// Per-signer sequence number, starting at 0; each committed transaction uses the next.
    pub nonce: u64,
    pub payload: Payload,
}

impl Transaction {
    pub fn sign(self, key: &Keypair) -> SignedTransaction {
        let signature = key.sign(SignDomain::Transaction, &codec::encode(&self));
        SignedTransaction {
            tx: self,
            signature,
        }
    }
}

/// A transaction with its signature: the unit sent to nodes and put in blocks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignedTransaction {
    pub tx: Transaction,
    pub signature: Signature,
}

impl SignedTransaction {
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Decodes an envelope, enforcing the size limit and rejecting trailing bytes.
    /// Does not verify the signature.
    pub fn decode(bytes: &[u8]) -> Result<Self, TypesError> {
        codec::decode(bytes, MAX_TX_BYTES)
    }

    pub fn hash(&self) -> Hash {
        Hash::tagged(b"kuai/tx/v1", &[&self.encode()])
    }

    /// The message the signature covers (without the domain tag).
    pub fn signing_bytes(&self) -> Vec<u8> {
        codec::encode(&self.tx)
    }

    pub fn verify_signature(&self) -> Result<(), TypesError> {
        self.tx.signer.verify(
            SignDomain::Transaction,
            &self.signing_bytes(),
            &self.signature,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::RejectShareRequest;

    fn sample(chain: &str, key: &Keypair) -> SignedTransaction {
        Transaction {
            chain_id: chain.into(),
            signer: key.public(),
            nonce: 3,
            payload: Payload::RejectShareRequest(RejectShareRequest {
                request_id: 1,
                reason: "no legal basis".into(),
            }),
        }
        .sign(key)
    }

    #[test]
    fn signed_envelope_round_trips_and_verifies() {
        let key = Keypair::from_seed("k");
        let stx = sample("kuai-test", &key);
        let back = SignedTransaction::decode(&stx.encode()).unwrap();
        assert_eq!(back, stx);
        back.verify_signature().unwrap();
    }

    #[test]
    fn changing_the_chain_id_breaks_the_signature() {
        let key = Keypair::from_seed("k");
        let mut stx = sample("kuai-a", &key);
        stx.tx.chain_id = "kuai-b".into();
        assert!(matches!(
            stx.verify_signature(),
            Err(TypesError::BadSignature { .. })
        ));
    }

    #[test]
    fn trailing_and_oversize_envelopes_are_rejected() {
        let key = Keypair::from_seed("k");
        let mut bytes = sample("c", &key).encode();
        bytes.push(1);
        assert_eq!(
            SignedTransaction::decode(&bytes),
            Err(TypesError::TrailingBytes)
        );
        let big = vec![0u8; MAX_TX_BYTES + 1];
        assert!(matches!(
            SignedTransaction::decode(&big),
            Err(TypesError::TooLarge { .. })
        ));
        assert!(SignedTransaction::decode(&[0xff; 10]).is_err());
    }

    #[test]
    fn golden_tx_hash() {
        // Pins the envelope format: changing the codec, the field order or the hash tag
        // changes this value and must be a deliberate chain-format change.
        let key = Keypair::from_secret([7u8; 32]);
        let h = sample("kuai-golden", &key).hash();
        assert_eq!(h.to_hex(), GOLDEN_TX_HASH, "transaction format changed");
    }

    const GOLDEN_TX_HASH: &str = "37abfe6b27704c3315da93ad8e0a52d0b1351703b02ea9bf76067374e4986ad0";
}
