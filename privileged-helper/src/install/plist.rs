//! The helper's LaunchDaemon property list, as XML plist text.
//!
//! Two variants, one source:
//! - [`Variant::Bundle`]: the plist the app ships in
//!   `Egress.app/Contents/Library/LaunchDaemons/` and registers with
//!   `SMAppService.daemon(plistName:)` (macOS 13+). launchd finds the
//!   program through `BundleProgram`, relative to the bundle, so the plist
//!   is the same wherever the app is installed.
//! - [`Variant::Legacy`]: the plist `egress-helper install` writes to
//!   `/Library/LaunchDaemons` (macOS before 13). There is no bundle to be
//!   relative to: `ProgramArguments[0]` is an absolute path.
//!
//! Everything else (label, arguments, keep-alive, log, the associated
//! bundle id that shows the daemon under the app in Login Items) is shared.

use super::{APP_BUNDLE_ID, BUNDLE_PROGRAM, HELPER_LABEL, LOG_FILE};

/// Which plist to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Variant {
    /// Inside the app bundle, for `SMAppService` (macOS 13+).
    Bundle,
    /// In `/Library/LaunchDaemons`, for `launchctl bootstrap` (macOS < 13),
    /// running the helper at this absolute path.
    Legacy {
        /// The helper binary launchd runs.
        program: String,
        /// The app bundle the helper came from, passed as `run --bundle`:
        /// when it goes to the Trash the helper unregisters itself
        /// (`crate::bundle_watch`). `None` when installed from elsewhere.
        bundle: Option<String>,
    },
}

/// A property-list value: the kinds the helper's plist uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `<string>`.
    String(String),
    /// `<true/>` or `<false/>`.
    Bool(bool),
    /// `<array>`.
    Array(Vec<Value>),
    /// `<dict>`, keys in the order given.
    Dict(Vec<(String, Value)>),
}

impl Value {
    fn string(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

/// The arguments launchd passes after the program name.
pub const RUN_ARGUMENTS: [&str; 3] = ["run", "--backend", "macos"];

/// The LaunchDaemon's keys, as a dictionary.
pub fn launch_daemon(variant: &Variant) -> Value {
    let (argv0, bundle) = match variant {
        // With BundleProgram, ProgramArguments is only argv: its first
        // element is the program's name as the helper sees it (the helper
        // finds its bundle from its own path).
        Variant::Bundle => (BUNDLE_PROGRAM, None),
        Variant::Legacy { program, bundle } => (program.as_str(), bundle.as_deref()),
    };
    let mut arguments = vec![Value::string(argv0)];
    arguments.extend(RUN_ARGUMENTS.iter().map(|a| Value::string(a)));
    if let Some(bundle) = bundle {
        arguments.extend([Value::string("--bundle"), Value::string(bundle)]);
    }
    let mut keys = vec![("Label".to_string(), Value::string(HELPER_LABEL))];
    if *variant == Variant::Bundle {
        keys.push(("BundleProgram".into(), Value::string(BUNDLE_PROGRAM)));
    }
    keys.extend([
        ("ProgramArguments".to_string(), Value::Array(arguments)),
        ("RunAtLoad".into(), Value::Bool(true)),
        // Restarted when it fails or crashes (launchd throttles a crash
        // loop to one start per 10 s), not after a clean exit (0): the
        // helper exits 0 when its app went to the Trash, and only then,
        // as launchd stops it with SIGTERM otherwise. `launchctl bootout`
        // stops it for good.
        (
            "KeepAlive".into(),
            Value::Dict(vec![("SuccessfulExit".into(), Value::Bool(false))]),
        ),
        ("StandardErrorPath".into(), Value::string(LOG_FILE)),
        // Login Items (macOS 13+) lists the daemon under the app, for the
        // legacy plist too.
        (
            "AssociatedBundleIdentifiers".into(),
            Value::Array(vec![Value::string(APP_BUNDLE_ID)]),
        ),
    ]);
    Value::Dict(keys)
}

/// The LaunchDaemon plist as XML text (tab-indented, as Apple's tools
/// write it).
pub fn launch_daemon_plist(variant: &Variant) -> String {
    to_xml(&launch_daemon(variant))
}

/// A value as a complete XML property-list document.
pub fn to_xml(root: &Value) -> String {
    let mut out = String::from(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" ",
        "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n",
        "<plist version=\"1.0\">\n",
    ));
    write_value(&mut out, root, 0);
    out.push_str("</plist>\n");
    out
}

fn indent(out: &mut String, depth: usize) {
    out.extend(std::iter::repeat_n('\t', depth));
}

fn write_value(out: &mut String, value: &Value, depth: usize) {
    indent(out, depth);
    match value {
        Value::String(s) => {
            out.push_str("<string>");
            out.push_str(&escape(s));
            out.push_str("</string>\n");
        }
        Value::Bool(true) => out.push_str("<true/>\n"),
        Value::Bool(false) => out.push_str("<false/>\n"),
        Value::Array(items) if items.is_empty() => out.push_str("<array/>\n"),
        Value::Array(items) => {
            out.push_str("<array>\n");
            for item in items {
                write_value(out, item, depth + 1);
            }
            indent(out, depth);
            out.push_str("</array>\n");
        }
        Value::Dict(entries) if entries.is_empty() => out.push_str("<dict/>\n"),
        Value::Dict(entries) => {
            out.push_str("<dict>\n");
            for (key, item) in entries {
                indent(out, depth + 1);
                out.push_str("<key>");
                out.push_str(&escape(key));
                out.push_str("</key>\n");
                write_value(out, item, depth + 1);
            }
            indent(out, depth);
            out.push_str("</dict>\n");
        }
    }
}

/// XML character escaping for text content.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[path = "plist_tests.rs"]
mod tests;
