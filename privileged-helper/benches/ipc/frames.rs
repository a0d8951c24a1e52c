//! Frames on a blocking socket, and the echo servers the helper is
//! measured against.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;

use helper_proto::message::{decode_server, encode};
use helper_proto::{ClientMessage, Hello, Outcome, Request, Response, ServerMessage};

pub(crate) fn write_frame(stream: &mut UnixStream, payload: &[u8], buf: &mut Vec<u8>) {
    buf.clear();
    buf.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    buf.extend_from_slice(payload);
    stream.write_all(buf).expect("write a frame");
}

pub(crate) fn read_frame(stream: &mut impl Read, buf: &mut Vec<u8>) -> std::io::Result<()> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len)?;
    buf.resize(u32::from_be_bytes(len) as usize, 0);
    stream.read_exact(buf)
}

/// A blocking connection that said hello and got its welcome.
pub(crate) fn handshake(socket: &Path) -> std::io::Result<UnixStream> {
    let mut stream = UnixStream::connect(socket)?;
    let hello = encode(&ClientMessage::Hello(Hello::new("ipc-bench 0.1.0"))).expect("hello");
    write_frame(&mut stream, &hello, &mut Vec::new());
    let mut reply = Vec::new();
    read_frame(&mut stream, &mut reply)?;
    match decode_server(&reply) {
        Ok(ServerMessage::Welcome(_)) => Ok(stream),
        other => Err(std::io::Error::other(format!("no welcome: {other:?}"))),
    }
}

pub(crate) fn status_request(id: u64) -> Vec<u8> {
    encode(&ClientMessage::Request {
        id,
        request: Request::Status,
    })
    .expect("request")
}

pub(crate) fn expect_status_reply(bytes: &[u8], id: u64) {
    match decode_server(bytes) {
        Ok(ServerMessage::Reply {
            id: got,
            outcome: Outcome::Ok(Response::Status { .. }),
        }) if got == id => {}
        other => panic!("not the status reply {id}: {other:?}"),
    }
}

// ---------------------------------------------------------------- echo servers

/// Blocking echo, one thread per connection: the raw baseline.
pub(crate) fn std_echo_server(path: &Path) {
    let listener = UnixListener::bind(path).expect("bind echo");
    let named = |name: &str| std::thread::Builder::new().name(name.to_string());
    named("echo-accept")
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                named("echo-std")
                    .spawn(move || {
                        let mut payload = Vec::new();
                        let mut out = Vec::new();
                        while read_frame(&mut stream, &mut payload).is_ok() {
                            write_frame(&mut stream, &payload, &mut out);
                        }
                    })
                    .expect("echo thread");
            }
        })
        .expect("echo thread");
}

/// The same echo on a tokio runtime shaped like the helper's (multi-thread,
/// two workers), on its own thread.
pub(crate) fn tokio_echo_server(path: &Path) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("echo-tokio")
        .enable_all()
        .build()
        .expect("echo runtime");
    let listener = {
        let _guard = runtime.enter();
        tokio::net::UnixListener::bind(path).expect("bind tokio echo")
    };
    std::thread::Builder::new()
        .name("echo-tokio-main".into())
        .spawn(move || {
            runtime.block_on(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    tokio::spawn(async move {
                        let mut payload = Vec::new();
                        let mut out = Vec::new();
                        loop {
                            let mut len = [0u8; 4];
                            if stream.read_exact(&mut len).await.is_err() {
                                return;
                            }
                            payload.resize(u32::from_be_bytes(len) as usize, 0);
                            if stream.read_exact(&mut payload).await.is_err() {
                                return;
                            }
                            out.clear();
                            out.extend_from_slice(&len);
                            out.extend_from_slice(&payload);
                            if stream.write_all(&out).await.is_err() {
                                return;
                            }
                        }
                    });
                }
            });
        })
        .expect("echo thread");
}
