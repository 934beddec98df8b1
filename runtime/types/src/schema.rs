//! OpenAPI schemas of the byte newtypes: all are hex strings in JSON.

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

use crate::crypto::{PublicKey, Signature};
use crate::hash::Hash;

fn hex_schema(bytes: usize, what: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(format!("{what}: {bytes} bytes as lower-case hex")))
        .min_length(Some(bytes * 2))
        .max_length(Some(bytes * 2))
        .into()
}

impl utoipa::PartialSchema for Hash {
    fn schema() -> RefOr<Schema> {
        hex_schema(32, "SHA-256 digest")
    }
}
impl utoipa::ToSchema for Hash {}

impl utoipa::PartialSchema for PublicKey {
    fn schema() -> RefOr<Schema> {
        hex_schema(32, "ed25519 public key")
    }
}
impl utoipa::ToSchema for PublicKey {}

impl utoipa::PartialSchema for Signature {
    fn schema() -> RefOr<Schema> {
        hex_schema(64, "ed25519 signature")
    }
}
impl utoipa::ToSchema for Signature {}
