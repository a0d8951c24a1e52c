use std::collections::VecDeque;

use super::*;

const PID: i32 = 4242;
const RTM_ADD: u8 = 1;

/// A toy wire format for these tests: type, seq, pid, errno.
fn message(rtm_type: u8, seq: i32, pid: i32, errno: i32) -> Vec<u8> {
    let mut m = vec![rtm_type];
    for v in [seq, pid, errno] {
        m.extend_from_slice(&v.to_le_bytes());
    }
    m
}

fn header(m: &[u8]) -> Option<ReplyHeader> {
    let field = |i: usize| {
        Some(i32::from_le_bytes(
            m.get(1 + 4 * i..5 + 4 * i)?.try_into().ok()?,
        ))
    };
    Some(ReplyHeader {
        rtm_type: *m.first()?,
        seq: field(0)?,
        pid: field(1)?,
        errno: field(2)?,
    })
}

/// What the fake kernel does with each write, in order.
#[derive(Debug, Clone, Copy)]
enum Act {
    /// The write fails with this errno.
    FailWrite(i32),
    /// The write succeeds and the reply (with this errno) is lost.
    LoseReply,
    /// Unrelated broadcasts, then the reply with this errno.
    Reply { noise: usize, errno: i32 },
}

#[derive(Debug)]
struct Fake {
    script: VecDeque<Act>,
    inbox: VecDeque<Vec<u8>>,
    seqs: Vec<i32>,
}

impl Fake {
    fn new(script: &[Act]) -> Fake {
        Fake {
            script: script.iter().copied().collect(),
            inbox: VecDeque::new(),
            seqs: Vec::new(),
        }
    }
}

impl Transport for Fake {
    async fn send(&mut self, m: &[u8]) -> Result<(), i32> {
        let h = header(m).expect("test messages are well formed");
        self.seqs.push(h.seq);
        match self
            .script
            .pop_front()
            .unwrap_or(Act::Reply { noise: 0, errno: 0 })
        {
            Act::FailWrite(errno) => Err(errno),
            Act::LoseReply => Ok(()),
            Act::Reply { noise, errno } => {
                for n in 0..noise {
                    // Another process's change, and a reply to another pid
                    // that happens to use the same seq.
                    self.inbox.push_back(message(RTM_ADD, n as i32, 99, 0));
                    self.inbox.push_back(message(h.rtm_type, h.seq, PID + 1, 0));
                }
                self.inbox.push_back(message(h.rtm_type, h.seq, PID, errno));
                Ok(())
            }
        }
    }

    async fn recv(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, i32> {
        match self.inbox.pop_front() {
            Some(m) => Ok(Some(m)),
            None => {
                tokio::time::sleep(timeout).await;
                Ok(None)
            }
        }
    }
}

fn session(script: &[Act], queue: usize) -> (PfRouteSession<Fake>, mpsc::Receiver<Vec<u8>>) {
    let (tx, rx) = mpsc::channel(queue);
    (
        PfRouteSession::new(Fake::new(script), PID, SessionConfig::default(), tx),
        rx,
    )
}

async fn add(s: &mut PfRouteSession<Fake>) -> Result<Answer, Failure> {
    s.request(
        Op::Add,
        RTM_ADD,
        |seq| message(RTM_ADD, seq, PID, 0),
        header,
    )
    .await
}

#[tokio::test(start_paused = true)]
async fn matches_the_reply_by_type_seq_and_pid_and_passes_noise_on() {
    let (mut s, mut unrelated) = session(&[Act::Reply { noise: 3, errno: 0 }], 16);
    let answer = add(&mut s).await.expect("reply");
    assert_eq!(
        header(&answer.reply).map(|h| (h.pid, h.seq)),
        Some((PID, 1))
    );
    assert_eq!(answer.attempts, 1);
    let mut forwarded = 0;
    while unrelated.try_recv().is_ok() {
        forwarded += 1;
    }
    assert_eq!(forwarded, 6, "nothing read while waiting is lost");
    assert!(!s.take_overflow());
}

#[tokio::test(start_paused = true)]
async fn retries_enobufs_with_a_fresh_seq() {
    let (mut s, _rx) = session(
        &[
            Act::FailWrite(darwin_errno::ENOBUFS),
            Act::Reply { noise: 0, errno: 0 },
        ],
        4,
    );
    let answer = add(&mut s).await.expect("second attempt succeeds");
    assert_eq!(answer.attempts, 2);
    assert_eq!(s.transport_mut().seqs, [1, 2]);
}

#[tokio::test(start_paused = true)]
async fn a_lost_reply_is_retried_after_the_attempt_timeout() {
    let (mut s, _rx) = session(&[Act::LoseReply, Act::Reply { noise: 0, errno: 0 }], 4);
    let started = Instant::now();
    let answer = add(&mut s).await.expect("retry succeeds");
    assert_eq!(answer.attempts, 2);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn the_kernels_errno_is_final_and_means_something() {
    let (mut s, _rx) = session(
        &[Act::Reply {
            noise: 1,
            errno: darwin_errno::EEXIST,
        }],
        4,
    );
    let failure = add(&mut s).await.expect_err("EEXIST");
    assert_eq!(failure.error.kind(), ErrorKind::AlreadyExists);
    assert_eq!(failure.attempts, 1);
    let (mut s, _rx) = session(&[Act::FailWrite(darwin_errno::EPERM)], 4);
    assert_eq!(
        add(&mut s).await.expect_err("EPERM").error.kind(),
        ErrorKind::PermissionDenied
    );
}

#[tokio::test(start_paused = true)]
async fn a_retry_that_meets_eexist_reports_that_it_was_retried() {
    // The first reply is lost; the retry meets the route the first attempt added.
    let (mut s, _rx) = session(
        &[
            Act::LoseReply,
            Act::Reply {
                noise: 0,
                errno: darwin_errno::EEXIST,
            },
        ],
        4,
    );
    let failure = add(&mut s).await.expect_err("EEXIST on retry");
    assert_eq!(
        (failure.error.kind(), failure.attempts),
        (ErrorKind::AlreadyExists, 2)
    );
}

#[tokio::test(start_paused = true)]
async fn gives_up_at_the_deadline_of_at_least_three_attempts() {
    let config = SessionConfig {
        deadline: Duration::from_millis(10),
        ..SessionConfig::default()
    };
    let (tx, _rx) = mpsc::channel(4);
    let mut s = PfRouteSession::new(Fake::new(&[Act::LoseReply; 10]), PID, config, tx);
    let started = Instant::now();
    let failure = add(&mut s).await.expect_err("no reply ever");
    assert_eq!(failure.error.kind(), ErrorKind::TimedOut);
    assert!(failure.attempts >= 3, "{} attempts", failure.attempts);
    assert!(started.elapsed() <= Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn a_full_watcher_queue_is_reported_as_overflow() {
    let (mut s, _rx) = session(&[Act::Reply { noise: 5, errno: 0 }], 2);
    add(&mut s).await.expect("reply");
    assert!(s.take_overflow());
    assert!(!s.take_overflow(), "reading clears it");
}
