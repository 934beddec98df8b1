//! Sample base databases (§5.3 of the policy) for the dev consortium, generated
//! deterministically (a fixed seed, no randomness from the OS) at first start into
//! `DATA_DIR/datasets/`, never committed:
//! - `population.csv`: [`POPULATION`] synthetic persons of Guiyang (valid resident ID
//!   numbers whose region and birth date match the `district` and `birth_date` columns,
//!   names), plus [`POPULATION_DIRTY`] dirty rows of known kinds;
//! - `companies.sqlite` (table `companies`): [`COMPANIES`] synthetic legal entities with
//!   valid credit codes, plus [`COMPANIES_DIRTY`] dirty rows.
//!
//! The public security bureau's gateway serves the first under entry 1 (resident
//! population) and market regulation's the second under entry 8 (enterprise registration);
//! see [`gateway_config`]. The dirty rows are excluded on load and counted by the gateway.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use kuai_types::identifiers::{complete_credit_code, complete_resident_id, days_in_month};

use crate::error::NodeError;
use crate::gateway::config::{DatasetBinding, FieldCheck, GatewayConfig, SourceKind};

/// Valid persons in the population dataset.
pub const POPULATION: usize = 100_000;
/// Dirty population rows: (kind as the gateway counts it, how many).
pub const POPULATION_DIRTY: [(&str, usize); 4] = [
    ("invalid resident ID in id_number", 40),
    ("missing name", 25),
    ("invalid date in birth_date", 15),
    ("duplicate id_number", 20),
];
/// Valid legal entities in the companies dataset.
pub const COMPANIES: usize = 20_000;
pub const COMPANIES_DIRTY: [(&str, usize); 3] = [
    ("invalid credit code in credit_code", 30),
    ("missing company_name", 20),
    ("duplicate credit_code", 10),
];

/// Catalog entries the datasets serve (see `entries.rs`).
pub const POPULATION_ENTRY: u64 = 1;
pub const COMPANIES_ENTRY: u64 = 8;

/// Guiyang's districts and counties with their administrative division codes.
pub const DISTRICTS: [(&str, &str); 10] = [
    ("520102", "南明区"),
    ("520103", "云岩区"),
    ("520111", "花溪区"),
    ("520112", "乌当区"),
    ("520113", "白云区"),
    ("520115", "观山湖区"),
    ("520121", "开阳县"),
    ("520122", "息烽县"),
    ("520123", "修文县"),
    ("520181", "清镇市"),
];

const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧阳";
const GIVEN: &str = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉晶宇浩凯健俊帆帅旭宁婷欣怡梅兰松柏雪林峰波斌";
const ROADS: [&str; 8] = [
    "中华北路",
    "延安中路",
    "遵义路",
    "宝山南路",
    "长岭北路",
    "花溪大道",
    "北京路",
    "瑞金南路",
];
const TRADES: [&str; 9] = [
    "科技",
    "商贸",
    "建筑",
    "餐饮",
    "物流",
    "医药",
    "农业",
    "文化传媒",
    "信息技术",
];
const BRANDS: [&str; 10] = [
    "黔", "筑城", "林城", "云岭", "山花", "甲秀", "南明", "观山", "乌江", "红枫",
];

/// SplitMix64: a small deterministic generator (the same seed, the same datasets).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

fn name(rng: &mut Rng) -> String {
    let surnames: Vec<char> = SURNAMES.chars().collect();
    let given: Vec<char> = GIVEN.chars().collect();
    let mut s = String::new();
    s.push(*rng.pick(&surnames));
    for _ in 0..1 + rng.below(2) {
        s.push(*rng.pick(&given));
    }
    s
}

fn phone(rng: &mut Rng) -> String {
    let prefix = ["13", "15", "17", "18", "19"];
    format!("{}{:09}", rng.pick(&prefix), rng.next() % 1_000_000_000)
}

/// One valid person: (id_number, name, birth_date, district).
fn person(rng: &mut Rng, seen: &mut HashSet<String>) -> [String; 4] {
    loop {
        let (code, district) = *rng.pick(&DISTRICTS);
        let year = 1940 + rng.below(81) as u32;
        let month = 1 + rng.below(12) as u32;
        let day = 1 + rng.below(days_in_month(year, month) as usize) as u32;
        let seq = rng.below(1000);
        let id = complete_resident_id(&format!("{code}{year:04}{month:02}{day:02}{seq:03}"));
        if seen.insert(id.clone()) {
            return [
                id,
                name(rng),
                format!("{year:04}-{month:02}-{day:02}"),
                district.to_string(),
            ];
        }
    }
}

/// Writes the population CSV: `valid` persons, then the dirty rows mixed in at fixed
/// places. Returns the number of rows written.
pub fn write_population(path: &Path, valid: usize) -> Result<usize, NodeError> {
    let mut rng = Rng(0x5EED_0001);
    let mut seen = HashSet::new();
    let mut rows: Vec<[String; 4]> = (0..valid).map(|_| person(&mut rng, &mut seen)).collect();
    let mut dirty: Vec<[String; 4]> = Vec::new();
    for (kind, n) in POPULATION_DIRTY {
        for i in 0..n {
            let mut p = person(&mut rng, &mut seen);
            match kind {
                "invalid resident ID in id_number" => {
                    let mut b = p[0].clone().into_bytes();
                    b[17] = if b[17] == b'0' { b'1' } else { b'0' };
                    p[0] = String::from_utf8(b).unwrap_or_default();
                }
                "missing name" => p[1].clear(),
                "invalid date in birth_date" => p[2] = format!("{}-13-01", &p[2][..4]),
                _ => p = rows[(i * 997) % rows.len().max(1)].clone(),
            }
            dirty.push(p);
        }
    }
    // Spread the dirty rows through the file (after the first valid row of each stride),
    // so a duplicate always comes after its original.
    let stride = (rows.len() / dirty.len().max(1)).max(1);
    let mut out: Vec<[String; 4]> = Vec::with_capacity(rows.len() + dirty.len());
    let mut dirty_iter = dirty.into_iter();
    for (i, r) in rows.drain(..).enumerate() {
        out.push(r);
        if i % stride == stride - 1 {
            out.extend(dirty_iter.next());
        }
    }
    out.extend(dirty_iter);
    write_atomically(path, |tmp| {
        let mut w = csv::Writer::from_path(tmp).map_err(io)?;
        w.write_record(["id_number", "name", "birth_date", "district"])
            .map_err(io)?;
        for r in &out {
            w.write_record(r).map_err(io)?;
        }
        w.flush()?;
        Ok(())
    })?;
    Ok(out.len())
}

fn io(e: impl std::fmt::Display) -> NodeError {
    NodeError::Io(std::io::Error::other(e.to_string()))
}

fn write_atomically(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), NodeError>,
) -> Result<(), NodeError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    write(&tmp)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

const CREDIT_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// One valid company: (credit_code, company_name, legal_representative, phone, address).
fn company(rng: &mut Rng, index: usize) -> [String; 5] {
    let (code, district) = *rng.pick(&DISTRICTS);
    let mut org = String::from("MA");
    let mut v = index;
    for _ in 0..6 {
        org.push(CREDIT_ALPHABET[v % 31] as char);
        v /= 31;
    }
    org.push(*rng.pick(CREDIT_ALPHABET) as char);
    let credit = complete_credit_code(&format!("91{code}{org}")).unwrap_or_default();
    let brand = rng.pick(&BRANDS);
    let trade = rng.pick(&TRADES);
    [
        credit,
        format!("贵阳{brand}{trade}有限公司第{}分公司", index % 97 + 1),
        name(rng),
        phone(rng),
        format!(
            "贵州省贵阳市{district}{}{}号",
            rng.pick(&ROADS),
            1 + rng.below(300)
        ),
    ]
}

/// Writes the companies SQLite database (table `companies`). Returns the rows written.
pub fn write_companies(path: &Path, valid: usize) -> Result<usize, NodeError> {
    let mut rng = Rng(0x5EED_0002);
    let mut rows: Vec<[String; 5]> = (0..valid).map(|i| company(&mut rng, i)).collect();
    let mut n = valid;
    for (kind, count) in COMPANIES_DIRTY {
        for i in 0..count {
            let mut c = company(&mut rng, n);
            n += 1;
            match kind {
                "invalid credit code in credit_code" => {
                    let last = c[0].pop().unwrap_or('0');
                    c[0].push(if last == '0' { '1' } else { '0' });
                }
                "missing company_name" => c[1].clear(),
                _ => c = rows[(i * 991) % valid.max(1)].clone(),
            }
            rows.push(c);
        }
    }
    write_atomically(path, |tmp| {
        let mut db = rusqlite::Connection::open(tmp).map_err(io)?;
        db.execute_batch(
            "CREATE TABLE companies (credit_code TEXT, company_name TEXT, \
             legal_representative TEXT, phone TEXT, address TEXT, registered_capital INTEGER)",
        )
        .map_err(io)?;
        let tx = db.transaction().map_err(io)?;
        {
            let mut ins = tx
                .prepare("INSERT INTO companies VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .map_err(io)?;
            for (i, c) in rows.iter().enumerate() {
                let name = (!c[1].is_empty()).then_some(c[1].as_str());
                ins.execute(rusqlite::params![
                    c[0],
                    name,
                    c[2],
                    c[3],
                    c[4],
                    (i as i64 % 50 + 1) * 100_000
                ])
                .map_err(io)?;
            }
        }
        tx.commit().map_err(io)?;
        Ok(())
    })?;
    Ok(rows.len())
}

/// The dev datasets' directory.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("datasets")
}

/// Generates the datasets and the gateway secret if they are not there yet.
pub fn ensure(data_dir: &Path) -> Result<(), NodeError> {
    let d = dir(data_dir);
    let population = d.join("population.csv");
    if !population.exists() {
        let n = write_population(&population, POPULATION)?;
        tracing::info!(rows = n, path = %population.display(), "generated the population dataset");
    }
    let companies = d.join("companies.sqlite");
    if !companies.exists() {
        let n = write_companies(&companies, COMPANIES)?;
        tracing::info!(rows = n, path = %companies.display(), "generated the companies dataset");
    }
    crate::gateway::ensure_secret(&data_dir.join("keys").join("gateway.secret"))
}

/// The dev gateway: the police bureau serves the population (its `police-app` key
/// records the accesses), market regulation the companies. Paths relative to `data_dir`.
pub fn gateway_config() -> GatewayConfig {
    GatewayConfig {
        secret_file: "keys/gateway.secret".into(),
        max_batch: 512,
        datasets: vec![
            DatasetBinding {
                entry: POPULATION_ENTRY,
                key_file: "keys/police-app.key".into(),
                source: SourceKind::Csv,
                path: "datasets/population.csv".into(),
                table: None,
                unique: Some("id_number".into()),
                checks: BTreeMap::from([
                    ("id_number".into(), FieldCheck::ResidentId),
                    ("name".into(), FieldCheck::Required),
                    ("birth_date".into(), FieldCheck::Date),
                    ("district".into(), FieldCheck::Required),
                ]),
            },
            DatasetBinding {
                entry: COMPANIES_ENTRY,
                key_file: "keys/market-app.key".into(),
                source: SourceKind::Sqlite,
                path: "datasets/companies.sqlite".into(),
                table: Some("companies".into()),
                unique: Some("credit_code".into()),
                checks: BTreeMap::from([
                    ("credit_code".into(), FieldCheck::CreditCode),
                    ("company_name".into(), FieldCheck::Required),
                ]),
            },
        ],
    }
}

/// The catalog entry the generated population dataset fits (its four columns with
/// their masking rules), for tests and benchmarks that publish it themselves.
pub fn population_spec() -> kuai_types::model::CatalogEntrySpec {
    use kuai_types::model::*;
    let f = |name: &str, masking| FieldSpec {
        name: name.into(),
        sensitivity: Sensitivity::Sensitive,
        masking,
        element_code: None,
    };
    CatalogEntrySpec {
        name: "Resident population basic information".into(),
        classification: "population/basic".into(),
        security_grade: 3,
        format: "csv".into(),
        fields: vec![
            f("id_number", MaskingRule::IdNumber),
            f("name", MaskingRule::Name),
            f("birth_date", MaskingRule::Generalize),
            f("district", MaskingRule::None),
        ],
        update_frequency: "daily".into(),
        share_type: ShareType::Conditional,
        legal_basis: Some("Resident Identity Card Law art. 6 (not opened)".into()),
        share_methods: vec![ShareMethod::Api],
        open_mode: OpenMode::NotOpen,
        usage_requirements: "stated purpose only".into(),
        approval_threshold: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuai_types::identifiers::{check_credit_code, check_resident_id};

    #[test]
    fn generated_rows_are_valid_deterministic_and_dirty_as_declared() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        let n = write_population(&a, 3_000).unwrap();
        write_population(&b, 3_000).unwrap();
        assert_eq!(
            std::fs::read(&a).unwrap(),
            std::fs::read(&b).unwrap(),
            "deterministic"
        );
        let dirty: usize = POPULATION_DIRTY.iter().map(|(_, n)| n).sum();
        assert_eq!(n, 3_000 + dirty);
        let mut rdr = csv::Reader::from_path(&a).unwrap();
        let mut valid = 0;
        for r in rdr.records() {
            let r = r.unwrap();
            if check_resident_id(&r[0]).is_ok() && !r[1].is_empty() && !r[2].contains("-13-") {
                valid += 1;
                // The ID's region and birth date agree with the other columns.
                let (code, district) = DISTRICTS.iter().find(|(c, _)| r[0].starts_with(c)).unwrap();
                assert_eq!(&r[3], *district, "{code}");
                assert_eq!(r[2].replace('-', ""), r[0][6..14]);
            }
        }
        // Valid rows include the duplicates (valid but repeated).
        assert_eq!(valid, 3_000 + 20);

        let db = dir.path().join("c.sqlite");
        let n = write_companies(&db, 500).unwrap();
        assert_eq!(n, 560);
        let c = rusqlite::Connection::open(&db).unwrap();
        let codes: Vec<String> = c
            .prepare("SELECT credit_code FROM companies ORDER BY rowid LIMIT 500")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(codes.iter().all(|c| check_credit_code(c).is_ok()));
        assert_eq!(codes.iter().collect::<HashSet<_>>().len(), 500, "unique");
    }
}
