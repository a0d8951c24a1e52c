//! `egressctl decode` and `encode`: PF_ROUTE bytes and JSON, offline,
//! with routing-core's codec.

use std::io::{Read, Write};
use std::path::Path;

use routing_core::wire::hex::format_hex;
use routing_core::wire::pf_route::json::{
    decode_document, encode_document, parse_addrs_bits, DecodeInput, DocumentJson,
};

use crate::failure::Failure;

/// The bytes of `file`, or of standard input for `-`.
fn read(file: &str) -> Result<Vec<u8>, Failure> {
    if file == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::Local(format!("standard input: {e}")))?;
        return Ok(bytes);
    }
    std::fs::read(file).map_err(|e| Failure::file(Path::new(file), e))
}

fn name(file: &str) -> &str {
    if file == "-" {
        "standard input"
    } else {
        file
    }
}

/// Hex text or raw bytes to JSON.
pub fn decode(file: &str, addrs: Option<&str>) -> Result<(), Failure> {
    let addrs = addrs
        .map(parse_addrs_bits)
        .transpose()
        .map_err(|e| Failure::Usage(format!("--addrs: {e}")))?;
    let input = DecodeInput::from_file_bytes(read(file)?)
        .map_err(|e| Failure::Local(format!("{}: {e}", name(file))))?;
    let doc = decode_document(&input.bytes, addrs.or(input.addrs))
        .map_err(|e| Failure::Local(format!("{}: {e}", name(file))))?;
    let text = serde_json::to_string_pretty(&doc)
        .map_err(|e| Failure::Local(format!("could not write JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// JSON to hex text, or with `raw` the bytes themselves.
pub fn encode(file: &str, raw: bool) -> Result<(), Failure> {
    let text = read(file)?;
    let doc: DocumentJson = serde_json::from_slice(&text)
        .map_err(|e| Failure::Local(format!("{}: {e}", name(file))))?;
    let bytes =
        encode_document(&doc).map_err(|e| Failure::Local(format!("{}: {e}", name(file))))?;
    let mut out = std::io::stdout().lock();
    let written = if raw {
        out.write_all(&bytes)
    } else {
        out.write_all(format_hex(&bytes).as_bytes())
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Local(format!("standard output: {e}")))
}
