//! `kuai-node calibrate`: the machine's signature-checking speed as JSON, and a usage
//! error naming `--secs` for a time it will not spend.

mod common;

use std::process::Command;

/// `kuai-node calibrate --secs SECS`.
fn calibrate(secs: &str) -> std::process::Output {
    Command::new(&*common::BIN)
        .args(["calibrate", "--secs", secs])
        .output()
        .expect("run kuai-node calibrate")
}

#[test]
fn calibrate_prints_both_rates_and_refuses_a_time_out_of_range() {
    let out = calibrate("0.1");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["batch_size"], 1000);
    for rate in ["single_per_s", "batch_per_s"] {
        let r = v[rate].as_f64().unwrap_or_else(|| panic!("{rate} in {v}"));
        assert!(r > 0.0, "{rate} = {r}");
    }

    for bad in ["0", "61", "NaN"] {
        let out = calibrate(bad);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "--secs {bad} accepted");
        assert!(
            err.contains("--secs must be between"),
            "--secs {bad}: {err}"
        );
    }
}
