//! The canonical binary codec: every byte that is hashed, signed, stored or sent
//! between nodes goes through here.
//!
//! Rules:
//! - bincode 1 with fixed-width little-endian integers (so a value has exactly one encoding);
//! - every decode states a byte limit and fails with [`TypesError::TooLarge`] beyond it;
//! - trailing bytes after the value are an error ([`TypesError::TrailingBytes`]), except
//!   in [`decode_front`], which reads a value's leading fields (bincode writes a struct's
//!   fields in declaration order) and leaves the rest undecoded;
//! - types that cross this codec never use `skip_serializing_if` or internally tagged
//!   enums (bincode cannot read them back).

use bincode::Options;
use serde::{de::DeserializeOwned, Serialize};

use crate::error::TypesError;

/// Largest signed transaction accepted anywhere (API, mempool, block).
pub const MAX_TX_BYTES: usize = 64 * 1024;
/// Largest encoded block.
pub const MAX_BLOCK_BYTES: usize = 32 * 1024 * 1024;
/// Largest single state value.
pub const MAX_STATE_VALUE_BYTES: usize = 1024 * 1024;

fn options() -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .reject_trailing_bytes()
}

/// Encodes a value canonically. Encoding an in-memory value cannot fail for the
/// types of this crate (no maps with non-string keys, no unsized sequences).
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Into a growing buffer: `serialize` walks the value twice (once to size the
    // buffer), and most values here are small. Same bytes either way.
    let mut out = Vec::with_capacity(128);
    // bincode only fails on serializer errors our derived types cannot raise.
    match options().serialize_into(&mut out, value) {
        Ok(()) => out,
        Err(_) => Vec::new(),
    }
}

/// Decodes exactly one value from `bytes`, which must not exceed `limit` bytes.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], limit: usize) -> Result<T, TypesError> {
    decode_with(options(), bytes, limit)
}

/// Decodes a `T` from the front of `bytes` (at most `limit` bytes long) and ignores what
/// follows: the leading fields of a larger encoded value, e.g. a stored block's header
/// and transaction count as `(BlockHeader, u64)` without decoding its transactions.
pub fn decode_front<T: DeserializeOwned>(bytes: &[u8], limit: usize) -> Result<T, TypesError> {
    decode_with(options().allow_trailing_bytes(), bytes, limit)
}

/// Decodes with `opts` (this codec's, with its rule for trailing bytes), within `limit`.
fn decode_with<T: DeserializeOwned>(
    opts: impl Options,
    bytes: &[u8],
    limit: usize,
) -> Result<T, TypesError> {
    if bytes.len() > limit {
        return Err(TypesError::TooLarge {
            size: bytes.len(),
            limit,
        });
    }
    opts.with_limit(limit as u64)
        .deserialize(bytes)
        .map_err(|e| match *e {
            bincode::ErrorKind::Custom(ref m)
                if m.contains("trailing") || m.contains("bytes remaining") =>
            {
                TypesError::TrailingBytes
            }
            bincode::ErrorKind::SizeLimit => TypesError::TooLarge {
                size: bytes.len(),
                limit,
            },
            other => TypesError::Malformed(other.to_string()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Sample {
        a: u64,
        b: String,
        c: Vec<u8>,
    }

    #[test]
    fn round_trip() {
        let s = Sample {
            a: 7,
            b: "x".into(),
            c: vec![1, 2],
        };
        assert_eq!(decode::<Sample>(&encode(&s), 1024).unwrap(), s);
    }

    #[test]
    fn rejects_trailing_bytes() {
        let mut bytes = encode(&Sample {
            a: 1,
            b: String::new(),
            c: vec![],
        });
        bytes.push(0);
        assert_eq!(
            decode::<Sample>(&bytes, 1024),
            Err(TypesError::TrailingBytes)
        );
    }

    #[test]
    fn decode_front_reads_the_leading_fields_only() {
        let s = Sample {
            a: 9,
            b: "front".into(),
            c: vec![1, 2, 3],
        };
        let bytes = encode(&s);
        let (a, b): (u64, String) = decode_front(&bytes, 1024).unwrap();
        assert_eq!((a, b.as_str()), (9, "front"));
        assert_eq!(decode_front::<Sample>(&bytes, 1024).unwrap(), s);
        assert!(
            decode_front::<(u64, String)>(&bytes[..10], 1024).is_err(),
            "cut short"
        );
        assert!(decode_front::<u64>(&bytes, 4).is_err(), "over the limit");
    }

    #[test]
    fn rejects_oversize_input() {
        let bytes = vec![0u8; 2048];
        assert!(matches!(
            decode::<Sample>(&bytes, 1024),
            Err(TypesError::TooLarge {
                size: 2048,
                limit: 1024
            })
        ));
    }

    #[test]
    fn length_prefix_cannot_force_a_huge_allocation() {
        // a: 0, b: length 2^40 claimed, no content: must fail on the limit, not allocate.
        let mut bytes = 0u64.to_le_bytes().to_vec();
        bytes.extend_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(decode::<Sample>(&bytes, 1024).is_err());
    }

    #[test]
    fn golden_encoding_is_pinned() {
        let s = Sample {
            a: 1,
            b: "k".into(),
            c: vec![9],
        };
        assert_eq!(
            hex::encode(encode(&s)),
            "0100000000000000\
             0100000000000000\
             6b\
             0100000000000000\
             09"
        );
    }

    #[test]
    fn encoding_into_a_growing_buffer_gives_bincodes_bytes() {
        let values = vec![
            Sample {
                a: u64::MAX,
                b: "数据共享".into(),
                c: vec![],
            },
            Sample {
                a: 0,
                b: "x".repeat(5000),
                c: (0..=255).collect(),
            },
        ];
        assert_eq!(encode(&values), options().serialize(&values).unwrap());
        assert_eq!(encode(&values[0]), options().serialize(&values[0]).unwrap());
    }
}
