//! A dataset in memory: the served (clean) rows of one bound source, as the entry's
//! fields in the entry's order, loaded once at start. Rows keep the source's order, so
//! `offset`/`limit` pages are stable while the node runs.

use std::collections::HashMap;

use kuai_types::gateway::DatasetInfo;
use kuai_types::model::CatalogEntry;

use super::config::{DatasetBinding, FieldCheck};
use super::validate::{Tally, Validator};
use super::{source, GatewayError};

pub struct Dataset {
    pub entry_id: u64,
    pub provider: String,
    /// The entry's fields at load time: the columns of `cells`.
    pub fields: Vec<String>,
    index: HashMap<String, usize>,
    width: usize,
    cells: Vec<Box<str>>,
    pub info: DatasetInfo,
    /// Columns holding a data subject's identifier (resident ID or credit code checks).
    pub subject_columns: Vec<usize>,
}

impl Dataset {
    /// Reads and validates the bound source for `entry` (whose fields it must have).
    pub fn load(binding: &DatasetBinding, entry: &CatalogEntry) -> Result<Dataset, GatewayError> {
        let fields: Vec<String> = entry.spec.fields.iter().map(|f| f.name.clone()).collect();
        let mut validator = Validator::new(&fields, &binding.checks, binding.unique.as_deref())
            .map_err(|e| GatewayError::Config(format!("dataset of entry {}: {e}", entry.id)))?;
        let mut tally = Tally::default();
        let mut cells: Vec<Box<str>> = Vec::new();
        source::read(
            binding.source,
            &binding.path,
            binding.table.as_deref(),
            &fields,
            &mut |(n, row)| {
                tally.read += 1;
                match row {
                    Err(reason) => tally.exclude(n, "unreadable row".into(), reason),
                    Ok(values) => match validator.check(&values) {
                        Err(d) => tally.exclude(n, d.kind, format!("row {n}: {}", d.detail)),
                        Ok(()) => {
                            tally.served += 1;
                            cells.extend(values.into_iter().map(String::into_boxed_str));
                        }
                    },
                }
            },
        )?;
        tracing::info!(
            entry = entry.id,
            source = %binding.path.display(),
            served = tally.served,
            excluded = tally.excluded,
            "dataset loaded"
        );
        let info = DatasetInfo {
            entry_id: entry.id,
            provider: entry.provider.clone(),
            entry_name: entry.spec.name.clone(),
            source: binding.source.name().into(),
            fields: fields.clone(),
            rows_read: tally.read,
            rows_served: tally.served,
            rows_excluded: tally.excluded,
            excluded_by_reason: tally.by_reason,
            examples: tally.examples,
        };
        let subject_columns = fields
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                matches!(
                    binding.checks.get(*f),
                    Some(FieldCheck::ResidentId | FieldCheck::CreditCode)
                )
            })
            .map(|(i, _)| i)
            .collect();
        Ok(Dataset {
            subject_columns,
            entry_id: entry.id,
            provider: entry.provider.clone(),
            index: fields
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, f)| (f, i))
                .collect(),
            width: fields.len(),
            fields,
            cells,
            info,
        })
    }

    pub fn rows(&self) -> usize {
        self.cells.len().checked_div(self.width).unwrap_or(0)
    }

    pub fn column(&self, field: &str) -> Option<usize> {
        self.index.get(field).copied()
    }

    pub fn cell(&self, row: usize, col: usize) -> &str {
        &self.cells[row * self.width + col]
    }
}
