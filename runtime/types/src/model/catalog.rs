use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::TimeMs;
use crate::crypto::PublicKey;

/// Sharing type of a catalog entry (共享类型).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShareType {
    /// 无条件共享: users take it directly; a request is granted at once.
    Unconditional,
    /// 有条件共享: the provider decides each request.
    Conditional,
    /// 不予共享: refused; the entry must state the legal basis.
    NotShareable,
}

/// Sharing method (共享方式).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShareMethod {
    /// 系统对接 / 数据API
    Api,
    /// 前置机共享
    FrontEndMachine,
    /// 联机查询
    OnlineQuery,
    /// 批量下载
    BatchDownload,
}

/// Open mode (开放模式).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpenMode {
    /// 无条件开放
    Open,
    /// 依申请开放
    OnApplication,
    /// 不予开放 (the entry and the basis are still public)
    NotOpen,
}

/// How sensitive a field is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    Public,
    Internal,
    Sensitive,
}

/// The masking rule (脱敏规则) applied to a field when it is delivered under a grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MaskingRule {
    /// Delivered as stored.
    None,
    /// `110105********1234`
    IdNumber,
    /// `张*`
    Name,
    /// `138****5678`
    Phone,
    /// Cut to the district.
    Address,
    /// Keyed hash, stable per grant.
    KeyedHash,
    /// Ages or dates generalized into ranges.
    Generalize,
    /// Not delivered at all.
    Suppress,
}

impl Sensitivity {
    /// The name as in JSON (`sensitive`).
    pub fn name(self) -> &'static str {
        match self {
            Sensitivity::Public => "public",
            Sensitivity::Internal => "internal",
            Sensitivity::Sensitive => "sensitive",
        }
    }
}

impl MaskingRule {
    /// The name as in JSON (`id_number`).
    pub fn name(self) -> &'static str {
        match self {
            MaskingRule::None => "none",
            MaskingRule::IdNumber => "id_number",
            MaskingRule::Name => "name",
            MaskingRule::Phone => "phone",
            MaskingRule::Address => "address",
            MaskingRule::KeyedHash => "keyed_hash",
            MaskingRule::Generalize => "generalize",
            MaskingRule::Suppress => "suppress",
        }
    }
}

/// One attribute of a catalog entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldSpec {
    pub name: String,
    pub sensitivity: Sensitivity,
    pub masking: MaskingRule,
    /// Data element code (数据元) when the entry declares itself the source of this item;
    /// one datum, one source: a code has one source department.
    pub element_code: Option<String>,
}

/// What a department declares about a data resource (政府数据资源目录, §2.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CatalogEntrySpec {
    pub name: String,
    /// 分类, e.g. "population/basic".
    pub classification: String,
    /// 分级: 1 (lowest) to 4 (highest), set by the owner.
    pub security_grade: u8,
    /// e.g. "csv", "api/json".
    pub format: String,
    pub fields: Vec<FieldSpec>,
    /// 更新频度, e.g. "daily", "monthly".
    pub update_frequency: String,
    pub share_type: ShareType,
    /// Required when `share_type` is `not_shareable` (or the open mode is `not_open`).
    pub legal_basis: Option<String>,
    pub share_methods: Vec<ShareMethod>,
    pub open_mode: OpenMode,
    /// 使用要求
    pub usage_requirements: String,
    /// Provider approvals a request for this entry needs; `None` uses the department's setting.
    pub approval_threshold: Option<u8>,
}

/// Where the reviewers' sign-off of an entry's current version stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Submitted; no reviewer has signed off this version yet.
    Pending,
    /// A designated reviewer signed off this version.
    Approved { reviewer: PublicKey, at: TimeMs },
    /// A reviewer asked for changes.
    ChangesRequested {
        reviewer: PublicKey,
        note: String,
        at: TimeMs,
    },
}

/// Why an entry must be updated (the deadline differs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The data or its elements changed: update within 2 working days.
    Data,
    /// A law or the department's duties changed: update within 15 working days.
    LawOrDuty,
}

/// A published catalog entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CatalogEntry {
    pub id: u64,
    /// Credit code of the providing department (责任方).
    pub provider: String,
    pub version: u32,
    pub spec: CatalogEntrySpec,
    pub registered_at: TimeMs,
    pub updated_at: TimeMs,
    pub review: ReviewStatus,
    /// The yearly review is due by the end of this day (ms of the day's end, China time).
    pub review_due: TimeMs,
    pub review_overdue: bool,
    /// A declared change that the entry must reflect by this time.
    pub update_due: Option<TimeMs>,
    pub update_overdue: bool,
    /// On the negative list (负面清单): never opened, with the basis.
    pub negative_list_basis: Option<String>,
}

impl CatalogEntry {
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.spec.fields.iter().find(|f| f.name == name)
    }
}

/// A past version of an entry, kept when it is updated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CatalogEntryVersion {
    pub entry_id: u64,
    pub version: u32,
    pub spec: CatalogEntrySpec,
    pub updated_at: TimeMs,
    pub updated_by: PublicKey,
    pub review: ReviewStatus,
}

/// The register of data elements (目录台账): which department is the source of a code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DataElement {
    pub code: String,
    pub source: String,
    pub entry_id: u64,
    pub field: String,
}
