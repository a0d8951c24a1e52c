//! `Message::parse` on arbitrary bytes: never panics, and whatever parses
//! emits the same bytes and parses again to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use routing_core::wire::pf_route::Message;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Message::parse(data) {
        let bytes = m.to_bytes();
        assert_eq!(bytes, data, "emit(parse(b)) != b");
        assert_eq!(Message::parse(&bytes).as_ref(), Ok(&m), "parse(emit(m)) != m");
    }
});
