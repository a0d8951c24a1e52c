use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::ipc::testkit::TempDir;

fn write(dir: &TempDir, name: &str, text: &str, mode: u32) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

/// The name of the group with gid 0 (`root` on Linux, `wheel` on macOS).
fn group_zero() -> String {
    Group::from_gid(Gid::from_raw(0)).unwrap().unwrap().name
}

/// A uid and gid nobody on this machine has.
const STRANGER: (u32, u32) = (4_000_000_001, 4_000_000_001);

#[test]
fn a_good_file_loads() {
    let dir = TempDir::new("policy");
    let path = write(
        &dir,
        "policy.toml",
        "[read]\neveryone = false\ngroups = [\"staff\"]\n\n[change]\nusers = [\"alice\", 501]\n",
        0o644,
    );
    let policy = Policy::load(&path).unwrap();
    assert!(!policy.read_rule().everyone);
    assert_eq!(policy.read_rule().groups, ["staff"]);
    assert_eq!(
        policy.change_rule().users,
        [UserSpec::Name("alice".into()), UserSpec::Uid(501)]
    );
    assert_eq!(policy.origin(), path.display().to_string());
    assert_eq!(policy.change_requires(), "being alice or uid 501");
    assert_eq!(
        policy.read_requires(),
        "being alice or uid 501 or membership of the staff group"
    );
    // Several principals: the mode cannot say it; credentials decide.
    assert_eq!(policy.exposure(), Exposure::Listed);
}

#[test]
fn a_missing_table_is_the_defaults() {
    let policy = Policy::parse(Path::new("p.toml"), "[change]\ngroups = [\"wheel\"]\n").unwrap();
    assert!(policy.read_rule().everyone);
    assert_eq!(policy.change_requires(), "membership of the wheel group");
    assert_eq!(policy.exposure(), Exposure::Everyone);
    let empty = Policy::parse(Path::new("p.toml"), "").unwrap();
    assert_eq!(empty.read_rule(), Policy::system_default().read_rule());
    assert_eq!(empty.change_rule(), Policy::system_default().change_rule());
}

#[test]
fn the_default_lets_everyone_read_and_admins_change() {
    let policy = Policy::system_default();
    let admin = default_admin_group();
    assert!(["admin", "egress", "sudo"].contains(&admin.as_str()));
    assert_eq!(
        policy.change_requires(),
        format!("membership of the {admin} group")
    );
    assert_eq!(policy.read_requires(), "nothing");
    assert_eq!(
        policy.access_for(STRANGER.0, STRANGER.1),
        if STRANGER.0 == helper_uid() {
            Access::Change
        } else {
            Access::Read
        }
    );
    assert_eq!(policy.access_for(0, 0), Access::Change);
}

#[test]
fn a_file_others_may_write_is_refused() {
    let dir = TempDir::new("policy");
    let path = write(&dir, "policy.toml", "[read]\neveryone = true\n", 0o666);
    let err = Policy::load(&path).unwrap_err();
    assert!(!err.is_missing());
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(
        text.contains("is writable by others than its owner (mode 0666)"),
        "{text}"
    );
    let path = write(&dir, "group.toml", "", 0o620);
    let text = Policy::load(&path).unwrap_err().to_string();
    assert!(text.contains("(mode 0620)"), "{text}");
}

#[test]
fn symlinks_directories_and_missing_files_are_refused() {
    let dir = TempDir::new("policy");
    let target = write(&dir, "real.toml", "", 0o644);
    let link = dir.path().join("link.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let text = Policy::load(&link).unwrap_err().to_string();
    assert!(text.contains("is a symlink"), "{text}");
    let text = Policy::load(dir.path()).unwrap_err().to_string();
    assert!(text.contains("is not a regular file"), "{text}");
    let err = Policy::load(&dir.path().join("absent.toml")).unwrap_err();
    assert!(err.is_missing());
    assert!(err.to_string().ends_with("absent.toml: does not exist"));
}

#[test]
fn a_file_owned_by_someone_else_is_refused() {
    if helper_uid() != 0 {
        // Only root can give a file away; the next test checks the rule.
        return;
    }
    let dir = TempDir::new("policy");
    let path = write(&dir, "policy.toml", "", 0o644);
    std::os::unix::fs::chown(&path, Some(1), None).unwrap();
    let text = Policy::load(&path).unwrap_err().to_string();
    assert!(
        text.contains("is owned by uid 1; it must be owned by root"),
        "{text}"
    );
}

#[test]
fn the_owner_check_names_the_helper_user_when_not_root() {
    let dir = TempDir::new("policy");
    let path = write(&dir, "policy.toml", "", 0o644);
    let meta = std::fs::metadata(&path).unwrap();
    let other = meta.uid().wrapping_add(1);
    let err = check_file(&path, &meta, other).unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "it must be owned by uid {other}, the helper's own user"
        )),
        "{err}"
    );
}

#[test]
fn parse_errors_name_the_line() {
    let dir = TempDir::new("policy");
    let path = write(
        &dir,
        "policy.toml",
        "[read]\neveryone = true\nusers = [\"alice\",\n\n[change]\n",
        0o644,
    );
    let text = Policy::load(&path).unwrap_err().to_string();
    assert!(
        text.starts_with(&format!("policy file {}: line ", path.display())),
        "{text}"
    );
    let text = Policy::parse(
        Path::new("p.toml"),
        "[read]\neveryone = true\ngrups = [\"x\"]\n",
    )
    .unwrap_err()
    .to_string();
    assert!(text.starts_with("policy file p.toml: line 3: "), "{text}");
    assert!(text.contains("grups"), "{text}");
    let text = Policy::parse(Path::new("p.toml"), "[change]\n\neveryone = \"yes\"\n")
        .unwrap_err()
        .to_string();
    assert!(text.starts_with("policy file p.toml: line 3: "), "{text}");
    let text = Policy::parse(Path::new("p.toml"), "[change]\nusers = [1.5]\n")
        .unwrap_err()
        .to_string();
    assert!(text.contains("line 2: "), "{text}");
    assert!(text.contains("a user name or a uid"), "{text}");
    let text = Policy::parse(Path::new("p.toml"), "[change]\ngroups = [\"\"]\n")
        .unwrap_err()
        .to_string();
    assert!(text.ends_with("a user or group name is empty"), "{text}");
}

#[test]
fn groups_are_resolved_by_primary_gid_and_users_by_uid() {
    let zero = group_zero();
    let policy = Policy::parse(
        Path::new("p.toml"),
        &format!(
            "[read]\neveryone = false\nusers = [{}]\n[change]\ngroups = [\"{zero}\"]\n",
            STRANGER.0 - 1
        ),
    )
    .unwrap()
    .without_helper_uid();
    // A stranger whose primary gid is the group's may change.
    assert_eq!(policy.access_for(STRANGER.0, 0), Access::Change);
    // By uid: read only.
    assert_eq!(policy.access_for(STRANGER.0 - 1, STRANGER.1), Access::Read);
    // Neither: nothing.
    assert_eq!(policy.access_for(STRANGER.0, STRANGER.1), Access::None);
    // Root always may.
    assert_eq!(policy.access_for(0, STRANGER.1), Access::Change);
    assert_eq!(policy.exposure(), Exposure::Listed);
    assert_eq!(
        policy.read_requires(),
        format!(
            "being uid {} or membership of the {zero} group",
            STRANGER.0 - 1
        )
    );
}

#[test]
fn members_are_found_by_name() {
    // root is a member of its own primary group through the user database.
    let root = User::from_uid(Uid::from_raw(0)).unwrap().unwrap();
    let group = Group::from_gid(root.gid).unwrap().unwrap();
    let who = Who {
        uid: 0,
        gid: STRANGER.1,
        user: Some(&root),
    };
    assert!(member_of(&group.name, &who));
    assert!(!member_of("no-such-group-egress-test", &who));
    let nobody = Who {
        uid: STRANGER.0,
        gid: STRANGER.1,
        user: None,
    };
    assert!(!member_of(&group.name, &nobody));
}

#[test]
fn the_socket_mode_follows_who_may_connect() {
    let p = |text: &str| Policy::parse(Path::new("p.toml"), text).unwrap();
    assert_eq!(
        p("[read]\neveryone = false\n[change]\ngroups = []\n").exposure(),
        Exposure::Owner
    );
    assert_eq!(
        p("[read]\neveryone = false\n[change]\ngroups = [\"admin\"]\n").exposure(),
        Exposure::Group("admin".into())
    );
    assert_eq!(
        p("[read]\neveryone = false\ngroups = [\"admin\"]\n[change]\ngroups = [\"admin\"]\n")
            .exposure(),
        Exposure::Group("admin".into())
    );
    assert_eq!(
        p("[read]\neveryone = false\n[change]\neveryone = true\n").exposure(),
        Exposure::Everyone
    );
    assert_eq!(
        p("[read]\neveryone = false\n[change]\ngroups = []\n").change_requires(),
        "being root"
    );
}

#[test]
fn lists_read_as_a_sentence() {
    let s = |v: &[&str]| or_list(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(s(&["admin"]), "admin");
    assert_eq!(s(&["admin", "wheel"]), "admin or wheel");
    assert_eq!(s(&["a", "b", "c"]), "a, b or c");
    assert_eq!(line_of("a\nb\nc", 4), 3);
    assert_eq!(line_of("a", 99), 1);
}

#[test]
fn unknown_names_are_reported() {
    let policy = Policy::parse(
        Path::new("p.toml"),
        "[change]\nusers = [\"no-such-user-egress-test\", 4000000000]\ngroups = [\"no-such-group-egress-test\"]\n",
    )
    .unwrap();
    assert_eq!(
        policy.unknown_names(),
        [
            "group no-such-group-egress-test",
            "user no-such-user-egress-test"
        ]
    );
}
