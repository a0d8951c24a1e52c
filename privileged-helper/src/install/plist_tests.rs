use super::*;

fn parsed(variant: &Variant) -> plist::Dictionary {
    let text = launch_daemon_plist(variant);
    let value: plist::Value =
        plist::from_bytes(text.as_bytes()).expect("the generated plist parses");
    value.into_dictionary().expect("a dictionary at the root")
}

fn strings(value: &plist::Value) -> Vec<&str> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_string().expect("a string"))
        .collect()
}

fn legacy() -> Variant {
    Variant::Legacy {
        program: "/Library/PrivilegedHelperTools/dev.egress.helper".into(),
        bundle: None,
    }
}

#[test]
fn the_bundle_plist_has_every_key_smappservice_needs() {
    let dict = parsed(&Variant::Bundle);
    let keys: Vec<&str> = dict.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "Label",
            "BundleProgram",
            "ProgramArguments",
            "RunAtLoad",
            "KeepAlive",
            "StandardErrorPath",
            "AssociatedBundleIdentifiers",
        ]
    );
    assert_eq!(dict["Label"].as_string(), Some("dev.egress.helper"));
    assert_eq!(
        dict["BundleProgram"].as_string(),
        Some("Contents/MacOS/egress-helper")
    );
    assert_eq!(
        strings(&dict["ProgramArguments"]),
        ["Contents/MacOS/egress-helper", "run", "--backend", "macos"]
    );
    assert_eq!(dict["RunAtLoad"].as_boolean(), Some(true));
    // Kept alive unless it exits 0 (its app was trashed: it unregistered).
    let keep_alive = dict["KeepAlive"]
        .as_dictionary()
        .expect("KeepAlive is a dictionary");
    assert_eq!(keep_alive.len(), 1, "{keep_alive:?}");
    assert_eq!(keep_alive["SuccessfulExit"].as_boolean(), Some(false));
    assert_eq!(
        dict["StandardErrorPath"].as_string(),
        Some("/var/log/egress-helper.log")
    );
    assert_eq!(
        strings(&dict["AssociatedBundleIdentifiers"]),
        ["dev.egress.menubar"]
    );
}

#[test]
fn the_legacy_plist_runs_an_absolute_path_and_has_no_bundle_program() {
    let dict = parsed(&legacy());
    assert!(!dict.contains_key("BundleProgram"));
    assert!(!dict.contains_key("Program"));
    let argv = strings(&dict["ProgramArguments"]);
    assert!(argv[0].starts_with('/'), "{argv:?}");
    assert_eq!(
        argv,
        [
            "/Library/PrivilegedHelperTools/dev.egress.helper",
            "run",
            "--backend",
            "macos"
        ]
    );
}

#[test]
fn a_legacy_helper_installed_from_the_app_watches_that_app() {
    let dict = parsed(&Variant::Legacy {
        program: "/Library/PrivilegedHelperTools/dev.egress.helper".into(),
        bundle: Some("/Applications/Egress & Co.app".into()),
    });
    assert_eq!(
        strings(&dict["ProgramArguments"]),
        [
            "/Library/PrivilegedHelperTools/dev.egress.helper",
            "run",
            "--backend",
            "macos",
            "--bundle",
            "/Applications/Egress & Co.app"
        ]
    );
}

#[test]
fn the_variants_differ_only_in_how_launchd_finds_the_program() {
    let mut bundle = parsed(&Variant::Bundle);
    let mut legacy = parsed(&legacy());
    assert!(bundle.remove("BundleProgram").is_some());
    let argv = |d: &mut plist::Dictionary| {
        let mut args = d
            .remove("ProgramArguments")
            .and_then(plist::Value::into_array)
            .expect("ProgramArguments");
        args.remove(0);
        args
    };
    assert_eq!(argv(&mut bundle), argv(&mut legacy));
    assert_eq!(bundle, legacy, "everything else is the same");
}

#[test]
fn text_is_escaped_and_empty_containers_are_written_short() {
    let value = Value::Dict(vec![
        ("a<b".into(), Value::string("x & y > z")),
        ("empty".into(), Value::Array(Vec::new())),
        ("none".into(), Value::Dict(Vec::new())),
        ("no".into(), Value::Bool(false)),
    ]);
    let text = to_xml(&value);
    assert!(text.contains("<key>a&lt;b</key>"), "{text}");
    assert!(text.contains("<string>x &amp; y &gt; z</string>"), "{text}");
    let back: plist::Value = plist::from_bytes(text.as_bytes()).expect("parses");
    let dict = back.as_dictionary().expect("dict");
    assert_eq!(dict["a<b"].as_string(), Some("x & y > z"));
    assert_eq!(dict["empty"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        dict["none"].as_dictionary().map(plist::Dictionary::len),
        Some(0)
    );
    assert_eq!(dict["no"].as_boolean(), Some(false));
}

#[test]
fn the_text_is_what_apple_tools_write() {
    let text = launch_daemon_plist(&Variant::Bundle);
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist"));
    assert!(text.contains("\n<dict>\n\t<key>Label</key>\n\t<string>dev.egress.helper</string>\n"));
    assert!(text.ends_with("</dict>\n</plist>\n"));
}
