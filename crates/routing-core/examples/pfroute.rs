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

use routing_core::wire::hex::{comment_directive, format_hex, parse_hex};
use routing_core::wire::pf_route::json::{
    describe, describe_addrs, encode_document, names_from_messages, DocumentJson,
};
use routing_core::wire::pf_route::{AddressSet, Dump, Message};

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
                Some(i) => Some(parse_bits(args.get(i + 1).ok_or(USAGE)?)?),
                None => None,
            };
            let (bytes, directive) = read_input(file)?;
            let addrs = addrs.or(directive);
            println!("{}", decode(&bytes, addrs)?);
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

fn parse_bits(s: &str) -> Result<u32, String> {
    let r = match s.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|_| format!("--addrs: {s:?} is not a number"))
}

/// Hex text if the file is valid hex text, else the raw bytes; plus the
/// `rtm_addrs` of an addrs-only directive in the text.
fn read_input(file: &str) -> Result<(Vec<u8>, Option<u32>), String> {
    let raw = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    let Some(text) = std::str::from_utf8(&raw).ok() else {
        return Ok((raw, None));
    };
    let Ok(bytes) = parse_hex(text) else {
        return Ok((raw, None));
    };
    let bits = comment_directive(text, "kind")
        .and_then(|k| k.strip_prefix("addrs-only rtm_addrs="))
        .map(parse_bits)
        .transpose()?;
    Ok((bytes, bits))
}

fn decode(bytes: &[u8], addrs: Option<u32>) -> Result<String, String> {
    let doc = match addrs {
        Some(bits) => {
            let set = AddressSet::parse(bits, bytes).map_err(|e| e.to_string())?;
            DocumentJson {
                addrs: Some(describe_addrs(&set, &|_| None)),
                ..DocumentJson::default()
            }
        }
        None => {
            let messages: Vec<Message> = Dump::new(bytes)
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            let names = names_from_messages(&messages);
            let lookup = |i: u32| names.get(&i).cloned();
            DocumentJson {
                messages: messages.iter().map(|m| describe(m, &lookup)).collect(),
                ..DocumentJson::default()
            }
        }
    };
    serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())
}
