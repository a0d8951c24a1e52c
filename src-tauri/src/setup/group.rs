//! Which group a user must join to reach the helper: the group of its
//! socket (the helper opens it to exactly one group with 0660), named from
//! `/etc/group`.

use std::os::unix::fs::MetadataExt as _;
use std::path::Path;

/// The name of group `gid` in `/etc/group`-formatted `text`.
pub fn name_in(text: &str, gid: u32) -> Option<String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let id: u32 = fields.nth(1)?.trim().parse().ok()?;
            (id == gid && !name.is_empty()).then(|| name.to_string())
        })
}

/// The group the helper's socket at `socket` is open to, when it is open
/// to one group other than root's (`None`: no socket, root's group, or a
/// group `/etc/group` does not name — the platform default applies then).
pub fn socket_group(socket: &Path) -> Option<String> {
    let meta = std::fs::metadata(socket).ok()?;
    if meta.mode() & 0o060 == 0 || meta.gid() == 0 {
        return None;
    }
    let groups = std::fs::read_to_string("/etc/group").ok()?;
    name_in(&groups, meta.gid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gid_is_named_from_the_group_file() {
        let text = "# comment\nroot:x:0:\nsudo:x:27:alice\negress:x:998:alice,bob\nbroken\n";
        assert_eq!(name_in(text, 998).as_deref(), Some("egress"));
        assert_eq!(name_in(text, 27).as_deref(), Some("sudo"));
        assert_eq!(name_in(text, 5), None);
    }

    #[test]
    fn no_socket_no_group() {
        assert_eq!(socket_group(Path::new("/nonexistent/egress.sock")), None);
    }
}
