//! The command line: what `egressctl` accepts.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use helper_proto::{Mode, Topic};
use routing_core::model::{Family, IpPrefix};

/// What `egressctl --help` says after the commands.
pub const AFTER_HELP: &str = "\
Exit status:
  0  it worked
  1  the helper refused or failed (its message says why), or a local file
     could not be read or decoded
  2  bad usage
  3  the helper is not running or not installed: install Egress, or start the
     simulated Mac with `egress-helper run --backend sim --socket PATH` and pass
     --socket PATH (or set EGRESS_SOCKET)
  4  permission denied: the message names the group that may do this
  5  egressctl and the helper speak incompatible protocol versions";

/// Look at and steer Egress, which keeps a VPN's own traffic on the
/// physical network.
#[derive(Debug, Parser)]
#[command(name = "egressctl", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// Print JSON instead of text (JSON lines for `watch`).
    #[arg(long, global = true)]
    pub json: bool,

    /// The helper's socket.
    #[arg(long, global = true, value_name = "PATH", default_value_os_t = helper_client::default_socket_path())]
    pub socket: PathBuf,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Mode, egress per family, pins, warnings and recent decisions.
    Status,
    /// The routing table, laid out like `netstat -rn`.
    Routes(RoutesArgs),
    /// Which route, interface and gateway traffic to DEST would take (like `route -n get`).
    Get {
        /// The destination address.
        dest: IpAddr,
        /// Look up as a socket bound to this interface would.
        #[arg(long, value_name = "IF")]
        scoped_to: Option<String>,
    },
    /// Shows the mode, or switches it.
    Mode {
        /// The mode to switch to.
        #[arg(value_enum)]
        mode: Option<ModeArg>,
    },
    /// Prefixes kept off the tunnel (legacy mode's host routes).
    #[command(subcommand)]
    Exclude(ExcludeCommand),
    /// Opens a socket bound by the helper and reports where its traffic leaves.
    BindTest {
        /// The address family of the socket.
        #[arg(long, value_enum, default_value = "4")]
        family: FamilyArg,
        /// Where the probe goes [default: 203.0.113.1, or 2001:db8::1 for IPv6].
        #[arg(long, value_name = "DEST")]
        to: Option<IpAddr>,
    },
    /// Prints events as they happen; reconnects when the helper restarts.
    Watch {
        /// Only these topics (repeat the flag; all when absent).
        #[arg(long = "topic", value_enum, value_name = "TOPIC")]
        topics: Vec<TopicArg>,
    },
    /// Removes routes Egress left behind (tagged, not held).
    Flush {
        /// Only list what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
    /// Versions, recent decisions and kernel events; with --out, a bug-report bundle.
    Diagnose {
        /// Replace addresses with stable placeholders.
        #[arg(long)]
        redact: bool,
        /// Write the bundle's files into this directory.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// PF_ROUTE bytes (hex text or raw) to JSON, offline.
    Decode {
        /// The file, or - for standard input.
        file: String,
        /// Decode an addrs-only payload with these rtm_addrs bits (0x07).
        #[arg(long, value_name = "BITS")]
        addrs: Option<String>,
    },
    /// JSON (as `decode` prints it) back to PF_ROUTE bytes, offline.
    Encode {
        /// The file, or - for standard input.
        file: String,
        /// Write the raw bytes instead of hex.
        #[arg(long)]
        raw: bool,
    },
    /// Drives the simulated Mac (a helper started with --backend sim).
    #[command(subcommand)]
    Sim(SimCommand),
}

/// `routes` options.
#[derive(Debug, Args)]
pub struct RoutesArgs {
    /// Only this address family.
    #[arg(long, value_enum)]
    pub family: Option<FamilyArg>,
    /// Only interface-scoped routes.
    #[arg(long)]
    pub scoped: bool,
    /// Only routes Egress installed.
    #[arg(long)]
    pub ours: bool,
    /// Only routes through this interface.
    #[arg(long, value_name = "IF")]
    pub interface: Option<String>,
    /// Also cloned host routes (W), which netstat hides.
    #[arg(long)]
    pub all: bool,
}

/// `exclude` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExcludeCommand {
    /// Keeps PREFIX off the tunnel.
    Add {
        /// An address or prefix (203.0.113.7, 2001:db8::/48).
        prefix: IpPrefix,
        /// A label for this registration (a peer's name).
        #[arg(long)]
        label: Option<String>,
    },
    /// Removes this user's registration of PREFIX.
    #[command(alias = "remove")]
    Rm {
        /// The prefix.
        prefix: IpPrefix,
        /// The label it was added with.
        #[arg(long)]
        label: Option<String>,
    },
    /// Lists the exclusions and who registered them.
    #[command(alias = "list")]
    Ls,
}

/// `sim` subcommands.
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Lists the scenario's events.
    Events,
    /// Runs a named scenario event.
    Run {
        /// The event (see `sim events`).
        event: String,
    },
    /// Connects or disconnects the simulated VPN.
    Vpn {
        /// up or down.
        #[arg(value_enum)]
        state: UpDown,
    },
    /// Moves the physical network to Wi-Fi or Ethernet.
    Network {
        /// wifi or ethernet.
        #[arg(value_enum)]
        kind: NetworkArg,
    },
    /// Puts the Mac to sleep.
    Sleep,
    /// Wakes it.
    Wake,
    /// Takes an interface down or up.
    Link {
        /// The interface.
        interface: String,
        /// up or down.
        #[arg(value_enum)]
        state: UpDown,
    },
}

/// A family as `4` or `6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FamilyArg {
    /// IPv4.
    #[value(name = "4")]
    V4,
    /// IPv6.
    #[value(name = "6")]
    V6,
}

impl From<FamilyArg> for Family {
    fn from(f: FamilyArg) -> Family {
        match f {
            FamilyArg::V4 => Family::V4,
            FamilyArg::V6 => Family::V6,
        }
    }
}

/// A mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// One scoped default per family, and bound sockets.
    Advanced,
    /// A host route per registered peer.
    Legacy,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Mode {
        match m {
            ModeArg::Advanced => Mode::Advanced,
            ModeArg::Legacy => Mode::Legacy,
        }
    }
}

/// An event topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TopicArg {
    /// Status changes.
    Status,
    /// The engine's decisions.
    Timeline,
    /// Mode switch progress.
    Progress,
    /// Routing table changes.
    Routes,
}

impl From<TopicArg> for Topic {
    fn from(t: TopicArg) -> Topic {
        match t {
            TopicArg::Status => Topic::Status,
            TopicArg::Timeline => Topic::Timeline,
            TopicArg::Progress => Topic::Progress,
            TopicArg::Routes => Topic::Routes,
        }
    }
}

/// Up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UpDown {
    /// Up.
    Up,
    /// Down.
    Down,
}

/// The physical network to move to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NetworkArg {
    /// Wi-Fi (the sim's `ethernet-to-wifi` event).
    Wifi,
    /// Ethernet (the sim's `wifi-to-ethernet` event).
    Ethernet,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_parse_as_documented() {
        let cli = Cli::try_parse_from([
            "egressctl",
            "routes",
            "--family",
            "6",
            "--ours",
            "--json",
            "--socket",
            "/tmp/s",
        ])
        .unwrap();
        assert!(cli.json);
        assert_eq!(cli.socket, PathBuf::from("/tmp/s"));
        let Command::Routes(args) = cli.command else {
            panic!("not routes")
        };
        assert_eq!(args.family, Some(FamilyArg::V6));
        assert!(args.ours && !args.all && !args.scoped);

        let cli = Cli::try_parse_from([
            "egressctl",
            "watch",
            "--topic",
            "status",
            "--topic",
            "routes",
        ])
        .unwrap();
        let Command::Watch { topics } = cli.command else {
            panic!("not watch")
        };
        assert_eq!(topics, [TopicArg::Status, TopicArg::Routes]);

        let cli = Cli::try_parse_from([
            "egressctl",
            "exclude",
            "add",
            "203.0.113.7",
            "--label",
            "wg0",
        ])
        .unwrap();
        let Command::Exclude(ExcludeCommand::Add { prefix, label }) = cli.command else {
            panic!("not exclude add")
        };
        assert_eq!(prefix.to_string(), "203.0.113.7/32");
        assert_eq!(label.as_deref(), Some("wg0"));

        let err = Cli::try_parse_from(["egressctl", "mode", "sideways"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
