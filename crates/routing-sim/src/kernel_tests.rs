//! The kernel's clocks and the fault plan acting on real traffic.

use super::*;
use crate::faults::{Delay, FaultRule, MessageFilter};
use crate::msg::{RTM_ADD, RTM_DELETE};
use crate::testkit::{le32, mini_mac, route};

fn seqs(messages: &[Vec<u8>]) -> Vec<u32> {
    messages.iter().map(|m| le32(m, 20)).collect()
}

fn add_net(k: &mut SimKernel, sock: SocketId, third: u8, seq: i32) -> Result<usize, Errno> {
    let bytes = crate::testkit::route_bytes(
        k,
        &format!("add -net 203.0.113.{third}/32 192.0.2.1"),
        1,
        seq,
    );
    k.write(sock, &bytes)
}

#[test]
fn the_wall_clock_moves_with_advance_and_jumps_but_the_monotonic_one_only_with_advance() {
    let mut k = SimKernel::booted_at(1_000);
    k.advance(2_500);
    assert_eq!((k.now_ms(), k.wall_now()), (2_500, 1_002));
    k.jump_wall(3_600);
    assert_eq!((k.now_ms(), k.wall_now()), (2_500, 4_602));
}

#[test]
fn write_no_buffers_fails_without_any_message_or_change() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    k.faults_mut().add(
        FaultRule::new(Fault::WriteNoBuffers)
            .next(1)
            .only_type(RTM_ADD),
    );
    assert_eq!(
        route(&mut k, s, "add default 192.0.2.1"),
        Err(Errno::ENOBUFS)
    );
    assert_eq!(k.pending(s), 0);
    assert!(k
        .table()
        .lookup("203.0.113.1".parse().unwrap(), None)
        .is_none());
    assert!(
        route(&mut k, s, "add default 192.0.2.1").is_ok(),
        "only the next one"
    );
}

#[test]
fn write_fails_still_broadcasts_the_echo_with_the_errno() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    let other = k.open_socket(2, 0);
    k.faults_mut()
        .add(FaultRule::new(Fault::WriteFails(Errno::ENOBUFS)).next(1));
    assert_eq!(
        route(&mut k, s, "add default 192.0.2.1"),
        Err(Errno::ENOBUFS)
    );
    let echo = k.read(other).unwrap();
    assert_eq!(le32(&echo, 24), 55);
    assert_eq!(le32(&echo, 8) & RouteFlags::DONE.bits(), 0);
    assert_eq!(
        k.pending(s),
        1,
        "the writer reads it later, as mullvad expects"
    );
    assert!(k
        .table()
        .lookup("203.0.113.1".parse().unwrap(), None)
        .is_none());
}

#[test]
fn a_dropped_message_reaches_nobody() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    k.faults_mut().add(
        FaultRule::new(Fault::DropMessage)
            .nth(2)
            .only(MessageFilter::Echoes),
    );
    let before = k.table().len();
    for i in 1..=3 {
        add_net(&mut k, s, i, i32::from(i)).unwrap();
    }
    assert_eq!(seqs(&k.drain(s)), [1, 3]);
    assert_eq!(k.table().len(), before + 3, "the change itself happened");
}

#[test]
fn a_reordered_message_arrives_after_the_next_one() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    k.faults_mut()
        .add(FaultRule::new(Fault::ReorderMessage).nth(1));
    for i in 1..=3 {
        add_net(&mut k, s, i, i32::from(i)).unwrap();
    }
    assert_eq!(seqs(&k.drain(s)), [2, 1, 3]);
}

#[test]
fn a_delayed_reply_arrives_when_the_clock_gets_there() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    k.faults_mut()
        .add(FaultRule::new(Fault::DelayMessage(Delay::Millis(1500))).next(1));
    add_net(&mut k, s, 1, 1).unwrap();
    assert_eq!(k.pending(s), 0);
    k.advance(1_000);
    assert_eq!(k.pending(s), 0, "past a one-second deadline");
    k.advance(500);
    assert_eq!(seqs(&k.drain(s)), [1]);
}

#[test]
fn a_message_delayed_by_reads_arrives_after_that_many_reads() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    k.faults_mut().add(
        FaultRule::new(Fault::DelayMessage(Delay::Reads(2)))
            .next(1)
            .only_type(RTM_DELETE),
    );
    add_net(&mut k, s, 1, 1).unwrap();
    route(&mut k, s, "delete -net 203.0.113.1/32").unwrap();
    assert_eq!(k.read(s).map(|m| m[3]), Some(RTM_ADD));
    assert_eq!(k.read(s), None);
    assert_eq!(k.read(s).map(|m| m[3]), Some(RTM_DELETE));
}

#[test]
fn notifications_can_be_faulted_apart_from_echoes() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    k.faults_mut()
        .add(FaultRule::new(Fault::DropMessage).only(MessageFilter::Notifications));
    k.set_link(9, false).unwrap();
    assert_eq!(k.pending(s), 0);
    add_net(&mut k, s, 1, 1).unwrap();
    assert_eq!(k.pending(s), 1);
}

/// Everything a socket saw during a faulty, seeded run.
fn faulty_run(seed: u64) -> (Vec<Vec<u8>>, Vec<Result<usize, Errno>>) {
    let mut k = mini_mac();
    let mut plan = FaultPlan::new(seed);
    plan.add(FaultRule::new(Fault::WriteFails(Errno::ENOBUFS)).per_million(150_000));
    plan.add(FaultRule::new(Fault::DropMessage).per_million(150_000));
    plan.add(FaultRule::new(Fault::ReorderMessage).per_million(150_000));
    plan.add(FaultRule::new(Fault::DelayMessage(Delay::Millis(10))).per_million(150_000));
    k.set_faults(plan);
    let s = k.open_socket(1, 0);
    let mut results = Vec::new();
    let mut seen = Vec::new();
    for i in 1..=40u8 {
        results.push(add_net(&mut k, s, i, i32::from(i)));
        k.advance(5);
        seen.extend(k.drain(s));
    }
    k.advance(100);
    seen.extend(k.drain(s));
    (seen, results)
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    assert_eq!(faulty_run(11), faulty_run(11));
    assert_ne!(faulty_run(11), faulty_run(12));
}
