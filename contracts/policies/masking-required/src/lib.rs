//! Policy contract `masking_required`: sensitive data is shared masked; raw (unmasked)
//! sensitive fields only under a listed legal basis.
//!
//! # Parameters
//! - `legal_basis_codes=` (required): codes of the legal bases that allow raw sensitive
//!   fields, comma-separated, e.g. `GB-2023-17,LAW-PIPL-13`. A code is ASCII letters,
//!   digits, `-` and `_`.
//!
//! Any other key is an error, naming it.
//!
//! # Decision, in this order
//! A field is *sensitive* when the entry says so; a requested field the entry does not
//! list is treated as sensitive with masking `none` (it cannot happen with a correct host,
//! and the safe reading is the strict one).
//! 1. Raw sensitive fields requested (`request.raw_fields` that are sensitive) and the
//!    request's `legal_basis` cites none of the codes → Reject, naming the fields and the
//!    codes. The legal basis cites a code when the code appears in it as a whole token:
//!    tokens are the runs of ASCII letters, digits, `-` and `_`, compared ignoring ASCII
//!    case (so `LAW-PIPL-1` is not cited by `LAW-PIPL-13`; `依据GB-2023-17第5条` cites
//!    `GB-2023-17`).
//! 2. A requested sensitive field that is not granted raw and whose masking in the entry
//!    is `none` (it would go out unmasked) → Defer: the provider must look at it.
//! 3. Otherwise Grant: all requested fields for the requested period, without quotas;
//!    raw are all requested raw fields (non-sensitive ones always; sensitive ones under
//!    the cited legal basis, which an event records), the rest get the entry's masking.

#![cfg_attr(target_arch = "wasm32", no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

use kuai_contract_sdk::prelude::*;

/// The parameter keys this policy knows.
pub const KEYS: &[&str] = &["legal_basis_codes"];

/// The checked parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub legal_basis_codes: Vec<String>,
}

/// `kuai_init`: checks the parameters.
pub fn init(params: &Params) -> Result<Config, String> {
    params.check_keys(KEYS)?;
    let codes = params.required_list("legal_basis_codes")?;
    if let Some(bad) = codes.iter().find(|c| !c.bytes().all(is_code_byte)) {
        return Err(format!(
            "parameter `legal_basis_codes`: `{bad}` is not a code (ASCII letters, digits, \
             `-` and `_`)"
        ));
    }
    Ok(Config {
        legal_basis_codes: codes,
    })
}

/// `kuai_decide`.
pub fn decide(ctx: &mut Context, config: &Config, input: &PolicyInput) -> Decision {
    let request = &input.request;
    let entry = &input.entry;
    let sensitive = |name: &str| entry.field(name).is_none_or(|f| f.is_sensitive());
    let raw: Vec<&String> = request
        .raw_fields
        .iter()
        .filter(|f| request.fields.contains(f))
        .collect();
    let raw_sensitive: Vec<&String> = raw.iter().copied().filter(|f| sensitive(f)).collect();

    let mut cited = None;
    if !raw_sensitive.is_empty() {
        cited = config
            .legal_basis_codes
            .iter()
            .find(|code| cites(&request.legal_basis, code));
        if cited.is_none() {
            return Decision::Reject {
                reason: format!(
                    "raw (unmasked) sensitive fields {} need a legal basis citing one of: {}",
                    join(&raw_sensitive, ", "),
                    join(&config.legal_basis_codes, ", ")
                ),
            };
        }
    }

    let unmasked: Vec<&String> = request
        .fields
        .iter()
        .filter(|f| !raw.contains(f))
        .filter(|f| {
            entry
                .field(f)
                .is_none_or(|e| e.is_sensitive() && e.masking == "none")
        })
        .collect();
    if !unmasked.is_empty() {
        return Decision::Defer {
            note: format!(
                "sensitive fields {} have masking `none` in the entry and would be shared \
                 unmasked; left to the provider's officers",
                join(&unmasked, ", ")
            ),
        };
    }

    if let Some(code) = cited {
        ctx.emit(&format!(
            "raw sensitive fields {} granted under legal basis {code}",
            join(&raw_sensitive, ", ")
        ));
    }
    Decision::Grant(GrantTerms {
        fields: Vec::new(),
        raw_fields: raw.into_iter().cloned().collect(),
        period_days: request.period_days,
        quota_rows: None,
        quota_calls: None,
    })
}

kuai_contract_sdk::policy!(init = init, decide = decide);

fn is_code_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Whether `code` is one of the tokens of `legal_basis` (see the module docs).
pub fn cites(legal_basis: &str, code: &str) -> bool {
    legal_basis
        .split(|c: char| !(c.is_ascii() && is_code_byte(c as u8)))
        .any(|token| token.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_contract_sdk::{sample_input, Field, MockHost};

    const PARAMS: &str = "legal_basis_codes=GB-2023-17, LAW-PIPL-13";

    fn config(text: &str) -> Config {
        init(&Params::parse(text).unwrap()).unwrap()
    }

    fn run(input: &PolicyInput) -> (Decision, Vec<String>) {
        let mut host = MockHost::new();
        let d = decide(&mut host.context(), &config(PARAMS), input);
        (d, host.events)
    }

    fn terms(d: Decision) -> GrantTerms {
        match d {
            Decision::Grant(t) => t,
            other => panic!("expected Grant, got {other:?}"),
        }
    }

    #[test]
    fn masked_requests_are_granted_as_is() {
        let (d, events) = run(&sample_input());
        assert_eq!(
            terms(d),
            GrantTerms {
                fields: vec![],
                raw_fields: vec![],
                period_days: 30,
                quota_rows: None,
                quota_calls: None,
            }
        );
        assert!(events.is_empty());
    }

    #[test]
    fn raw_sensitive_without_legal_basis_is_rejected() {
        let mut input = sample_input();
        input.request.raw_fields = vec!["district".into(), "id_number".into(), "name".into()];
        input.request.legal_basis = "business need".into();
        assert_eq!(
            run(&input).0,
            Decision::Reject {
                reason: "raw (unmasked) sensitive fields id_number, name need a legal basis \
                         citing one of: GB-2023-17, LAW-PIPL-13"
                    .into()
            }
        );
    }

    #[test]
    fn raw_sensitive_with_a_cited_code_is_granted_raw() {
        let mut input = sample_input();
        input.request.raw_fields = vec!["id_number".into(), "district".into()];
        input.request.legal_basis = "依据law-pipl-13第十三条".into();
        let (d, events) = run(&input);
        assert_eq!(terms(d).raw_fields, ["id_number", "district"]);
        assert_eq!(
            events,
            ["raw sensitive fields id_number granted under legal basis LAW-PIPL-13"]
        );
    }

    #[test]
    fn raw_non_sensitive_fields_need_no_basis() {
        let mut input = sample_input();
        input.request.raw_fields = vec!["district".into()];
        let (d, events) = run(&input);
        assert_eq!(terms(d).raw_fields, ["district"]);
        assert!(events.is_empty());
    }

    #[test]
    fn sensitive_field_without_masking_is_deferred() {
        let mut input = sample_input();
        input.entry.fields.push(Field {
            name: "diagnosis".into(),
            sensitivity: "sensitive".into(),
            masking: "none".into(),
        });
        input.request.fields.push("diagnosis".into());
        let d = run(&input).0;
        assert_eq!(
            d,
            Decision::Defer {
                note: "sensitive fields diagnosis have masking `none` in the entry and would \
                       be shared unmasked; left to the provider's officers"
                    .into()
            }
        );
        // Granted raw under a legal basis, the same field needs no review.
        input.request.raw_fields = vec!["diagnosis".into()];
        input.request.legal_basis = "GB-2023-17".into();
        assert_eq!(terms(run(&input).0).raw_fields, ["diagnosis"]);
        // Raw without one, it is refused outright.
        input.request.legal_basis = String::new();
        assert!(matches!(run(&input).0, Decision::Reject { .. }));
    }

    #[test]
    fn fields_unknown_to_the_entry_are_treated_strictly() {
        let mut input = sample_input();
        input.request.fields.push("ghost".into());
        assert!(matches!(run(&input).0, Decision::Defer { .. }));
        input.request.raw_fields = vec!["ghost".into()];
        assert!(matches!(run(&input).0, Decision::Reject { .. }));
    }

    #[test]
    fn raw_fields_outside_the_request_are_ignored() {
        let mut input = sample_input();
        input.request.raw_fields = vec!["phone".into()]; // not among `fields`
        assert!(terms(run(&input).0).raw_fields.is_empty());
    }

    #[test]
    fn citing_is_by_whole_token() {
        assert!(cites("GB-2023-17", "GB-2023-17"));
        assert!(cites("per gb-2023-17, art. 5", "GB-2023-17"));
        assert!(cites("《标准》GB-2023-17号", "GB-2023-17"));
        assert!(!cites("LAW-PIPL-13", "LAW-PIPL-1"));
        assert!(!cites("GB-2023-170", "GB-2023-17"));
        assert!(!cites("XGB-2023-17", "GB-2023-17"));
        assert!(!cites("", "GB-2023-17"));
    }

    #[test]
    fn init_names_the_bad_key() {
        let err = |text: &str| init(&Params::parse(text).unwrap()).unwrap_err();
        assert_eq!(err(""), "missing required parameter `legal_basis_codes`");
        assert_eq!(
            err("legal_basis_codes=,"),
            "parameter `legal_basis_codes` lists nothing"
        );
        assert_eq!(
            err("legal_basis_codes=GB 2023"),
            "parameter `legal_basis_codes`: `GB 2023` is not a code (ASCII letters, digits, \
             `-` and `_`)"
        );
        assert!(err(&format!("{PARAMS}\nlegal_basis=x")).contains("unknown parameter"));
        assert_eq!(
            config(PARAMS).legal_basis_codes,
            ["GB-2023-17", "LAW-PIPL-13"]
        );
    }
}
