//! `pfroute`: decode and encode macOS PF_ROUTE messages.
//!
//! ```text
//! cargo run -p routing-core --example pfroute -- decode FILE [--addrs 0x07]
//! cargo run -p routing-core --example pfroute -- encode FILE.json [--raw]
//! ```
//!
//! `decode` reads hex text (whitespace-separated bytes, `#` comments) or,
//! if the file is not valid hex text, raw binary; it prints one JSON
//! document describing every message. `--addrs BITS` decodes an
//! addrs-only payload (the bytes after a header) with `rtm_addrs = BITS`;
//! a vector file's `# kind: addrs-only rtm_addrs=0x07` directive does the same.
//! `encode` reads such a JSON document and prints hex (or, with `--raw`,
//! writes the bytes to stdout). Errors are one line naming the byte
//! offset, with a non-zero exit status.
//!
//! The work happens in `routing_core::wire::pf_route::json` and
//! `routing_core::wire::hex`; this file only reads arguments and files.

// The library is pure; this thin command-line front end is where the file
// reading happens, so the crate's no-I/O lint is lifted here only.
#![allow(clippy::disallowed_methods)]

use std::io::Write;
use std::process::ExitCode;

use routing_core::wire::hex::format_hex;
use routing_core::wire::pf_route::json::{
    decode_document, encode_document, parse_addrs_bits, DecodeInput, DocumentJson,
};

const USAGE: &str = "usage: pfroute decode FILE [--addrs BITS] | pfroute encode FILE.json [--raw]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pfroute: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let flag = |name: &str| args.iter().position(|a| a == name);
    match args.first().map(String::as_str) {
        Some("decode") => {
            let file = args.get(1).ok_or(USAGE)?;
            let addrs = match flag("--addrs") {
                Some(i) => Some(
                    parse_addrs_bits(args.get(i + 1).ok_or(USAGE)?).map_err(|e| e.to_string())?,
                ),
                None => None,
            };
            let raw = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
            let input = DecodeInput::from_file_bytes(raw).map_err(|e| format!("{file}: {e}"))?;
            let doc =
                decode_document(&input.bytes, addrs.or(input.addrs)).map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Some("encode") => {
            let file = args.get(1).ok_or(USAGE)?;
            let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
            let doc: DocumentJson =
                serde_json::from_str(&text).map_err(|e| format!("{file}: {e}"))?;
            let bytes = encode_document(&doc).map_err(|e| format!("{file}: {e}"))?;
            if flag("--raw").is_some() {
                std::io::stdout()
                    .write_all(&bytes)
                    .map_err(|e| e.to_string())
            } else {
                print!("{}", format_hex(&bytes));
                Ok(())
            }
        }
        _ => Err(USAGE.into()),
    }
}
