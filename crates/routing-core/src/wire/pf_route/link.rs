//! `sockaddr_dl`: link-level addresses (interface routes, `RTA_IFP`, ARP
//! entries, multicast link addresses).
//!
//! ```text
//!  off  size  field
//!    0     1  sdl_len     total length (20 for kernel link addresses; 14 seen)
//!    1     1  sdl_family  18 (AF_LINK)
//!    2     2  sdl_index   host order (LE); 0 = unspecified
//!    4     1  sdl_type    IFT_*
//!    5     1  sdl_nlen    name length, no NUL
//!    6     1  sdl_alen    link-address length (6 for a MAC)
//!    7     1  sdl_slen    selector length
//!    8     -  sdl_data    name, then address, then selector, then any slack
//! ```

use super::bytes::SaBytes;
use super::consts::AF_LINK;
use super::endian;

/// The fixed part of a `sockaddr_dl`.
pub const SDL_HEADER_LEN: usize = 8;
/// The smallest `sockaddr_dl` the kernel builds for an interface.
pub const SDL_MIN_LEN: usize = 20;

/// A `sockaddr_dl`, lossless: every byte after the 8-byte header is kept.
///
/// INVARIANT: `nlen + alen + slen <= data.len()` and `8 + data.len() <= 255`;
/// the constructors are the only way in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SockaddrDl {
    index: u16,
    if_type: u8,
    nlen: u8,
    alen: u8,
    slen: u8,
    data: SaBytes,
}

impl SockaddrDl {
    /// An interface's link address as the kernel builds it (`dlil`): length
    /// `8 + name + lladdr`, raised to 20, rounded up to a multiple of 4.
    /// Names longer than 255 bytes in total are cut.
    pub fn new(index: u16, if_type: u8, name: &str, lladdr: &[u8]) -> SockaddrDl {
        let name = &name.as_bytes()[..name.len().min(120)];
        let lladdr = &lladdr[..lladdr.len().min(120)];
        let len = (SDL_HEADER_LEN + name.len() + lladdr.len()).max(SDL_MIN_LEN);
        let len = (len + 3) & !3;
        let mut data = [0u8; 248];
        data[..name.len()].copy_from_slice(name);
        data[name.len()..name.len() + lladdr.len()].copy_from_slice(lladdr);
        SockaddrDl {
            index,
            if_type,
            nlen: name.len() as u8,
            alen: lladdr.len() as u8,
            slen: 0,
            data: SaBytes::new(&data[..len - SDL_HEADER_LEN]),
        }
    }

    /// The 20-byte "null" link address of an interface route: index and
    /// type, no name, no address. netstat prints it as `link#<index>`.
    pub fn null(index: u16, if_type: u8) -> SockaddrDl {
        SockaddrDl::new(index, if_type, "", &[])
    }

    /// The empty 20-byte `sockaddr_dl` route(8) sends as `RTA_IFP` to ask
    /// the kernel to report the interface.
    pub fn empty() -> SockaddrDl {
        SockaddrDl::null(0, 0)
    }

    /// A `sockaddr_dl` from its raw fields; `None` if the lengths do not
    /// fit in `data` or the total passes 255 bytes.
    pub fn from_parts(
        index: u16,
        if_type: u8,
        nlen: u8,
        alen: u8,
        slen: u8,
        data: &[u8],
    ) -> Option<SockaddrDl> {
        let used = usize::from(nlen) + usize::from(alen) + usize::from(slen);
        (used <= data.len() && SDL_HEADER_LEN + data.len() <= 255).then(|| SockaddrDl {
            index,
            if_type,
            nlen,
            alen,
            slen,
            data: SaBytes::new(data),
        })
    }

    /// Reads a `sockaddr_dl` from exactly `sdl_len` bytes; `None` if the
    /// bytes are not a consistent one (the caller keeps them raw).
    pub(crate) fn parse(b: &[u8]) -> Option<SockaddrDl> {
        if b.len() < SDL_HEADER_LEN || b[0] as usize != b.len() || b[1] != AF_LINK {
            return None;
        }
        SockaddrDl::from_parts(
            endian::u16_at(b, 2),
            b[4],
            b[5],
            b[6],
            b[7],
            &b[SDL_HEADER_LEN..],
        )
    }

    /// `sdl_len`.
    pub fn sa_len(&self) -> usize {
        SDL_HEADER_LEN + self.data.len()
    }

    /// Writes the `sdl_len` bytes.
    ///
    /// # Panics
    /// If `b` is shorter than [`SockaddrDl::sa_len`].
    pub fn emit(&self, b: &mut [u8]) {
        b[0] = self.sa_len() as u8;
        b[1] = AF_LINK;
        endian::put_u16(b, 2, self.index);
        b[4] = self.if_type;
        b[5] = self.nlen;
        b[6] = self.alen;
        b[7] = self.slen;
        b[SDL_HEADER_LEN..self.sa_len()].copy_from_slice(&self.data);
    }

    /// `sdl_index`.
    pub fn index(&self) -> u16 {
        self.index
    }
    /// `sdl_type` (`IFT_*`).
    pub fn if_type(&self) -> u8 {
        self.if_type
    }
    /// `sdl_nlen`.
    pub fn nlen(&self) -> u8 {
        self.nlen
    }
    /// `sdl_alen`.
    pub fn alen(&self) -> u8 {
        self.alen
    }
    /// `sdl_slen`.
    pub fn slen(&self) -> u8 {
        self.slen
    }
    /// Every byte after the header (name, address, selector, slack).
    pub fn data(&self) -> &[u8] {
        &self.data
    }
    /// The interface name bytes (`nlen` of them).
    pub fn name(&self) -> &[u8] {
        &self.data[..usize::from(self.nlen)]
    }
    /// The name as text, `None` when empty or not UTF-8.
    pub fn name_str(&self) -> Option<&str> {
        std::str::from_utf8(self.name())
            .ok()
            .filter(|s| !s.is_empty())
    }
    /// The link-layer address (`alen` bytes after the name).
    pub fn lladdr(&self) -> &[u8] {
        let start = usize::from(self.nlen);
        &self.data[start..start + usize::from(self.alen)]
    }
    /// The selector (`slen` bytes after the address).
    pub fn selector(&self) -> &[u8] {
        let start = usize::from(self.nlen) + usize::from(self.alen);
        &self.data[start..start + usize::from(self.slen)]
    }
    /// Whether netstat prints it as `link#N`: no name, address or selector.
    pub fn is_null(&self) -> bool {
        self.nlen == 0 && self.alen == 0 && self.slen == 0
    }

    /// netstat's text: `link#N` for a null sdl, the MAC in unpadded colon
    /// hex when there is an address (`bc:67:1c:40:3:f6`), else the name.
    pub fn netstat_text(&self) -> String {
        if self.is_null() {
            return format!("link#{}", self.index);
        }
        if !self.lladdr().is_empty() {
            return self
                .lladdr()
                .iter()
                .map(|b| format!("{b:x}"))
                .collect::<Vec<_>>()
                .join(":");
        }
        match self.name_str() {
            Some(n) => n.to_string(),
            None => format!("link#{}", self.index),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Fixture 2's gateway: utun4319, index 33, IFT_OTHER.
    const UTUN: [u8; 20] = [
        0x14, 0x12, 0x21, 0x00, 0x01, 0x08, 0x00, 0x00, b'u', b't', b'u', b'n', b'4', b'3', b'1',
        b'9', 0, 0, 0, 0,
    ];

    #[test]
    fn parse_named_utun_gateway() {
        let sdl = SockaddrDl::parse(&UTUN).expect("consistent sdl");
        assert_eq!(sdl.index(), 33);
        assert_eq!(sdl.if_type(), 1);
        assert_eq!(sdl.name_str(), Some("utun4319"));
        assert!(sdl.lladdr().is_empty());
        assert_eq!(sdl.netstat_text(), "utun4319");
    }

    #[test]
    fn emit_matches_the_kernel_sizing_rule() {
        let sdl = SockaddrDl::new(33, 1, "utun4319", &[]);
        assert_eq!(sdl.sa_len(), 20);
        let mut b = [0xa5u8; 20];
        sdl.emit(&mut b);
        assert_eq!(b, UTUN);
        // en0 + MAC = 17 -> 20; bridge100 + MAC = 23 -> 24.
        assert_eq!(SockaddrDl::new(4, 6, "en0", &[1; 6]).sa_len(), 20);
        assert_eq!(SockaddrDl::new(9, 0xd1, "bridge100", &[1; 6]).sa_len(), 24);
    }

    #[test]
    fn null_sdl_prints_link_number() {
        let sdl = SockaddrDl::null(4, 6);
        let mut b = [0u8; 20];
        sdl.emit(&mut b);
        assert_eq!(&b[..8], &[0x14, 0x12, 4, 0, 6, 0, 0, 0]);
        assert_eq!(sdl.netstat_text(), "link#4");
    }

    #[test]
    fn short_multicast_sdl_keeps_its_length() {
        // Fixture 7's IFA: 14 bytes, alen 6.
        let b = [0x0e, 0x12, 0, 0, 0, 0, 6, 0, 0x91, 0xe0, 0xf0, 1, 0, 0];
        let sdl = SockaddrDl::parse(&b).expect("consistent");
        assert_eq!(sdl.sa_len(), 14);
        assert_eq!(sdl.lladdr(), &[0x91, 0xe0, 0xf0, 1, 0, 0]);
        assert_eq!(sdl.netstat_text(), "91:e0:f0:1:0:0");
    }

    #[test]
    fn rejects_lengths_past_the_data() {
        let mut b = UTUN;
        b[5] = 13; // nlen 13 > 12 data bytes
        assert_eq!(SockaddrDl::parse(&b), None);
    }
}
