//! The data gateway of a providing department's node: serves the rows of its catalog
//! entries to grantees, only under a grant in force, masked as granted, with every
//! delivery recorded on chain as an access event.
//!
//! - [`config`]: `[gateway]` in the node config: datasets bound to entries;
//! - [`source`]: reading CSV, JSON lines and SQLite;
//! - [`validate`]: excluding and counting dirty rows on load;
//! - [`dataset`]: the clean rows in memory;
//! - [`serve`]: the checks of a signed request, row selection, masked rendering;
//! - [`quota`]: reservations for deliveries not yet on chain;
//! - [`replay`]: stale and replayed requests;
//! - [`recorder`]: access events batched into the mempool.
//!
//! Rules: the gateway starts only if every bound dataset has a column for each field of
//! its entry and the entry's provider is the organization of the binding's key; a row is
//! delivered only after its access event is in the mempool; masking follows the grant's
//! rules ([`kuai_types::masking`]), and a field the grant has no rule for is suppressed.
//!
//! The API finds a chain's gateway through [`for_chain`] (installed by [`start`]), so the
//! node's router needs no gateway-specific state.

pub mod config;
pub mod dataset;
pub mod quota;
pub mod recorder;
pub mod replay;
pub mod serve;
pub mod source;
pub mod validate;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use kuai_runtime::keys;
use kuai_types::gateway::{DatasetInfo, GatewayScorecard, SignedFetch};
use kuai_types::keyfile;
use kuai_types::model::{CatalogEntry, Scorecard};
use thiserror::Error;

use crate::chain::Chain;
use crate::error::NodeError;
pub use config::GatewayConfig;
use dataset::Dataset;
use quota::QuotaBook;
use recorder::Recorder;
use replay::ReplayCache;
pub use serve::Delivery;

#[derive(Debug, Error)]
pub enum GatewayError {
    #[error("gateway config: {0}")]
    Config(String),
    #[error("the request is not signed; sign it with the accessor's key")]
    Unsigned,
    #[error("the request's signature does not verify for its accessor key")]
    BadSignature,
    #[error("the request is for chain {found:?}; this gateway serves {expected:?}")]
    WrongChain { expected: String, found: String },
    #[error(
        "the request's timestamp is {skew_ms} ms from the gateway's clock (at most 300000 allowed)"
    )]
    Stale { skew_ms: u64 },
    #[error("this request (accessor and nonce) was already served; sign a new one")]
    Replayed,
    #[error("{0}")]
    BadRequest(String),
    #[error("no dataset of catalog entry {0} is served by this gateway")]
    NotServed(u64),
    #[error("grant {0} does not exist")]
    UnknownGrant(u64),
    #[error("grant {grant_id} is for catalog entry {entry_id}")]
    GrantEntryMismatch { grant_id: u64, entry_id: u64 },
    #[error("key {0} is not an active member key of any organization")]
    UnknownAccessor(String),
    #[error("the accessor belongs to {org}; the grant is held by {grantee}")]
    WrongOrganization { org: String, grantee: String },
    #[error("grant {grant_id} was revoked: {reason}")]
    GrantRevoked { grant_id: u64, reason: String },
    #[error("grant {grant_id} expired at {expired_at} ms")]
    GrantExpired { grant_id: u64, expired_at: u64 },
    #[error("field {field:?} is outside the scope of grant {grant_id}")]
    FieldOutsideGrant { grant_id: u64, field: String },
    #[error("cannot filter on {field:?}: {reason}")]
    FilterNotAllowed { field: String, reason: String },
    #[error("purpose {found:?} differs from the granted purpose {expected:?}")]
    PurposeMismatch { expected: String, found: String },
    #[error("grant {grant_id} allows {quota} rows; {used} are used or being delivered, {requested} more asked")]
    QuotaExceeded {
        grant_id: u64,
        quota: u64,
        used: u64,
        requested: u64,
    },
    #[error("grant {grant_id} allows {quota} deliveries; {used} are used or being delivered")]
    CallQuotaExceeded {
        grant_id: u64,
        quota: u64,
        used: u64,
    },
    #[error("entry {entry_id} now has field {field:?}, which the loaded dataset lacks; the provider must reload")]
    SchemaMismatch { entry_id: u64, field: String },
    #[error("the access event could not be recorded, so nothing is delivered: {0}")]
    NotRecorded(String),
    #[error(transparent)]
    Node(#[from] NodeError),
}

pub struct Gateway {
    chain: Arc<Chain>,
    secret: [u8; 32],
    /// The consortium's subject key: deliveries name their data subjects by keyed hash.
    subject_key: Option<[u8; 32]>,
    datasets: BTreeMap<u64, Arc<Dataset>>,
    /// One recorder per providing organization (by credit code).
    recorders: HashMap<String, Arc<Recorder>>,
    quota: Mutex<QuotaBook>,
    replay: Mutex<ReplayCache>,
}

/// Reads a 32-byte secret written by [`ensure_secret`] (64 hex characters).
pub fn read_secret(path: &Path) -> Result<[u8; 32], GatewayError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| GatewayError::Config(format!("cannot read secret {}: {e}", path.display())))?;
    let bytes = hex::decode(text.trim()).ok().filter(|b| b.len() == 32);
    bytes.and_then(|b| b.try_into().ok()).ok_or_else(|| {
        GatewayError::Config(format!("{} must hold 64 hex characters", path.display()))
    })
}

/// Writes a new random gateway secret to `path` (mode 0600) unless it exists.
pub fn ensure_secret(path: &Path) -> Result<(), NodeError> {
    if path.exists() {
        return Ok(());
    }
    // A fresh key's secret bytes are 32 bytes from the OS generator.
    let secret = kuai_types::Keypair::generate().secret_bytes();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    use std::io::Write;
    opts.open(path)?.write_all(hex::encode(secret).as_bytes())?;
    Ok(())
}

impl Gateway {
    /// Loads every bound dataset (checking it against its entry on chain) and creates the
    /// recorders. `cfg` paths must be resolved. Does not spawn anything.
    pub fn open(
        cfg: &GatewayConfig,
        chain: Arc<Chain>,
        subject_key: Option<[u8; 32]>,
    ) -> Result<Gateway, GatewayError> {
        let secret = read_secret(&cfg.secret_file)?;
        let store = chain.store();
        let mut datasets = BTreeMap::new();
        let mut recorders: HashMap<String, Arc<Recorder>> = HashMap::new();
        for b in &cfg.datasets {
            let entry: CatalogEntry = store
                .state_value(&keys::catalog_entry(b.entry))?
                .ok_or_else(|| {
                    GatewayError::Config(format!(
                        "catalog entry {} does not exist on chain",
                        b.entry
                    ))
                })?;
            let key =
                keyfile::read(&b.key_file).map_err(|e| GatewayError::Config(e.to_string()))?;
            let org: Option<String> = store.state_value(&keys::member_key(&key.public()))?;
            if org.as_deref() != Some(entry.provider.as_str()) {
                return Err(GatewayError::Config(format!(
                    "the key {} of entry {}'s binding belongs to {}, not to the provider {}",
                    b.key_file.display(),
                    b.entry,
                    org.unwrap_or_else(|| "no organization".into()),
                    entry.provider
                )));
            }
            if datasets.contains_key(&b.entry) {
                return Err(GatewayError::Config(format!(
                    "entry {} is bound twice",
                    b.entry
                )));
            }
            let ds = Dataset::load(b, &entry)?;
            datasets.insert(b.entry, Arc::new(ds));
            if let Some(r) = recorders.get(&entry.provider) {
                if r.public() != key.public() {
                    return Err(GatewayError::Config(format!(
                        "two different keys are bound for provider {}",
                        entry.provider
                    )));
                }
            } else {
                recorders.insert(
                    entry.provider.clone(),
                    Recorder::new(key, chain.clone(), cfg.max_batch),
                );
            }
        }
        Ok(Gateway {
            chain,
            secret,
            subject_key,
            datasets,
            recorders,
            quota: Mutex::new(QuotaBook::default()),
            replay: Mutex::new(ReplayCache::default()),
        })
    }

    /// Spawns the recorders' batching loops (needs a tokio runtime).
    pub fn spawn_recorders(&self) {
        for r in self.recorders.values() {
            tokio::spawn(r.clone().run());
        }
    }

    pub fn chain(&self) -> &Arc<Chain> {
        &self.chain
    }

    /// Checks the request, reserves quota, records the access event (waiting until it is
    /// in the mempool) and returns what to deliver.
    /// `gossip` passes the access transaction on to the other validators, as the API
    /// does for submitted transactions.
    pub async fn fetch(
        &self,
        signed: &SignedFetch,
        now_ms: u64,
        gossip: recorder::Gossip,
    ) -> Result<Delivery, GatewayError> {
        let plan = self.plan(signed, now_ms)?;
        let grant_id = plan.grant.id;
        let recorder = self
            .recorders
            .get(&plan.grant.provider)
            .ok_or(GatewayError::NotServed(signed.request.entry_id))?;
        match recorder.record(plan.access, gossip).await {
            Ok(tx) => {
                self.book().set_tx(grant_id, &plan.digest, tx);
                let mut d = plan.delivery;
                d.access_tx = tx;
                Ok(d)
            }
            Err(e) => {
                self.book().release(grant_id, &plan.digest);
                Err(GatewayError::NotRecorded(e))
            }
        }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, QuotaBook> {
        self.quota.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The bound datasets with their load counts.
    pub fn datasets(&self) -> Vec<DatasetInfo> {
        self.datasets.values().map(|d| d.info.clone()).collect()
    }

    /// Per providing organization served here: its on-chain scorecard and data quality.
    pub fn scorecards(&self) -> Result<Vec<GatewayScorecard>, NodeError> {
        let mut by_org: BTreeMap<String, GatewayScorecard> = BTreeMap::new();
        for d in self.datasets.values() {
            let card = match by_org.get_mut(&d.provider) {
                Some(c) => c,
                None => {
                    let sc: Scorecard = self
                        .chain
                        .store()
                        .state_value(&keys::scorecard(&d.provider))?
                        .unwrap_or_else(|| Scorecard {
                            organization: d.provider.clone(),
                            ..Scorecard::default()
                        });
                    by_org
                        .entry(d.provider.clone())
                        .or_insert(GatewayScorecard {
                            organization: d.provider.clone(),
                            scorecard: sc,
                            datasets: 0,
                            rows_served: 0,
                            rows_excluded: 0,
                            clean_per_10k: 10_000,
                        })
                }
            };
            card.datasets += 1;
            card.rows_served += d.info.rows_served;
            card.rows_excluded += d.info.rows_excluded;
            let read = card.rows_served + card.rows_excluded;
            card.clean_per_10k = (card.rows_served * 10_000)
                .checked_div(read)
                .unwrap_or(10_000);
        }
        Ok(by_org.into_values().collect())
    }

    /// Reservations not yet settled for a grant: (rows, calls). For tests and metrics.
    pub fn reserved(&self, grant_id: u64) -> (u64, u64) {
        self.book().reserved(grant_id)
    }
}

type Registry = Mutex<Vec<(usize, Arc<Gateway>)>>;

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| Mutex::new(Vec::new()))
}

/// The gateway installed for `chain`, if any.
pub fn for_chain(chain: &Arc<Chain>) -> Option<Arc<Gateway>> {
    let id = Arc::as_ptr(chain) as usize;
    registry()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|(c, _)| *c == id)
        .map(|(_, g)| g.clone())
}

/// Makes `gw` answer the API of its chain (replacing any earlier one).
pub fn install(gw: Arc<Gateway>) {
    let id = Arc::as_ptr(&gw.chain) as usize;
    let mut r = registry().lock().unwrap_or_else(|p| p.into_inner());
    r.retain(|(c, _)| *c != id);
    r.push((id, gw));
}

/// Opens the gateway of a node config (paths relative to `base`), spawns its recorders
/// and installs it for the chain's API. `None` config: no gateway.
pub fn start(
    cfg: Option<&GatewayConfig>,
    base: &Path,
    chain: &Arc<Chain>,
    subject_key: Option<[u8; 32]>,
) -> Result<Option<Arc<Gateway>>, GatewayError> {
    let Some(cfg) = cfg else {
        return Ok(None);
    };
    let gw = Arc::new(Gateway::open(
        &cfg.resolved(base),
        chain.clone(),
        subject_key,
    )?);
    gw.spawn_recorders();
    install(gw.clone());
    tracing::info!(datasets = gw.datasets.len(), "data gateway started");
    Ok(Some(gw))
}
