use super::*;
use crate::iface::ift;
use crate::scenario::steps::{duration_ms, parse_mac, parse_type};
use crate::scenario::Action;

fn err(text: &str) -> ScenarioError {
    Scenario::parse("t.scn", text).unwrap_err()
}

fn at(e: &ScenarioError) -> (usize, usize) {
    (e.pos.line, e.pos.column)
}

#[test]
fn words_keep_columns_quotes_and_drop_comments() {
    let ws = words(r#"  event vpn-up "VPN on utun4" # note"#).unwrap();
    let got: Vec<(&str, usize)> = ws.iter().map(|w| (w.text, w.column)).collect();
    assert_eq!(got, [("event", 3), ("vpn-up", 9), ("VPN on utun4", 16)]);
    assert!(words(r#"scenario "open"#).is_err());
}

#[test]
fn a_small_scenario_reads_into_steps_and_events() {
    let s = Scenario::parse(
        "t.scn",
        r#"
scenario "Two"
boot 1234
interface en0 index 4 wifi mac 00:00:5e:00:53:01 up
    inet 192.0.2.10/24
route add default 192.0.2.1
event down "Wi-Fi drops"
    link down en0
    advance 1500ms
    sleep 2h
end
"#,
    )
    .unwrap();
    assert_eq!((s.title.as_str(), s.boot_wall), ("Two", 1234));
    assert_eq!(s.setup.len(), 3);
    assert!(matches!(&s.setup[1].action, Action::AddAddress(name, _) if name == "en0"));
    assert_eq!(s.setup[2].pos.line, 6);
    let down = s.event("down").unwrap();
    assert_eq!(down.description, "Wi-Fi drops");
    assert_eq!(down.steps[1].action, Action::Advance(1500));
    assert_eq!(down.steps[2].action, Action::Sleep(7200));
}

#[test]
fn errors_name_the_line_and_the_column() {
    assert_eq!(at(&err("frobnicate en0")), (1, 1));
    assert_eq!(
        at(&err("\ninterface en0 index 4 wifi colour blue")),
        (2, 28)
    );
    assert_eq!(at(&err("interface en0 index 0")), (1, 21));
    assert_eq!(at(&err("interface en0 wifi")), (1, 11));
    assert_eq!(at(&err("    inet 192.0.2.1/24")), (1, 5));
    assert_eq!(
        at(&err("interface en0 index 4\n  inet 192.0.2.300/24")),
        (2, 8)
    );
    assert_eq!(at(&err("route add default 192.0.2.1 -bogus")), (1, 29));
    assert_eq!(
        at(&err("route add default 192.0.2.1 expect EWHAT")),
        (1, 36)
    );
    assert_eq!(at(&err("event a\nlink up en0")), (1, 1));
    assert_eq!(at(&err("end")), (1, 1));
    assert_eq!(at(&err("run nowhere")), (1, 1));
    assert_eq!(at(&err("event a\nrun b\nend\nevent b\nrun a\nend")), (1, 1));
    assert_eq!(at(&err("clone 192.0.2.1 on en0")), (1, 1));
    assert_eq!(at(&err("clone 192.0.2.1 on en0 flags UQ")), (1, 30));
    assert_eq!(at(&err("advance soon")), (1, 9));
    let e = err("interface en0 index 4 wifi colour blue");
    assert_eq!(
        e.to_string(),
        "t.scn:1:28: unknown interface attribute `colour`"
    );
}

#[test]
fn run_errors_carry_the_position_of_the_failing_step() {
    let s = Scenario::parse(
        "t.scn",
        "interface en0 index 4 wifi up\n  inet 192.0.2.10/24\nroute add default 192.0.2.1\nroute add default 192.0.2.1\n",
    )
    .unwrap();
    let e = s.boot().unwrap_err();
    assert_eq!(at(&e), (4, 1));
    assert!(e.message.contains("File exists (EEXIST)"), "{}", e.message);
    let s = Scenario::parse("t.scn", "route add default 192.0.2.1 expect ESRCH").unwrap();
    assert!(s.boot().unwrap_err().message.contains("ENETUNREACH"));
}

#[test]
fn durations_macs_and_types() {
    assert_eq!(duration_ms("500ms"), Some(500));
    assert_eq!(duration_ms("30"), Some(30_000));
    assert_eq!(duration_ms("8h"), Some(28_800_000));
    assert_eq!(duration_ms("3d"), None);
    assert_eq!(
        parse_mac("0:0:5e:0:53:1"),
        Some(vec![0, 0, 0x5e, 0, 0x53, 1])
    );
    assert_eq!(parse_mac("zz:0:0:0:0:0"), None);
    assert_eq!(parse_type("bridge"), Some(ift::BRIDGE));
    assert_eq!(parse_type("0x47"), Some(0x47));
}

mod arbitrary {
    use super::*;
    use proptest::prelude::*;

    const WORDS: &[&str] = &[
        "interface",
        "en0",
        "utun4",
        "lo0",
        "index",
        "4",
        "9",
        "0",
        "65536",
        "wifi",
        "tunnel",
        "loopback",
        "up",
        "down",
        "mtu",
        "mac",
        "00:00:5e:00:53:01",
        "type",
        "ether",
        "inet",
        "inet6",
        "192.0.2.1/24",
        "192.0.2.1/40",
        "fe80::1/64",
        "::/0",
        "dest",
        "broadcast",
        "203.0.113.2",
        "route",
        "add",
        "delete",
        "change",
        "get",
        "-inet6",
        "-net",
        "-host",
        "default",
        "192.0.2.1",
        "fe80::1%en0",
        "-interface",
        "-ifscope",
        "-cloning",
        "-nostatic",
        "-mtu",
        "1280",
        "-netmask",
        "255.255.0.0",
        "-prefixlen",
        "200",
        "expect",
        "EEXIST",
        "clone",
        "on",
        "lladdr",
        "via",
        "flags",
        "UHLWIir",
        "expire",
        "-99999999999",
        "link",
        "detach",
        "address",
        "advance",
        "sleep",
        "9999999999h",
        "500ms",
        "run",
        "event",
        "end",
        "e1",
        "\"quoted words\"",
        "#",
        "\"",
        "é",
        "%",
        "/",
        "link#4",
    ];

    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::collection::vec(prop::sample::select(WORDS), 0..9).prop_map(|w| w.join(" ")),
            ".{0,40}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_text_parses_or_fails_with_a_position_and_never_panics(
            lines in prop::collection::vec(line(), 0..12)
        ) {
            let text = lines.join("\n");
            match Scenario::parse("fuzz.scn", &text) {
                Ok(s) => {
                    if let Ok(mut k) = s.boot() {
                        for e in &s.events {
                            let _ = s.run_event(&mut k, &e.name);
                        }
                    }
                }
                Err(e) => {
                    prop_assert!(e.pos.line >= 1 && e.pos.line <= lines.len().max(1));
                    prop_assert!(e.pos.column >= 1);
                }
            }
        }
    }
}
