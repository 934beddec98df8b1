//! Policy contract `allow_list`: grants share requests from listed requesters, roles and
//! purposes, optionally restricted to listed fields.
//!
//! # Parameters
//! - `requesters=` (required): unified social credit codes of the organizations that may
//!   ask, comma-separated, or `*` for any organization. Each code is checked (18
//!   characters, GB 32100 alphabet and check character).
//! - `roles=` (optional): roles of the signing key that may ask, from `cdo`, `reviewer`,
//!   `app`; any role if not given.
//! - `purposes=` (required): purpose keywords, comma-separated, or `*` for any purpose.
//! - `fields=` (optional): the fields that may be shared; all fields if not given.
//!
//! Any other key is an error, naming it.
//!
//! # Decision, in this order
//! 1. A requester organization not in `requesters` → Reject, naming the organization.
//! 2. A role not in `roles` → Reject, naming the role and the allowed roles.
//! 3. A purpose that contains none of the `purposes` keywords (ASCII letters compared
//!    case-insensitively) → Reject, naming the allowed purposes.
//! 4. With `fields`: the grant covers only the requested fields that are listed (an
//!    event names the others); if none is → Reject, naming the requested fields.
//! 5. Otherwise Grant for the requested period, without quotas. Raw (unmasked) fields are
//!    never granted: the entry's masking applies (an event names raw fields asked for).

#![cfg_attr(target_arch = "wasm32", no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

use kuai_contract_sdk::prelude::*;

/// The parameter keys this policy knows.
pub const KEYS: &[&str] = &["requesters", "roles", "purposes", "fields"];
/// The roles `roles=` may name.
pub const ROLES: &[&str] = &["cdo", "reviewer", "app"];

/// The checked parameters. `None` means "any".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Canonical (upper-case) credit codes.
    pub requesters: Option<Vec<String>>,
    pub roles: Option<Vec<String>>,
    pub purposes: Option<Vec<String>>,
    pub fields: Option<Vec<String>>,
}

/// `kuai_init`: checks the parameters.
pub fn init(params: &Params) -> Result<Config, String> {
    params.check_keys(KEYS)?;
    let requesters = wildcard(params.required_list("requesters")?, "requesters")?;
    if let Some(codes) = &requesters {
        for code in codes {
            check_credit_code(code).map_err(|why| {
                format!("parameter `requesters`: `{code}` is not a credit code: {why}")
            })?;
        }
    }
    let roles = optional_list(params, "roles")?;
    if let Some(roles) = &roles {
        if let Some(bad) = roles.iter().find(|r| !ROLES.contains(&r.as_str())) {
            return Err(format!(
                "parameter `roles`: unknown role `{bad}` (roles: {})",
                join(ROLES, ", ")
            ));
        }
    }
    let purposes = wildcard(params.required_list("purposes")?, "purposes")?;
    let fields = optional_list(params, "fields")?;
    Ok(Config {
        requesters: requesters.map(|v| v.iter().map(|c| c.to_ascii_uppercase()).collect()),
        roles,
        purposes,
        fields,
    })
}

/// `kuai_decide`.
pub fn decide(ctx: &mut Context, config: &Config, input: &PolicyInput) -> Decision {
    let request = &input.request;
    let who = &input.requester;
    if let Some(codes) = &config.requesters {
        if !codes.iter().any(|c| c.eq_ignore_ascii_case(&who.org)) {
            return reject(format!(
                "requester {} ({}) is not on this entry's allow list",
                who.org, who.org_name
            ));
        }
    }
    if let Some(roles) = &config.roles {
        if !roles.contains(&who.role) {
            return reject(format!(
                "role `{}` may not request this entry (allowed roles: {})",
                who.role,
                join(roles, ", ")
            ));
        }
    }
    if let Some(purposes) = &config.purposes {
        if !purposes
            .iter()
            .any(|p| contains_ignore_ascii_case(&request.purpose, p))
        {
            return reject(format!(
                "purpose `{}` names none of the allowed purposes: {}",
                request.purpose,
                join(purposes, ", ")
            ));
        }
    }
    let mut granted = Vec::new();
    if let Some(allowed) = &config.fields {
        let (keep, drop): (Vec<&String>, Vec<&String>) =
            request.fields.iter().partition(|f| allowed.contains(f));
        if keep.is_empty() {
            return reject(format!(
                "none of the requested fields ({}) may be shared under this policy \
                 (allowed fields: {})",
                join(&request.fields, ", "),
                join(allowed, ", ")
            ));
        }
        if !drop.is_empty() {
            ctx.emit(&format!("fields not granted: {}", join(drop, ", ")));
        }
        granted = keep.into_iter().cloned().collect();
    }
    if !request.raw_fields.is_empty() {
        ctx.emit(&format!(
            "raw fields not granted, the entry's masking applies: {}",
            join(&request.raw_fields, ", ")
        ));
    }
    Decision::Grant(GrantTerms {
        fields: granted,
        raw_fields: Vec::new(),
        period_days: request.period_days,
        quota_rows: None,
        quota_calls: None,
    })
}

kuai_contract_sdk::policy!(init = init, decide = decide);

fn reject(reason: String) -> Decision {
    Decision::Reject { reason }
}

/// `None` for a lone `*`; an error if `*` is mixed with other items.
fn wildcard(items: Vec<String>, key: &str) -> Result<Option<Vec<String>>, String> {
    if !items.iter().any(|i| i == "*") {
        Ok(Some(items))
    } else if items.len() == 1 {
        Ok(None)
    } else {
        Err(format!("parameter `{key}`: `*` must stand alone"))
    }
}

/// An optional list: `None` if not given, an error if given but empty.
fn optional_list(params: &Params, key: &str) -> Result<Option<Vec<String>>, String> {
    match params.get(key) {
        None => Ok(None),
        Some(_) => params.required_list(key).map(Some),
    }
}

const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Checks a unified social credit code (GB 32100-2015): 18 characters of the alphabet
/// `0-9A-HJ-NPQRTUWXY` (either case), the 18th the check character (weights `3^i mod 31`).
pub fn check_credit_code(code: &str) -> Result<(), String> {
    let bytes = code.as_bytes();
    if bytes.len() != 18 {
        return Err(format!("{} bytes, not 18 characters", bytes.len()));
    }
    let mut sum = 0usize;
    let mut weight = 1usize;
    let mut values = [0usize; 18];
    for (i, b) in bytes.iter().enumerate() {
        let upper = b.to_ascii_uppercase();
        values[i] = CREDIT_ALPHABET
            .iter()
            .position(|&c| c == upper)
            .ok_or_else(|| format!("character {} is not allowed", i + 1))?;
    }
    for v in &values[..17] {
        sum += v * weight;
        weight = weight * 3 % 31;
    }
    if values[17] != (31 - sum % 31) % 31 {
        return Err("wrong check character".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_contract_sdk::{sample_input, MockHost};

    const MARKET: &str = "11520100MB1742286U";
    const POLICE: &str = "11520100009283741A";
    const HEALTH: &str = "11520100MB01377292";

    fn config(text: &str) -> Config {
        init(&Params::parse(text).unwrap()).unwrap()
    }

    fn init_err(text: &str) -> String {
        init(&Params::parse(text).unwrap()).unwrap_err()
    }

    fn run(text: &str, input: &PolicyInput) -> (Decision, Vec<String>) {
        let mut host = MockHost::new();
        let d = decide(&mut host.context(), &config(text), input);
        (d, host.events)
    }

    fn reason(d: Decision) -> String {
        match d {
            Decision::Reject { reason } => reason,
            other => panic!("expected Reject, got {other:?}"),
        }
    }

    fn terms(d: Decision) -> GrantTerms {
        match d {
            Decision::Grant(t) => t,
            other => panic!("expected Grant, got {other:?}"),
        }
    }

    #[test]
    fn grants_listed_requester_for_requested_period() {
        let text = format!(
            "requesters={POLICE}, {}\npurposes=licence",
            MARKET.to_lowercase()
        );
        let (d, events) = run(&text, &sample_input());
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
    fn rejects_unlisted_requester_naming_it() {
        let text = format!("requesters={POLICE},{HEALTH}\npurposes=*");
        let r = reason(run(&text, &sample_input()).0);
        assert!(r.contains(MARKET) && r.contains("allow list"), "{r}");
    }

    #[test]
    fn star_allows_any_requester_but_not_mixed() {
        let (d, _) = run("requesters=*\npurposes=*", &sample_input());
        terms(d);
        assert_eq!(
            init_err(&format!("requesters=*,{MARKET}\npurposes=*")),
            "parameter `requesters`: `*` must stand alone"
        );
    }

    #[test]
    fn roles_restrict_the_signing_role() {
        let text = "requesters=*\nroles=cdo, reviewer\npurposes=*";
        let r = reason(run(text, &sample_input()).0);
        assert_eq!(
            r,
            "role `app` may not request this entry (allowed roles: cdo, reviewer)"
        );
        let mut input = sample_input();
        input.requester.role = "cdo".into();
        terms(run(text, &input).0);
    }

    #[test]
    fn purpose_must_contain_a_keyword_case_insensitively() {
        let text = "requesters=*\npurposes=Licence, 证照核验";
        terms(run(text, &sample_input()).0);
        let mut input = sample_input();
        input.request.purpose = "营业执照证照核验".into();
        terms(run(text, &input).0);
        input.request.purpose = "marketing".into();
        assert_eq!(
            reason(run(text, &input).0),
            "purpose `marketing` names none of the allowed purposes: Licence, 证照核验"
        );
    }

    #[test]
    fn fields_restrict_the_grant_and_name_what_is_dropped() {
        let text = "requesters=*\npurposes=*\nfields=district, name, phone";
        let (d, events) = run(text, &sample_input());
        assert_eq!(terms(d).fields, ["name", "district"]);
        assert_eq!(events, ["fields not granted: id_number"]);

        let mut input = sample_input();
        input.request.fields = vec!["id_number".into(), "address".into()];
        assert_eq!(
            reason(run(text, &input).0),
            "none of the requested fields (id_number, address) may be shared under this \
             policy (allowed fields: district, name, phone)"
        );
    }

    #[test]
    fn raw_fields_are_never_granted() {
        let mut input = sample_input();
        input.request.raw_fields = vec!["district".into(), "name".into()];
        let (d, events) = run("requesters=*\npurposes=*", &input);
        assert!(terms(d).raw_fields.is_empty());
        assert_eq!(
            events,
            ["raw fields not granted, the entry's masking applies: district, name"]
        );
    }

    #[test]
    fn checks_run_in_order() {
        // Requester first, even when role and purpose are also wrong.
        let mut input = sample_input();
        input.request.purpose = "x".into();
        let text = format!("requesters={POLICE}\nroles=cdo\npurposes=y");
        assert!(reason(run(&text, &input).0).starts_with("requester "));
        let text = format!("requesters={MARKET}\nroles=cdo\npurposes=y");
        assert!(reason(run(&text, &input).0).starts_with("role "));
    }

    #[test]
    fn init_names_the_bad_key() {
        assert_eq!(
            init_err("purposes=x"),
            "missing required parameter `requesters`"
        );
        assert_eq!(
            init_err("requesters=*"),
            "missing required parameter `purposes`"
        );
        assert_eq!(
            init_err("requesters=*\npurposes=*\nroles=cdo,boss"),
            "parameter `roles`: unknown role `boss` (roles: cdo, reviewer, app)"
        );
        assert_eq!(
            init_err("requesters=*\npurposes=*\nfields= ,"),
            "parameter `fields` lists nothing"
        );
        assert!(init_err("requesters=*\npurposes=*\nrole=cdo").contains("unknown parameter `role`"));
        let bad = init_err("requesters=11520100MB1742286X\npurposes=*");
        assert!(
            bad.starts_with("parameter `requesters`: `11520100MB1742286X`"),
            "{bad}"
        );
    }

    #[test]
    fn credit_codes() {
        for good in [
            MARKET,
            POLICE,
            HEALTH,
            "9152010033718A0B3K",
            "91110000600037341l",
        ] {
            assert_eq!(check_credit_code(good), Ok(()), "{good}");
        }
        assert_eq!(
            check_credit_code("11520100MB1742286"),
            Err("17 bytes, not 18 characters".into())
        );
        assert_eq!(
            check_credit_code("11520100MI1742286U"),
            Err("character 10 is not allowed".into())
        );
        assert_eq!(
            check_credit_code("11520100MB1742287U"),
            Err("wrong check character".into())
        );
    }

    #[test]
    fn wasm_entry_points_round_trip() {
        use kuai_contract_sdk::{decode, encode, run_decide, run_init, InitInput, InitOutcome};
        let init_input = InitInput {
            instance_id: 1,
            params: "requesters=*".into(),
            block_height: 1,
            block_time_ms: 0,
        };
        let outcome: InitOutcome = decode(&run_init(&encode(&init_input), init)).unwrap();
        assert_eq!(
            outcome,
            InitOutcome::InvalidParams {
                reason: "missing required parameter `purposes`".into()
            }
        );
        let mut input = sample_input();
        input.params = "requesters=*\npurposes=licence".into();
        let out = run_decide(&mut MockHost::new(), &encode(&input), init, decide);
        terms(decode(&out).unwrap());
    }
}
