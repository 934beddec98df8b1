//! Dirty data (§4 of the policy: incomplete, wrong, duplicate) is excluded on load, never
//! served, and counted by reason. A row is dirty when it cannot be read, a checked field
//! is empty, an identifier fails its check character (resident ID numbers, credit codes:
//! the same checks as the runtime's, [`kuai_types::identifiers`]), a date is not a real
//! calendar date, or its unique field repeats an earlier row.

use std::collections::{BTreeMap, HashSet};

use kuai_types::gateway::ExcludedRow;
use kuai_types::identifiers::{check_credit_code, check_resident_id, days_in_month};

use super::config::FieldCheck;

/// Excluded rows kept as examples.
pub const MAX_EXAMPLES: usize = 10;

/// Why a row is dirty: a kind for the counts, and the detail for the examples.
#[derive(Debug, PartialEq, Eq)]
pub struct Dirty {
    pub kind: String,
    pub detail: String,
}

pub struct Validator {
    checks: Vec<(usize, String, FieldCheck)>,
    unique: Option<(usize, String)>,
    seen: HashSet<String>,
}

/// A real `YYYY-MM-DD` date from 1900 on.
pub fn is_date(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |s: &[u8]| -> Option<u32> {
        s.iter()
            .all(u8::is_ascii_digit)
            .then(|| s.iter().fold(0, |a, d| a * 10 + u32::from(d - b'0')))
    };
    match (num(&b[..4]), num(&b[5..7]), num(&b[8..])) {
        (Some(y), Some(m), Some(d)) => {
            y >= 1900 && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
        }
        _ => false,
    }
}

impl Validator {
    /// `columns` are the dataset's columns in row order.
    pub fn new(
        columns: &[String],
        checks: &BTreeMap<String, FieldCheck>,
        unique: Option<&str>,
    ) -> Result<Validator, String> {
        let col = |name: &str| {
            columns
                .iter()
                .position(|c| c == name)
                .ok_or_else(|| format!("checked field {name:?} is not a field of the entry"))
        };
        let checks = checks
            .iter()
            .map(|(name, c)| Ok((col(name)?, name.clone(), *c)))
            .collect::<Result<Vec<_>, String>>()?;
        let unique = unique
            .map(|u| Ok::<_, String>((col(u)?, u.to_string())))
            .transpose()?;
        Ok(Validator {
            checks,
            unique,
            seen: HashSet::new(),
        })
    }

    pub fn check(&mut self, row: &[String]) -> Result<(), Dirty> {
        for (i, name, check) in &self.checks {
            let v = row[*i].as_str();
            if v.is_empty() {
                return Err(Dirty {
                    kind: format!("missing {name}"),
                    detail: format!("{name} is empty"),
                });
            }
            let bad = |what: &str, detail: String| Dirty {
                kind: format!("invalid {what} in {name}"),
                detail,
            };
            match check {
                FieldCheck::Required => {}
                FieldCheck::ResidentId => {
                    check_resident_id(v).map_err(|e| bad("resident ID", e.to_string()))?;
                }
                FieldCheck::CreditCode => {
                    check_credit_code(v).map_err(|e| bad("credit code", e.to_string()))?;
                }
                FieldCheck::Date => {
                    if !is_date(v) {
                        return Err(bad("date", format!("{v:?} is not a YYYY-MM-DD date")));
                    }
                }
            }
        }
        if let Some((i, name)) = &self.unique {
            if !self.seen.insert(row[*i].clone()) {
                return Err(Dirty {
                    kind: format!("duplicate {name}"),
                    detail: format!("{name} {:?} repeats an earlier row", row[*i]),
                });
            }
        }
        Ok(())
    }
}

/// Counts of a load.
#[derive(Default)]
pub struct Tally {
    pub read: u64,
    pub served: u64,
    pub excluded: u64,
    pub by_reason: BTreeMap<String, u64>,
    pub examples: Vec<ExcludedRow>,
}

impl Tally {
    pub fn exclude(&mut self, row: u64, kind: String, detail: String) {
        self.excluded += 1;
        *self.by_reason.entry(kind).or_default() += 1;
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(ExcludedRow {
                row,
                reason: detail,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_types::identifiers::complete_resident_id;

    fn cols() -> Vec<String> {
        ["id_number", "name", "birth_date"]
            .map(String::from)
            .to_vec()
    }

    fn row(id: &str, name: &str, birth: &str) -> Vec<String> {
        vec![id.into(), name.into(), birth.into()]
    }

    #[test]
    fn dirty_rows_are_named() {
        let checks = BTreeMap::from([
            ("id_number".to_string(), FieldCheck::ResidentId),
            ("name".to_string(), FieldCheck::Required),
            ("birth_date".to_string(), FieldCheck::Date),
        ]);
        let mut v = Validator::new(&cols(), &checks, Some("id_number")).unwrap();
        let id = complete_resident_id("52010319900101123");
        assert_eq!(v.check(&row(&id, "张三", "1990-01-01")), Ok(()));
        let kind = |r: Result<(), Dirty>| r.unwrap_err().kind;
        assert_eq!(
            kind(v.check(&row(&id, "张三", "1990-01-01"))),
            "duplicate id_number"
        );
        let mut bad = id.clone().into_bytes();
        bad[17] = if bad[17] == b'0' { b'1' } else { b'0' };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(
            kind(v.check(&row(&bad, "李四", "1990-01-01"))),
            "invalid resident ID in id_number"
        );
        let id2 = complete_resident_id("52010319900102123");
        assert_eq!(kind(v.check(&row(&id2, "", "1990-01-02"))), "missing name");
        assert_eq!(
            kind(v.check(&row(&id2, "王五", "1990-02-30"))),
            "invalid date in birth_date"
        );
        assert!(Validator::new(
            &cols(),
            &BTreeMap::from([("x".into(), FieldCheck::Required)]),
            None
        )
        .is_err());
    }

    #[test]
    fn dates() {
        assert!(is_date("2000-02-29"));
        assert!(!is_date("1900-02-29"));
        assert!(!is_date("1990-1-01"));
        assert!(!is_date("1899-12-31"));
        assert!(!is_date("199a-01-01"));
    }
}
