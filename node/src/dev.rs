//! `kuai-node dev`: a local chain with the sample consortium of `genesis/dev.json`,
//! seeded on first start with catalog entries and share requests in every state
//! (pending, granted at once, approved with a quota and accessed, rejected), so the
//! API, CLI and explorer have something real to show. Restarting on the same data
//! directory resumes the chain and does not seed again.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use kuai_runtime::{keys, Overlay};
use kuai_types::model::{
    CatalogEntrySpec, FieldSpec, MaskingRule, Member, OpenMode, OrgKind, Role, Sensitivity,
    ShareMethod, ShareType,
};
use kuai_types::payload::*;
use kuai_types::{keyfile, Hash, Keypair, Payload, Transaction};

use crate::chain::Chain;
use crate::error::NodeError;

/// Credit code of the external applicant the seed registers on chain.
pub const APPLICANT_CODE: &str = "91520100MA6DKQ8X2E";

struct Seeder<'a> {
    chain: &'a Chain,
    keys_dir: &'a Path,
}

impl Seeder<'_> {
    fn key(&self, name: &str) -> Result<Keypair, NodeError> {
        Ok(keyfile::read(&self.keys_dir.join(format!("{name}.key")))?)
    }

    /// Signs with `name`'s key at its next nonce, submits, and waits for the commit.
    async fn run(&self, name: &str, payload: Payload) -> Result<(), NodeError> {
        let key = self.key(name)?;
        let nonce = Overlay::new(self.chain.store())
            .read::<u64>(&keys::nonce(&key.public()))?
            .unwrap_or(0);
        let stx = Transaction {
            chain_id: self.chain.chain_id().to_string(),
            signer: key.public(),
            nonce,
            payload,
        }
        .sign(&key);
        let kind = stx.tx.payload.kind();
        let hash = self
            .chain
            .submit(stx)
            .map_err(|e| NodeError::Genesis(format!("seed {kind} by {name}: {e}")))?;
        for _ in 0..600 {
            if let Some(r) = self.chain.store().receipt(&hash)? {
                if !r.is_success() {
                    return Err(NodeError::Genesis(format!(
                        "seed {kind} by {name} rejected: {:?}",
                        r.outcome
                    )));
                }
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err(NodeError::Genesis(format!(
            "seed {kind} by {name} was not committed within 12 s"
        )))
    }
}

fn field(name: &str, sensitivity: Sensitivity, masking: MaskingRule) -> FieldSpec {
    FieldSpec {
        name: name.into(),
        sensitivity,
        masking,
    }
}

fn entry(
    name: &str,
    classification: &str,
    grade: u8,
    share_type: ShareType,
    open_mode: OpenMode,
    fields: Vec<FieldSpec>,
) -> Payload {
    let legal_basis = match (share_type, open_mode) {
        (ShareType::NotShareable, _) => {
            Some("Restricted by law: Criminal Procedure Law art. 152 (不予共享)".into())
        }
        (_, OpenMode::NotOpen) => Some(
            "Contains personal information: Personal Information Protection Law art. 28".into(),
        ),
        _ => None,
    };
    Payload::RegisterCatalogEntry(RegisterCatalogEntry {
        spec: CatalogEntrySpec {
            name: name.into(),
            classification: classification.into(),
            security_grade: grade,
            format: "csv".into(),
            fields,
            update_frequency: "daily".into(),
            share_type,
            legal_basis,
            share_methods: if share_type == ShareType::NotShareable {
                vec![]
            } else {
                vec![ShareMethod::Api, ShareMethod::OnlineQuery]
            },
            open_mode,
            usage_requirements: "Use only for the approved purpose; do not pass on (谁使用谁负责)."
                .into(),
        },
    })
}

fn request(entry_id: u64, fields: &[&str], purpose: &str, basis: &str, days: u32) -> Payload {
    Payload::SubmitShareRequest(SubmitShareRequest {
        entry_id,
        fields: fields.iter().map(|s| s.to_string()).collect(),
        purpose: purpose.into(),
        legal_basis: basis.into(),
        period_days: days,
    })
}

/// Seeds the sample data if the chain has no catalog entries yet. Returns whether it seeded.
pub async fn seed(chain: Arc<Chain>, keys_dir: &Path) -> Result<bool, NodeError> {
    if !chain
        .store()
        .scan_state(keys::CATALOG_ENTRY, None, 1)?
        .is_empty()
    {
        return Ok(false);
    }
    let s = Seeder {
        chain: &chain,
        keys_dir,
    };
    use MaskingRule as M;
    use OpenMode::*;
    use Sensitivity::*;
    use ShareType::*;
    let person = || {
        vec![
            field("id_number", Sensitive, M::IdNumber),
            field("name", Sensitive, M::Name),
            field("birth_date", Sensitive, M::Generalize),
            field("district", Public, M::None),
        ]
    };
    // Entries 1-3: public security; 4-5: market regulation; 6-7: civil affairs; 8-10: health.
    s.run(
        "police-cdo",
        entry(
            "Resident population basic information (人口基础信息)",
            "population/basic",
            3,
            Conditional,
            NotOpen,
            person(),
        ),
    )
    .await?;
    s.run(
        "police-cdo",
        entry(
            "Household registration changes (户籍变动)",
            "population/household",
            3,
            Conditional,
            NotOpen,
            person(),
        ),
    )
    .await?;
    s.run(
        "police-reviewer",
        entry(
            "Criminal records (违法犯罪记录)",
            "public-security/criminal",
            4,
            NotShareable,
            NotOpen,
            person(),
        ),
    )
    .await?;
    let company = || {
        vec![
            field("credit_code", Public, M::None),
            field("company_name", Public, M::None),
            field("legal_representative", Internal, M::Name),
            field("registered_capital", Public, M::None),
            field("district", Public, M::None),
        ]
    };
    s.run(
        "market-cdo",
        entry(
            "Enterprise registration (企业登记信息)",
            "legal-entity/registration",
            1,
            Unconditional,
            Open,
            company(),
        ),
    )
    .await?;
    s.run(
        "market-cdo",
        entry(
            "Administrative penalties (行政处罚信息)",
            "legal-entity/penalties",
            2,
            Conditional,
            OnApplication,
            company(),
        ),
    )
    .await?;
    let marriage = vec![
        field("id_number", Sensitive, M::IdNumber),
        field("name", Sensitive, M::Name),
        field("marital_status", Sensitive, M::None),
        field("registered_on", Internal, M::Generalize),
    ];
    s.run(
        "civil-cdo",
        entry(
            "Marriage registration (婚姻登记信息)",
            "population/marriage",
            3,
            Conditional,
            NotOpen,
            marriage,
        ),
    )
    .await?;
    s.run(
        "civil-cdo",
        entry(
            "Social organizations (社会组织信息)",
            "legal-entity/social-org",
            1,
            Unconditional,
            Open,
            company(),
        ),
    )
    .await?;
    let births = vec![
        field("mother_id_number", Sensitive, M::IdNumber),
        field("child_name", Sensitive, M::Name),
        field("birth_date", Sensitive, M::Generalize),
        field("hospital", Public, M::None),
    ];
    s.run(
        "health-cdo",
        entry(
            "Birth medical certificates (出生医学证明)",
            "health/births",
            3,
            Conditional,
            NotOpen,
            births,
        ),
    )
    .await?;
    let hospitals = vec![
        field("institution_name", Public, M::None),
        field("license_no", Public, M::None),
        field("address", Public, M::Address),
        field("phone", Internal, M::Phone),
    ];
    s.run(
        "health-reviewer",
        entry(
            "Medical institutions (医疗机构信息)",
            "health/institutions",
            1,
            Unconditional,
            Open,
            hospitals,
        ),
    )
    .await?;
    s.run(
        "health-cdo",
        entry(
            "Vaccination records (预防接种记录)",
            "health/vaccination",
            3,
            Conditional,
            OnApplication,
            person(),
        ),
    )
    .await?;

    // An external applicant joins, registered by the platform operator.
    let applicant_key = keys_dir.join("applicant-app.key");
    if !applicant_key.exists() {
        keyfile::write(&applicant_key, &Keypair::generate())?;
    }
    s.run(
        "operator-cdo",
        Payload::RegisterOrganization(RegisterOrganization {
            credit_code: APPLICANT_CODE.into(),
            name: "Qianxing Big Data Operations Co., Ltd. (黔星大数据运营公司)".into(),
            kind: OrgKind::ExternalApplicant,
            members: vec![Member {
                key: s.key("applicant-app")?.public(),
                role: Role::App,
            }],
        }),
    )
    .await?;

    // Request 1: civil affairs asks for population data: approved with a quota, then accessed.
    let purpose = "Verify applicants for subsistence allowance (最低生活保障资格核查)";
    s.run(
        "civil-app",
        request(
            1,
            &["id_number", "name", "district"],
            purpose,
            "Social Assistance Interim Measures art. 11",
            365,
        ),
    )
    .await?;
    s.run(
        "police-reviewer",
        Payload::ApproveShareRequest(ApproveShareRequest {
            request_id: 1,
            quota_rows: Some(1_000_000),
        }),
    )
    .await?;
    let civil_app = s.key("civil-app")?.public();
    for (rows, q) in [(120u64, "district = '云岩区'"), (85, "district = '南明区'")] {
        s.run(
            "police-app",
            Payload::RecordAccess(RecordAccess {
                grant_id: 1,
                accessor: civil_app,
                fields: vec!["id_number".into(), "name".into()],
                rows,
                query_digest: Hash::tagged(b"kuai/query/v1", &[q.as_bytes()]),
                purpose: purpose.into(),
            }),
        )
        .await?;
    }
    // Request 2: health takes unconditional enterprise data: granted at once.
    s.run(
        "health-app",
        request(
            4,
            &["credit_code", "company_name"],
            "Licensing of private clinics",
            "Basic Medical and Health Law art. 38",
            180,
        ),
    )
    .await?;
    // Request 3: market regulation asks for marriage data: rejected with a reason.
    s.run(
        "market-app",
        request(
            6,
            &["name", "marital_status"],
            "Background checks of company founders",
            "none stated",
            30,
        ),
    )
    .await?;
    s.run(
        "civil-cdo",
        Payload::RejectShareRequest(RejectShareRequest {
            request_id: 3,
            reason:
                "Marital status is not needed for company registration; no legal basis (无法律依据)"
                    .into(),
        }),
    )
    .await?;
    // Request 4: public security asks for birth certificates: pending, awaiting health's answer.
    s.run(
        "police-app",
        request(
            8,
            &["mother_id_number", "child_name", "birth_date"],
            "Newborn household registration (新生儿落户)",
            "Household Registration Regulations art. 7",
            90,
        ),
    )
    .await?;
    // Request 5: the applicant asks for administrative penalties: pending.
    s.run(
        "applicant-app",
        request(
            5,
            &["credit_code", "company_name"],
            "Credit reports for small businesses",
            "Open on application, Open Data Measures art. 12",
            30,
        ),
    )
    .await?;
    Ok(true)
}

/// What to try next, printed after start.
pub fn tour(api: &str, dir: &Path) -> String {
    let k = dir.join("keys");
    let k = k.display();
    format!(
        "\nKuai dev chain is running. API: {api}/v1  (OpenAPI: {api}/v1/openapi.json)\n\n\
         Try (with the CLI: cargo run -p kuai-client --bin kuai -- ...):\n\
         \x20 kuai --node {api} status\n\
         \x20 kuai --node {api} catalog list\n\
         \x20 kuai --node {api} request list --status pending\n\
         \x20 kuai --node {api} request approve 4 --key {k}/health-reviewer.key --quota-rows 5000\n\
         \x20 kuai --node {api} grant list\n\
         \x20 kuai --node {api} access list\n\
         \x20 kuai --node {api} block list --limit 5\n\n\
         Keys of the sample departments are in {k}/. Stop with Ctrl-C; run again to resume.\n"
    )
}
