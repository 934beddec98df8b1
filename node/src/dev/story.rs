//! The dev chain's history, day by day. Entry ids follow `entries::sample_entries`:
//! 1-7 public security, 8-14 market regulation, 15-21 civil affairs, 22-28 health.
//! Requests 1-11 and grants 1-7 are numbered in the order they happen below: grant 1
//! (request 2, at once), 2 (request 1), 3 (request 7), 4 (request 4, late), 5 (the
//! opening agreement), 6 (request 8, later revoked), 7 (request 9, open data).

use kuai_types::model::{ChangeKind, HolidayCalendar, Member, OrgKind, ProposalAction, Role};
use kuai_types::payload::*;
use kuai_types::{Hash, Payload};

use super::entries::sample_entries;
use super::Seeder;
use crate::error::NodeError;

/// Credit code of the outside applicant the operator registers.
pub const APPLICANT_CODE: &str = "91520100MA6DKQ8X2E";
/// Credit code of the department that joins through governance.
pub const NATURAL_RESOURCES_CODE: &str = "11520100MB19466134";

const DAY: u64 = 86_400_000;
const HOUR: u64 = 3_600_000;

fn request(entry_id: u64, fields: &[&str], purpose: &str, basis: &str, days: u32) -> Payload {
    Payload::SubmitShareRequest(SubmitShareRequest {
        entry_id,
        fields: fields.iter().map(|s| s.to_string()).collect(),
        purpose: purpose.into(),
        legal_basis: basis.into(),
        period_days: days,
        raw_fields: vec![],
    })
}

fn approve(request_id: u64, quota_rows: Option<u64>) -> Payload {
    Payload::ApproveShareRequest(ApproveShareRequest {
        request_id,
        quota_rows,
        quota_calls: None,
    })
}

fn access(
    s: &Seeder<'_>,
    grant_id: u64,
    accessor: &str,
    fields: &[&str],
    rows: u64,
    query: &str,
    purpose: &str,
) -> Result<Payload, NodeError> {
    Ok(Payload::RecordAccess(RecordAccess {
        grant_id,
        accessor: s.key(accessor)?.public(),
        fields: fields.iter().map(|s| s.to_string()).collect(),
        rows,
        query_digest: Hash::tagged(b"kuai/query/v1", &[query.as_bytes()]),
        purpose: purpose.into(),
        subjects: vec![],
    }))
}

const ALLOWANCE: &str = "Verify applicants for subsistence allowance (最低生活保障资格核查)";
const NEWBORN: &str = "Newborn household registration (新生儿落户)";
const BENEFITS: &str = "Death benefit checks (丧葬补助核查)";

pub(super) async fn tell(s: &Seeder<'_>, now: u64) -> Result<(), NodeError> {
    let day = |d: u64, h: u64| now - d * DAY + h * HOUR;

    // Day -50: the departments publish their catalogs; reviewers sign off.
    s.at(day(50, 9));
    let entries = sample_entries();
    let publish: Vec<(String, Payload)> = entries
        .iter()
        .map(|(dept, spec)| {
            (
                format!("{dept}-cdo"),
                Payload::RegisterCatalogEntry(RegisterCatalogEntry { spec: spec.clone() }),
            )
        })
        .collect();
    let publish: Vec<(&str, Payload)> = publish
        .iter()
        .map(|(n, p)| (n.as_str(), p.clone()))
        .collect();
    s.run(&publish).await?;
    s.at(day(49, 10));
    let mut reviews = Vec::new();
    for (id, reviewer) in (1..=7)
        .map(|i| (i, "police-reviewer"))
        .chain((22..=28).map(|i| (i, "health-reviewer")))
    {
        reviews.push((
            reviewer,
            Payload::ReviewCatalogEntry(ReviewCatalogEntry {
                entry_id: id,
                version: 1,
                approve: true,
                note: String::new(),
            }),
        ));
    }
    s.run(&reviews).await?;
    // One datum, one source: civil affairs may not declare itself the source of ID numbers.
    let mut dup = entries[0].1.clone();
    dup.name = "Resident register copy (重复采集的人口信息)".into();
    s.refused(
        "civil-cdo",
        Payload::RegisterCatalogEntry(RegisterCatalogEntry { spec: dup }),
        "data_element_taken",
    )
    .await?;

    // Day -48: an outside applicant joins; health requires two approvals; a new department
    // is proposed and admitted by four of the five governing organizations.
    s.at(day(48, 9));
    let applicant = vec![
        Member {
            key: s.new_key("applicant-cdo")?.public(),
            role: Role::Cdo,
        },
        Member {
            key: s.new_key("applicant-app")?.public(),
            role: Role::App,
        },
    ];
    let natres = vec![Member {
        key: s.new_key("natres-cdo")?.public(),
        role: Role::Cdo,
    }];
    s.run(&[
        (
            "operator-cdo",
            Payload::RegisterOrganization(RegisterOrganization {
                credit_code: APPLICANT_CODE.into(),
                name: "Qianxing Big Data Operations Co., Ltd. (黔星大数据运营公司)".into(),
                kind: OrgKind::ExternalApplicant,
                members: applicant,
            }),
        ),
        (
            "health-cdo",
            Payload::SetApprovalThreshold(SetApprovalThreshold { threshold: 2 }),
        ),
        (
            "operator-cdo",
            Payload::SubmitProposal(SubmitProposal {
                action: ProposalAction::AddOrganization(RegisterOrganization {
                    credit_code: NATURAL_RESOURCES_CODE.into(),
                    name: "Guiyang Natural Resources Bureau (贵阳市自然资源局)".into(),
                    kind: OrgKind::Department,
                    members: natres,
                }),
                deadline: day(41, 0),
            }),
        ),
    ])
    .await?;
    s.at(day(47, 11));
    let vote = |id| {
        Payload::VoteProposal(VoteProposal {
            proposal_id: id,
            approve: true,
        })
    };
    s.run(&[
        ("police-cdo", vote(1)),
        ("market-cdo", vote(1)),
        ("health-cdo", vote(1)),
    ])
    .await?;

    // Day -45: requests. Civil affairs asks for population data (approved, then used);
    // health takes enterprise data (unconditional: granted at once); market regulation
    // asks for marriage data (rejected with a reason).
    s.at(day(45, 9));
    s.run(&[
        (
            "civil-app",
            request(
                1,
                &["id_number", "name", "district"],
                ALLOWANCE,
                "Interim Measures for Social Assistance art. 11",
                365,
            ),
        ),
        (
            "health-app",
            request(
                8,
                &["credit_code", "company_name"],
                "Licensing of private clinics",
                "Basic Medical and Health Law art. 38",
                180,
            ),
        ),
        (
            "market-app",
            request(
                15,
                &["name", "marital_status"],
                "Background checks of company founders",
                "none stated",
                30,
            ),
        ),
    ])
    .await?;
    s.at(day(44, 10));
    s.run(&[
        ("police-reviewer", approve(1, Some(1_000_000))),
        ("civil-cdo", Payload::RejectShareRequest(RejectShareRequest { request_id: 3, reason: "Marital status is not needed for company registration; no legal basis (无法律依据)".into() })),
    ])
    .await?;
    s.at(day(44, 15));
    s.run(&[(
        "police-app",
        access(
            s,
            2,
            "civil-app",
            &["id_number", "name"],
            1_200,
            "district = '云岩区'",
            ALLOWANCE,
        )?,
    )])
    .await?;

    // Day -40: public security asks for birth certificates; health needs two approvals
    // and gives only one in time: the request goes overdue, and is approved late.
    s.at(day(40, 9));
    s.run(&[(
        "police-app",
        request(
            22,
            &["mother_id_number", "child_name", "birth_date"],
            NEWBORN,
            "Household Registration Regulations art. 7",
            90,
        ),
    )])
    .await?;
    s.at(day(39, 10));
    s.run(&[("health-reviewer", approve(4, Some(50_000)))])
        .await?;

    // Day -35: market regulation asks for subsistence-allowance data: never answered.
    s.at(day(35, 9));
    s.run(&[(
        "market-app",
        request(
            17,
            &["name", "district"],
            "Fraud checks on allowance recipients who run businesses",
            "Anti-Unfair Competition Law art. 13",
            60,
        ),
    )])
    .await?;

    // Day -30: a withdrawn request; market regulation declares a data change it never
    // reflects; health takes household changes from public security.
    s.at(day(30, 9));
    s.run(&[
        (
            "civil-app",
            request(
                27,
                &["name", "date_of_death"],
                BENEFITS,
                "Funeral Management Regulations art. 4",
                30,
            ),
        ),
        (
            "market-cdo",
            Payload::DeclareChange(DeclareChange {
                entry_id: 10,
                kind: ChangeKind::Data,
                note: "Licence categories changed under the 2026 catalogue".into(),
            }),
        ),
        (
            "health-app",
            request(
                2,
                &["name", "district", "change_type"],
                "Update of family doctor contracts",
                "Basic Medical and Health Law art. 31",
                365,
            ),
        ),
    ])
    .await?;
    s.at(day(29, 9));
    s.run(&[
        (
            "civil-app",
            Payload::WithdrawShareRequest(WithdrawShareRequest { request_id: 6 }),
        ),
        ("police-cdo", approve(7, None)),
    ])
    .await?;
    s.at(day(28, 16));
    s.run(&[(
        "police-app",
        access(
            s,
            2,
            "civil-app",
            &["id_number", "name", "district"],
            860,
            "district = '南明区'",
            ALLOWANCE,
        )?,
    )])
    .await?;

    // Day -20: health's second approval comes, late; civil affairs updates an entry after
    // declaring a change; an objection is raised and answered.
    s.at(day(20, 10));
    s.run(&[
        ("health-cdo", approve(4, Some(50_000))),
        (
            "civil-cdo",
            Payload::DeclareChange(DeclareChange {
                entry_id: 16,
                kind: ChangeKind::LawOrDuty,
                note: "New regulations on social organizations".into(),
            }),
        ),
        (
            "civil-app",
            Payload::RaiseObjection(RaiseObjection {
                grant_id: 2,
                field: "name".into(),
                record_ref: "52010219********21".into(),
                description: "Name differs from the household register (李明 vs 李鸣)".into(),
            }),
        ),
    ])
    .await?;
    s.at(day(19, 10));
    let mut social = entries[15].1.clone();
    social.usage_requirements = "Use only for registration checks; publish only aggregates.".into();
    s.run(&[
        (
            "civil-cdo",
            Payload::UpdateCatalogEntry(UpdateCatalogEntry {
                entry_id: 16,
                spec: social,
            }),
        ),
        (
            "police-reviewer",
            Payload::AnswerObjection(AnswerObjection {
                objection_id: 1,
                corrected: true,
                note: "Corrected at the source register on review".into(),
            }),
        ),
    ])
    .await?;

    // Day -15: an opening agreement between the operator, market regulation and the
    // applicant; health raises an objection that public security leaves unanswered.
    s.at(day(15, 9));
    let digest = Hash::tagged(b"kuai/agreement/v1", &[b"Data opening agreement no. GY-2026-017: consumer complaint statistics for credit research."]);
    s.run(&[
        (
            "operator-cdo",
            Payload::ProposeAgreement(ProposeAgreement {
                entry_id: 14,
                applicant: APPLICANT_CODE.into(),
                digest,
                fields: vec!["company_name".into(), "complaint".into()],
                purpose: "Credit research on consumer complaints".into(),
                period_days: 180,
                quota_rows: Some(100_000),
            }),
        ),
        (
            "health-app",
            Payload::RaiseObjection(RaiseObjection {
                grant_id: 3,
                field: "district".into(),
                record_ref: "row 4411".into(),
                description: "District code 520199 does not exist".into(),
            }),
        ),
    ])
    .await?;
    s.at(day(14, 11));
    s.run(&[
        (
            "market-cdo",
            Payload::SignAgreement(SignAgreement {
                agreement_id: 1,
                digest,
            }),
        ),
        (
            "applicant-app",
            Payload::SignAgreement(SignAgreement {
                agreement_id: 1,
                digest,
            }),
        ),
    ])
    .await?;

    // Day -12: vaccination data for civil affairs: approved by both health officers in
    // time, then revoked after misuse is reported.
    s.at(day(12, 9));
    s.run(&[(
        "civil-app",
        request(
            24,
            &["name", "vaccine"],
            "Elderly care eligibility checks",
            "Elderly Rights Law art. 30",
            60,
        ),
    )])
    .await?;
    s.at(day(11, 9));
    s.run(&[
        ("health-reviewer", approve(8, Some(10_000))),
        ("health-cdo", approve(8, Some(10_000))),
    ])
    .await?;
    s.at(day(6, 9));
    s.run(&[
        ("health-cdo", Payload::RevokeGrant(RevokeGrant { grant_id: 6, reason: "Data passed to a third party against the usage requirements".into() })),
        ("police-cdo", Payload::SetNegativeList(SetNegativeList { entry_id: 4, basis: Some("Driving licence data is withheld from opening pending a security review (负面清单)".into()) })),
    ])
    .await?;

    // Day -5 to -2: the applicant takes open data and applies for penalties data; public
    // security asks civil affairs for funeral data; a calendar proposal is open.
    s.at(day(5, 9));
    s.run(&[
        (
            "applicant-app",
            request(
                6,
                &["district", "month", "violations"],
                "Road safety research",
                "Open data (无条件开放)",
                365,
            ),
        ),
        (
            "applicant-app",
            request(
                9,
                &["company_name", "penalty"],
                "Credit reports for small businesses",
                "Open on application (依申请开放)",
                30,
            ),
        ),
    ])
    .await?;
    s.at(day(3, 9));
    let calendar = HolidayCalendar {
        year: 2027,
        holidays: [
            "2027-01-01",
            "2027-02-08",
            "2027-02-09",
            "2027-02-10",
            "2027-02-11",
            "2027-02-12",
            "2027-04-05",
            "2027-05-03",
            "2027-05-04",
            "2027-05-05",
            "2027-06-09",
            "2027-09-15",
            "2027-10-01",
            "2027-10-04",
            "2027-10-05",
            "2027-10-06",
            "2027-10-07",
        ]
        .map(String::from)
        .to_vec(),
        makeup_workdays: [
            "2027-02-06",
            "2027-02-20",
            "2027-05-08",
            "2027-09-26",
            "2027-10-09",
        ]
        .map(String::from)
        .to_vec(),
    };
    s.run(&[
        (
            "police-app",
            request(
                18,
                &["name", "district"],
                BENEFITS,
                "Funeral Management Regulations art. 4",
                30,
            ),
        ),
        (
            "operator-cdo",
            Payload::SubmitProposal(SubmitProposal {
                action: ProposalAction::SetHolidayCalendar(calendar),
                deadline: now + 10 * DAY,
            }),
        ),
    ])
    .await?;
    s.at(day(2, 15));
    s.run(&[
        (
            "police-app",
            access(
                s,
                2,
                "civil-app",
                &["name", "district"],
                430,
                "district = '观山湖区'",
                ALLOWANCE,
            )?,
        ),
        (
            "police-app",
            access(
                s,
                3,
                "health-app",
                &["name", "change_type"],
                75,
                "change_type = 'move-in'",
                "Update of family doctor contracts",
            )?,
        ),
        (
            "health-cdo",
            access(
                s,
                4,
                "police-app",
                &["child_name", "birth_date"],
                18,
                "birth_date >= '2026-10'",
                NEWBORN,
            )?,
        ),
        (
            "market-cdo",
            access(
                s,
                5,
                "applicant-app",
                &["company_name", "complaint"],
                2_400,
                "category = 'food'",
                "Credit research on consumer complaints",
            )?,
        ),
    ])
    .await?;
    s.at(day(1, 9));
    s.run(&[("health-cdo", vote(2))]).await?;

    // Day -1: civil affairs adds a sample app (keys/demo-app.key), which asks for
    // population data; public security approves: the grant carries the entry's masking
    // (ID number, name, birth date generalized) and a row quota. See `kuai data fetch`.
    s.at(day(1, 10));
    let demo = s.new_key("demo-app")?.public();
    s.run(&[(
        "civil-cdo",
        Payload::AddMember(AddMember {
            member: Member {
                key: demo,
                role: Role::App,
            },
        }),
    )])
    .await?;
    s.at(day(1, 11));
    let submitted = s
        .submit_all(&[(
            "demo-app",
            request(
                1,
                &["id_number", "name", "birth_date", "district"],
                DEMO_PURPOSE,
                "Interim Measures for Social Assistance art. 11",
                365,
            ),
        )])
        .await?;
    let demo_request = submitted[0]
        .events
        .iter()
        .find_map(|e| match e {
            kuai_types::Event::ShareRequestSubmitted { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .ok_or_else(|| NodeError::Genesis("the demo app's request was not accepted".into()))?;
    s.at(day(1, 14));
    s.run(&[(
        "police-reviewer",
        approve(demo_request, Some(DEMO_QUOTA_ROWS)),
    )])
    .await?;
    Ok(())
}

/// The sample app's purpose and row quota (its grant on the population entry).
pub const DEMO_PURPOSE: &str = "Subsistence allowance eligibility checks (低保资格核查)";
pub const DEMO_QUOTA_ROWS: u64 = 1_000_000;
