//! The egressctl binary against a scripted fake helper: what it prints,
//! what it asks, and its exit status.

mod fake;

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::os::fd::OwnedFd;
use std::process::{Output, Stdio};

use fake::{egressctl, Answer, Fake, Greeting, TempDir};
use helper_proto::{
    BindTarget, BoundSocket, Egress, ErrorBody, ErrorCode, Event, FamilyStatus, Mode, PerFamily,
    PinState, ProbeAnswer, Request, Response, RoutePage, RouteRow, SocketProtocol, Status,
    TimelineEntry,
};
use routing_core::model::{Family, InterfaceKind};

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn status(mode: Mode) -> Status {
    Status {
        backend: "sim".into(),
        mode,
        mode_note: None,
        mode_switchable: true,
        families: PerFamily {
            v4: FamilyStatus {
                egress: Some(Egress {
                    index: 4,
                    interface: "en0".into(),
                    kind: InterfaceKind::Wifi,
                    gateway: "198.51.100.1".into(),
                    local_addresses: vec!["198.51.100.23".into()],
                }),
                pin: PinState::Pinned,
                reason: "the only physical default".into(),
                since: None,
            },
            v6: FamilyStatus::default(),
        },
        exclusions: 0,
        held: Vec::new(),
        held_exclusion_routes: 0,
        timeline: Vec::new(),
        repins_last_10_min: 0,
        warnings: Vec::new(),
        vpn: Vec::new(),
    }
}

fn status_reply(mode: Mode) -> Answer {
    Answer::Ok(Response::Status {
        status: Box::new(status(mode)),
    })
}

fn row(family: Family, destination: &str, gateway: &str, flags: &str, netif: &str) -> RouteRow {
    RouteRow {
        family,
        destination: destination.into(),
        gateway: gateway.into(),
        flags: flags.into(),
        netif: netif.into(),
        expire: String::new(),
        scope: None,
        ours: false,
        cloned: flags.contains('W'),
        default: destination == "default",
        canonical: String::new(),
    }
}

fn not_expected(request: &Request) -> Answer {
    Answer::Err(ErrorBody::new(
        ErrorCode::BadRequest,
        format!("the fake does not expect {}", request.op()),
    ))
}

#[test]
fn status_prints_the_helper_and_the_mode() {
    let fake = Fake::start(Greeting::Welcome, |r| match r {
        Request::Status => status_reply(Mode::Advanced),
        other => not_expected(other),
    });
    let out = fake.run(&["status"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "helper      egress-helper 0.1.0 (protocol 1.0), backend sim\n\
             mode        advanced\n\
             IPv4        en0 (wifi), gateway 198.51.100.1, addresses 198.51.100.23\n\
             \x20           pin pinned\n"
        ),
        "{text}"
    );

    let out = fake.run(&["status", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["helper"]["backend"], "sim");
    assert_eq!(json["status"]["mode"], "advanced");
}

#[test]
fn routes_reads_every_page_and_lays_out_the_table() {
    let fake = Fake::start(Greeting::Welcome, |r| match r {
        Request::Routes { filter } if filter.offset == 0 => Answer::Ok(Response::Routes {
            page: RoutePage {
                rows: vec![
                    row(Family::V4, "default", "198.51.100.1", "UGScg", "en0"),
                    row(Family::V4, "198.51.100.7", "link#4", "UHLWIi", "en0"),
                ],
                total: 3,
                next: Some(2),
            },
        }),
        Request::Routes { .. } => Answer::Ok(Response::Routes {
            page: RoutePage {
                rows: vec![row(Family::V4, "127", "127.0.0.1", "UCS", "lo0")],
                total: 3,
                next: None,
            },
        }),
        other => not_expected(other),
    });
    let out = fake.run(&["routes", "--family", "4", "--ours"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "\
Routing tables

Internet:
Destination  Gateway       Flags  Netif  Expire
default      198.51.100.1  UGScg  en0
127          127.0.0.1     UCS    lo0
"
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    let Request::Routes { filter } = &requests[1] else {
        panic!("{requests:?}")
    };
    assert_eq!(filter.offset, 2);
    assert_eq!(filter.family, Some(Family::V4));
    assert!(filter.ours && !filter.scoped);
}

#[test]
fn switching_the_mode_off_a_terminal_asks_for_no_progress() {
    let fake = Fake::start(Greeting::Welcome, |r| match r {
        Request::SetMode { mode, .. } => status_reply(*mode),
        other => not_expected(other),
    });
    let out = fake.run(&["mode", "legacy"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "mode: legacy\n");
    assert_eq!(
        fake.requests(),
        [Request::SetMode {
            mode: Mode::Legacy,
            progress: false
        }]
    );
}

#[test]
fn permission_denied_exits_4_with_the_helpers_words() {
    let fake = Fake::start(Greeting::Welcome, |_| {
        Answer::Err(ErrorBody::new(
            ErrorCode::PermissionDenied,
            "flushing routes needs membership of group admin",
        ))
    });
    let out = fake.run(&["flush"]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        stderr(&out),
        "egressctl: flushing routes needs membership of group admin\n"
    );
}

#[test]
fn an_incompatible_helper_exits_5() {
    let fake = Fake::start(
        Greeting::Fatal(ErrorBody::new(
            ErrorCode::IncompatibleVersion,
            "egressctl 0.1.0 speaks protocol 1.0 but egress-helper 2.0.0 speaks protocol 2.0; \
             update egressctl",
        )),
        not_expected,
    );
    let out = fake.run(&["status"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).ends_with("; update egressctl\n"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sim_commands_on_a_real_backend_say_so_and_exit_1() {
    let fake = Fake::start(Greeting::Welcome, |_| {
        Answer::Err(ErrorBody::new(
            ErrorCode::NotSupported,
            "only the simulated backend can do that",
        ))
    });
    let out = fake.run(&["sim", "vpn", "up"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("sim commands need one started with `egress-helper run --backend sim`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fake.requests(),
        [Request::Sim {
            action: helper_proto::SimAction::Event {
                name: "vpn-up".into()
            }
        }]
    );
}

#[test]
fn no_helper_exits_3_and_says_how_to_start_one() {
    let dir = TempDir::new("missing");
    let socket = dir.path().join("helper.sock");
    let out = egressctl(&["--socket", socket.to_str().unwrap(), "status"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains(&format!(
            "egress-helper run --backend sim --socket {}",
            socket.display()
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_usage_exits_2() {
    let out = egressctl(&["routes", "--family", "5"]);
    assert_eq!(out.status.code(), Some(2));
    let out = egressctl(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("5  egressctl and the helper speak incompatible"));
}

#[test]
fn bind_test_reads_the_port_from_the_received_socket() {
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = udp.local_addr().unwrap().port();
    let udp = std::sync::Mutex::new(Some(udp));
    let fake = Fake::start(Greeting::Welcome, move |r| match r {
        Request::OpenBoundSocket { family, .. } => {
            let socket = udp.lock().unwrap().take().expect("one socket");
            Answer::WithFd(
                Response::BoundSocket {
                    socket: BoundSocket {
                        family: *family,
                        protocol: SocketProtocol::Udp,
                        target: BindTarget {
                            index: 1,
                            interface: "lo".into(),
                            borrowed: false,
                        },
                        local_port: port,
                    },
                },
                OwnedFd::from(socket),
            )
        }
        Request::Probe {
            local_port,
            destination,
        } => Answer::Ok(Response::Probe {
            answer: ProbeAnswer {
                destination: *destination,
                local_port: *local_port,
                bound_to: Some("lo".into()),
                interface: Some("en0".into()),
                gateway: Some("198.51.100.1".into()),
                via_vpn: false,
                summary: "It leaves through en0, not the VPN.".into(),
            },
        }),
        other => not_expected(other),
    });
    let out = fake.run(&["bind-test"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(&format!("  local port: {port}\n")), "{text}");
    assert!(!text.contains("warning"), "{text}");
    assert!(text.contains("  leaves via: en0\n"), "{text}");
    let requests = fake.requests();
    assert_eq!(
        requests[1],
        Request::Probe {
            local_port: port,
            destination: "203.0.113.1".parse().unwrap()
        }
    );
}

#[test]
fn watch_prints_one_stamped_line_per_event() {
    let fake = Fake::start(Greeting::Welcome, |r| match r {
        Request::Subscribe { topics } => Answer::ThenEvents(
            Response::Subscribed {
                topics: topics.clone(),
            },
            vec![Event::Timeline {
                entry: TimelineEntry {
                    at: 0,
                    trigger: "vpn-up".into(),
                    outcome: "re-pinned en0".into(),
                },
            }],
        ),
        other => not_expected(other),
    });
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_egressctl"))
        .args([
            "--socket",
            fake.socket().to_str().unwrap(),
            "watch",
            "--topic",
            "timeline",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    // `HH:MM:SS  timeline  vpn-up: re-pinned en0`
    let (time, rest) = line.split_at(8);
    assert!(
        time.chars().filter(|c| *c == ':').count() == 2
            && time.chars().all(|c| c == ':' || c.is_ascii_digit()),
        "{line}"
    );
    assert_eq!(rest, "  timeline  vpn-up: re-pinned en0\n");
    assert_eq!(
        fake.requests(),
        [Request::Subscribe {
            topics: vec![helper_proto::Topic::Timeline]
        }]
    );
}

#[test]
fn decode_and_encode_round_trip_offline() {
    let dir = TempDir::new("codec");
    let hex = "10 02 00 00 c0 a8 56 00 00 00 00 00 00 00 00 00\n";
    let input = dir.path().join("addrs.hex");
    std::fs::write(&input, format!("# kind: addrs-only rtm_addrs=0x01\n{hex}")).unwrap();
    let out = egressctl(&["decode", input.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["addrs"]["slots"][0]["text"], "192.168.86.0");
    let doc = dir.path().join("addrs.json");
    std::fs::write(&doc, &out.stdout).unwrap();
    let out = egressctl(&["encode", doc.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), hex);

    let out = egressctl(&["decode", dir.path().join("nope").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
}
