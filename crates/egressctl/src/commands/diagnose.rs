//! `egressctl flush` and `egressctl diagnose`.

use std::path::{Component, Path, PathBuf};

use helper_proto::{Diagnostics, FlushReport};
use serde_json::json;

use super::Context;
use crate::failure::Failure;
use crate::output::clock::{duration, Clock};
use crate::output::print_json;

/// Removes (or, dry, lists) routes Egress left behind.
pub async fn flush(cx: &Context, dry_run: bool) -> Result<(), Failure> {
    let report = cx.connect().await?.flush(dry_run).await?;
    if cx.json {
        return print_json(&report);
    }
    print!("{}", flush_text(&report));
    Ok(())
}

/// What a flush did or would do.
fn flush_text(report: &FlushReport) -> String {
    if report.routes.is_empty() {
        return "no routes of Egress left behind\n".to_string();
    }
    let verb = if report.dry_run {
        "would remove"
    } else {
        "removed"
    };
    let mut out = format!("{verb} {} route(s):\n", report.routes.len());
    for route in &report.routes {
        out.push_str(&format!("  {route}\n"));
    }
    out
}

/// Prints the diagnostics; with `out`, writes the bundle's files there.
pub async fn diagnose(cx: &Context, redact: bool, out: Option<&Path>) -> Result<(), Failure> {
    let client = cx.connect().await?;
    let Some(dir) = out else {
        let diagnostics = client.diagnostics().await?;
        if cx.json {
            return print_json(&diagnostics);
        }
        print!("{}", diagnostics_text(&diagnostics, &cx.clock()));
        return Ok(());
    };
    let bundle = client.bundle(redact).await?;
    std::fs::create_dir_all(dir).map_err(|e| Failure::file(dir, e))?;
    let mut written = Vec::new();
    for section in &bundle.sections {
        let path = section_path(dir, &section.name)?;
        std::fs::write(&path, &section.text).map_err(|e| Failure::file(&path, e))?;
        written.push(path);
    }
    if cx.json {
        return print_json(&json!({ "redacted": bundle.redacted, "files": written }));
    }
    for path in &written {
        println!("wrote {}", path.display());
    }
    if bundle.redacted {
        println!("addresses are replaced by placeholders");
    }
    Ok(())
}

/// Where a bundle section goes: its name must be a plain file name.
fn section_path(dir: &Path, name: &str) -> Result<PathBuf, Failure> {
    let mut components = Path::new(name).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(_)), None) if !name.starts_with('.') => Ok(dir.join(name)),
        _ => Err(Failure::Local(format!(
            "the helper named a bundle file {name:?}, which is not a plain file name"
        ))),
    }
}

/// The diagnostics as text.
fn diagnostics_text(d: &Diagnostics, clock: &Clock) -> String {
    let mut out = format!(
        "helper      {} (protocol {})\nbackend     {}\nos          {}\nuptime      {}\n",
        d.helper,
        d.protocol,
        d.backend,
        d.os,
        duration(d.uptime_secs)
    );
    out.push_str(&match &d.journal {
        Some(j) => format!(
            "journal     {} bytes (see --json or diagnose --out)\n",
            j.len()
        ),
        None => "journal     none\n".to_string(),
    });
    out.push_str("\ntimeline:\n");
    for t in &d.timeline {
        out.push_str(&format!(
            "  {}  {}: {}\n",
            clock.date_time(t.at),
            t.trigger,
            t.outcome
        ));
    }
    out.push_str("\nkernel events:\n");
    for line in &d.kernel_events {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::clock::tests::{utc, NOW};
    use helper_proto::TimelineEntry;

    #[test]
    fn a_flush_lists_its_routes() {
        let mut report = FlushReport {
            dry_run: true,
            routes: vec!["route add -inet 0.0.0.0/0 -gateway 198.51.100.1 -ifscope en0".into()],
        };
        assert_eq!(
            flush_text(&report),
            "would remove 1 route(s):\n  route add -inet 0.0.0.0/0 -gateway 198.51.100.1 -ifscope en0\n"
        );
        report.dry_run = false;
        assert!(flush_text(&report).starts_with("removed 1 route(s):\n"));
        report.routes.clear();
        assert_eq!(flush_text(&report), "no routes of Egress left behind\n");
    }

    #[test]
    fn bundle_files_stay_in_their_directory() {
        let dir = Path::new("/tmp/out");
        assert_eq!(
            section_path(dir, "routes.txt").unwrap(),
            PathBuf::from("/tmp/out/routes.txt")
        );
        for bad in [
            "../etc/passwd",
            "/etc/passwd",
            "a/b.txt",
            ".profile",
            "",
            "..",
        ] {
            assert!(section_path(dir, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn diagnostics_read_as_text() {
        let d = Diagnostics {
            helper: "egress-helper 0.1.0".into(),
            protocol: helper_proto::PROTOCOL,
            backend: "sim".into(),
            os: "linux".into(),
            uptime_secs: 3 * 3600 + 240,
            journal: None,
            timeline: vec![TimelineEntry {
                at: NOW,
                trigger: "startup".into(),
                outcome: "pinned en0".into(),
            }],
            kernel_events: vec!["RTM_ADD default 198.51.100.1 en0".into()],
        };
        assert_eq!(
            diagnostics_text(&d, &utc()),
            "\
helper      egress-helper 0.1.0 (protocol 1.0)
backend     sim
os          linux
uptime      3 h 4 min
journal     none

timeline:
  2023-11-14 22:13:20  startup: pinned en0

kernel events:
  RTM_ADD default 198.51.100.1 en0
"
        );
    }
}
