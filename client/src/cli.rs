//! The command tree of `kuai` (clap). Queries print JSON; transactions print the outcome.
//! Exit codes: 0 success, 1 refused (by the node or the ledger, with the reason), 2 usage
//! or connection errors.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "kuai",
    version,
    about = "Kuai client: query the ledger, sign and submit transactions"
)]
pub struct Cli {
    /// Base URL of the node's API (repeat for `bench`, which loads every node given).
    #[arg(
        long,
        global = true,
        env = "KUAI_NODE",
        default_value = "http://127.0.0.1:8080"
    )]
    pub node: Vec<String>,
    /// Seconds to wait for a transaction to commit.
    #[arg(long, global = true, default_value_t = 30)]
    pub wait_secs: u64,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Chain id, height and latest block.
    Status,
    /// Key files.
    #[command(subcommand)]
    Keys(KeysCmd),
    /// Identifier checks.
    #[command(subcommand)]
    Id(IdCmd),
    /// A key's organization, role and next nonce.
    Account { key: String },
    /// Member organizations and their keys.
    #[command(subcommand)]
    Org(OrgCmd),
    /// The data resource catalog.
    #[command(subcommand)]
    Catalog(CatalogCmd),
    /// The data element register (one datum, one source).
    #[command(subcommand)]
    Element(ElementCmd),
    /// Share requests and their answers.
    #[command(subcommand)]
    Request(RequestCmd),
    /// Grants.
    #[command(subcommand)]
    Grant(GrantCmd),
    /// Access events (deliveries of data under grants).
    #[command(subcommand)]
    Access(AccessCmd),
    /// Objections to data.
    #[command(subcommand)]
    Objection(ObjectionCmd),
    /// Contract-based opening agreements.
    #[command(subcommand)]
    Agreement(AgreementCmd),
    /// Governance proposals.
    #[command(subcommand)]
    Proposal(ProposalCmd),
    /// Policy contracts: code, governance approval, instances, bindings.
    #[command(subcommand)]
    Contract(crate::contract_cmd::ContractCmd),
    /// Department scorecards.
    #[command(subcommand)]
    Scorecard(ScorecardCmd),
    /// The validator set, parameters and holiday calendars.
    #[command(subcommand)]
    Chain(ChainCmd),
    /// Transactions by id.
    #[command(subcommand)]
    Tx(TxCmd),
    /// Blocks.
    #[command(subcommand)]
    Block(BlockCmd),
    /// Data from a provider's gateway, under a grant.
    #[command(subcommand)]
    Data(DataCmd),
    /// Load the consortium with signed transactions and measure committed throughput.
    Bench(crate::bench::BenchArgs),
    /// Who accessed the records of a person (resident ID number) or company (credit code).
    WhoAccessed { identifier: String },
    /// Audit bundles: export with proofs, verify offline.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Ledger events as JSON lines: committed history from `--from`, then (`--follow`)
    /// new blocks as they commit; without `--follow`, exits once history is replayed.
    Events(EventsArgs),
    /// Events concerning an organization or a catalog entry (newest first).
    #[command(subcommand)]
    History(HistoryCmd),
}

#[derive(Args)]
pub struct EventsArgs {
    /// Keep following new blocks.
    #[arg(long)]
    pub follow: bool,
    /// Event kind, e.g. grant_issued (repeatable or comma-separated).
    #[arg(long = "type")]
    pub types: Vec<String>,
    /// Credit code of an organization the events concern.
    #[arg(long)]
    pub organization: Option<String>,
    /// Catalog entry id the events concern.
    #[arg(long)]
    pub entry: Option<u64>,
    /// Event id to resume strictly after, or a block height to start from.
    #[arg(long)]
    pub from: Option<String>,
}

#[derive(Args)]
pub struct HistoryArgs {
    /// Earliest block time: ms or YYYY-MM-DD (China time).
    #[arg(long)]
    pub from: Option<String>,
    /// Latest block time: ms (exclusive) or YYYY-MM-DD (inclusive).
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long)]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    #[arg(long)]
    pub after: Option<String>,
    /// Oldest first.
    #[arg(long)]
    pub oldest: bool,
    /// Print CSV instead of JSON.
    #[arg(long)]
    pub csv: bool,
}

#[derive(Subcommand)]
pub enum HistoryCmd {
    /// Events concerning an organization.
    Org {
        credit_code: String,
        #[command(flatten)]
        args: HistoryArgs,
    },
    /// Events concerning a catalog entry.
    Entry {
        id: u64,
        #[command(flatten)]
        args: HistoryArgs,
    },
}

#[derive(Subcommand)]
pub enum KeysCmd {
    /// Generate a new key pair into a new file (mode 0600).
    New {
        #[arg(long)]
        out: PathBuf,
    },
    /// Print a key file's public key.
    Show { file: PathBuf },
}

#[derive(Subcommand)]
pub enum IdCmd {
    /// Exit 0 if VALUE is a valid credit code or resident ID number, else 1 with the reason.
    Check { value: String },
}

#[derive(Args)]
pub struct ListArgs {
    #[arg(long)]
    pub limit: Option<u32>,
    /// Cursor from the previous page's `next`.
    #[arg(long)]
    pub after: Option<String>,
}

#[derive(Args)]
pub struct Signer {
    /// Key file of the signer.
    #[arg(long)]
    pub key: PathBuf,
    /// Submit without waiting for the commit.
    #[arg(long)]
    pub no_wait: bool,
}

#[derive(Subcommand)]
pub enum OrgCmd {
    List(ListArgs),
    Show {
        credit_code: String,
    },
    /// Register an outside applicant (the platform operator's CDO).
    Register {
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        credit_code: String,
        #[arg(long)]
        name: String,
        /// external_applicant (other kinds join through governance)
        #[arg(long, default_value = "external_applicant")]
        kind: String,
        /// Member as PUBLIC_KEY:ROLE (role: cdo | reviewer | app | validator); repeatable.
        #[arg(long = "member", required = true)]
        members: Vec<String>,
    },
    /// Add a key to your organization (CDO).
    AddMember {
        #[command(flatten)]
        signer: Signer,
        /// PUBLIC_KEY:ROLE
        #[arg(long)]
        member: String,
    },
    /// Remove a key from your organization (CDO).
    RemoveMember {
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        member_key: String,
    },
    /// Replace the signing key by the key in NEW_KEY_FILE (same role; history kept).
    RotateKey {
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        new_key_file: PathBuf,
    },
    /// Set k: how many CDO/reviewer approvals a share request needs (CDO).
    SetThreshold {
        #[command(flatten)]
        signer: Signer,
        threshold: u8,
    },
}

#[derive(Subcommand)]
pub enum CatalogCmd {
    List {
        #[command(flatten)]
        list: ListArgs,
        #[arg(long)]
        provider: Option<String>,
        /// unconditional | conditional | not_shareable
        #[arg(long)]
        share_type: Option<String>,
        /// open | on_application | not_open
        #[arg(long)]
        open_mode: Option<String>,
        #[arg(long)]
        classification: Option<String>,
        /// Only entries on the negative list.
        #[arg(long)]
        negative_list: bool,
    },
    Show {
        id: u64,
    },
    /// Earlier versions of an entry.
    Versions {
        id: u64,
    },
    /// Publish an entry described by a JSON file (a CatalogEntrySpec).
    Register {
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        file: PathBuf,
    },
    /// Publish a new version of an entry from a JSON file.
    Update {
        id: u64,
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        file: PathBuf,
    },
    /// Sign off a version (reviewer), or ask for changes with --changes NOTE.
    Review {
        id: u64,
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        version: u32,
        #[arg(long)]
        changes: Option<String>,
    },
    /// Declare that an entry's data (or legal ground) changed: the update clock starts.
    DeclareChange {
        id: u64,
        #[command(flatten)]
        signer: Signer,
        /// data | law_or_duty
        #[arg(long, default_value = "data")]
        kind: String,
        #[arg(long)]
        note: String,
    },
    /// Put an entry on the negative list (--basis) or take it off (--remove).
    NegativeList {
        id: u64,
        #[command(flatten)]
        signer: Signer,
        #[arg(long, conflicts_with = "remove", required_unless_present = "remove")]
        basis: Option<String>,
        #[arg(long)]
        remove: bool,
    },
}

#[derive(Subcommand)]
pub enum ElementCmd {
    /// Which department is the source of a data element code.
    Show { code: String },
}

#[derive(Subcommand)]
pub enum RequestCmd {
    List {
        #[command(flatten)]
        list: ListArgs,
        /// pending | granted | rejected | withdrawn
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        entry: Option<u64>,
        #[arg(long)]
        requester: Option<String>,
        #[arg(long)]
        provider: Option<String>,
        /// Only overdue requests.
        #[arg(long)]
        overdue: bool,
    },
    Show {
        id: u64,
    },
    /// Apply for data of a catalog entry.
    Submit {
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        entry: u64,
        /// Comma-separated field names.
        #[arg(long, value_delimiter = ',', required = true)]
        fields: Vec<String>,
        #[arg(long)]
        purpose: String,
        #[arg(long)]
        legal_basis: String,
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Of the fields, those asked for unmasked (comma-separated); the provider or
        /// its policy contract decides.
        #[arg(long, value_delimiter = ',')]
        raw_fields: Vec<String>,
    },
    /// Approve a pending request (provider's CDO or reviewer).
    Approve {
        id: u64,
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        quota_rows: Option<u64>,
        /// Maximum deliveries under the grant.
        #[arg(long)]
        quota_calls: Option<u64>,
    },
    /// Reject a pending request with a reason.
    Reject {
        id: u64,
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        reason: String,
    },
    /// Withdraw your pending request.
    Withdraw {
        id: u64,
        #[command(flatten)]
        signer: Signer,
    },
}

#[derive(Subcommand)]
pub enum GrantCmd {
    List {
        #[command(flatten)]
        list: ListArgs,
        #[arg(long)]
        entry: Option<u64>,
        #[arg(long)]
        grantee: Option<String>,
    },
    Show {
        id: u64,
    },
    /// Revoke a grant (provider's CDO or reviewer), with a reason.
    Revoke {
        id: u64,
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum AccessCmd {
    List {
        #[command(flatten)]
        list: ListArgs,
        #[arg(long)]
        entry: Option<u64>,
        #[arg(long)]
        grant: Option<u64>,
        #[arg(long)]
        accessor_org: Option<String>,
        #[arg(long)]
        provider: Option<String>,
        #[arg(long)]
        purpose: Option<String>,
    },
    Show {
        id: u64,
    },
    /// Record a delivery of data under a grant.
    Record {
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        grant: u64,
        /// Public key of the accessing app (a member of the grantee).
        #[arg(long)]
        accessor: String,
        #[arg(long, value_delimiter = ',', required = true)]
        fields: Vec<String>,
        #[arg(long)]
        rows: u64,
        /// The query text; only its digest goes on chain.
        #[arg(long)]
        query: String,
        #[arg(long)]
        purpose: String,
    },
}

#[derive(Subcommand)]
pub enum ObjectionCmd {
    List {
        #[command(flatten)]
        list: ListArgs,
        #[arg(long)]
        entry: Option<u64>,
        /// Only unanswered objections.
        #[arg(long)]
        open: bool,
    },
    Show {
        id: u64,
    },
    /// Dispute a datum of an entry you were granted.
    Raise {
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        grant: u64,
        #[arg(long)]
        field: String,
        #[arg(long)]
        record: String,
        #[arg(long)]
        description: String,
    },
    /// Answer an objection: --corrected NOTE or --rejected REASON.
    Answer {
        id: u64,
        #[command(flatten)]
        signer: Signer,
        #[arg(
            long,
            conflicts_with = "rejected",
            required_unless_present = "rejected"
        )]
        corrected: Option<String>,
        #[arg(long)]
        rejected: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum AgreementCmd {
    List(ListArgs),
    Show {
        id: u64,
    },
    /// Propose an opening agreement (the platform operator's CDO); TEXT_FILE is hashed.
    Propose {
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        entry: u64,
        #[arg(long)]
        applicant: String,
        #[arg(long)]
        text_file: PathBuf,
        #[arg(long, value_delimiter = ',', required = true)]
        fields: Vec<String>,
        #[arg(long)]
        purpose: String,
        #[arg(long, default_value_t = 180)]
        days: u32,
        #[arg(long)]
        quota_rows: Option<u64>,
    },
    /// Sign an agreement (provider CDO, or applicant) over the same text.
    Sign {
        id: u64,
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        text_file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum ProposalCmd {
    List(ListArgs),
    Show {
        id: u64,
    },
    /// Submit a proposal whose action is a JSON file (a ProposalAction).
    Submit {
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        action_file: PathBuf,
        /// Votes close at the end of the day this many days from now.
        #[arg(long, default_value_t = 7)]
        days: u64,
    },
    /// Vote for (default) or against (--oppose) a proposal.
    Vote {
        id: u64,
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        oppose: bool,
    },
}

#[derive(Subcommand)]
pub enum ScorecardCmd {
    /// Every department's scorecard.
    List,
    Show {
        credit_code: String,
    },
}

#[derive(Subcommand)]
pub enum ChainCmd {
    Validators,
    Parameters,
    Calendar { year: i32 },
}

#[derive(Subcommand)]
pub enum TxCmd {
    Show { hash: String },
}

#[derive(Subcommand)]
pub enum BlockCmd {
    /// A block by height or hash.
    Show { id: String },
    List {
        #[arg(long)]
        limit: Option<u32>,
        #[arg(long)]
        before: Option<u64>,
    },
    /// Committed heads as JSON lines (height, hash, state root, time), each as its block
    /// commits (`GET /v1/heads`), from the next block on (or from after `--after`);
    /// reconnects and resumes by itself.
    Follow {
        /// Start strictly after this height: heights already committed come first (at
        /// most 10,000 back), e.g. to resume where an earlier run stopped.
        #[arg(long)]
        after: Option<u64>,
        /// Stop after this many heads (default: follow until interrupted).
        #[arg(long)]
        count: Option<u64>,
    },
}

#[derive(Subcommand)]
pub enum DataCmd {
    /// Fetch masked rows of an entry under your organization's grant; the gateway records
    /// the delivery on chain before it sends the rows.
    Fetch {
        /// Catalog entry id.
        entry: u64,
        /// Key file of the accessor (a member key of the grantee).
        #[arg(long)]
        key: PathBuf,
        /// Comma-separated fields, in output order.
        #[arg(long, value_delimiter = ',', required = true)]
        fields: Vec<String>,
        /// `field=value` (equal) or `field^=value` (starts with); repeatable.
        #[arg(long = "filter")]
        filters: Vec<String>,
        #[arg(long, default_value_t = 0)]
        offset: u64,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Grant to use (default: your organization's grant in force on the entry).
        #[arg(long)]
        grant: Option<u64>,
        /// Purpose (default: the grant's).
        #[arg(long)]
        purpose: Option<String>,
        /// `csv` or `jsonl` (default: from the --out extension, else csv).
        #[arg(long)]
        format: Option<String>,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Datasets the node's gateway serves, with rows served and dirty rows excluded.
    Datasets,
    /// The served providers' scorecards with their data quality.
    Scorecards,
}

#[derive(Subcommand)]
pub enum AuditCmd {
    /// Write every request, grant and access event concerning an organization (or one of
    /// its entries) with proofs, headers and certificates into a new directory.
    Export {
        /// Credit code of the organization.
        #[arg(long)]
        org: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        entry: Option<u64>,
        /// From this day (YYYY-MM-DD, China time) or ms.
        #[arg(long)]
        from: Option<String>,
        /// Up to this day, included (YYYY-MM-DD) or ms (excluded).
        #[arg(long)]
        to: Option<String>,
    },
    /// Check a bundle offline with only the genesis file; exit 1 on any changed byte.
    Verify {
        path: PathBuf,
        #[arg(long)]
        genesis: PathBuf,
    },
}
