//! What a launch asks for: `egress-app [--popover | --inspector | --hide]`.
//!
//! The first launch runs the app (with no window until one is asked for);
//! a later one hands its arguments to the running app and exits (single
//! instance), so `egress-app --popover` is how a Linux desktop, where tray
//! clicks do not arrive, binds a key or a launcher to the popover.

/// What to do with the windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Launch {
    /// Nothing (the first launch without arguments: the tray only).
    Tray,
    /// Show the popover (a second launch without arguments, too).
    Popover,
    /// Open the Route Inspector.
    Inspector,
    /// Hide the popover and close the Route Inspector.
    Hide,
    /// Print the usage.
    Help,
}

/// The usage text.
pub const USAGE: &str = "usage: egress-app [--popover | --inspector | --hide]
  (no option)   run in the tray; if Egress already runs, show its popover
  --popover     show the popover
  --inspector   open the Route Inspector
  --hide        hide the popover and close the Route Inspector
Environment: EGRESS_SOCKET (the helper's socket), EGRESS_LOG (log filter).";

/// Parses the arguments after the program name; `again` says whether the
/// app already runs (which makes no arguments mean the popover).
pub fn parse<I, S>(args: I, again: bool) -> Result<Launch, String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut launch = None;
    for arg in args {
        let asked = match arg.as_ref() {
            "--popover" => Launch::Popover,
            "--inspector" => Launch::Inspector,
            "--hide" => Launch::Hide,
            "-h" | "--help" => Launch::Help,
            other => return Err(format!("egress-app: unknown argument {other:?}\n{USAGE}")),
        };
        if launch.is_some_and(|l| l != asked) {
            return Err(format!("egress-app: one option at a time\n{USAGE}"));
        }
        launch = Some(asked);
    }
    Ok(launch.unwrap_or(if again { Launch::Popover } else { Launch::Tray }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_arguments_mean_the_tray_first_and_the_popover_again() {
        assert_eq!(parse::<_, &str>([], false), Ok(Launch::Tray));
        assert_eq!(parse::<_, &str>([], true), Ok(Launch::Popover));
        assert_eq!(parse(["--inspector"], true), Ok(Launch::Inspector));
        assert_eq!(parse(["--hide"], true), Ok(Launch::Hide));
        assert_eq!(
            parse(["--popover", "--popover"], false),
            Ok(Launch::Popover)
        );
        assert_eq!(parse(["--help"], false), Ok(Launch::Help));
    }

    #[test]
    fn unknown_or_conflicting_arguments_say_why_with_the_usage() {
        let e = parse(["--inspect"], false).unwrap_err();
        assert!(e.contains("unknown argument \"--inspect\""), "{e}");
        assert!(e.contains("usage: egress-app"), "{e}");
        let e = parse(["--popover", "--hide"], true).unwrap_err();
        assert!(e.contains("one option at a time"), "{e}");
    }
}
