//! The data gateway's wire types, shared by the provider's node (which checks and serves
//! requests) and the SDK (which builds and signs them).
//!
//! A fetch is a [`FetchRequest`] signed by the accessor's key under
//! [`SignDomain::GatewayRequest`] over its canonical encoding (whose first field is the
//! chain id, so a request for one chain never verifies on another). The gateway:
//! - refuses a request without a signature, with a bad one, older or newer than
//!   [`MAX_REQUEST_SKEW_MS`], or whose `(accessor, nonce)` it has seen (replay);
//! - refuses unless the grant exists, names the entry, is in force (not revoked, not
//!   expired), the accessor is an active key of the grantee, every field and filter is in
//!   the grant's scope, the purpose is the granted one, and the rows and the call fit the
//!   quotas (counting deliveries not yet on chain);
//! - answers the rows masked by the grant's rules (CSV or JSON lines), after an access
//!   event for the delivery is in the provider's mempool; the event's `query_digest` is
//!   [`FetchRequest::digest`], so a grantee can find its delivery on chain.

use std::collections::BTreeMap;

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::codec;
use crate::crypto::{Keypair, PublicKey, SignDomain, Signature};
use crate::error::TypesError;
use crate::hash::Hash;
use crate::model::Scorecard;

/// Most rows one fetch may ask for.
pub const MAX_FETCH_ROWS: u32 = 100_000;
/// A request's timestamp may differ from the gateway's clock by at most this much.
pub const MAX_REQUEST_SKEW_MS: u64 = 5 * 60 * 1000;
/// Most filters in one request.
pub const MAX_FILTERS: usize = 16;

/// Response headers of a fetch.
pub const HEADER_ROWS: &str = "x-kuai-rows";
pub const HEADER_ACCESS_TX: &str = "x-kuai-access-tx";
pub const HEADER_QUERY_DIGEST: &str = "x-kuai-query-digest";
pub const HEADER_GRANT: &str = "x-kuai-grant";

/// How a filter compares a field's stored (unmasked) value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilterOp {
    /// Equal to the value. Allowed on any granted field that is delivered (not
    /// suppressed): the grantee must already know the value (e.g. verifying a person).
    Eq,
    /// Starts with the value. Allowed only on fields delivered unmasked, so a prefix
    /// search cannot uncover what masking hides.
    Prefix,
}

/// A condition on a field; rows must pass every filter of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Filter {
    pub field: String,
    pub op: FilterOp,
    pub value: String,
}

impl Filter {
    /// Parses `field=value` (equality) or `field^=value` (prefix).
    pub fn parse(text: &str) -> Option<Filter> {
        let (field, op, value) = if let Some((f, v)) = text.split_once("^=") {
            (f, FilterOp::Prefix, v)
        } else {
            let (f, v) = text.split_once('=')?;
            (f, FilterOp::Eq, v)
        };
        let field = field.trim();
        (!field.is_empty()).then(|| Filter {
            field: field.to_string(),
            op,
            value: value.to_string(),
        })
    }

    pub fn matches(&self, stored: &str) -> bool {
        match self.op {
            FilterOp::Eq => stored == self.value,
            FilterOp::Prefix => stored.starts_with(self.value.as_str()),
        }
    }
}

/// The body format of a fetch's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataFormat {
    /// RFC 4180 CSV with a header line; a field that is not delivered is empty.
    Csv,
    /// One JSON object per line; a field that is not delivered is `null`.
    Jsonl,
}

/// What an accessor asks a provider's gateway for (signed, see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FetchRequest {
    pub chain_id: String,
    pub grant_id: u64,
    pub entry_id: u64,
    /// The signing key: an active member key of the grantee.
    pub accessor: PublicKey,
    /// Columns to deliver, in this order; each must be in the grant's scope.
    pub fields: Vec<String>,
    pub filters: Vec<Filter>,
    /// Rows to skip among the matching rows (in the dataset's order).
    pub offset: u64,
    /// Most rows to deliver (1 to [`MAX_FETCH_ROWS`]).
    pub limit: u32,
    /// Must equal the grant's purpose.
    pub purpose: String,
    pub format: DataFormat,
    /// The accessor's clock (ms since the Unix epoch).
    pub timestamp_ms: u64,
    /// Random; the gateway refuses a second request with the same accessor and nonce.
    pub nonce: u64,
}

impl FetchRequest {
    /// A fresh random nonce.
    pub fn random_nonce() -> u64 {
        OsRng.next_u64()
    }

    /// The bytes the signature covers (after the domain tag).
    pub fn signing_bytes(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// The access event's `query_digest` for this request.
    pub fn digest(&self) -> Hash {
        Hash::tagged(b"kuai/gateway/query/v1", &[&self.signing_bytes()])
    }

    pub fn sign(self, key: &Keypair) -> SignedFetch {
        let signature = key.sign(SignDomain::GatewayRequest, &self.signing_bytes());
        SignedFetch {
            request: self,
            signature: Some(signature),
        }
    }
}

/// `POST /v1/gateway/fetch` body. The signature is optional in the JSON only so that an
/// unsigned request gets a clear refusal; the gateway serves nothing without it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignedFetch {
    pub request: FetchRequest,
    #[serde(default)]
    pub signature: Option<Signature>,
}

impl SignedFetch {
    /// Verifies the signature by `request.accessor`; `Ok(false)` when there is none.
    pub fn verify(&self) -> Result<bool, TypesError> {
        match &self.signature {
            None => Ok(false),
            Some(sig) => self
                .request
                .accessor
                .verify(
                    SignDomain::GatewayRequest,
                    &self.request.signing_bytes(),
                    sig,
                )
                .map(|_| true),
        }
    }
}

/// How many rows of a dataset were excluded on load, for one reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExcludedRow {
    /// Line (CSV, JSON lines; 1 is the first data row) or row number (SQLite).
    pub row: u64,
    pub reason: String,
}

/// A dataset bound to a catalog entry on a provider's gateway, with its load counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DatasetInfo {
    pub entry_id: u64,
    /// Credit code of the providing department.
    pub provider: String,
    pub entry_name: String,
    /// `csv`, `jsonl` or `sqlite`.
    pub source: String,
    /// The entry's fields the dataset serves.
    pub fields: Vec<String>,
    /// Rows read from the source.
    pub rows_read: u64,
    /// Rows that passed validation and are served.
    pub rows_served: u64,
    /// Rows excluded as dirty data (invalid identifier, missing required field, bad date).
    pub rows_excluded: u64,
    /// Excluded rows by reason kind, e.g. `invalid resident ID in id_number`.
    pub excluded_by_reason: BTreeMap<String, u64>,
    /// The first few excluded rows, for the provider to fix at the source.
    pub examples: Vec<ExcludedRow>,
}

/// A department's scorecard from the chain, with the data quality its gateway sees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GatewayScorecard {
    pub organization: String,
    /// The on-chain scorecard (catalog, requests, objections, data served).
    pub scorecard: Scorecard,
    pub datasets: u64,
    pub rows_served: u64,
    pub rows_excluded: u64,
    /// Served rows per 10,000 rows read (10,000 = no dirty data). Integer, no floats.
    pub clean_per_10k: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(key: &Keypair) -> FetchRequest {
        FetchRequest {
            chain_id: "kuai-test".into(),
            grant_id: 3,
            entry_id: 1,
            accessor: key.public(),
            fields: vec!["name".into(), "district".into()],
            filters: vec![Filter::parse("district=云岩区").unwrap()],
            offset: 0,
            limit: 10,
            purpose: "checks".into(),
            format: DataFormat::Csv,
            timestamp_ms: 1_700_000_000_000,
            nonce: 42,
        }
    }

    #[test]
    fn signed_requests_verify_and_tampering_breaks_them() {
        let key = Keypair::from_seed("app");
        let signed = sample(&key).sign(&key);
        assert_eq!(signed.verify(), Ok(true));
        let json = serde_json::to_string(&signed).unwrap();
        let back: SignedFetch = serde_json::from_str(&json).unwrap();
        assert_eq!(back.verify(), Ok(true));

        let mut more = signed.clone();
        more.request.limit = 11;
        assert!(more.verify().is_err());
        let mut other_chain = signed.clone();
        other_chain.request.chain_id = "kuai-other".into();
        assert!(other_chain.verify().is_err());
        // A transaction signature over the same bytes is not a gateway signature.
        let mut tx_domain = signed.clone();
        tx_domain.signature =
            Some(key.sign(SignDomain::Transaction, &signed.request.signing_bytes()));
        assert!(tx_domain.verify().is_err());

        let unsigned = SignedFetch {
            request: sample(&key),
            signature: None,
        };
        assert_eq!(unsigned.verify(), Ok(false));
        let no_sig: SignedFetch =
            serde_json::from_value(serde_json::json!({ "request": sample(&key) })).unwrap();
        assert_eq!(no_sig.signature, None);
    }

    #[test]
    fn digest_depends_on_every_field() {
        let key = Keypair::from_seed("app");
        let a = sample(&key);
        let mut b = a.clone();
        b.nonce += 1;
        assert_ne!(a.digest(), b.digest());
        assert_eq!(a.digest(), sample(&key).digest());
    }

    #[test]
    fn filters_parse_and_match() {
        let eq = Filter::parse("district=云岩区").unwrap();
        assert_eq!(eq.op, FilterOp::Eq);
        assert!(eq.matches("云岩区") && !eq.matches("云岩区x"));
        let pre = Filter::parse("id_number^=520103").unwrap();
        assert_eq!(
            (pre.field.as_str(), pre.op),
            ("id_number", FilterOp::Prefix)
        );
        assert!(pre.matches("520103199001011234") && !pre.matches("520102"));
        assert!(Filter::parse("novalue").is_none());
        assert!(Filter::parse("=x").is_none());
        assert_eq!(Filter::parse("a=b=c").unwrap().value, "b=c");
    }
}
