use nix::unistd::Gid;

use super::*;
use crate::ipc::testkit::TempDir;

fn policy(text: &str) -> Policy {
    Policy::parse(Path::new("test.toml"), text).unwrap()
}

fn everyone() -> Policy {
    policy("[read]\neveryone = true\n")
}

fn mode_of(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

#[tokio::test]
async fn a_second_helper_on_the_same_socket_is_refused() {
    let dir = TempDir::new("listen");
    let socket = dir.path().join("helper.sock");
    let first = Listening::bind(&socket, &everyone()).unwrap();
    let err = Listening::bind(&socket, &everyone()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "another egress-helper is serving {} (pid {})",
            socket.display(),
            std::process::id()
        )
    );
    // The refused one did not touch the first one's socket.
    assert!(socket.exists());
    drop(first);
    assert!(!socket.exists(), "the socket outlived its listener");
    // The lock went with it.
    let again = Listening::bind(&socket, &everyone()).unwrap();
    drop(again);
    assert_eq!(
        lock_path(&socket),
        dir.path().join("helper.sock.lock"),
        "the lock's name"
    );
}

#[tokio::test]
async fn a_stale_socket_is_replaced_but_nothing_else_is() {
    let dir = TempDir::new("listen");
    let socket = dir.path().join("helper.sock");
    // A helper that died left its socket.
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    assert!(socket.exists());
    let listening = Listening::bind(&socket, &everyone()).unwrap();
    // It is a live socket now.
    std::os::unix::net::UnixStream::connect(&socket).unwrap();
    drop(listening);

    std::fs::write(&socket, "not a socket").unwrap();
    let err = Listening::bind(&socket, &everyone()).unwrap_err();
    assert!(matches!(err, ListenError::NotASocket(_)), "{err}");
    assert_eq!(std::fs::read_to_string(&socket).unwrap(), "not a socket");
}

#[tokio::test]
async fn the_socket_mode_is_what_the_policy_allows() {
    let dir = TempDir::new("listen");
    let socket = dir.path().join("helper.sock");
    let listening = Listening::bind(&socket, &everyone()).unwrap();
    assert_eq!(mode_of(&socket), 0o666);
    let owner = policy("[read]\neveryone = false\n[change]\ngroups = []\n");
    assert_eq!(listening.apply_policy(&owner).unwrap(), 0o600);
    assert_eq!(mode_of(&socket), 0o600);
    let listed = policy("[read]\neveryone = false\nusers = [4000000001]\n");
    assert_eq!(listening.apply_policy(&listed).unwrap(), 0o666);
    drop(listening);

    let root = rustix::process::geteuid().is_root();
    let zero = Group::from_gid(Gid::from_raw(0)).unwrap().unwrap().name;
    let group = policy(&format!(
        "[read]\neveryone = false\n[change]\ngroups = [\"{zero}\"]\n"
    ));
    let listening = Listening::bind(&socket, &group).unwrap();
    if root {
        assert_eq!(mode_of(&socket), 0o660);
        assert_eq!(std::fs::metadata(&socket).unwrap().gid(), 0);
    }
    // A group that does not exist leaves the socket to its owner.
    let missing =
        policy("[read]\neveryone = false\n[change]\ngroups = [\"no-such-group-egress-test\"]\n");
    assert_eq!(listening.apply_policy(&missing).unwrap(), 0o600);
}

#[tokio::test]
async fn a_missing_directory_is_made_and_a_file_is_no_directory() {
    let dir = TempDir::new("listen");
    let socket = dir.path().join("run/egress/helper.sock");
    let listening = Listening::bind(&socket, &everyone()).unwrap();
    let made = dir.path().join("run/egress");
    let want = if rustix::process::geteuid().is_root() {
        0o755
    } else {
        0o700
    };
    assert_eq!(mode_of(&made), want);
    drop(listening);

    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let err = Listening::bind(&file.join("helper.sock"), &everyone()).unwrap_err();
    assert!(err.to_string().ends_with("is not a directory"), "{err}");
}

#[tokio::test]
async fn root_refuses_a_directory_others_could_write() {
    if !rustix::process::geteuid().is_root() {
        return;
    }
    let dir = TempDir::new("listen");
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, Permissions::from_mode(0o777)).unwrap();
    let err = Listening::bind(&open.join("helper.sock"), &everyone()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "the socket directory {} is writable by others than root (mode 0777); \
             the socket could be replaced",
            open.display()
        )
    );
    let theirs = dir.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::os::unix::fs::chown(&theirs, Some(1), None).unwrap();
    let err = Listening::bind(&theirs.join("helper.sock"), &everyone()).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("is owned by uid 1; it must be root's"),
        "{err}"
    );
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(dir.path(), &link).unwrap();
    let err = Listening::bind(&link.join("helper.sock"), &everyone()).unwrap_err();
    assert!(err.to_string().contains("is a symlink"), "{err}");
}

#[test]
fn the_fd_limit_is_raised() {
    let limit = raise_fd_limit().unwrap_or(u64::MAX);
    let hard = rustix::process::getrlimit(Resource::Nofile)
        .maximum
        .unwrap_or(u64::MAX);
    assert!(limit >= hard.min(FD_LIMIT_CAP).min(10240), "{limit}");
}
