//! The sample catalog: 28 entries of the four departments, of every share type and
//! open mode, with fields carrying sensitivity, masking rules and data element codes.

use kuai_types::model::{
    CatalogEntrySpec, FieldSpec, MaskingRule as M, OpenMode, Sensitivity as S, ShareMethod,
    ShareType,
};

/// Which department publishes an entry (the key name prefix of its CDO).
pub const POLICE: &str = "police";
pub const MARKET: &str = "market";
pub const CIVIL: &str = "civil";
pub const HEALTH: &str = "health";

fn f(name: &str, sensitivity: S, masking: M, element_code: Option<&str>) -> FieldSpec {
    FieldSpec {
        name: name.into(),
        sensitivity,
        masking,
        element_code: element_code.map(String::from),
    }
}

/// A person's identifying fields; the population register is their source.
fn person(source: bool) -> Vec<FieldSpec> {
    let code = |c: &'static str| source.then_some(c);
    vec![
        f("id_number", S::Sensitive, M::IdNumber, code("DE-PERSON-ID")),
        f("name", S::Sensitive, M::Name, code("DE-PERSON-NAME")),
        f(
            "birth_date",
            S::Sensitive,
            M::Generalize,
            code("DE-PERSON-BIRTH"),
        ),
        f("district", S::Public, M::None, None),
    ]
}

/// A legal entity's fields; the enterprise register is their source.
fn company(source: bool) -> Vec<FieldSpec> {
    let code = |c: &'static str| source.then_some(c);
    vec![
        f("credit_code", S::Public, M::None, code("DE-ENTITY-USCC")),
        f("company_name", S::Public, M::None, code("DE-ENTITY-NAME")),
        f("legal_representative", S::Internal, M::Name, None),
        f("phone", S::Internal, M::Phone, None),
        f("address", S::Internal, M::Address, None),
    ]
}

fn extra(mut base: Vec<FieldSpec>, more: &[(&str, S, M)]) -> Vec<FieldSpec> {
    base.extend(more.iter().map(|(n, s, m)| f(n, *s, *m, None)));
    base
}

/// Publisher, name, classification, grade, share type, open mode, update frequency, fields.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    u8,
    ShareType,
    OpenMode,
    &'static str,
    Vec<FieldSpec>,
);

/// (publisher, spec) for every sample entry, in id order.
pub fn sample_entries() -> Vec<(&'static str, CatalogEntrySpec)> {
    use OpenMode::{NotOpen, OnApplication, Open};
    use ShareType::{Conditional, NotShareable, Unconditional};
    let rows: Vec<Row> = vec![
        (
            POLICE,
            "Resident population basic information (人口基础信息)",
            "population/basic",
            3,
            Conditional,
            NotOpen,
            "daily",
            person(true),
        ),
        (
            POLICE,
            "Household registration changes (户籍变动信息)",
            "population/household",
            3,
            Conditional,
            NotOpen,
            "daily",
            extra(person(false), &[("change_type", S::Internal, M::None)]),
        ),
        (
            POLICE,
            "Criminal records (违法犯罪记录)",
            "public-security/criminal",
            4,
            NotShareable,
            NotOpen,
            "daily",
            extra(person(false), &[("offence", S::Sensitive, M::Suppress)]),
        ),
        (
            POLICE,
            "Driving licences (机动车驾驶证信息)",
            "licences/driving",
            2,
            Conditional,
            OnApplication,
            "daily",
            extra(person(false), &[("licence_class", S::Public, M::None)]),
        ),
        (
            POLICE,
            "Exit-entry permits (出入境证件信息)",
            "public-security/exit-entry",
            3,
            Conditional,
            NotOpen,
            "daily",
            extra(person(false), &[("permit_no", S::Sensitive, M::KeyedHash)]),
        ),
        (
            POLICE,
            "Traffic violation statistics (交通违法统计)",
            "transport/violations",
            1,
            Unconditional,
            Open,
            "monthly",
            vec![
                f("district", S::Public, M::None, None),
                f("month", S::Public, M::None, None),
                f("violations", S::Public, M::None, None),
            ],
        ),
        (
            POLICE,
            "Floating population registration (流动人口登记)",
            "population/floating",
            3,
            Conditional,
            NotOpen,
            "weekly",
            extra(person(false), &[("phone", S::Sensitive, M::Phone)]),
        ),
        (
            MARKET,
            "Enterprise registration (企业登记信息)",
            "legal-entity/registration",
            1,
            Unconditional,
            Open,
            "daily",
            company(true),
        ),
        (
            MARKET,
            "Administrative penalties (行政处罚信息)",
            "legal-entity/penalties",
            2,
            Conditional,
            OnApplication,
            "daily",
            extra(company(false), &[("penalty", S::Public, M::None)]),
        ),
        (
            MARKET,
            "Food business licences (食品经营许可)",
            "licences/food",
            1,
            Unconditional,
            Open,
            "daily",
            extra(company(false), &[("licence_no", S::Public, M::None)]),
        ),
        (
            MARKET,
            "Individual businesses (个体工商户信息)",
            "legal-entity/individual",
            2,
            Unconditional,
            OnApplication,
            "daily",
            extra(
                company(false),
                &[("operator_id", S::Sensitive, M::IdNumber)],
            ),
        ),
        (
            MARKET,
            "Special equipment register (特种设备登记)",
            "safety/equipment",
            2,
            Conditional,
            NotOpen,
            "monthly",
            extra(company(false), &[("equipment_no", S::Internal, M::None)]),
        ),
        (
            MARKET,
            "Enterprise annual reports (企业年报)",
            "legal-entity/annual-reports",
            1,
            Unconditional,
            Open,
            "yearly",
            extra(company(false), &[("employees", S::Public, M::Generalize)]),
        ),
        (
            MARKET,
            "Consumer complaints (消费投诉信息)",
            "market/complaints",
            2,
            Conditional,
            OnApplication,
            "daily",
            extra(company(false), &[("complaint", S::Internal, M::None)]),
        ),
        (
            CIVIL,
            "Marriage registration (婚姻登记信息)",
            "population/marriage",
            3,
            Conditional,
            NotOpen,
            "daily",
            extra(person(false), &[("marital_status", S::Sensitive, M::None)]),
        ),
        (
            CIVIL,
            "Social organizations (社会组织信息)",
            "legal-entity/social-org",
            1,
            Unconditional,
            Open,
            "monthly",
            company(false),
        ),
        (
            CIVIL,
            "Subsistence allowance recipients (最低生活保障对象)",
            "social-assistance/dibao",
            3,
            Conditional,
            NotOpen,
            "monthly",
            extra(person(false), &[("allowance", S::Sensitive, M::Generalize)]),
        ),
        (
            CIVIL,
            "Funeral services (殡葬服务信息)",
            "civil/funeral",
            2,
            Conditional,
            NotOpen,
            "monthly",
            person(false),
        ),
        (
            CIVIL,
            "Elderly care institutions (养老机构信息)",
            "civil/elderly-care",
            1,
            Unconditional,
            Open,
            "quarterly",
            extra(company(false), &[("beds", S::Public, M::None)]),
        ),
        (
            CIVIL,
            "Place names (地名信息)",
            "geography/place-names",
            1,
            Unconditional,
            Open,
            "yearly",
            vec![
                f("place_name", S::Public, M::None, Some("DE-PLACE-NAME")),
                f("district", S::Public, M::None, None),
                f("coordinates", S::Public, M::None, None),
            ],
        ),
        (
            CIVIL,
            "Disability subsidies (残疾人补贴)",
            "social-assistance/disability",
            3,
            NotShareable,
            NotOpen,
            "monthly",
            extra(
                person(false),
                &[("disability_grade", S::Sensitive, M::Suppress)],
            ),
        ),
        (
            HEALTH,
            "Birth medical certificates (出生医学证明)",
            "health/births",
            3,
            Conditional,
            NotOpen,
            "daily",
            vec![
                f("mother_id_number", S::Sensitive, M::IdNumber, None),
                f("child_name", S::Sensitive, M::Name, None),
                f("birth_date", S::Sensitive, M::Generalize, None),
                f("hospital", S::Public, M::None, None),
            ],
        ),
        (
            HEALTH,
            "Medical institutions (医疗机构信息)",
            "health/institutions",
            1,
            Unconditional,
            Open,
            "monthly",
            extra(company(false), &[("level", S::Public, M::None)]),
        ),
        (
            HEALTH,
            "Vaccination records (预防接种记录)",
            "health/vaccination",
            3,
            Conditional,
            OnApplication,
            "daily",
            extra(person(false), &[("vaccine", S::Internal, M::None)]),
        ),
        (
            HEALTH,
            "Licensed physicians (执业医师信息)",
            "health/physicians",
            2,
            Unconditional,
            OnApplication,
            "monthly",
            vec![
                f("name", S::Internal, M::Name, None),
                f("licence_no", S::Public, M::None, None),
                f("institution", S::Public, M::None, None),
            ],
        ),
        (
            HEALTH,
            "Infectious disease reports (传染病报告)",
            "health/disease-reports",
            4,
            NotShareable,
            NotOpen,
            "daily",
            extra(person(false), &[("diagnosis", S::Sensitive, M::Suppress)]),
        ),
        (
            HEALTH,
            "Death medical certificates (死亡医学证明)",
            "health/deaths",
            3,
            Conditional,
            NotOpen,
            "daily",
            extra(
                person(false),
                &[("date_of_death", S::Sensitive, M::Generalize)],
            ),
        ),
        (
            HEALTH,
            "Designated medical insurance facilities (医保定点机构)",
            "health/insurance",
            1,
            Unconditional,
            Open,
            "monthly",
            company(false),
        ),
    ];
    rows.into_iter()
        .map(|(dept, name, class, grade, share_type, open_mode, freq, fields)| {
            let legal_basis = match (share_type, open_mode) {
                (NotShareable, _) => Some("Restricted by law (不予共享): the Criminal Procedure Law art. 152 and the Personal Information Protection Law art. 28".into()),
                (_, NotOpen) => Some("Contains personal information: Personal Information Protection Law art. 28 (不予开放)".into()),
                _ => None,
            };
            let spec = CatalogEntrySpec {
                name: name.into(),
                classification: class.into(),
                security_grade: grade,
                format: "csv".into(),
                fields,
                update_frequency: freq.into(),
                share_type,
                legal_basis,
                share_methods: if share_type == NotShareable { vec![] } else { vec![ShareMethod::Api, ShareMethod::OnlineQuery, ShareMethod::BatchDownload] },
                open_mode,
                usage_requirements: "Use only for the approved purpose; do not pass on (谁使用谁负责).".into(),
                approval_threshold: None,
            };
            (dept, spec)
        })
        .collect()
}
