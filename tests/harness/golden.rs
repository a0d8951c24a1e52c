//! Golden files: compare text with a file under `tests/golden/`, or
//! rewrite the file when `UPDATE_GOLDEN=1` is set.
//!
//! ```sh
//! UPDATE_GOLDEN=1 cargo test -p integration-tests --test sim_golden   # accept the new output
//! git diff tests/golden                                                # and review it
//! ```

use std::fmt::Write as _;
use std::path::PathBuf;

/// The golden-file directory (`tests/golden`).
pub fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden")
}

/// Whether `UPDATE_GOLDEN=1` asks for files to be rewritten.
pub fn updating() -> bool {
    std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1")
}

/// Checks `actual` against `tests/golden/<relative>`.
///
/// # Panics
/// When the file is missing or differs (with the first differing lines),
/// unless `UPDATE_GOLDEN=1`, in which case the file is written instead.
pub fn check(relative: &str, actual: &str) {
    let path = golden_dir().join(relative);
    if updating() {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create the golden directory");
        }
        std::fs::write(&path, actual).expect("write the golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}\nrun with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "{} differs from the output (UPDATE_GOLDEN=1 rewrites it):\n{}",
            path.display(),
            diff(&expected, actual)
        );
    }
}

/// A short line diff: every line only in one of the texts, with its line
/// number, at most 40 of them.
pub fn diff(expected: &str, actual: &str) -> String {
    let want: Vec<&str> = expected.lines().collect();
    let got: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    let mut shown = 0;
    for (i, line) in want.iter().enumerate() {
        if !got.contains(line) && shown < 40 {
            let _ = writeln!(out, "-{:>5} {line}", i + 1);
            shown += 1;
        }
    }
    for (i, line) in got.iter().enumerate() {
        if !want.contains(line) && shown < 40 {
            let _ = writeln!(out, "+{:>5} {line}", i + 1);
            shown += 1;
        }
    }
    if shown == 0 {
        let _ = writeln!(
            out,
            "(same lines, different order or counts: {} expected, {} actual)",
            want.len(),
            got.len()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_shows_lines_on_either_side() {
        let d = diff("a\nb\nc\n", "a\nc\nd\n");
        assert!(d.contains("-    2 b"), "{d}");
        assert!(d.contains("+    3 d"), "{d}");
        assert!(diff("a\nb\n", "b\na\n").contains("different order"));
    }
}
