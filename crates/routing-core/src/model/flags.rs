//! Route flags (`rtm_flags`) as a typed set, printed the way macOS prints them.
//!
//! The bit values are XNU's `RTF_*` (`bsd/net/route.h`). Linux routes use
//! the same set: the Linux backend maps its own notions (gateway, host,
//! scope, protocol) onto these bits so one renderer serves both.

use std::fmt;

/// A set of route flags. Unknown bits are kept, so a set read from the
/// kernel is written back unchanged.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct RouteFlags(u32);

/// One flag: its bit, C name, `route get` name, netstat letter and meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagInfo {
    /// The bit.
    pub flag: RouteFlags,
    /// The C constant, e.g. `RTF_IFSCOPE`.
    pub c_name: &'static str,
    /// The name `route get` prints, e.g. `IFSCOPE`.
    pub route_name: &'static str,
    /// The letter `netstat -rn` prints, if any.
    pub letter: Option<char>,
    /// One line for a legend.
    pub meaning: &'static str,
}

macro_rules! route_flags {
    ($($name:ident = $bit:expr, $c:literal, $route:literal, $letter:expr, $meaning:literal;)*) => {
        impl RouteFlags {
            $(
                #[doc = concat!("`", $c, "`: ", $meaning)]
                pub const $name: RouteFlags = RouteFlags($bit);
            )*
        }

        /// Every known flag, in bit order.
        pub const ALL_FLAGS: &[FlagInfo] = &[
            $(FlagInfo {
                flag: RouteFlags::$name,
                c_name: $c,
                route_name: $route,
                letter: $letter,
                meaning: $meaning,
            },)*
        ];
    };
}

route_flags! {
    UP = 0x1, "RTF_UP", "UP", Some('U'), "route usable";
    GATEWAY = 0x2, "RTF_GATEWAY", "GATEWAY", Some('G'), "destination requires forwarding by an intermediary";
    HOST = 0x4, "RTF_HOST", "HOST", Some('H'), "host entry (net otherwise)";
    REJECT = 0x8, "RTF_REJECT", "REJECT", Some('R'), "host or net unreachable";
    DYNAMIC = 0x10, "RTF_DYNAMIC", "DYNAMIC", Some('D'), "created dynamically (by redirect)";
    MODIFIED = 0x20, "RTF_MODIFIED", "MODIFIED", Some('M'), "modified dynamically (by redirect)";
    DONE = 0x40, "RTF_DONE", "DONE", Some('d'), "message confirmed (routing messages only)";
    DELCLONE = 0x80, "RTF_DELCLONE", "DELCLONE", None, "delete cloned route";
    CLONING = 0x100, "RTF_CLONING", "CLONING", Some('C'), "generate new routes on use";
    XRESOLVE = 0x200, "RTF_XRESOLVE", "XRESOLVE", Some('X'), "external daemon resolves name";
    LLINFO = 0x400, "RTF_LLINFO", "LLINFO", Some('L'), "valid protocol to link address translation";
    STATIC = 0x800, "RTF_STATIC", "STATIC", Some('S'), "manually added";
    BLACKHOLE = 0x1000, "RTF_BLACKHOLE", "BLACKHOLE", Some('B'), "just discard packets (during updates)";
    NOIFREF = 0x2000, "RTF_NOIFREF", "b016", None, "not eligible for RTF_IFREF";
    PROTO2 = 0x4000, "RTF_PROTO2", "PROTO2", Some('2'), "protocol specific routing flag #2";
    PROTO1 = 0x8000, "RTF_PROTO1", "PROTO1", Some('1'), "protocol specific routing flag #1";
    PRCLONING = 0x10000, "RTF_PRCLONING", "PRCLONING", Some('c'), "protocol-specified generate new routes on use";
    WASCLONED = 0x20000, "RTF_WASCLONED", "WASCLONED", Some('W'), "route generated through cloning";
    PROTO3 = 0x40000, "RTF_PROTO3", "PROTO3", Some('3'), "protocol specific routing flag #3";
    PINNED = 0x100000, "RTF_PINNED", "PINNED", None, "future use";
    LOCAL = 0x200000, "RTF_LOCAL", "LOCAL", None, "route represents a local address";
    BROADCAST = 0x400000, "RTF_BROADCAST", "BROADCAST", Some('b'), "route represents a broadcast address";
    MULTICAST = 0x800000, "RTF_MULTICAST", "MULTICAST", Some('m'), "route represents a multicast address";
    IFSCOPE = 0x1000000, "RTF_IFSCOPE", "IFSCOPE", Some('I'), "route is associated with an interface scope";
    CONDEMNED = 0x2000000, "RTF_CONDEMNED", "CONDEMNED", None, "defunct; no longer modifiable";
    IFREF = 0x4000000, "RTF_IFREF", "IFREF", Some('i'), "route holds a ref to interface";
    PROXY = 0x8000000, "RTF_PROXY", "PROXY", Some('Y'), "proxying, no interface scope";
    ROUTER = 0x10000000, "RTF_ROUTER", "ROUTER", Some('r'), "host is a default router";
    DEAD = 0x20000000, "RTF_DEAD", "DEAD", None, "route entry is being freed";
    GLOBAL = 0x40000000, "RTF_GLOBAL", "GLOBAL", Some('g'), "route to a destination of the global internet";
}

/// netstat's letter order (network_cmds `netstat.tproj/route.c`, `bits[]`),
/// which is not bit order: `m` comes before `d`, `1` before `2`.
const NETSTAT_ORDER: &[RouteFlags] = &[
    RouteFlags::UP,
    RouteFlags::GATEWAY,
    RouteFlags::HOST,
    RouteFlags::REJECT,
    RouteFlags::DYNAMIC,
    RouteFlags::MODIFIED,
    RouteFlags::MULTICAST,
    RouteFlags::DONE,
    RouteFlags::CLONING,
    RouteFlags::XRESOLVE,
    RouteFlags::LLINFO,
    RouteFlags::STATIC,
    RouteFlags::PROTO1,
    RouteFlags::PROTO2,
    RouteFlags::WASCLONED,
    RouteFlags::PRCLONING,
    RouteFlags::PROTO3,
    RouteFlags::BLACKHOLE,
    RouteFlags::BROADCAST,
    RouteFlags::IFSCOPE,
    RouteFlags::IFREF,
    RouteFlags::PROXY,
    RouteFlags::ROUTER,
    RouteFlags::GLOBAL,
];

impl RouteFlags {
    /// The empty set.
    pub const EMPTY: RouteFlags = RouteFlags(0);

    /// A set from raw bits; unknown bits are kept.
    pub const fn from_bits(bits: u32) -> RouteFlags {
        RouteFlags(bits)
    }

    /// The raw bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: RouteFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any bit of `other` is set.
    pub const fn intersects(self, other: RouteFlags) -> bool {
        self.0 & other.0 != 0
    }

    /// The union.
    #[must_use]
    pub const fn with(self, other: RouteFlags) -> RouteFlags {
        RouteFlags(self.0 | other.0)
    }

    /// This set without the bits of `other`.
    #[must_use]
    pub const fn without(self, other: RouteFlags) -> RouteFlags {
        RouteFlags(self.0 & !other.0)
    }

    /// Whether no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The letters `netstat -rn` prints, in netstat's order (`UGScIg`).
    pub fn netstat_letters(self) -> String {
        NETSTAT_ORDER
            .iter()
            .filter(|f| self.contains(**f))
            .filter_map(|f| f.letter())
            .collect()
    }

    /// The names `route get` prints between `<>`, in bit order
    /// (`UP,GATEWAY,DONE,STATIC,PRCLONING,GLOBAL`). Bits without a name
    /// print as `0x…`.
    pub fn route_names(self) -> String {
        let mut names: Vec<String> = ALL_FLAGS
            .iter()
            .filter(|i| self.contains(i.flag))
            .map(|i| i.route_name.to_string())
            .collect();
        let unknown = self.0 & !ALL_FLAGS.iter().fold(0, |acc, i| acc | i.flag.0);
        if unknown != 0 {
            names.push(format!("{unknown:#x}"));
        }
        names.join(",")
    }

    /// Parses netstat letters (`UGScIg`) back into a set.
    ///
    /// # Errors
    /// The first character that is not a netstat letter.
    pub fn from_netstat_letters(letters: &str) -> Result<RouteFlags, char> {
        letters.chars().try_fold(RouteFlags::EMPTY, |acc, c| {
            ALL_FLAGS
                .iter()
                .find(|i| i.letter == Some(c))
                .map(|i| acc.with(i.flag))
                .ok_or(c)
        })
    }

    /// The netstat letter of a single flag.
    fn letter(self) -> Option<char> {
        ALL_FLAGS
            .iter()
            .find(|i| i.flag == self)
            .and_then(|i| i.letter)
    }

    /// The legend: every flag that has a netstat letter, in netstat order.
    pub fn legend() -> impl Iterator<Item = &'static FlagInfo> {
        NETSTAT_ORDER
            .iter()
            .filter_map(|f| ALL_FLAGS.iter().find(|i| i.flag == *f))
    }
}

impl std::ops::BitOr for RouteFlags {
    type Output = RouteFlags;
    fn bitor(self, rhs: RouteFlags) -> RouteFlags {
        self.with(rhs)
    }
}

impl std::ops::BitOrAssign for RouteFlags {
    fn bitor_assign(&mut self, rhs: RouteFlags) {
        *self = self.with(rhs);
    }
}

impl fmt::Debug for RouteFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RouteFlags({:#x} <{}>)", self.0, self.route_names())
    }
}

impl fmt::Display for RouteFlags {
    /// The netstat letters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.netstat_letters())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letters(s: &str) -> RouteFlags {
        RouteFlags::from_netstat_letters(s).expect("valid letters in test")
    }

    #[test]
    fn netstat_letters_match_real_macos_samples() {
        // Every string here was printed by a real Mac (darwin-route-socket.md §8).
        for sample in [
            "UGScIg", "UHW3Ig", "UHWIig", "UCS", "UH", "UCSg", "UScg", "UCSIg", "UGcIg", "UHL",
            "Uc", "UcI", "UHLI", "UCI", "UmCI", "UGSc", "UHLWIir", "UmCS", "UHmLWI",
        ] {
            assert_eq!(
                letters(sample).netstat_letters(),
                sample,
                "round trip of {sample}"
            );
        }
    }

    #[test]
    fn route_default_flags_print_like_route_get() {
        let f = RouteFlags::from_bits(0x4001_0843);
        assert_eq!(f.route_names(), "UP,GATEWAY,DONE,STATIC,PRCLONING,GLOBAL");
        assert_eq!(f.netstat_letters(), "UGdScg");
    }

    #[test]
    fn unknown_bits_are_kept_and_named_in_hex() {
        let f = RouteFlags::from_bits(0x8000_0001);
        assert_eq!(f.bits(), 0x8000_0001);
        assert_eq!(f.route_names(), "UP,0x80000000");
        assert_eq!(f.netstat_letters(), "U");
    }

    #[test]
    fn rejects_unknown_letters() {
        assert_eq!(RouteFlags::from_netstat_letters("UQ"), Err('Q'));
    }

    #[test]
    fn legend_lists_every_letter_once_in_netstat_order() {
        let legend: String = RouteFlags::legend().filter_map(|i| i.letter).collect();
        assert_eq!(legend, "UGHRDMmdCXLS12Wc3BbIiYrg");
    }
}
