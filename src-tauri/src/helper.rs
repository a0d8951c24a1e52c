//! What the commands need from the helper, as a trait: the real owner of
//! the connection ([`crate::owner::Owner`]) implements it, and tests put a
//! fake behind it.

use std::net::IpAddr;

use async_trait::async_trait;
use helper_proto::{
    Exclusion, FlushReport, LookupAnswer, Mode, ProbeAnswer, RouteFilter, RouteRow, SimAction,
    SimEvent, Status,
};
use routing_core::model::Family;

use crate::connection::Connection;
use crate::error::AppError;

/// Where Verify probes: documentation addresses (RFC 5737 / RFC 3849),
/// never contacted — the helper only answers where a packet would leave.
pub fn verify_destination(family: Family) -> IpAddr {
    match family {
        Family::V4 => IpAddr::from([203, 0, 113, 1]),
        Family::V6 => IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]),
    }
}

/// A progress callback: (steps done, steps in all).
pub type Progress<'a> = &'a mut (dyn FnMut(usize, usize) + Send);

/// The helper, as the commands use it. Every method fails with the
/// connection's state while there is no connection.
#[async_trait]
pub trait Helper: Send + Sync + 'static {
    /// The connection's state.
    fn connection(&self) -> Connection;
    /// The last status seen (from a reply or an event), if connected.
    fn cached_status(&self) -> Option<Status>;
    /// Mode, egress per family, pins, history.
    async fn status(&self) -> Result<Status, AppError>;
    /// Every route matching `filter`, in dump order.
    async fn routes(&self, filter: RouteFilter) -> Result<Vec<RouteRow>, AppError>;
    /// Which route and interface traffic to `destination` would take.
    async fn lookup(
        &self,
        destination: IpAddr,
        scoped_to: Option<String>,
    ) -> Result<LookupAnswer, AppError>;
    /// Switches the mode, reporting progress; the status after.
    async fn set_mode(&self, mode: Mode, progress: Progress<'_>) -> Result<Status, AppError>;
    /// Every registered exclusion.
    async fn exclusions(&self) -> Result<Vec<Exclusion>, AppError>;
    /// Removes (or, dry run, lists) residual routes of ours.
    async fn flush(&self, dry_run: bool) -> Result<FlushReport, AppError>;
    /// Opens a UDP socket bound by the helper and asks where a packet
    /// from it to [`verify_destination`] would leave.
    async fn verify(&self, family: Family) -> Result<ProbeAnswer, AppError>;
    /// The sim scenario's events.
    async fn sim_events(&self) -> Result<Vec<SimEvent>, AppError>;
    /// Runs a sim action (an event or a link change); the status after.
    async fn sim(&self, action: SimAction) -> Result<Status, AppError>;
}
