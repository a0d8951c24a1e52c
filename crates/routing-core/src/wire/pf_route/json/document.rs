//! What the decode tools share (`pfroute decode`, `egressctl decode`):
//! telling hex text from raw bytes, the addrs-only directive, and a whole
//! input described as one document. The caller reads the file.

use crate::wire::hex::{comment_directive, parse_hex};

use super::super::addrs::AddressSet;
use super::super::dump::Dump;
use super::super::error::Error;
use super::super::message::Message;
use super::{describe, describe_addrs, names_from_messages, DocumentJson, JsonError};

/// Bytes to decode, as a tool was given them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeInput {
    /// The message bytes.
    pub bytes: Vec<u8>,
    /// `rtm_addrs` of an addrs-only payload, from a
    /// `# kind: addrs-only rtm_addrs=BITS` directive in hex text.
    pub addrs: Option<u32>,
}

impl DecodeInput {
    /// Hex text (whitespace-separated bytes, `#` comments) if `raw` is
    /// valid hex text, else `raw` itself as binary.
    ///
    /// # Errors
    /// A directive whose bits are not a number.
    pub fn from_file_bytes(raw: Vec<u8>) -> Result<DecodeInput, JsonError> {
        let Some(text) = std::str::from_utf8(&raw).ok() else {
            return Ok(DecodeInput {
                bytes: raw,
                addrs: None,
            });
        };
        let Ok(bytes) = parse_hex(text) else {
            return Ok(DecodeInput {
                bytes: raw,
                addrs: None,
            });
        };
        let addrs = comment_directive(text, "kind")
            .and_then(|k| k.strip_prefix("addrs-only rtm_addrs="))
            .map(parse_addrs_bits)
            .transpose()?;
        Ok(DecodeInput { bytes, addrs })
    }
}

/// `rtm_addrs` bits written as `0x07` or `7`.
///
/// # Errors
/// Not a number.
pub fn parse_addrs_bits(s: &str) -> Result<u32, JsonError> {
    let r = match s.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|_| JsonError(format!("rtm_addrs: {s:?} is not a number")))
}

/// Describes `bytes`: the messages back to back (one, or a dump), or, with
/// `addrs`, an addrs-only payload with those `rtm_addrs` bits. Interface
/// names come from the messages themselves ([`names_from_messages`]).
///
/// # Errors
/// The codec's [`Error`], naming the byte offset.
pub fn decode_document(bytes: &[u8], addrs: Option<u32>) -> Result<DocumentJson, Error> {
    if let Some(bits) = addrs {
        let set = AddressSet::parse(bits, bytes)?;
        return Ok(DocumentJson {
            addrs: Some(describe_addrs(&set, &|_| None)),
            ..DocumentJson::default()
        });
    }
    let messages: Vec<Message> = Dump::new(bytes).collect::<Result<_, _>>()?;
    let names = names_from_messages(&messages);
    let lookup = |i: u32| names.get(&i).cloned();
    Ok(DocumentJson {
        messages: messages.iter().map(|m| describe(m, &lookup)).collect(),
        ..DocumentJson::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::pf_route::json::encode_document;

    #[test]
    fn hex_text_with_a_directive_and_raw_bytes_are_told_apart() {
        let text =
            b"# kind: addrs-only rtm_addrs=0x01\n10 02 00 00 c0 00 02 01 00 00 00 00 00 00 00 00\n";
        let input = DecodeInput::from_file_bytes(text.to_vec()).unwrap();
        assert_eq!(input.addrs, Some(1));
        assert_eq!(input.bytes.len(), 16);
        let doc = decode_document(&input.bytes, input.addrs).unwrap();
        assert!(doc.messages.is_empty());
        assert_eq!(doc.addrs.as_ref().unwrap().bits, 1);
        assert_eq!(encode_document(&doc).unwrap(), input.bytes);

        let raw = vec![0x10, 0x02, 0xff, 0xfe];
        let input = DecodeInput::from_file_bytes(raw.clone()).unwrap();
        assert_eq!(
            input,
            DecodeInput {
                bytes: raw,
                addrs: None
            }
        );

        assert_eq!(parse_addrs_bits("7").unwrap(), 7);
        assert_eq!(
            parse_addrs_bits("0xzz").unwrap_err().to_string(),
            "rtm_addrs: \"0xzz\" is not a number"
        );
    }

    #[test]
    fn a_cut_message_is_an_error_not_a_panic() {
        assert!(decode_document(&[0x80, 0x00, 0x05], None).is_err());
    }
}
