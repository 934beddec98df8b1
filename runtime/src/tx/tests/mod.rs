//! Runtime tests on an in-memory chain. `TestChain` signs, executes and reads back;
//! each test reads as a small story.

mod catalog;
mod contracts;
mod governance;
mod orgs;
mod properties;
mod rejections;
mod sharing;

use std::collections::{BTreeSet, HashMap, HashSet};

use kuai_types::access_bucket::{AccessBucket, BucketMembership};
use kuai_types::genesis::{GenesisOrganization, GenesisSpec, GenesisValidator};
use kuai_types::identifiers::complete_credit_code;
use kuai_types::model::*;
use kuai_types::payload::*;
use kuai_types::{
    Event, Hash, Keypair, Payload, Receipt, SignedTransaction, Transaction, TxOutcome,
};
use serde::de::DeserializeOwned;

use crate::calendar::{day_of_date, end_of_day, parse_date, DAY_MS};
use crate::execute::{execute_block, BlockContext, BlockOutcome};
use crate::state::{MemState, Overlay};
use crate::{genesis, keys};

pub const CHAIN: &str = "kuai-test";

pub fn code(n: u32) -> String {
    complete_credit_code(&format!("11110000MB{n:07}")).unwrap()
}

/// Block time at `hour` o'clock (China time) on `date`.
pub fn at(date: &str, hour: u64) -> u64 {
    end_of_day(day_of_date(parse_date(date).unwrap()) - 1) + hour * 3_600_000
}

pub fn member(k: &Keypair, role: Role) -> Member {
    Member {
        key: k.public(),
        role,
    }
}

pub fn key(name: &str) -> Keypair {
    Keypair::from_seed(name)
}

/// Organizations of the test consortium: 0 operator, 1 health, 2 police, 3 civil affairs,
/// 4 auditor; 5 is an outside applicant registered by the operator.
pub fn genesis_spec() -> GenesisSpec {
    let org = |n: u32, name: &str, kind: OrgKind, members: Vec<Member>| GenesisOrganization {
        credit_code: code(n),
        name: name.into(),
        kind,
        members,
    };
    GenesisSpec {
        chain_id: CHAIN.into(),
        genesis_time_ms: at("2025-09-01", 9),
        validators: vec![GenesisValidator {
            key: key("police-validator").public(),
            operator: code(2),
        }],
        organizations: vec![
            org(
                0,
                "Platform operator",
                OrgKind::PlatformOperator,
                vec![member(&key("operator"), Role::Cdo)],
            ),
            org(
                1,
                "Health commission",
                OrgKind::Department,
                vec![
                    member(&key("health-cdo"), Role::Cdo),
                    member(&key("health-reviewer"), Role::Reviewer),
                    member(&key("health-reviewer-2"), Role::Reviewer),
                    member(&key("health-app"), Role::App),
                ],
            ),
            org(
                2,
                "Public security bureau",
                OrgKind::Department,
                vec![
                    member(&key("police-cdo"), Role::Cdo),
                    member(&key("police-app"), Role::App),
                    member(&key("police-validator"), Role::Validator),
                ],
            ),
            org(
                3,
                "Civil affairs bureau",
                OrgKind::Department,
                vec![
                    member(&key("civil-cdo"), Role::Cdo),
                    member(&key("civil-app"), Role::App),
                ],
            ),
            org(
                4,
                "Data security office",
                OrgKind::Auditor,
                vec![member(&key("auditor"), Role::Cdo)],
            ),
        ],
        parameters: None,
        calendars: vec![HolidayCalendar {
            year: 2025,
            holidays: [
                "2025-10-01",
                "2025-10-02",
                "2025-10-03",
                "2025-10-06",
                "2025-10-07",
                "2025-10-08",
            ]
            .map(String::from)
            .to_vec(),
            makeup_workdays: vec!["2025-09-28".into(), "2025-10-11".into()],
        }],
        access_event_buckets_from: 1,
        deadline_groups_from: 1,
    }
}

pub struct TestChain {
    pub state: MemState,
    pub root: Hash,
    pub height: u64,
    pub time: u64,
    nonces: HashMap<[u8; 32], u64>,
    pub block_events: Vec<Event>,
    pub last_outcome: Option<BlockOutcome>,
    /// Every rejection code seen, for the coverage test.
    pub codes: BTreeSet<String>,
}

impl TestChain {
    pub fn new() -> Self {
        Self::from_spec(genesis_spec())
    }

    pub fn from_spec(spec: GenesisSpec) -> Self {
        let (diff, root) = genesis::build(&spec).unwrap();
        let mut state = MemState::default();
        state.apply(&diff);
        TestChain {
            state,
            root,
            height: 0,
            time: spec.genesis_time_ms,
            nonces: HashMap::new(),
            block_events: vec![],
            last_outcome: None,
            codes: BTreeSet::new(),
        }
    }

    pub fn sign(&mut self, k: &Keypair, payload: Payload) -> SignedTransaction {
        let n = self.nonces.entry(k.public().0).or_insert(0);
        let stx = Transaction {
            chain_id: CHAIN.into(),
            signer: k.public(),
            nonce: *n,
            payload,
        }
        .sign(k);
        *n += 1;
        stx
    }

    pub fn set_nonce(&mut self, k: &Keypair, n: u64) {
        self.nonces.insert(k.public().0, n);
    }

    /// Executes a block at the current time + 1 s.
    pub fn block(&mut self, txs: &[SignedTransaction]) -> Vec<Receipt> {
        self.height += 1;
        self.time += 1000;
        let ctx = BlockContext {
            chain_id: CHAIN.into(),
            height: self.height,
            time_ms: self.time,
            proposer: key("police-validator").public(),
        };
        let out = execute_block(&self.state, &ctx, txs, &HashSet::new()).unwrap();
        self.state.apply(&out.diff);
        self.root = crate::state_root(&self.root, &out.diff);
        self.block_events = out.block_events.clone();
        for r in &out.receipts {
            if let TxOutcome::Rejected { code, .. } = &r.outcome {
                self.codes.insert(code.clone());
            }
        }
        let receipts = out.receipts.clone();
        self.last_outcome = Some(out);
        receipts
    }

    pub fn run(&mut self, k: &Keypair, payload: Payload) -> Receipt {
        let stx = self.sign(k, payload);
        self.block(&[stx]).remove(0)
    }

    /// Runs and asserts success; returns the receipt's events.
    pub fn ok(&mut self, signer: &str, payload: Payload) -> Vec<Event> {
        let r = self.run(&key(signer), payload);
        assert_eq!(r.outcome, TxOutcome::Success, "{signer}: {r:?}");
        r.events
    }

    /// Runs and asserts a rejection; returns (code, reason).
    pub fn rejected(&mut self, signer: &str, payload: Payload) -> (String, String) {
        let r = self.run(&key(signer), payload);
        match r.outcome {
            TxOutcome::Rejected { code, reason } => (code, reason),
            TxOutcome::Success => panic!(
                "{signer}: expected a rejection, got success with {:?}",
                r.events
            ),
        }
    }

    pub fn read<T: DeserializeOwned>(&self, k: &[u8]) -> T {
        Overlay::new(&self.state)
            .read(k)
            .unwrap()
            .unwrap_or_else(|| panic!("no value under {:?}", String::from_utf8_lossy(k)))
    }

    pub fn try_read<T: DeserializeOwned>(&self, k: &[u8]) -> Option<T> {
        Overlay::new(&self.state).read(k).unwrap()
    }

    pub fn request(&self, id: u64) -> ShareRequest {
        self.read(&keys::share_request(id))
    }
    pub fn grant(&self, id: u64) -> Grant {
        self.read(&keys::grant(id))
    }
    pub fn entry(&self, id: u64) -> CatalogEntry {
        self.read(&keys::catalog_entry(id))
    }
    pub fn scorecard(&self, org: u32) -> Scorecard {
        self.try_read(&keys::scorecard(&code(org)))
            .unwrap_or_default()
    }

    pub fn advance_to(&mut self, time: u64) {
        assert!(time >= self.time);
        self.time = time;
    }

    pub fn advance_days(&mut self, days: u64) {
        self.time += days * DAY_MS;
    }
}

pub fn field(
    name: &str,
    sensitivity: Sensitivity,
    masking: MaskingRule,
    element_code: Option<&str>,
) -> FieldSpec {
    FieldSpec {
        name: name.into(),
        sensitivity,
        masking,
        element_code: element_code.map(String::from),
    }
}

pub fn spec(share_type: ShareType, open_mode: OpenMode) -> CatalogEntrySpec {
    CatalogEntrySpec {
        name: "Birth registrations".into(),
        classification: "population/births".into(),
        security_grade: 2,
        format: "csv".into(),
        fields: vec![
            field(
                "id_number",
                Sensitivity::Sensitive,
                MaskingRule::IdNumber,
                None,
            ),
            field("name", Sensitivity::Sensitive, MaskingRule::Name, None),
            field("district", Sensitivity::Public, MaskingRule::None, None),
        ],
        update_frequency: "daily".into(),
        share_type,
        legal_basis: (share_type == ShareType::NotShareable || open_mode == OpenMode::NotOpen)
            .then(|| "Statistics Law art. 9".into()),
        share_methods: vec![ShareMethod::Api],
        open_mode,
        usage_requirements: "Only for the stated purpose".into(),
        approval_threshold: None,
    }
}

pub fn publish(spec: CatalogEntrySpec) -> Payload {
    Payload::RegisterCatalogEntry(RegisterCatalogEntry { spec })
}

pub const PURPOSE: &str = "household registration check";

pub fn request(entry_id: u64, fields: &[&str]) -> Payload {
    Payload::SubmitShareRequest(SubmitShareRequest {
        entry_id,
        fields: fields.iter().map(|s| s.to_string()).collect(),
        purpose: PURPOSE.into(),
        legal_basis: "Resident ID Card Law art. 15".into(),
        period_days: 30,
        raw_fields: vec![],
    })
}

pub fn approve(request_id: u64, quota_rows: Option<u64>) -> Payload {
    Payload::ApproveShareRequest(ApproveShareRequest {
        request_id,
        quota_rows,
        quota_calls: None,
    })
}

pub fn reject(request_id: u64, reason: &str) -> Payload {
    Payload::RejectShareRequest(RejectShareRequest {
        request_id,
        reason: reason.into(),
    })
}

pub fn access(grant_id: u64, accessor: &str, fields: &[&str], rows: u64) -> Payload {
    Payload::RecordAccess(RecordAccess {
        grant_id,
        accessor: key(accessor).public(),
        fields: fields.iter().map(|s| s.to_string()).collect(),
        rows,
        query_digest: Hash::tagged(b"q", &[b"select"]),
        purpose: PURPOSE.into(),
        subjects: vec![],
    })
}

/// Health publishes a conditional entry (id 1); police requests it (request 1).
pub fn with_pending_request() -> TestChain {
    let mut c = TestChain::new();
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Conditional, OpenMode::OnApplication)),
    );
    c.ok("police-app", request(1, &["name", "district"]));
    c
}

/// `with_pending_request`, approved with a quota of 10 rows (grant 1).
pub fn with_grant() -> TestChain {
    let mut c = with_pending_request();
    c.ok("health-reviewer", approve(1, Some(10)));
    c
}

pub fn register_applicant(c: &mut TestChain) {
    c.ok(
        "operator",
        Payload::RegisterOrganization(RegisterOrganization {
            credit_code: code(5),
            name: "Qianxing Data".into(),
            kind: OrgKind::ExternalApplicant,
            members: vec![
                member(&key("applicant-cdo"), Role::Cdo),
                member(&key("applicant-app"), Role::App),
            ],
        }),
    );
}
