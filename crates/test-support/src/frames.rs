//! The protocol's framing, from `helper-proto`'s constants: a 4-byte
//! big-endian length, then at most `MAX_FRAME` bytes of JSON. Built here,
//! not taken from the client or the server, so each is tested against the
//! protocol rather than against itself.

use bytes::{Bytes, BytesMut};
use helper_proto::ServerMessage;
use tokio_util::codec::{Encoder, LengthDelimitedCodec};

/// The codec of the protocol.
pub fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .length_field_length(helper_proto::LENGTH_FIELD)
        .big_endian()
        .max_frame_length(helper_proto::MAX_FRAME)
        .new_codec()
}

/// `payload` framed: its length, then itself. For payloads a test writes
/// by hand (a message of a newer protocol, garbage).
///
/// # Panics
/// When `payload` is over 4 GiB.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut bytes = u32::try_from(payload.len())
        .expect("a frame under 4 GiB")
        .to_be_bytes()
        .to_vec();
    bytes.extend_from_slice(payload);
    bytes
}

/// A server message, encoded and framed.
///
/// # Panics
/// When the message cannot be encoded.
pub fn server_frame(message: &ServerMessage) -> BytesMut {
    let mut out = BytesMut::new();
    let payload = helper_proto::message::encode(message).expect("an encodable message");
    codec()
        .encode(Bytes::from(payload), &mut out)
        .expect("a frame within the limit");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_util::codec::Decoder;

    #[test]
    fn a_hand_made_frame_is_what_the_codec_reads() {
        let bytes = frame(b"{\"type\":\"x\"}");
        assert_eq!(&bytes[..4], &[0, 0, 0, 12]);
        let mut buf = BytesMut::from(&bytes[..]);
        let payload = codec().decode(&mut buf).unwrap().expect("a whole frame");
        assert_eq!(&payload[..], b"{\"type\":\"x\"}");
    }

    #[test]
    fn the_codec_refuses_a_frame_over_the_protocols_limit() {
        let mut buf = BytesMut::from(&frame(&vec![b' '; helper_proto::MAX_FRAME + 1])[..]);
        assert!(codec().decode(&mut buf).is_err());
    }
}
