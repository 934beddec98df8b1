//! Property tests over random sequences of sharing transactions: whatever the order,
//! signers and timing, no grant exists without its required approvals, no access event is
//! accepted outside a grant in force and in scope, and a revoked or expired grant admits
//! nothing.

use proptest::prelude::*;

use super::*;

#[derive(Clone, Debug)]
enum Step {
    Submit {
        signer: usize,
        entry: u64,
        fields: u8,
    },
    Approve {
        signer: usize,
        request: u64,
        quota: Option<u64>,
    },
    Reject {
        signer: usize,
        request: u64,
    },
    Withdraw {
        signer: usize,
        request: u64,
    },
    Revoke {
        signer: usize,
        grant: u64,
    },
    Access {
        signer: usize,
        grant: u64,
        accessor: usize,
        fields: u8,
        rows: u64,
    },
    Wait {
        days: u64,
    },
}

const SIGNERS: [&str; 7] = [
    "health-cdo",
    "health-reviewer",
    "health-reviewer-2",
    "health-app",
    "police-app",
    "civil-app",
    "police-cdo",
];
const FIELDS: [&str; 3] = ["id_number", "name", "district"];

fn pick_fields(mask: u8) -> Vec<&'static str> {
    let f: Vec<&str> = FIELDS
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, f)| *f)
        .collect();
    if f.is_empty() {
        vec!["district"]
    } else {
        f
    }
}

fn step() -> impl Strategy<Value = Step> {
    let s = 0..SIGNERS.len();
    prop_oneof![
        2 => (s.clone(), 1..4u64, 1..8u8).prop_map(|(signer, entry, fields)| Step::Submit { signer, entry, fields }),
        1 => (s.clone(), 1..6u64, proptest::option::of(1..50u64)).prop_map(|(signer, request, quota)| Step::Approve { signer, request, quota }),
        1 => (s.clone(), 1..6u64).prop_map(|(signer, request)| Step::Reject { signer, request }),
        1 => (s.clone(), 1..6u64).prop_map(|(signer, request)| Step::Withdraw { signer, request }),
        1 => (0..3usize, 1..4u64).prop_map(|(signer, grant)| Step::Revoke { signer, grant }),
        // Accesses are the interesting steps: weight them, mostly by plausible parties.
        3 => (prop_oneof![Just(0usize), Just(4), Just(5), s.clone()], 1..4u64, prop_oneof![Just(4usize), Just(5), s], 1..8u8, 0..40u64)
            .prop_map(|(signer, grant, accessor, fields, rows)| Step::Access { signer, grant, accessor, fields, rows }),
        1 => (1..20u64).prop_map(|days| Step::Wait { days }),
    ]
}

fn payload(step: &Step) -> Option<(usize, Payload)> {
    Some(match step.clone() {
        Step::Submit {
            signer,
            entry,
            fields,
        } => (signer, request(entry, &pick_fields(fields))),
        Step::Approve {
            signer,
            request,
            quota,
        } => (signer, approve(request, quota)),
        Step::Reject { signer, request } => (signer, reject(request, "no")),
        Step::Withdraw { signer, request } => (
            signer,
            Payload::WithdrawShareRequest(WithdrawShareRequest {
                request_id: request,
            }),
        ),
        Step::Revoke { signer, grant } => (
            signer,
            Payload::RevokeGrant(RevokeGrant {
                grant_id: grant,
                reason: "r".into(),
            }),
        ),
        Step::Access {
            signer,
            grant,
            accessor,
            fields,
            rows,
        } => (
            signer,
            access(grant, SIGNERS[accessor], &pick_fields(fields), rows),
        ),
        Step::Wait { .. } => return None,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn grants_and_accesses_respect_the_rules(steps in proptest::collection::vec(step(), 1..40)) {
        let mut c = TestChain::new();
        let mut two = spec(ShareType::Conditional, OpenMode::NotOpen);
        two.approval_threshold = Some(2);
        c.ok("health-cdo", publish(two));
        c.ok("health-cdo", publish(spec(ShareType::Conditional, OpenMode::NotOpen)));
        c.ok("health-cdo", publish(spec(ShareType::Unconditional, OpenMode::Open)));
        for s in &steps {
            let before: Option<Grant> = match s { Step::Access { grant, .. } => c.try_read(&keys::grant(*grant)), _ => None };
            let time_before = c.time;
            let Some((signer, p)) = payload(s) else {
                if let Step::Wait { days } = s { c.advance_days(*days); }
                continue;
            };
            let r = c.run(&key(SIGNERS[signer]), p.clone());
            if let (Step::Access { grant, rows, fields, .. }, TxOutcome::Success) = (s, &r.outcome) {
                let g = before.expect("an access succeeded without a grant");
                prop_assert!(g.revoked.is_none(), "access under revoked grant {grant}");
                prop_assert!(time_before + 1000 < g.expires_at, "access under expired grant {grant}");
                prop_assert!(pick_fields(*fields).iter().all(|f| g.fields.iter().any(|x| x == f)), "field outside scope");
                prop_assert!(g.quota_rows.is_none_or(|q| g.rows_used + rows <= q), "over quota");
            }
        }
        // Every grant answers a request that gathered its required approvals (or needed none).
        let mut id = 1;
        while let Some(g) = c.try_read::<Grant>(&keys::grant(id)) {
            let r = c.request(g.request_id);
            prop_assert_eq!(r.status.clone(), RequestStatus::Granted { grant_id: g.id });
            let e = c.entry(g.entry_id);
            if e.spec.share_type == ShareType::Conditional {
                prop_assert!(r.approvals.len() >= usize::from(r.required_approvals), "grant {} with {} of {} approvals", g.id, r.approvals.len(), r.required_approvals);
                let provider: Organization = c.read(&keys::organization(&e.provider));
                for a in &r.approvals {
                    prop_assert!(matches!(provider.role_of(a), Some(Role::Cdo | Role::Reviewer)), "approval by a non-officer");
                }
            }
            prop_assert!(g.quota_rows.is_none_or(|q| g.rows_used <= q));
            id += 1;
        }
    }
}
