//! Frames: what each side may send.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorBody, ErrorCode};
use crate::event::Event;
use crate::request::{Request, Response};
use crate::version::{Hello, Welcome};
use crate::MAX_FRAME;

/// A frame from a client.
// Messages live one at a time, briefly: boxing the large variant buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// The first frame, and only the first.
    Hello(Hello),
    /// A request.
    Request {
        /// Chosen by the client; the reply carries it back.
        id: u64,
        /// The request.
        request: Request,
    },
}

/// A reply's outcome.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It worked.
    Ok(Response),
    /// It did not.
    Error(ErrorBody),
}

impl From<Result<Response, ErrorBody>> for Outcome {
    fn from(r: Result<Response, ErrorBody>) -> Outcome {
        match r {
            Ok(response) => Outcome::Ok(response),
            Err(e) => Outcome::Error(e),
        }
    }
}

impl From<Outcome> for Result<Response, ErrorBody> {
    fn from(o: Outcome) -> Result<Response, ErrorBody> {
        match o {
            Outcome::Ok(response) => Ok(response),
            Outcome::Error(e) => Err(e),
        }
    }
}

/// A frame from the helper.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The answer to a compatible hello.
    Welcome(Welcome),
    /// The answer to a request.
    Reply {
        /// The request's id.
        id: u64,
        /// What happened.
        outcome: Outcome,
    },
    /// Progress of a long request (a mode switch), before its reply.
    Progress {
        /// The request's id.
        id: u64,
        /// Steps done.
        done: usize,
        /// Steps in all.
        total: usize,
    },
    /// An event for a subscriber.
    Event {
        /// The event.
        event: Event,
    },
    /// The connection is being closed, and why.
    Fatal(ErrorBody),
}

/// Decodes a client frame's payload; any failure is a
/// [`ErrorCode::MalformedFrame`] saying what was wrong (never the bytes).
///
/// # Errors
/// Not UTF-8, not JSON, or not a client message.
pub fn decode_client(payload: &[u8]) -> Result<ClientMessage, ErrorBody> {
    decode(payload, "client message")
}

/// Decodes a helper frame's payload.
///
/// # Errors
/// As [`decode_client`].
pub fn decode_server(payload: &[u8]) -> Result<ServerMessage, ErrorBody> {
    decode(payload, "helper message")
}

fn decode<T: for<'de> Deserialize<'de>>(payload: &[u8], what: &str) -> Result<T, ErrorBody> {
    if payload.len() > MAX_FRAME {
        return Err(ErrorBody::new(
            ErrorCode::FrameTooLarge,
            format!(
                "a frame of {} bytes is over the {MAX_FRAME}-byte limit",
                payload.len()
            ),
        ));
    }
    let text = std::str::from_utf8(payload).map_err(|e| {
        ErrorBody::new(
            ErrorCode::MalformedFrame,
            format!("the frame is not UTF-8 (at byte {})", e.valid_up_to()),
        )
    })?;
    serde_json::from_str(text).map_err(|e| {
        let code = if e.is_data() {
            ErrorCode::BadRequest
        } else {
            ErrorCode::MalformedFrame
        };
        // serde_json's messages name fields and types, never the input.
        ErrorBody::new(code, format!("not a valid {what}: {e}"))
    })
}

/// Encodes a message as a frame payload.
///
/// # Errors
/// [`ErrorCode::Internal`] if it cannot be encoded, [`ErrorCode::FrameTooLarge`]
/// if it is over the limit.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, ErrorBody> {
    let bytes = serde_json::to_vec(message).map_err(|e| {
        ErrorBody::new(
            ErrorCode::Internal,
            format!("could not encode a message: {e}"),
        )
    })?;
    if bytes.len() > MAX_FRAME {
        return Err(ErrorBody::new(
            ErrorCode::FrameTooLarge,
            format!(
                "the answer is {} bytes, over the {MAX_FRAME}-byte frame limit; ask for a smaller page",
                bytes.len()
            ),
        ));
    }
    Ok(bytes)
}

/// The payload of `Reply { id, outcome: Ok(response) }` around a response
/// already encoded with [`encode`]: for answers that many clients ask for
/// and that change rarely (the status), encoded once instead of per reply.
pub fn encode_ok_reply(id: u64, response_json: &[u8]) -> Vec<u8> {
    const HEAD: &str = r#"{"type":"reply","id":"#;
    const MIDDLE: &str = r#","outcome":{"ok":"#;
    let id = id.to_string();
    let mut out =
        Vec::with_capacity(HEAD.len() + id.len() + MIDDLE.len() + response_json.len() + 2);
    out.extend_from_slice(HEAD.as_bytes());
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(MIDDLE.as_bytes());
    out.extend_from_slice(response_json);
    out.extend_from_slice(b"}}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Mode;
    use crate::version::Hello;

    #[test]
    fn messages_round_trip() {
        let hello = ClientMessage::Hello(Hello::new("egressctl 0.1.0"));
        let bytes = encode(&hello).unwrap();
        assert_eq!(decode_client(&bytes).unwrap(), hello);
        let request = ClientMessage::Request {
            id: 7,
            request: Request::SetMode {
                mode: Mode::Legacy,
                progress: true,
            },
        };
        assert_eq!(
            String::from_utf8(encode(&request).unwrap()).unwrap(),
            r#"{"type":"request","id":7,"request":{"op":"set_mode","mode":"legacy","progress":true}}"#
        );
        let reply = ServerMessage::Reply {
            id: 7,
            outcome: Outcome::Error(ErrorBody::new(ErrorCode::ModeForced, "forced")),
        };
        let bytes = encode(&reply).unwrap();
        assert_eq!(decode_server(&bytes).unwrap(), reply);
    }

    #[test]
    fn a_reply_around_an_encoded_response_reads_as_the_reply() {
        let response = Response::SimEvents { events: vec![] };
        let json = encode(&response).unwrap();
        let bytes = encode_ok_reply(u64::MAX, &json);
        assert_eq!(
            decode_server(&bytes).unwrap(),
            ServerMessage::Reply {
                id: u64::MAX,
                outcome: Outcome::Ok(response)
            }
        );
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let e = decode_client(b"\xff\xfe").unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedFrame);
        assert_eq!(e.message, "the frame is not UTF-8 (at byte 0)");
        let e = decode_client(b"{\"type\":").unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedFrame);
        let e = decode_client(br#"{"type":"request","id":1,"request":{"op":"nope"}}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
        assert!(
            e.message.contains("unknown variant `nope`"),
            "{}",
            e.message
        );
    }
}
