//! Frames on the socket, and the file descriptors that ride with them.
//!
//! Framing is tokio-util's [`LengthDelimitedCodec`] set up from the
//! protocol's constants. The read side reads with `recvmsg(2)` so that
//! `SCM_RIGHTS` descriptors are not lost: each one received is queued, in
//! order, until the frame it came with (a bound-socket reply) claims it.

use std::collections::VecDeque;
use std::io::{self, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};

use bytes::BytesMut;
use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags};
use tokio::io::Interest;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio_util::codec::{Decoder, FramedWrite, LengthDelimitedCodec};

/// The codec both ends use: a 4-byte big-endian length, then at most
/// [`helper_proto::MAX_FRAME`] bytes.
pub fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .length_field_length(helper_proto::LENGTH_FIELD)
        .big_endian()
        .max_frame_length(helper_proto::MAX_FRAME)
        .new_codec()
}

/// The write side: whole frames through the codec.
pub(crate) type FrameWriter = FramedWrite<OwnedWriteHalf, LengthDelimitedCodec>;

pub(crate) fn frame_writer(half: OwnedWriteHalf) -> FrameWriter {
    FramedWrite::new(half, codec())
}

/// Descriptors one `recvmsg` can take; the helper sends one per frame.
const FDS_PER_READ: usize = 4;
/// Unclaimed descriptors kept at most; older ones are closed.
const MAX_QUEUED_FDS: usize = 16;
/// Bytes asked for per read.
const READ_CHUNK: usize = 64 * 1024;

/// Why the read side could not produce a frame.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The socket failed.
    Io(io::Error),
    /// The bytes are not frames (too large, or cut off by the peer).
    Framing(String),
}

/// The read side: frames from `recvmsg`, with a queue of received fds.
#[derive(Debug)]
pub(crate) struct FrameReader {
    half: OwnedReadHalf,
    codec: LengthDelimitedCodec,
    buf: BytesMut,
    chunk: Box<[u8]>,
    fds: VecDeque<OwnedFd>,
    /// Whether the kernel dropped descriptors (control buffer too small).
    lost_fds: bool,
}

impl FrameReader {
    pub(crate) fn new(half: OwnedReadHalf) -> FrameReader {
        FrameReader {
            half,
            codec: codec(),
            buf: BytesMut::with_capacity(READ_CHUNK),
            chunk: vec![0; READ_CHUNK].into_boxed_slice(),
            fds: VecDeque::new(),
            lost_fds: false,
        }
    }

    /// The next frame's payload; `None` at a clean end of stream.
    pub(crate) async fn next_frame(&mut self) -> Result<Option<BytesMut>, ReadError> {
        loop {
            match self.codec.decode(&mut self.buf) {
                Ok(Some(frame)) => return Ok(Some(frame)),
                Ok(None) => {}
                Err(e) => return Err(ReadError::Framing(e.to_string())),
            }
            if self.fill().await.map_err(ReadError::Io)? == 0 {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Err(ReadError::Framing(format!(
                    "the connection ended in the middle of a frame ({} bytes left over)",
                    self.buf.len()
                )));
            }
        }
    }

    /// The oldest descriptor not yet claimed by a frame.
    pub(crate) fn take_fd(&mut self) -> Result<OwnedFd, String> {
        self.fds.pop_front().ok_or_else(|| {
            if self.lost_fds {
                "a bound-socket reply came without its file descriptor: the kernel \
                 dropped descriptors that did not fit"
                    .to_string()
            } else {
                "a bound-socket reply came without its file descriptor".to_string()
            }
        })
    }

    /// One `recvmsg`: appends the bytes to the buffer and queues the fds.
    async fn fill(&mut self) -> io::Result<usize> {
        let Self {
            half,
            buf,
            chunk,
            fds,
            lost_fds,
            ..
        } = self;
        let stream = half.as_ref();
        let (n, received, truncated) = stream
            .async_io(Interest::READABLE, || recv_with_fds(stream, chunk))
            .await?;
        if truncated {
            tracing::warn!("recvmsg: control data truncated; file descriptors were lost");
            *lost_fds = true;
        }
        for fd in received {
            if fds.len() == MAX_QUEUED_FDS {
                tracing::warn!("closing a file descriptor no reply claimed");
                fds.pop_front();
            }
            fds.push_back(fd);
        }
        buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }
}

/// `recvmsg` with room for a few `SCM_RIGHTS` descriptors: (bytes read,
/// descriptors, whether control data was truncated).
fn recv_with_fds(socket: impl AsFd, buf: &mut [u8]) -> io::Result<(usize, Vec<OwnedFd>, bool)> {
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(FDS_PER_READ))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let msg = rustix::net::recvmsg(
        &socket,
        &mut [IoSliceMut::new(buf)],
        &mut control,
        recv_flags(),
    )?;
    let mut fds = Vec::new();
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(received) = message {
            fds.extend(received);
        }
    }
    for fd in &fds {
        set_cloexec(fd)?;
    }
    Ok((msg.bytes, fds, msg.flags.contains(ReturnFlags::CTRUNC)))
}

/// Linux sets close-on-exec atomically as the descriptors arrive.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn recv_flags() -> RecvFlags {
    RecvFlags::CMSG_CLOEXEC
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_cloexec(_fd: &OwnedFd) -> io::Result<()> {
    Ok(())
}

/// Elsewhere (macOS) there is no `MSG_CMSG_CLOEXEC`: set it right after.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn recv_flags() -> RecvFlags {
    RecvFlags::empty()
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_cloexec(fd: &OwnedFd) -> io::Result<()> {
    rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::CLOEXEC)?;
    Ok(())
}
