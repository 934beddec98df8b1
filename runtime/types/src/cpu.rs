//! Whether this CPU runs what this build was compiled for.
//!
//! Rules:
//! - a binary compiled to use instruction-set extensions (the workspace's
//!   `.cargo/config.toml` picks them for x86-64) dies with "Illegal instruction" on a CPU
//!   without them, at whatever instruction first uses one; the binaries call
//!   [`check_build_features`] first thing, so such a CPU gets a message naming what is
//!   missing instead;
//! - only extensions the build was actually compiled with are checked (read from
//!   `cfg!(target_feature)`), so a build for an older baseline checks less, and other
//!   architectures check nothing.

use crate::error::TypesError;

/// One extension: its name, whether this build was compiled to use it, and whether this
/// CPU has it.
struct Feature {
    name: &'static str,
    compiled: bool,
    present: bool,
}

#[cfg(target_arch = "x86_64")]
macro_rules! features {
    ($($name:tt),* $(,)?) => {
        vec![$(Feature {
            name: $name,
            compiled: cfg!(target_feature = $name),
            present: std::arch::is_x86_feature_detected!($name),
        }),*]
    };
}

/// The x86-64 extensions of the levels x86-64-v2 to v4 (SSE4.2 and POPCNT; AVX2, BMI and
/// FMA; AVX-512) and PCLMULQDQ, which RocksDB's CRC32C uses.
#[cfg(target_arch = "x86_64")]
fn features() -> Vec<Feature> {
    features!(
        "sse3",
        "ssse3",
        "sse4.1",
        "sse4.2",
        "popcnt",
        "pclmulqdq",
        "avx",
        "avx2",
        "bmi1",
        "bmi2",
        "fma",
        "lzcnt",
        "movbe",
        "f16c",
    )
}

#[cfg(not(target_arch = "x86_64"))]
fn features() -> Vec<Feature> {
    Vec::new()
}

/// The names of the extensions among `features` that were compiled in but are absent.
fn missing(features: &[Feature]) -> Vec<&'static str> {
    features
        .iter()
        .filter(|f| f.compiled && !f.present)
        .map(|f| f.name)
        .collect()
}

/// Fails, naming them, when this build uses instruction-set extensions this CPU lacks.
pub fn check_build_features() -> Result<(), TypesError> {
    let missing = missing(&features());
    if missing.is_empty() {
        Ok(())
    } else {
        Err(TypesError::CpuFeatures {
            missing: missing.join(", "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(name: &'static str, compiled: bool, present: bool) -> Feature {
        Feature {
            name,
            compiled,
            present,
        }
    }

    #[test]
    fn only_compiled_and_absent_extensions_are_missing() {
        let fs = [
            feature("avx2", true, false),
            feature("bmi2", true, true),
            feature("fma", false, false),
            feature("movbe", true, false),
        ];
        assert_eq!(missing(&fs), ["avx2", "movbe"]);
        assert!(missing(&fs[1..3]).is_empty());
    }

    #[test]
    fn this_cpu_runs_this_build() {
        // The tests run, so the CPU has what the build uses; the check must agree.
        check_build_features().unwrap();
        #[cfg(target_arch = "x86_64")]
        {
            // The workspace builds x86-64 for at least SSE4.2 (.cargo/config.toml), and
            // the table reads that from the build.
            let fs = features();
            let sse42 = fs.iter().find(|f| f.name == "sse4.2").unwrap();
            assert!(sse42.compiled && sse42.present);
        }
    }

    #[test]
    fn the_error_names_what_is_missing() {
        let e = TypesError::CpuFeatures {
            missing: "avx2, bmi2".into(),
        };
        let text = e.to_string();
        assert!(text.contains("avx2, bmi2"), "{text}");
    }
}
