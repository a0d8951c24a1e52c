//! Hex text for vectors and tools.
//!
//! Reading accepts whitespace-separated byte pairs (`84 00 05 04`) or runs
//! of pairs (`84000504`), and `#` comments to the end of a line. Errors
//! name the line and column (both from 1). Writing gives lowercase pairs,
//! 16 per line.

use std::fmt;

/// Why hex text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HexError {
    /// A character that is not a hex digit, whitespace or a comment.
    BadChar {
        /// Line, from 1.
        line: usize,
        /// Column (in characters), from 1.
        column: usize,
        /// The character.
        ch: char,
    },
    /// A run of digits of odd length: half a byte.
    OddDigits {
        /// Line of the run's start.
        line: usize,
        /// Column of the run's start.
        column: usize,
    },
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            HexError::BadChar { line, column, ch } => {
                write!(f, "line {line}, column {column}: {ch:?} is not a hex digit")
            }
            HexError::OddDigits { line, column } => {
                write!(f, "line {line}, column {column}: odd number of hex digits")
            }
        }
    }
}

impl std::error::Error for HexError {}

fn digit(c: char) -> Option<u8> {
    c.to_digit(16).map(|d| d as u8)
}

/// Parses hex text into bytes.
///
/// # Errors
/// [`HexError`] with the line and column of the first problem.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, HexError> {
    let mut out = Vec::with_capacity(text.len() / 3);
    for (l, line) in text.lines().enumerate() {
        let line_no = l + 1;
        let code = line.split('#').next().unwrap_or("");
        let mut run: Option<(usize, u8, bool)> = None; // (start col, high nibble, have high)
        for (c, ch) in code.chars().chain(std::iter::once(' ')).enumerate() {
            let col = c + 1;
            if let Some(d) = digit(ch) {
                run = Some(match run {
                    None => (col, d, true),
                    Some((start, hi, true)) => {
                        out.push(hi << 4 | d);
                        (start, 0, false)
                    }
                    Some((start, _, false)) => (start, d, true),
                });
            } else if ch.is_whitespace() {
                if let Some((start, _, true)) = run {
                    return Err(HexError::OddDigits {
                        line: line_no,
                        column: start,
                    });
                }
                run = None;
            } else {
                return Err(HexError::BadChar {
                    line: line_no,
                    column: col,
                    ch,
                });
            }
        }
    }
    Ok(out)
}

/// The value of a `# key: value` comment line (the vectors' `# kind:`
/// directive), if the text has one.
pub fn comment_directive<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|l| {
        let rest = l.trim_start().strip_prefix('#')?.trim_start();
        let value = rest.strip_prefix(key)?.strip_prefix(':')?;
        Some(value.trim())
    })
}

/// Formats bytes as lowercase hex, 16 space-separated pairs per line,
/// each line ending in `\n`.
pub fn format_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for line in bytes.chunks(16) {
        let pairs: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        s.push_str(&pairs.join(" "));
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pairs_runs_and_comments() {
        let t = "# header\n84 00 05 04  # msglen, version, type\n0a0B\n\n";
        assert_eq!(parse_hex(t), Ok(vec![0x84, 0, 5, 4, 0x0a, 0x0b]));
    }

    #[test]
    fn rejects_bad_char_with_position() {
        assert_eq!(
            parse_hex("00 01\n02 zz"),
            Err(HexError::BadChar {
                line: 2,
                column: 4,
                ch: 'z'
            })
        );
    }

    #[test]
    fn rejects_half_a_byte() {
        assert_eq!(
            parse_hex("00 0\n"),
            Err(HexError::OddDigits { line: 1, column: 4 })
        );
    }

    #[test]
    fn finds_the_kind_directive() {
        let t = "# source: x\n# kind: addrs-only rtm_addrs=0x07\n10 02\n";
        assert_eq!(
            comment_directive(t, "kind"),
            Some("addrs-only rtm_addrs=0x07")
        );
        assert_eq!(comment_directive(t, "os"), None);
    }

    #[test]
    fn formats_sixteen_per_line_and_round_trips() {
        let bytes: Vec<u8> = (0..20).collect();
        let text = format_hex(&bytes);
        assert_eq!(text.lines().count(), 2);
        assert!(text.starts_with("00 01 02"));
        assert_eq!(parse_hex(&text), Ok(bytes));
    }
}
