//! Dump walking on arbitrary bytes: never panics; the framed records tile
//! the buffer up to the first framing error, and every record that parses
//! emits its own bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use routing_core::wire::pf_route::{Message, RawMessages};

fuzz_target!(|data: &[u8]| {
    let mut next = 0;
    for frame in RawMessages::new(data) {
        let Ok((off, bytes)) = frame else { break };
        assert_eq!(off, next, "records must tile the buffer");
        next = off + bytes.len();
        if let Ok(m) = Message::parse(bytes) {
            assert_eq!(m.to_bytes(), bytes);
        }
    }
    assert!(next <= data.len());
});
