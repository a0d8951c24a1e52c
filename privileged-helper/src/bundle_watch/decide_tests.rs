use super::*;

fn p(path: &str) -> PathBuf {
    PathBuf::from(path)
}

const APP: &str = "/Applications/Egress.app";

fn seen(at_path: AtPath, whereabouts: Whereabouts) -> Observation {
    Observation {
        at_path,
        whereabouts,
    }
}

fn there() -> Observation {
    seen(AtPath::Directory, Whereabouts::At(p(APP)))
}

fn gone_to(whereabouts: Whereabouts) -> Observation {
    seen(AtPath::Nothing, whereabouts)
}

#[test]
fn the_bundle_is_found_from_the_program_inside_it() {
    assert_eq!(
        bundle_of(Path::new(
            "/Applications/Egress.app/Contents/MacOS/egress-helper"
        )),
        Some(p(APP))
    );
    assert_eq!(
        bundle_of(Path::new(
            "/Users/ann/My Apps/Egress 2.app/Contents/MacOS/h"
        )),
        Some(p("/Users/ann/My Apps/Egress 2.app"))
    );
    for elsewhere in [
        "/Library/PrivilegedHelperTools/dev.egress.helper",
        "/usr/bin/egress-helper",
        "/work/target/debug/egress-helper",
        // Not the bundle layout: wrong folder names, or no `.app`.
        "/Applications/Egress.app/Contents/Resources/egress-helper",
        "/Applications/Egress.app/MacOS/egress-helper",
        "/Applications/Egress/Contents/MacOS/egress-helper",
        "/Applications/.app/Contents/MacOS/egress-helper",
        "Contents/MacOS/egress-helper",
        "egress-helper",
    ] {
        assert_eq!(bundle_of(Path::new(elsewhere)), None, "{elsewhere}");
    }
}

#[test]
fn trashes_of_users_volumes_and_freedesktop_are_recognised() {
    for trashed in [
        "/Users/ann/.Trash/Egress.app",
        "/Users/ann/.Trash/Egress 10.21.03.app",
        "/Users/ann/.Trash/Old stuff/Egress.app",
        "/.Trashes/501/Egress.app",
        "/Volumes/USB/.Trashes/501/Egress.app",
        "/home/ann/.local/share/Trash/files/Egress.app",
        "/media/usb/.Trash-1000/files/Egress.app",
        "/media/usb/.Trash/1000/files/Egress.app",
        "/tmp/t/.Trash/Egress.app",
    ] {
        assert!(is_in_trash(Path::new(trashed)), "{trashed}");
    }
    for kept in [
        APP,
        "/Users/ann/Applications/Egress.app",
        "/Users/ann/.Trash",
        "/Users/ann/.Trash.app",
        "/Users/ann/My.Trash/Egress.app",
        "/Users/ann/Trash/Egress.app",
        "/Users/ann/.Trashy/Egress.app",
        "/media/usb/.Trash-/Egress.app",
        "/media/usb/.Trash-ann/Egress.app",
        "/home/ann/share/Trash/Egress.app",
        "/home/ann/.local/Trash/Egress.app",
    ] {
        assert!(!is_in_trash(Path::new(kept)), "{kept}");
    }
}

#[test]
fn an_app_in_its_place_is_present() {
    let mut decider = Decider::new(p(APP), 2);
    for _ in 0..3 {
        assert_eq!(decider.observe(&there()), Verdict::Present);
    }
    // The kernel cannot say where the bundle is: the path is enough.
    assert_eq!(
        decider.observe(&seen(AtPath::Directory, Whereabouts::Unknown)),
        Verdict::Present
    );
}

#[test]
fn moved_to_the_trash_is_gone_after_the_patience() {
    let mut decider = Decider::new(p(APP), 2);
    let trashed = p("/Users/ann/.Trash/Egress.app");
    let look = gone_to(Whereabouts::At(trashed.clone()));
    assert_eq!(
        decider.observe(&look),
        Verdict::Doubtful {
            misses: 1,
            why: Doubt::Gone(Gone::Trashed(trashed.clone()))
        }
    );
    assert_eq!(
        decider.observe(&look),
        Verdict::Gone(Gone::Trashed(trashed))
    );
}

#[test]
fn a_volume_trash_counts_too() {
    let mut decider = Decider::new(p("/Volumes/USB/Egress.app"), 1);
    let trashed = p("/Volumes/USB/.Trashes/501/Egress.app");
    assert_eq!(
        decider.observe(&gone_to(Whereabouts::At(trashed.clone()))),
        Verdict::Gone(Gone::Trashed(trashed))
    );
}

#[test]
fn deleted_and_missing_are_gone_with_their_reason() {
    let mut deleted = Decider::new(p(APP), 2);
    assert!(matches!(
        deleted.observe(&gone_to(Whereabouts::Deleted)),
        Verdict::Doubtful { misses: 1, .. }
    ));
    assert_eq!(
        deleted.observe(&gone_to(Whereabouts::Deleted)),
        Verdict::Gone(Gone::Deleted)
    );

    // Nothing at the path and the kernel says nothing (or still names the
    // old path): missing.
    let mut missing = Decider::new(p(APP), 2);
    missing.observe(&gone_to(Whereabouts::Unknown));
    assert_eq!(
        missing.observe(&gone_to(Whereabouts::At(p(APP)))),
        Verdict::Gone(Gone::Missing)
    );
}

#[test]
fn a_bundle_that_reappears_is_forgiven() {
    // An updater removes the old app, then puts the new one in place.
    let mut decider = Decider::new(p(APP), 2);
    assert!(matches!(
        decider.observe(&gone_to(Whereabouts::Deleted)),
        Verdict::Doubtful { misses: 1, .. }
    ));
    assert_eq!(
        decider.observe(&seen(AtPath::Directory, Whereabouts::Deleted)),
        Verdict::Replaced
    );
    // The count starts again: one more miss is not enough.
    assert!(matches!(
        decider.observe(&gone_to(Whereabouts::Unknown)),
        Verdict::Doubtful { misses: 1, .. }
    ));
    assert_eq!(decider.observe(&there()), Verdict::Present);
}

#[test]
fn a_new_app_in_place_of_a_trashed_one_is_a_replacement() {
    // Updaters that swap the new copy in and trash the old one.
    let mut decider = Decider::new(p(APP), 2);
    let old = Whereabouts::At(p("/Users/ann/.Trash/Egress.app"));
    assert_eq!(
        decider.observe(&seen(AtPath::Directory, old)),
        Verdict::Replaced
    );
}

#[test]
fn a_renamed_bundle_is_followed_not_mourned() {
    let mut decider = Decider::new(p(APP), 2);
    let renamed = p("/Applications/Egress (old).app");
    let look = gone_to(Whereabouts::At(renamed.clone()));
    assert_eq!(
        decider.observe(&look),
        Verdict::Doubtful {
            misses: 1,
            why: Doubt::Moved(renamed.clone())
        }
    );
    assert_eq!(decider.bundle(), Path::new(APP), "not followed at once");
    assert_eq!(
        decider.observe(&look),
        Verdict::Moved {
            from: p(APP),
            to: renamed.clone()
        }
    );
    assert_eq!(decider.bundle(), renamed);
    // At its new place it is present; trashed from there, it is gone.
    assert_eq!(
        decider.observe(&seen(AtPath::Directory, Whereabouts::At(renamed.clone()))),
        Verdict::Present
    );
    let trashed = p("/Users/ann/.Trash/Egress (old).app");
    decider.observe(&gone_to(Whereabouts::At(trashed.clone())));
    assert_eq!(
        decider.observe(&gone_to(Whereabouts::At(trashed.clone()))),
        Verdict::Gone(Gone::Trashed(trashed))
    );
}

#[test]
fn an_app_moved_aside_and_replaced_at_once_is_not_followed() {
    // An updater renames the old app aside, then puts the new one in place.
    let mut decider = Decider::new(p(APP), 2);
    let aside = Whereabouts::At(p("/Applications/Egress.app.old"));
    assert!(matches!(
        decider.observe(&gone_to(aside.clone())),
        Verdict::Doubtful {
            why: Doubt::Moved(_),
            ..
        }
    ));
    assert_eq!(
        decider.observe(&seen(AtPath::Directory, aside)),
        Verdict::Replaced
    );
    assert_eq!(decider.bundle(), Path::new(APP));
}

#[test]
fn started_from_inside_the_trash_is_gone_at_once() {
    let inside = p("/Users/ann/.Trash/Egress.app");
    let mut decider = Decider::new(inside.clone(), 5);
    assert_eq!(
        decider.observe(&seen(AtPath::Directory, Whereabouts::At(inside.clone()))),
        Verdict::Gone(Gone::Trashed(inside.clone()))
    );
    assert_eq!(
        Gone::Trashed(inside.clone()).describe(&inside),
        "the app /Users/ann/.Trash/Egress.app is in the Trash"
    );
}

#[test]
fn a_patience_of_zero_means_one_look() {
    let mut decider = Decider::new(p(APP), 0);
    assert_eq!(
        decider.observe(&gone_to(Whereabouts::Deleted)),
        Verdict::Gone(Gone::Deleted)
    );
}

#[test]
fn reasons_read_as_sentences() {
    let app = p(APP);
    assert_eq!(
        Gone::Trashed(p("/Users/ann/.Trash/Egress.app")).describe(&app),
        "the app /Applications/Egress.app was moved to the Trash (/Users/ann/.Trash/Egress.app)"
    );
    assert_eq!(
        Gone::Deleted.describe(&app),
        "the app /Applications/Egress.app was deleted"
    );
    assert_eq!(
        Gone::Missing.describe(&app),
        "the app /Applications/Egress.app is gone"
    );
    assert_eq!(
        Doubt::Moved(p("/tmp/Egress.app")).describe(&app),
        "the app /Applications/Egress.app seems to have moved to /tmp/Egress.app"
    );
}
