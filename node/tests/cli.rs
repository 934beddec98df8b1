//! The `kuai` CLI against a running node: a command for each transaction type and the
//! queries, with exit status 0 on success, 1 with the reason on a refusal, and 2 on
//! usage errors. The CLI binary is built next to `kuai-node` (scripts/test.sh builds the
//! binaries first; otherwise this test builds it).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{init, key, kuai_bin, NodeProc};

struct Cli {
    bin: PathBuf,
    node: String,
    keys: PathBuf,
}

impl Cli {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.bin)
            .arg("--node")
            .arg(&self.node)
            .args(args)
            .output()
            .expect("run kuai")
    }

    /// Runs and asserts exit status 0; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kuai {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn key(&self, name: &str) -> String {
        self.keys.join(format!("{name}.key")).display().to_string()
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args))
            .unwrap_or_else(|e| panic!("kuai {args:?}: not JSON: {e}"))
    }
}

#[test]
fn a_command_for_each_transaction_type() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "kuai-cli");
    let node = NodeProc::start(dir);
    let cli = Cli {
        bin: kuai_bin(),
        node: node.url.clone(),
        keys: dir.join("keys"),
    };
    let k = |n: &str| cli.key(n);

    // Usage errors exit 2; identifier checks exit 0 / 1.
    assert_eq!(cli.run(&["request", "approve"]).status.code(), Some(2));
    assert_eq!(
        cli.run(&["id", "check", "11010519491231002X"])
            .status
            .code(),
        Some(0)
    );
    let bad = cli.run(&["id", "check", "110105194912310021"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected 'X'"));

    // Keys and organizations.
    let new_key = dir.join("new.key");
    let public = cli
        .ok(&["keys", "new", "--out", new_key.to_str().unwrap()])
        .trim()
        .to_string();
    assert_eq!(
        cli.ok(&["keys", "show", new_key.to_str().unwrap()]).trim(),
        public
    );
    cli.ok(&[
        "org",
        "register",
        "--key",
        &k("operator-cdo"),
        "--credit-code",
        "91520100MA6DKQ8X2E",
        "--name",
        "Qianxing Data",
        "--member",
        &format!("{public}:cdo"),
    ]);
    assert_eq!(
        cli.json(&["org", "show", "91520100MA6DKQ8X2E"])["kind"],
        "external_applicant"
    );
    let extra = Path::new(dir).join("extra.key");
    let extra_pub = cli
        .ok(&["keys", "new", "--out", extra.to_str().unwrap()])
        .trim()
        .to_string();
    cli.ok(&[
        "org",
        "add-member",
        "--key",
        &k("police-cdo"),
        "--member",
        &format!("{extra_pub}:reviewer"),
    ]);
    cli.ok(&[
        "org",
        "remove-member",
        "--key",
        &k("police-cdo"),
        "--member-key",
        &extra_pub,
    ]);
    let rotated = dir.join("rotated.key");
    cli.ok(&["keys", "new", "--out", rotated.to_str().unwrap()]);
    cli.ok(&[
        "org",
        "rotate-key",
        "--key",
        &k("police-app"),
        "--new-key-file",
        rotated.to_str().unwrap(),
    ]);
    cli.ok(&["org", "set-threshold", "--key", &k("market-cdo"), "1"]);

    // Catalog.
    let spec = serde_json::json!({
        "name": "Enterprise registration", "classification": "legal-entity", "security_grade": 1, "format": "csv",
        "fields": [{"name": "company_name", "sensitivity": "public", "masking": "none", "element_code": null},
                   {"name": "phone", "sensitivity": "internal", "masking": "phone", "element_code": null}],
        "update_frequency": "daily", "share_type": "conditional", "legal_basis": null, "share_methods": ["api"],
        "open_mode": "on_application", "usage_requirements": "stated purpose only", "approval_threshold": null
    });
    let spec_file = dir.join("entry.json");
    std::fs::write(&spec_file, spec.to_string()).unwrap();
    let out = cli.ok(&[
        "catalog",
        "register",
        "--key",
        &k("market-cdo"),
        "--file",
        spec_file.to_str().unwrap(),
    ]);
    assert!(out.contains("catalog_entry_registered"), "{out}");
    cli.ok(&[
        "catalog",
        "update",
        "1",
        "--key",
        &k("market-cdo"),
        "--file",
        spec_file.to_str().unwrap(),
    ]);
    assert_eq!(
        cli.json(&["catalog", "versions", "1"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let review = cli.run(&[
        "catalog",
        "review",
        "1",
        "--key",
        &k("market-cdo"),
        "--version",
        "2",
    ]);
    assert_eq!(review.status.code(), Some(1), "only reviewers sign off");
    assert!(String::from_utf8_lossy(&review.stderr).contains("not_authorized"));
    cli.ok(&[
        "catalog",
        "declare-change",
        "1",
        "--key",
        &k("market-cdo"),
        "--note",
        "new fields",
    ]);
    cli.ok(&[
        "catalog",
        "negative-list",
        "1",
        "--key",
        &k("market-cdo"),
        "--basis",
        "security review",
    ]);
    cli.ok(&[
        "catalog",
        "negative-list",
        "1",
        "--key",
        &k("market-cdo"),
        "--remove",
    ]);
    assert_eq!(
        cli.json(&["catalog", "list", "--share-type", "conditional"])["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Requests, grants, access, objections.
    let submit = |extra: &[&str]| {
        let mut a = vec![
            "request",
            "submit",
            "--entry",
            "1",
            "--fields",
            "company_name,phone",
            "--purpose",
            "licensing",
            "--legal-basis",
            "Licensing Law art. 5",
        ];
        a.extend_from_slice(extra);
        cli.ok(&a)
    };
    submit(&["--key", &k("civil-app")]);
    submit(&["--key", &k("civil-app")]);
    submit(&["--key", &k("civil-app")]);
    cli.ok(&[
        "request",
        "approve",
        "1",
        "--key",
        &k("market-cdo"),
        "--quota-rows",
        "50",
        "--quota-calls",
        "3",
    ]);
    cli.ok(&[
        "request",
        "reject",
        "2",
        "--key",
        &k("market-cdo"),
        "--reason",
        "duplicate of request 1",
    ]);
    cli.ok(&["request", "withdraw", "3", "--key", &k("civil-app")]);
    assert_eq!(
        cli.json(&["request", "list", "--status", "rejected"])["items"][0]["id"],
        2
    );
    let grant = cli.json(&["grant", "show", "1"]);
    assert_eq!(
        (grant["quota_rows"].as_u64(), grant["quota_calls"].as_u64()),
        (Some(50), Some(3))
    );
    let civil_app = key(dir, "civil-app").public().to_hex();
    cli.ok(&[
        "access",
        "record",
        "--key",
        &k("market-app"),
        "--grant",
        "1",
        "--accessor",
        &civil_app,
        "--fields",
        "company_name",
        "--rows",
        "20",
        "--query",
        "q",
        "--purpose",
        "licensing",
    ]);
    let over = cli.run(&[
        "access",
        "record",
        "--key",
        &k("market-app"),
        "--grant",
        "1",
        "--accessor",
        &civil_app,
        "--fields",
        "company_name",
        "--rows",
        "40",
        "--query",
        "q",
        "--purpose",
        "licensing",
    ]);
    assert_eq!(over.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&over.stderr).contains("quota_exceeded"));
    assert_eq!(
        cli.json(&["access", "list", "--grant", "1"])["items"][0]["rows"],
        20
    );
    cli.ok(&[
        "objection",
        "raise",
        "--key",
        &k("civil-app"),
        "--grant",
        "1",
        "--field",
        "phone",
        "--record",
        "row 2",
        "--description",
        "wrong number",
    ]);
    cli.ok(&[
        "objection",
        "answer",
        "1",
        "--key",
        &k("market-cdo"),
        "--rejected",
        "checked: the number is right",
    ]);
    assert_eq!(
        cli.json(&["objection", "show", "1"])["status"]["rejected"]["reason"],
        "checked: the number is right"
    );
    cli.ok(&[
        "grant",
        "revoke",
        "1",
        "--key",
        &k("market-cdo"),
        "--reason",
        "misuse",
    ]);

    // Opening agreement.
    let text = dir.join("agreement.txt");
    std::fs::write(&text, "Opening agreement GY-1").unwrap();
    let t = text.to_str().unwrap();
    cli.ok(&[
        "agreement",
        "propose",
        "--key",
        &k("operator-cdo"),
        "--entry",
        "1",
        "--applicant",
        "91520100MA6DKQ8X2E",
        "--text-file",
        t,
        "--fields",
        "company_name",
        "--purpose",
        "research",
    ]);
    cli.ok(&[
        "agreement",
        "sign",
        "1",
        "--key",
        &k("market-cdo"),
        "--text-file",
        t,
    ]);
    cli.ok(&[
        "agreement",
        "sign",
        "1",
        "--key",
        new_key.to_str().unwrap(),
        "--text-file",
        t,
    ]);
    assert!(cli.json(&["agreement", "show", "1"])["status"]["active"].is_object());

    // Governance.
    let action = dir.join("action.json");
    std::fs::write(&action, r#"{"set_holiday_calendar": {"year": 2027, "holidays": ["2027-10-01"], "makeup_workdays": []}}"#).unwrap();
    cli.ok(&[
        "proposal",
        "submit",
        "--key",
        &k("operator-cdo"),
        "--action-file",
        action.to_str().unwrap(),
        "--days",
        "3",
    ]);
    for v in ["police-cdo", "market-cdo", "civil-cdo"] {
        cli.ok(&["proposal", "vote", "1", "--key", &k(v)]);
    }
    assert!(cli.json(&["proposal", "show", "1"])["status"]["passed"].is_object());
    assert_eq!(
        cli.json(&["chain", "calendar", "2027"])["holidays"][0],
        "2027-10-01"
    );

    // Queries.
    assert!(cli.json(&["status"])["height"].as_u64().unwrap() > 10);
    assert_eq!(
        cli.json(&["scorecard", "list"]).as_array().unwrap().len(),
        4
    );
    assert!(
        cli.json(&["block", "list", "--limit", "2"])
            .as_array()
            .unwrap()
            .len()
            == 2
    );
    let missing = cli.run(&["catalog", "show", "99"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("404"));
}
