//! Bytes from a client, as the helper reads them: length-delimited frames
//! (tokio-util's codec, 1 MiB limit), each decoded as a client message.
//! Nothing may panic; whatever decodes re-encodes to a message that
//! decodes to the same value. The same bytes are also read as helper
//! messages (what a client does with the helper's frames).
#![no_main]

use bytes::BytesMut;
use helper_proto::message::{decode_client, decode_server, encode};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::{Decoder, LengthDelimitedCodec};

fuzz_target!(|data: &[u8]| {
    let mut codec = LengthDelimitedCodec::builder()
        .length_field_length(helper_proto::LENGTH_FIELD)
        .max_frame_length(helper_proto::MAX_FRAME)
        .new_codec();
    let mut buf = BytesMut::from(data);
    // Frames first, as the connection reads them.
    loop {
        match codec.decode(&mut buf) {
            Ok(Some(frame)) => check(&frame),
            Ok(None) | Err(_) => break,
        }
    }
    // And the whole input as one payload.
    check(data);
});

fn check(payload: &[u8]) {
    if let Ok(message) = decode_client(payload) {
        let again = encode(&message).expect("a decoded message encodes");
        assert_eq!(decode_client(&again).expect("and decodes"), message);
    }
    if let Ok(message) = decode_server(payload) {
        let again = encode(&message).expect("a decoded message encodes");
        assert_eq!(decode_server(&again).expect("and decodes"), message);
    }
}
