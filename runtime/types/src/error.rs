//! The one error enum of `kuai-types`.

use thiserror::Error;

/// Everything that can go wrong while decoding, verifying or validating shared types.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TypesError {
    #[error("input is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("malformed encoding: {0}")]
    Malformed(String),
    #[error("trailing bytes after the encoded value")]
    TrailingBytes,
    #[error("invalid hex: {0}")]
    Hex(String),
    #[error("expected {expected} bytes, found {found}")]
    Length { expected: usize, found: usize },
    #[error("invalid ed25519 public key")]
    BadPublicKey,
    #[error("signature does not verify for signer {signer}")]
    BadSignature { signer: String },
    #[error("invalid unified social credit code {code:?}: {reason}")]
    InvalidCreditCode { code: String, reason: String },
    #[error("invalid resident ID number {id:?}: {reason}")]
    InvalidResidentId { id: String, reason: String },
    #[error("key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("commit certificate for height {height} has {signers} distinct signers of {validators} validators; it needs {needed} (more than 2/3)")]
    CertificateNoQuorum {
        height: u64,
        signers: usize,
        validators: usize,
        needed: usize,
    },
    #[error(
        "commit certificate for height {height} is signed by {signer}, who is not a validator"
    )]
    CertificateUnknownSigner { height: u64, signer: String },
    #[error("commit certificate for height {height} holds two votes of validator {signer}")]
    CertificateDuplicateSigner { height: u64, signer: String },
    #[error("this CPU lacks instruction-set extensions this build was compiled for: {missing} (run on a CPU that has them, or build with a lower `target-cpu` in .cargo/config.toml)")]
    CpuFeatures { missing: String },
}
