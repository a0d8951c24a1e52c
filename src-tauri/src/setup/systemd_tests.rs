use std::sync::Mutex;

use super::*;

/// Answers each program from a script and records every call.
#[derive(Default)]
struct Fake {
    calls: Mutex<Vec<String>>,
    is_enabled: Option<&'static str>,
    is_active: Option<&'static str>,
    pkexec: Option<Output>,
}

impl Runner for Fake {
    fn run(&self, program: &str, args: &[&str]) -> io::Result<Output> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("{program} {}", args.join(" ")));
        let missing = || io::Error::new(io::ErrorKind::NotFound, "no such program");
        match program {
            "systemctl" => {
                let word = if args[0] == "is-active" {
                    self.is_active.unwrap_or("active")
                } else {
                    self.is_enabled.ok_or_else(missing)?
                };
                Ok(Output {
                    code: Some(0),
                    stdout: format!("{word}\n"),
                    stderr: String::new(),
                })
            }
            "pkexec" => self.pkexec.clone().ok_or_else(missing),
            _ => Err(missing()),
        }
    }
}

struct Root(PathBuf);

impl Root {
    fn new(name: &str, unit: bool, booted: bool) -> Root {
        let dir =
            std::env::temp_dir().join(format!("egress-systemd-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let paths = Paths::under(&dir);
        if unit {
            std::fs::create_dir_all(&paths.unit_dirs[1]).unwrap();
            std::fs::write(paths.unit_dirs[1].join(UNIT), "[Service]\n").unwrap();
        }
        if booted {
            std::fs::create_dir_all(&paths.booted).unwrap();
        }
        Root(dir)
    }

    fn systemd(&self, fake: Arc<Fake>) -> Systemd {
        Systemd::new(Paths::under(&self.0), fake)
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn exit(code: i32, stderr: &str) -> Option<Output> {
    Some(Output {
        code: Some(code),
        stdout: String::new(),
        stderr: stderr.into(),
    })
}

#[test]
fn no_unit_file_is_not_installed_without_running_anything() {
    let root = Root::new("none", false, true);
    let fake = Arc::new(Fake::default());
    let s = root.systemd(fake.clone());
    assert_eq!(s.status(), ServiceStatus::NotInstalled);
    assert_eq!(s.installed(), Some(false));
    assert!(fake.calls.lock().unwrap().is_empty());
}

#[test]
fn without_a_running_systemd_the_status_is_unknown() {
    let root = Root::new("unbooted", true, false);
    let fake = Arc::new(Fake {
        is_enabled: Some("enabled"),
        ..Fake::default()
    });
    let s = root.systemd(fake.clone());
    assert_eq!(s.status(), ServiceStatus::Unknown);
    assert_eq!(s.installed(), Some(true));
    assert!(fake.calls.lock().unwrap().is_empty());
}

#[test]
fn is_enabled_words_become_statuses() {
    let root = Root::new("words", true, true);
    for (word, status) in [
        ("enabled", ServiceStatus::Enabled),
        ("static", ServiceStatus::Enabled),
        ("disabled", ServiceStatus::Disabled),
        ("masked", ServiceStatus::Masked),
        ("not-found", ServiceStatus::NotInstalled),
        ("bad", ServiceStatus::Unknown),
    ] {
        let fake = Arc::new(Fake {
            is_enabled: Some(word),
            ..Fake::default()
        });
        assert_eq!(root.systemd(fake.clone()).status(), status, "{word}");
        let calls = fake.calls.lock().unwrap().clone();
        assert_eq!(calls[0], "systemctl is-enabled egress-helper.service");
        // Only an enabled unit is asked whether it failed.
        let asked_active = calls.len() == 2;
        assert_eq!(
            asked_active,
            status == ServiceStatus::Enabled,
            "{word}: {calls:?}"
        );
    }
    let failed = Arc::new(Fake {
        is_enabled: Some("enabled"),
        is_active: Some("failed"),
        ..Fake::default()
    });
    assert_eq!(root.systemd(failed.clone()).status(), ServiceStatus::Failed);
    assert_eq!(
        failed.calls.lock().unwrap()[1],
        "systemctl is-active egress-helper.service"
    );
    // systemctl itself missing: unknown, not a crash.
    assert_eq!(
        root.systemd(Arc::new(Fake::default())).status(),
        ServiceStatus::Unknown
    );
}

#[test]
fn actions_go_through_pkexec_systemctl() {
    let root = Root::new("actions", true, true);
    let fake = Arc::new(Fake {
        pkexec: exit(0, ""),
        ..Fake::default()
    });
    let s = root.systemd(fake.clone());
    s.register().unwrap();
    s.restart().unwrap();
    s.unregister().unwrap();
    assert_eq!(
        fake.calls.lock().unwrap().as_slice(),
        [
            "pkexec systemctl enable --now egress-helper.service",
            "pkexec systemctl restart egress-helper.service",
            "pkexec systemctl disable --now egress-helper.service",
        ]
    );
    assert!(s.open_approval_settings().is_err());
}

#[test]
fn pkexec_failures_say_what_happened_and_what_to_do() {
    let root = Root::new("failures", true, true);
    let cases = [
        (exit(126, ""), "cancelled", "dismissed"),
        (
            exit(127, ""),
            "not_permitted",
            "run `sudo systemctl restart egress-helper.service`",
        ),
        (
            exit(
                1,
                "\nJob for egress-helper.service failed.\nSee journalctl\n",
            ),
            "failed",
            "(code 1): Job for egress-helper.service failed.",
        ),
        (None, "not_supported", "pkexec (polkit) is not installed"),
    ];
    for (pkexec, code, text) in cases {
        let s = root.systemd(Arc::new(Fake {
            pkexec,
            ..Fake::default()
        }));
        let e = s.restart().unwrap_err();
        assert_eq!(e.code, code);
        assert!(e.message.contains(text), "{}", e.message);
    }
}

#[test]
fn the_real_runner_captures_code_and_output() {
    let root = Root::new("runner", false, false);
    std::fs::create_dir_all(&root.0).unwrap();
    let script = root.0.join("fake-systemctl");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"is $1\"\necho oops >&2\nexit 3\n",
    )
    .unwrap();
    let mut perms = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&script, perms).unwrap();
    let out = SystemRunner
        .run(script.to_str().unwrap(), &["is-enabled"])
        .unwrap();
    assert_eq!(
        out,
        Output {
            code: Some(3),
            stdout: "is is-enabled\n".into(),
            stderr: "oops\n".into()
        }
    );
    let e = SystemRunner
        .run("/nonexistent/egress-pkexec", &[])
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::NotFound);
}
