//! Reading a bound dataset: CSV (header line), JSON lines, or an SQLite table. A source
//! yields, for each row, the values of the wanted columns in order, or the reason the row
//! cannot be read; a missing column is a schema error before any row is read.
//! Values are text: numbers are written in decimal, null and absent values are empty.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::config::SourceKind;
use super::GatewayError;

/// One row as read: its number (1 = first data row) and values, or why it is unreadable.
pub type RowResult = (u64, Result<Vec<String>, String>);

fn open_err(path: &Path, e: impl std::fmt::Display) -> GatewayError {
    GatewayError::Config(format!("cannot read dataset {}: {e}", path.display()))
}

fn missing(path: &Path, wanted: &[String], have: &HashSet<String>) -> Result<(), GatewayError> {
    let absent: Vec<&str> = wanted
        .iter()
        .filter(|w| !have.contains(*w))
        .map(String::as_str)
        .collect();
    if absent.is_empty() {
        return Ok(());
    }
    Err(GatewayError::Config(format!(
        "dataset {} has no column for the entry's field(s) {}",
        path.display(),
        absent.join(", ")
    )))
}

/// Reads `wanted` columns of every row of the source, calling `visit` for each.
pub fn read(
    kind: SourceKind,
    path: &Path,
    table: Option<&str>,
    wanted: &[String],
    visit: &mut dyn FnMut(RowResult),
) -> Result<(), GatewayError> {
    match kind {
        SourceKind::Csv => read_csv(path, wanted, visit),
        SourceKind::Jsonl => read_jsonl(path, wanted, visit),
        SourceKind::Sqlite => {
            let table = table.ok_or_else(|| {
                GatewayError::Config(format!(
                    "dataset {}: an sqlite source needs `table`",
                    path.display()
                ))
            })?;
            read_sqlite(path, table, wanted, visit)
        }
    }
}

fn read_csv(
    path: &Path,
    wanted: &[String],
    visit: &mut dyn FnMut(RowResult),
) -> Result<(), GatewayError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| open_err(path, e))?;
    let headers = rdr.headers().map_err(|e| open_err(path, e))?.clone();
    let names: HashSet<String> = headers.iter().map(|h| h.trim().to_string()).collect();
    missing(path, wanted, &names)?;
    let idx: Vec<usize> = wanted
        .iter()
        .filter_map(|w| headers.iter().position(|h| h.trim() == w))
        .collect();
    let mut record = csv::StringRecord::new();
    let mut n = 0u64;
    loop {
        n += 1;
        match rdr.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) if record.len() != headers.len() => visit((
                n,
                Err(format!(
                    "{} columns where the header has {}",
                    record.len(),
                    headers.len()
                )),
            )),
            Ok(true) => visit((
                n,
                Ok(idx
                    .iter()
                    .map(|&i| record.get(i).unwrap_or("").trim().to_string())
                    .collect()),
            )),
            Err(e) if e.is_io_error() => return Err(open_err(path, e)),
            Err(e) => visit((n, Err(format!("unreadable row: {e}")))),
        }
    }
}

fn json_text(v: Option<&serde_json::Value>) -> Result<String, String> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(String::new()),
        Some(serde_json::Value::String(s)) => Ok(s.trim().to_string()),
        Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
        Some(serde_json::Value::Bool(b)) => Ok(b.to_string()),
        Some(_) => Err("a value is an array or object".into()),
    }
}

fn read_jsonl(
    path: &Path,
    wanted: &[String],
    visit: &mut dyn FnMut(RowResult),
) -> Result<(), GatewayError> {
    let file = std::fs::File::open(path).map_err(|e| open_err(path, e))?;
    let mut n = 0u64;
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| open_err(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        n += 1;
        let row = match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(serde_json::Value::Object(map)) => wanted
                .iter()
                .map(|w| json_text(map.get(w)))
                .collect::<Result<Vec<_>, _>>(),
            Ok(_) => Err("not a JSON object".into()),
            Err(e) => Err(format!("not JSON: {e}")),
        };
        visit((n, row));
    }
    Ok(())
}

fn quote_ident(name: &str) -> Result<String, String> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("{name:?} is not a plain SQL identifier"));
    }
    Ok(format!("\"{name}\""))
}

fn read_sqlite(
    path: &Path,
    table: &str,
    wanted: &[String],
    visit: &mut dyn FnMut(RowResult),
) -> Result<(), GatewayError> {
    if !path.exists() {
        return Err(open_err(path, "no such file"));
    }
    let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| open_err(path, e))?;
    let table_q = quote_ident(table).map_err(|e| open_err(path, e))?;
    let mut info = db
        .prepare(&format!("PRAGMA table_info({table_q})"))
        .map_err(|e| open_err(path, e))?;
    let names: HashSet<String> = info
        .query_map([], |r| r.get::<_, String>(1))
        .map_err(|e| open_err(path, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| open_err(path, e))?;
    if names.is_empty() {
        return Err(open_err(path, format!("no table {table:?}")));
    }
    missing(path, wanted, &names)?;
    let cols = wanted
        .iter()
        .map(|w| quote_ident(w))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| open_err(path, e))?;
    let sql = format!("SELECT {} FROM {table_q} ORDER BY rowid", cols.join(", "));
    let mut stmt = db.prepare(&sql).map_err(|e| open_err(path, e))?;
    let mut rows = stmt.query([]).map_err(|e| open_err(path, e))?;
    let mut n = 0u64;
    while let Some(r) = rows.next().map_err(|e| open_err(path, e))? {
        n += 1;
        let mut values = Vec::with_capacity(wanted.len());
        let mut bad = None;
        for (i, field) in wanted.iter().enumerate() {
            match r.get_ref(i) {
                Ok(ValueRef::Null) => values.push(String::new()),
                Ok(ValueRef::Integer(v)) => values.push(v.to_string()),
                Ok(ValueRef::Text(t)) => match std::str::from_utf8(t) {
                    Ok(s) => values.push(s.trim().to_string()),
                    Err(_) => bad = Some(format!("{field} is not UTF-8 text")),
                },
                Ok(ValueRef::Real(_)) | Ok(ValueRef::Blob(_)) => {
                    bad = Some(format!("{field} is not text or an integer"))
                }
                Err(e) => bad = Some(e.to_string()),
            }
        }
        visit((n, bad.map_or(Ok(values), Err)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(
        kind: SourceKind,
        path: &Path,
        table: Option<&str>,
        wanted: &[&str],
    ) -> Vec<RowResult> {
        let wanted: Vec<String> = wanted.iter().map(|s| s.to_string()).collect();
        let mut out = Vec::new();
        read(kind, path, table, &wanted, &mut |r| out.push(r)).unwrap();
        out
    }

    #[test]
    fn csv_jsonl_and_sqlite_read_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("a.csv");
        std::fs::write(
            &csv,
            "name,extra,district\n张三,x,云岩区\n\"李,四\",y, 南明区 \nbad\n",
        )
        .unwrap();
        let rows = collect(SourceKind::Csv, &csv, None, &["district", "name"]);
        assert_eq!(rows[0], (1, Ok(vec!["云岩区".into(), "张三".into()])));
        assert_eq!(rows[1], (2, Ok(vec!["南明区".into(), "李,四".into()])));
        assert!(rows[2].1.as_ref().unwrap_err().contains("1 columns"));

        let jl = dir.path().join("a.jsonl");
        std::fs::write(
            &jl,
            "{\"name\":\"张三\",\"age\":34}\n\n[1]\n{\"name\":null}\nnot json\n",
        )
        .unwrap();
        let rows = collect(SourceKind::Jsonl, &jl, None, &["name", "age"]);
        assert_eq!(rows[0], (1, Ok(vec!["张三".into(), "34".into()])));
        assert!(rows[1].1.is_err());
        assert_eq!(rows[2], (3, Ok(vec![String::new(), String::new()])));
        assert!(rows[3].1.is_err());

        let db = dir.path().join("a.sqlite");
        let c = Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE t (name TEXT, n INTEGER, f REAL); INSERT INTO t VALUES ('a', 7, 1.5), (NULL, NULL, NULL);").unwrap();
        drop(c);
        let rows = collect(SourceKind::Sqlite, &db, Some("t"), &["name", "n"]);
        assert_eq!(rows[0], (1, Ok(vec!["a".into(), "7".into()])));
        assert_eq!(rows[1], (2, Ok(vec![String::new(), String::new()])));
        let rows = collect(SourceKind::Sqlite, &db, Some("t"), &["f"]);
        assert!(rows[0].1.is_err());
    }

    #[test]
    fn missing_columns_and_files_are_config_errors() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("a.csv");
        std::fs::write(&csv, "name\nx\n").unwrap();
        let wanted = vec!["name".to_string(), "district".to_string()];
        let err = read(SourceKind::Csv, &csv, None, &wanted, &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("district"), "{err}");
        let err = read(
            SourceKind::Csv,
            &dir.path().join("none.csv"),
            None,
            &wanted,
            &mut |_| {},
        )
        .unwrap_err();
        assert!(err.to_string().contains("cannot read"), "{err}");
        let err = read(
            SourceKind::Sqlite,
            &csv,
            Some("t; DROP"),
            &wanted,
            &mut |_| {},
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("identifier") || err.to_string().contains("cannot read"),
            "{err}"
        );
        let err = read(SourceKind::Sqlite, &csv, None, &wanted, &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("table"), "{err}");
    }
}
