//! Keys and signatures: ed25519 with the ZIP-215 validation rules (`ed25519-zebra`,
//! the crate ZIP 215 was written against; `ed25519-consensus` is its fork with the same
//! rules), under which single and batch verification agree on every signature, so honest
//! nodes that batch and nodes that do not cannot split. `ed25519-zebra` runs on
//! curve25519-dalek 4, which picks its AVX2 backend at run time: batches verify about
//! 25% faster here than with `ed25519-consensus` (whose dalek fork has only the serial
//! backend on stable Rust). The tests below check the agreement on the known edge cases
//! (small-order and non-canonical points, non-canonical scalars).
//!
//! Every signed message is `domain tag || message`, and every message kind's
//! encoding starts with the chain id; see [`SignDomain`]. A single check decodes its key
//! once per process (a bounded cache of decoded keys; a batch decodes each of its keys
//! once).

use ed25519_zebra::{SigningKey, VerificationKey, VerificationKeyBytes};
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

use crate::error::TypesError;

/// The kinds of signed messages. Each has a constant tag; changing one is a breaking change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignDomain {
    /// A transaction envelope.
    Transaction,
    /// A consensus vote (used by the BFT layer).
    Vote,
    /// A block proposal (used by the BFT layer).
    Proposal,
    /// A request to a provider's data gateway (see [`crate::gateway`]).
    GatewayRequest,
}

impl SignDomain {
    pub fn tag(self) -> &'static [u8] {
        match self {
            SignDomain::Transaction => b"kuai/sign/tx/v1\0",
            SignDomain::Vote => b"kuai/sign/vote/v1\0",
            SignDomain::Proposal => b"kuai/sign/proposal/v1\0",
            SignDomain::GatewayRequest => b"kuai/sign/gateway/v1\0",
        }
    }

    fn message(self, msg: &[u8]) -> Vec<u8> {
        let tag = self.tag();
        let mut out = Vec::with_capacity(tag.len() + msg.len());
        out.extend_from_slice(tag);
        out.extend_from_slice(msg);
        out
    }
}

pub(crate) fn hex_array<const N: usize>(s: &str) -> Result<[u8; N], TypesError> {
    let bytes = hex::decode(s.trim()).map_err(|e| TypesError::Hex(e.to_string()))?;
    let found = bytes.len();
    bytes
        .try_into()
        .map_err(|_| TypesError::Length { expected: N, found })
}

macro_rules! byte_newtype {
    ($name:ident, $n:expr, $doc:expr) => {
        #[doc = $doc]
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub [u8; $n]);

        impl $name {
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }
        }

        impl FromStr for $name {
            type Err = TypesError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($name(hex_array::<$n>(s)?))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({}…)", stringify!($name), &self.to_hex()[..12])
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() {
                    s.serialize_str(&self.to_hex())
                } else {
                    serde::Serialize::serialize(&serde_big_array(&self.0), s)
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                if d.is_human_readable() {
                    let s = String::deserialize(d)?;
                    s.parse().map_err(serde::de::Error::custom)
                } else {
                    let v: Vec<u8> = serde::Deserialize::deserialize(d)?;
                    let found = v.len();
                    let arr: [u8; $n] = v.try_into().map_err(|_| {
                        serde::de::Error::custom(TypesError::Length {
                            expected: $n,
                            found,
                        })
                    })?;
                    Ok($name(arr))
                }
            }
        }
    };
}

/// Binary form of fixed arrays longer than serde's 32-element support: a length-prefixed
/// byte sequence (the decoder checks the length).
fn serde_big_array(bytes: &[u8]) -> &[u8] {
    bytes
}

byte_newtype!(
    PublicKey,
    32,
    "An ed25519 public key (32 bytes; hex in JSON)."
);
byte_newtype!(
    Signature,
    64,
    "An ed25519 signature (64 bytes; hex in JSON)."
);

impl PublicKey {
    /// Verifies `sig` over `domain || msg` with ZIP-215 rules.
    pub fn verify(
        &self,
        domain: SignDomain,
        msg: &[u8],
        sig: &Signature,
    ) -> Result<(), TypesError> {
        let vk = decoded_key(self)?;
        let sig = ed25519_zebra::Signature::from_bytes(&sig.0);
        vk.verify(&sig, &domain.message(msg))
            .map_err(|_| TypesError::BadSignature {
                signer: self.to_hex(),
            })
    }
}

/// The most decoded keys [`decoded_key`] keeps; when full it starts over.
const DECODED_KEYS_MAX: usize = 4_096;

/// Decoded verification keys by their bytes. A node checks the same few keys again and
/// again (its validators' votes and proposals, its members' requests), and decoding a
/// key (decompressing its curve point) was about an eighth of a single check. A decoded
/// key is a pure function of its bytes, so the cache cannot change a verdict; keys that
/// do not decode are not kept. Bounded: a flood of fresh keys costs at most
/// [`DECODED_KEYS_MAX`] entries (the map's hasher is seeded per process, so chosen keys
/// cannot collide). Batches decode their keys themselves, once per key per batch.
static DECODED_KEYS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<[u8; 32], VerificationKey>>,
> = std::sync::LazyLock::new(Default::default);

fn decoded_key(pk: &PublicKey) -> Result<VerificationKey, TypesError> {
    let lock = || DECODED_KEYS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(vk) = lock().get(&pk.0) {
        return Ok(*vk);
    }
    let vk = VerificationKey::try_from(pk.0).map_err(|_| TypesError::BadPublicKey)?;
    let mut keys = lock();
    if keys.len() >= DECODED_KEYS_MAX {
        keys.clear();
    }
    keys.insert(pk.0, vk);
    Ok(vk)
}

/// One item of a batch check: key, domain, message, signature.
pub type BatchItem<'a> = (PublicKey, SignDomain, &'a [u8], Signature);

/// The fewest signatures a thread checks as its own batch: a batch's cost per signature
/// grows as it shrinks (about 10.8 µs at 1,024, 12.5 µs at 256, 19 µs at 64 here), so
/// a batch is split over cores only where each part stays this large.
const MIN_BATCH_PER_THREAD: usize = 512;

/// How many threads check a batch of `n`: one per core, as far as each gets
/// [`MIN_BATCH_PER_THREAD`] signatures.
fn batch_threads(n: usize) -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |c| c.get()));
    (n / MIN_BATCH_PER_THREAD).clamp(1, cores)
}

/// True when every item verifies. A large batch is split into one part per core (see
/// [`batch_threads`]), each checked as a batch of its own on its own thread: a block's
/// signatures are checked while the validator's other cores would otherwise wait. Under
/// ZIP-215 a batch accepts exactly the signatures that verify singly, so a split changes
/// no verdict, only the time to it.
fn batch_ok(items: &[BatchItem<'_>]) -> bool {
    batch_ok_over(items, batch_threads(items.len()))
}

/// [`batch_ok`] over `threads` parts.
fn batch_ok_over(items: &[BatchItem<'_>], threads: usize) -> bool {
    if threads <= 1 || items.len() < 2 {
        return one_batch_ok(items);
    }
    let part = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let others: Vec<_> = items
            .chunks(part)
            .skip(1)
            .map(|chunk| scope.spawn(move || one_batch_ok(chunk)))
            .collect();
        let first = one_batch_ok(&items[..part]);
        // A part whose thread failed counts as failed: the callers then check singly.
        others
            .into_iter()
            .fold(first, |ok, other| other.join().unwrap_or(false) && ok)
    })
}

/// True when every item verifies, checked as one batch on this thread.
///
/// The batch equation weighs each signature by a random 128-bit coefficient, which an
/// attacker must not predict. They come from ChaCha20 seeded from the OS once per batch:
/// drawing each from `OsRng` cost a `getrandom` system call per signature, about 1% of a
/// loaded validator's CPU.
fn one_batch_ok(items: &[BatchItem<'_>]) -> bool {
    let mut batch = ed25519_zebra::batch::Verifier::new();
    let msgs: Vec<Vec<u8>> = items.iter().map(|(_, d, m, _)| d.message(m)).collect();
    for ((pk, _, _, sig), msg) in items.iter().zip(&msgs) {
        let vkb = VerificationKeyBytes::from(pk.0);
        batch.queue((
            vkb,
            ed25519_zebra::Signature::from_bytes(&sig.0),
            msg.as_slice(),
        ));
    }
    batch.verify(ChaCha20Rng::from_entropy()).is_ok()
}

/// Verifies many `(key, domain, message, signature)` items at once (about 2.4x faster
/// than one by one). Accepts exactly what [`PublicKey::verify`] accepts (ZIP-215). On
/// failure, falls back to single checks to name the first bad item's index.
pub fn verify_batch(items: &[BatchItem<'_>]) -> Result<(), (usize, TypesError)> {
    if batch_ok(items) {
        return Ok(());
    }
    for (i, (pk, d, m, sig)) in items.iter().enumerate() {
        pk.verify(*d, m, sig).map_err(|e| (i, e))?;
    }
    Ok(())
}

/// Which items verify (the same verdicts as [`PublicKey::verify`] on each). One batch
/// when all do; otherwise the batch is halved and each half checked the same way, so a
/// few bad signatures among thousands (one client's garbage in a combined admission
/// batch) cost a few dozen smaller batches, not a single check of every item.
pub fn verify_each(items: &[BatchItem<'_>]) -> Vec<bool> {
    fn check(items: &[BatchItem<'_>], out: &mut [bool]) {
        match items {
            [] => {}
            [(pk, d, m, sig)] => out[0] = pk.verify(*d, m, sig).is_ok(),
            _ if batch_ok(items) => out.fill(true),
            _ => {
                let mid = items.len() / 2;
                let (left, right) = out.split_at_mut(mid);
                check(&items[..mid], left);
                check(&items[mid..], right);
            }
        }
    }
    let mut out = vec![false; items.len()];
    check(items, &mut out);
    out
}

/// A signing key. Never serialized implicitly: see [`crate::keyfile`].
pub struct Keypair {
    sk: SigningKey,
    pk: PublicKey,
}

impl Keypair {
    pub fn generate() -> Keypair {
        Keypair::from_secret(SigningKey::new(OsRng).to_bytes())
    }

    pub fn from_secret(secret: [u8; 32]) -> Keypair {
        let sk = SigningKey::from(secret);
        let pk = PublicKey(sk.verification_key().into());
        Keypair { sk, pk }
    }

    /// A key derived from a seed string. For tests and sample data only.
    pub fn from_seed(seed: &str) -> Keypair {
        Keypair::from_secret(crate::hash::Hash::tagged(b"kuai/test-key/v1", &[seed.as_bytes()]).0)
    }

    pub fn public(&self) -> PublicKey {
        self.pk
    }

    pub fn secret_bytes(&self) -> [u8; 32] {
        self.sk.to_bytes()
    }

    pub fn sign(&self, domain: SignDomain, msg: &[u8]) -> Signature {
        Signature(self.sk.sign(&domain.message(msg)).to_bytes())
    }
}

impl Clone for Keypair {
    fn clone(&self) -> Self {
        Keypair::from_secret(self.secret_bytes())
    }
}

impl fmt::Debug for Keypair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Keypair({:?})", self.pk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_domain_separation() {
        let k = Keypair::from_seed("a");
        let sig = k.sign(SignDomain::Transaction, b"m");
        k.public()
            .verify(SignDomain::Transaction, b"m", &sig)
            .unwrap();
        assert!(k.public().verify(SignDomain::Vote, b"m", &sig).is_err());
        assert!(k
            .public()
            .verify(SignDomain::Transaction, b"n", &sig)
            .is_err());
        let other = Keypair::from_seed("b");
        assert!(other
            .public()
            .verify(SignDomain::Transaction, b"m", &sig)
            .is_err());
    }

    #[test]
    fn batch_agrees_with_single() {
        let keys: Vec<Keypair> = (0..8).map(|i| Keypair::from_seed(&i.to_string())).collect();
        let msgs: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; 10]).collect();
        let mut items: Vec<(PublicKey, SignDomain, &[u8], Signature)> = keys
            .iter()
            .zip(&msgs)
            .map(|(k, m)| {
                (
                    k.public(),
                    SignDomain::Transaction,
                    m.as_slice(),
                    k.sign(SignDomain::Transaction, m),
                )
            })
            .collect();
        verify_batch(&items).unwrap();
        items[5].3 .0[0] ^= 1;
        assert_eq!(verify_batch(&items).unwrap_err().0, 5);
    }

    #[test]
    fn a_batch_split_over_threads_finds_a_bad_signature_in_any_part() {
        let keys: Vec<Keypair> = (0..4).map(|i| Keypair::from_seed(&i.to_string())).collect();
        let msgs: Vec<Vec<u8>> = (0..9u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let mut items: Vec<BatchItem<'_>> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let k = &keys[i % keys.len()];
                (
                    k.public(),
                    SignDomain::Transaction,
                    m.as_slice(),
                    k.sign(SignDomain::Transaction, m),
                )
            })
            .collect();
        for threads in 1..=4 {
            assert!(batch_ok_over(&items, threads), "{threads} threads");
        }
        // A bad signature in the first part, in a middle part, and in the last.
        for bad in [0, 4, 8] {
            items[bad].3 .0[1] ^= 1;
            for threads in 1..=4 {
                assert!(
                    !batch_ok_over(&items, threads),
                    "item {bad}, {threads} threads"
                );
            }
            let verdicts = verify_each(&items);
            assert_eq!(verdicts.iter().filter(|ok| !**ok).count(), 1);
            assert!(!verdicts[bad]);
            items[bad].3 .0[1] ^= 1;
        }
    }

    #[test]
    fn only_large_batches_are_split() {
        assert_eq!(batch_threads(0), 1);
        assert_eq!(batch_threads(MIN_BATCH_PER_THREAD * 2 - 1), 1);
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        assert_eq!(batch_threads(MIN_BATCH_PER_THREAD * 2), cores.min(2));
        assert_eq!(batch_threads(usize::MAX), cores);
    }

    /// Encodings of the small-order points of edwards25519, canonical and not (the
    /// ZIP-215 test set): under ZIP-215 every one of them decodes, and a signature with a
    /// small-order `A` and `R` and `s = 0` satisfies the cofactored equation for any
    /// message.
    const SMALL_ORDER: [&str; 14] = [
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        // Non-canonical encodings (y >= p, or x = 0 with the sign bit set).
        "0100000000000000000000000000000000000000000000000000000000000080",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ];

    fn single_and_batch(pk: PublicKey, sig: Signature, msg: &[u8]) -> (bool, bool) {
        let single = pk.verify(SignDomain::Transaction, msg, &sig).is_ok();
        // In a batch with a valid signature beside it, as blocks are checked.
        let k = Keypair::from_seed("honest");
        let good = k.sign(SignDomain::Transaction, b"other");
        let batch = verify_batch(&[
            (k.public(), SignDomain::Transaction, b"other", good),
            (pk, SignDomain::Transaction, msg, sig),
        ])
        .is_ok();
        (single, batch)
    }

    #[test]
    fn batch_and_single_agree_on_the_zip215_edge_cases() {
        let points: Vec<[u8; 32]> = SMALL_ORDER
            .iter()
            .map(|h| hex::decode(h).unwrap().try_into().unwrap())
            .collect();
        let mut accepted = 0;
        for a in &points {
            for r in &points {
                let mut sig = [0u8; 64];
                sig[..32].copy_from_slice(r);
                let (single, batch) = single_and_batch(PublicKey(*a), Signature(sig), b"zip215");
                assert_eq!(single, batch, "A={} R={}", hex::encode(a), hex::encode(r));
                accepted += usize::from(single);
            }
        }
        // ZIP-215 accepts all 196 combinations (cofactored check, non-canonical points).
        assert_eq!(accepted, points.len() * points.len());

        // A non-canonical scalar: s + l, the same scalar mod the group order l, so only
        // the canonical-s rule refuses it. Both refuse it.
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let k = Keypair::from_seed("s");
        let good = k.sign(SignDomain::Transaction, b"m");
        let mut sig = good.0;
        let mut carry = 0u16;
        for (i, l) in L.iter().enumerate() {
            let v = u16::from(sig[32 + i]) + u16::from(*l) + carry;
            sig[32 + i] = v as u8;
            carry = v >> 8;
        }
        assert_eq!(carry, 0);
        assert_eq!(single_and_batch(k.public(), good, b"m"), (true, true));
        assert_eq!(
            single_and_batch(k.public(), Signature(sig), b"m"),
            (false, false)
        );
        // A key that is not a curve point (y = 2 has no x) is refused by both.
        let mut bad = [0u8; 32];
        bad[0] = 2;
        assert!(VerificationKey::try_from(bad).is_err());
        let sig = k.sign(SignDomain::Transaction, b"m");
        assert_eq!(single_and_batch(PublicKey(bad), sig, b"m"), (false, false));
    }

    #[test]
    fn decoded_keys_are_kept_bounded_and_never_for_a_key_that_does_not_decode() {
        let k = Keypair::from_seed("cache");
        let sig = k.sign(SignDomain::Vote, b"v");
        // The first check decodes and keeps the key; the second uses the kept one.
        for _ in 0..2 {
            assert!(k.public().verify(SignDomain::Vote, b"v", &sig).is_ok());
            assert!(k.public().verify(SignDomain::Vote, b"w", &sig).is_err());
            assert!(DECODED_KEYS.lock().unwrap().contains_key(&k.public().0));
        }
        let mut bad = [0u8; 32];
        bad[0] = 2; // y = 2 is not on the curve
        for _ in 0..2 {
            assert!(matches!(
                PublicKey(bad).verify(SignDomain::Vote, b"v", &sig),
                Err(TypesError::BadPublicKey)
            ));
        }
        assert!(!DECODED_KEYS.lock().unwrap().contains_key(&bad));
        // Past the bound the cache starts over instead of growing.
        for i in 0..=DECODED_KEYS_MAX as u64 {
            let mut secret = [7u8; 32];
            secret[..8].copy_from_slice(&i.to_le_bytes());
            decoded_key(&Keypair::from_secret(secret).public()).unwrap();
            assert!(DECODED_KEYS.lock().unwrap().len() <= DECODED_KEYS_MAX);
        }
    }

    #[test]
    fn verify_each_finds_exactly_the_bad_items() {
        let keys: Vec<Keypair> = (0..4).map(|i| Keypair::from_seed(&i.to_string())).collect();
        let msgs: Vec<Vec<u8>> = (0..100u8).map(|i| vec![i; 20]).collect();
        let mut items: Vec<BatchItem<'_>> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let k = &keys[i % 4];
                (
                    k.public(),
                    SignDomain::Transaction,
                    m.as_slice(),
                    k.sign(SignDomain::Transaction, m),
                )
            })
            .collect();
        assert_eq!(verify_each(&items), vec![true; 100]);
        for bad in [0, 37, 38, 99] {
            items[bad].3 .0[5] ^= 1;
        }
        let verdicts = verify_each(&items);
        for (i, (pk, d, m, s)) in items.iter().enumerate() {
            assert_eq!(verdicts[i], pk.verify(*d, m, s).is_ok(), "item {i}");
            assert_eq!(verdicts[i], ![0, 37, 38, 99].contains(&i), "item {i}");
        }
        assert!(verify_each(&[]).is_empty());
    }

    #[test]
    fn json_and_binary_forms() {
        let k = Keypair::from_seed("a").public();
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, format!("\"{}\"", k.to_hex()));
        assert_eq!(serde_json::from_str::<PublicKey>(&json).unwrap(), k);
        let bin = crate::codec::encode(&k);
        assert_eq!(crate::codec::decode::<PublicKey>(&bin, 64).unwrap(), k);
        assert!(serde_json::from_str::<PublicKey>("\"abcd\"").is_err());
    }
}
