//! `kuai`: the command-line client of a Kuai node.

mod commands;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "kuai",
    version,
    about = "Kuai client: query the ledger, sign and submit transactions"
)]
pub struct Cli {
    /// Base URL of the node's API.
    #[arg(
        long,
        global = true,
        env = "KUAI_NODE",
        default_value = "http://127.0.0.1:8080"
    )]
    pub node: String,
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
    /// Identifier checks (credit codes, resident ID numbers).
    #[command(subcommand)]
    Id(IdCmd),
    /// Member organizations.
    #[command(subcommand)]
    Org(OrgCmd),
    /// The data resource catalog.
    #[command(subcommand)]
    Catalog(CatalogCmd),
    /// Share requests and their answers.
    #[command(subcommand)]
    Request(RequestCmd),
    /// Grants issued for share requests.
    #[command(subcommand)]
    Grant(GrantCmd),
    /// Access events (deliveries of data under grants).
    #[command(subcommand)]
    Access(AccessCmd),
    /// Transactions by id.
    #[command(subcommand)]
    Tx(TxCmd),
    /// Blocks.
    #[command(subcommand)]
    Block(BlockCmd),
    /// A key's organization, role and next nonce.
    Account { key: String },
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

#[derive(clap::Args)]
pub struct ListArgs {
    #[arg(long)]
    pub limit: Option<u32>,
    /// Cursor from the previous page's `next`.
    #[arg(long)]
    pub after: Option<String>,
}

#[derive(clap::Args)]
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
    /// Register an organization (platform operator's CDO).
    Register {
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        credit_code: String,
        #[arg(long)]
        name: String,
        /// department | platform_operator | external_applicant | auditor
        #[arg(long)]
        kind: String,
        /// Member as PUBLIC_KEY:ROLE (role: cdo | reviewer | app | validator); repeatable.
        #[arg(long = "member", required = true)]
        members: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum CatalogCmd {
    List {
        #[command(flatten)]
        list: ListArgs,
        #[arg(long)]
        provider: Option<String>,
    },
    Show {
        id: u64,
    },
    /// Publish an entry described by a JSON file (a CatalogEntrySpec).
    Register {
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum RequestCmd {
    List {
        #[command(flatten)]
        list: ListArgs,
        /// pending | granted | rejected
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        entry: Option<u64>,
        #[arg(long)]
        requester: Option<String>,
        #[arg(long)]
        provider: Option<String>,
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
    },
    /// Approve a pending request (provider's CDO or reviewer).
    Approve {
        id: u64,
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        quota_rows: Option<u64>,
    },
    /// Reject a pending request with a reason.
    Reject {
        id: u64,
        #[command(flatten)]
        signer: Signer,
        #[arg(long)]
        reason: String,
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
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    match commands::run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}
