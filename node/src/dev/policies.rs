//! The dev history's policy contracts: the three sample policies are uploaded by the
//! platform operator, approved by governance, instantiated by the providing
//! departments, bound to entries, and decide share requests on chain:
//!
//! - police bind `allow_list` to driving licences (entry 4): civil affairs and market
//!   regulation may ask for licence checks; fields are cut to name, district and class;
//!   health's request is refused by the contract;
//! - market regulation binds `quota_window` to the special equipment register (entry
//!   12): 90-day grants with 200 calls a day, two grants per requester a day; the third
//!   request of a day is refused;
//! - police bind `masking_required` to exit-entry permits (entry 5): a raw permit number
//!   without a cited legal-basis code is refused, with one it is granted raw.

use kuai_types::model::{ProposalAction, ProposalStatus};
use kuai_types::payload::*;
use kuai_types::{Event, Hash, Payload, Receipt};

use super::Seeder;
use crate::error::NodeError;

/// The committed builds of the sample policies (`scripts/build-contracts.sh`).
pub const ALLOW_LIST: &[u8] = include_bytes!("../../../contracts/wasm/allow_list.wasm");
pub const QUOTA_WINDOW: &[u8] = include_bytes!("../../../contracts/wasm/quota_window.wasm");
pub const MASKING_REQUIRED: &[u8] = include_bytes!("../../../contracts/wasm/masking_required.wasm");

const GOVERNORS: [&str; 6] = [
    "police-cdo",
    "market-cdo",
    "civil-cdo",
    "health-cdo",
    "natres-cdo",
    "operator-cdo",
];

fn request(entry_id: u64, fields: &[&str], raw: &[&str], purpose: &str, basis: &str) -> Payload {
    Payload::SubmitShareRequest(SubmitShareRequest {
        entry_id,
        fields: fields.iter().map(|s| s.to_string()).collect(),
        purpose: purpose.into(),
        legal_basis: basis.into(),
        period_days: 180,
        raw_fields: raw.iter().map(|s| s.to_string()).collect(),
    })
}

fn instance_id(r: &Receipt) -> Result<u64, NodeError> {
    r.events
        .iter()
        .find_map(|e| match e {
            Event::ContractInstantiated { instance_id, .. } => Some(*instance_id),
            _ => None,
        })
        .ok_or_else(|| super::seed_error("an instantiation named no instance".into()))
}

/// Uploads `code` and has governance approve it (votes until the proposal passes).
async fn approve(
    s: &Seeder<'_>,
    name: &str,
    code: &[u8],
    deadline: u64,
) -> Result<Hash, NodeError> {
    let code_hash = Hash::sha256(code);
    s.run(&[(
        "operator-cdo",
        Payload::UploadContractCode(UploadContractCode {
            name: name.into(),
            code: code.to_vec(),
        }),
    )])
    .await?;
    let submitted = s
        .submit_all(&[(
            "operator-cdo",
            Payload::SubmitProposal(SubmitProposal {
                action: ProposalAction::ApproveContractCode { code_hash },
                deadline,
            }),
        )])
        .await?;
    let proposal_id = submitted[0]
        .events
        .iter()
        .find_map(|e| match e {
            Event::ProposalSubmitted { proposal_id, .. } => Some(*proposal_id),
            _ => None,
        })
        .ok_or_else(|| super::seed_error(format!("the approval of {name} was not proposed")))?;
    for voter in GOVERNORS.iter().filter(|v| **v != "operator-cdo") {
        let status = s.proposal_status(proposal_id)?;
        if !matches!(status, ProposalStatus::Open) {
            break;
        }
        s.run(&[(
            voter,
            Payload::VoteProposal(VoteProposal {
                proposal_id,
                approve: true,
            }),
        )])
        .await?;
    }
    match s.proposal_status(proposal_id)? {
        ProposalStatus::Passed { .. } => Ok(code_hash),
        other => Err(super::seed_error(format!(
            "the approval of {name} ended {other:?}"
        ))),
    }
}

async fn instantiate(
    s: &Seeder<'_>,
    cdo: &str,
    code_hash: Hash,
    label: &str,
    params: &str,
    entry_id: u64,
) -> Result<(), NodeError> {
    let r = s
        .submit_all(&[(
            cdo,
            Payload::InstantiateContract(InstantiateContract {
                code_hash,
                label: label.into(),
                params: params.into(),
            }),
        )])
        .await?;
    let instance_id = instance_id(&r[0])?;
    s.run(&[(
        cdo,
        Payload::BindPolicyContract(BindPolicyContract {
            entry_id,
            instance_id: Some(instance_id),
        }),
    )])
    .await
}

pub(super) async fn tell(s: &Seeder<'_>, at: u64) -> Result<(), NodeError> {
    s.at(at);
    let deadline = at + 7 * 86_400_000;
    let allow = approve(s, "allow_list", ALLOW_LIST, deadline).await?;
    let quota = approve(s, "quota_window", QUOTA_WINDOW, deadline).await?;
    let masking = approve(s, "masking_required", MASKING_REQUIRED, deadline).await?;
    let (civil, market) = (s.org_of("civil-cdo")?, s.org_of("market-cdo")?);
    instantiate(
        s,
        "police-cdo",
        allow,
        "Licence checks for civil affairs and market regulation",
        &format!(
            "requesters={civil},{market}\nroles=cdo,app\npurposes=licence,驾驶,allowance,低保\nfields=name,district,licence_class"
        ),
        4,
    )
    .await?;
    instantiate(
        s,
        "market-cdo",
        quota,
        "Equipment register: 90-day grants, 2 a day",
        "max_days=90\ndaily_calls=200\ndaily_grants=2",
        12,
    )
    .await?;
    instantiate(
        s,
        "police-cdo",
        masking,
        "Exit-entry permits: raw numbers only under a cited law",
        "legal_basis_codes=LAW-EXITENTRY-37,GB-2023-17",
        5,
    )
    .await?;
    s.at(at + 3_600_000);
    let licences = "Driving licence checks for subsistence allowance (低保资格核查)";
    let equipment = "Safety inspections of lifts (电梯安全检查)";
    s.run(&[
        (
            "civil-app",
            request(
                4,
                &["id_number", "name", "district", "licence_class"],
                &[],
                licences,
                "Social Assistance Measures art. 11",
            ),
        ),
        (
            "health-app",
            request(
                4,
                &["name", "licence_class"],
                &[],
                "Ambulance driver vetting",
                "Health Law art. 3",
            ),
        ),
        (
            "civil-app",
            request(
                12,
                &["company_name", "equipment_no"],
                &[],
                equipment,
                "Special Equipment Safety Law art. 5",
            ),
        ),
        (
            "civil-app",
            request(
                12,
                &["company_name", "address"],
                &[],
                equipment,
                "Special Equipment Safety Law art. 5",
            ),
        ),
        (
            "civil-app",
            request(
                12,
                &["company_name"],
                &[],
                equipment,
                "Special Equipment Safety Law art. 5",
            ),
        ),
        (
            "civil-cdo",
            request(
                5,
                &["name", "permit_no"],
                &["permit_no"],
                "Overseas residence checks for allowance",
                "Social Assistance Measures art. 11",
            ),
        ),
        (
            "civil-cdo",
            request(
                5,
                &["name", "permit_no"],
                &["permit_no"],
                "Overseas residence checks for allowance",
                "Exit and Entry Administration Law (LAW-EXITENTRY-37) art. 37",
            ),
        ),
    ])
    .await
}
