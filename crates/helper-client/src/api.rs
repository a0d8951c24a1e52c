//! The helper's requests as typed methods.

use std::net::IpAddr;
use std::os::fd::OwnedFd;

use helper_proto::{
    BindTarget, BoundSocket, Bundle, Diagnostics, Exclusion, ExclusionPage, FlushReport,
    LookupAnswer, Mode, PerFamily, ProbeAnswer, Request, Response, RouteFilter, RoutePage,
    RouteRow, SimAction, SimEvent, SocketProtocol, Status,
};
use routing_core::model::{Family, IpPrefix};
use tokio::sync::mpsc;

use crate::connection::Client;
use crate::error::ClientError;

/// The answer to adding or removing an exclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExclusionChange {
    /// Prefixes registered now.
    pub total: usize,
    /// Whether the routing table's desired state changed (the first owner
    /// added it, or the last one removed it).
    pub changed: bool,
}

/// The answer to a sim action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimOutcome {
    /// The status after an event or a link change.
    Status(Box<Status>),
    /// The scenario's events ([`SimAction::ListEvents`]).
    Events(Vec<SimEvent>),
}

/// "The helper answered `op` with the wrong kind of reply."
fn unexpected(op: &str, response: &Response) -> ClientError {
    ClientError::Protocol(format!(
        "the helper answered {op} with a {} reply",
        response_kind(response)
    ))
}

/// A response's kind as spelled on the wire.
pub fn response_kind(response: &Response) -> &'static str {
    match response {
        Response::Status { .. } => "status",
        Response::Routes { .. } => "routes",
        Response::Lookup { .. } => "lookup",
        Response::ExclusionsChanged { .. } => "exclusions_changed",
        Response::Exclusions { .. } => "exclusions",
        Response::BoundSocket { .. } => "bound_socket",
        Response::BindInfo { .. } => "bind_info",
        Response::Probe { .. } => "probe",
        Response::Flushed { .. } => "flushed",
        Response::Diagnostics { .. } => "diagnostics",
        Response::Bundle { .. } => "bundle",
        Response::Subscribed { .. } => "subscribed",
        Response::SimEvents { .. } => "sim_events",
    }
}

/// Sends a request and takes the expected variant out of the reply.
macro_rules! expect_reply {
    ($client:expr, $request:expr, $pattern:pat => $value:expr) => {{
        let request = $request;
        let op = request.op();
        match $client.call(request).await? {
            $pattern => Ok($value),
            other => Err(unexpected(op, &other)),
        }
    }};
}

/// Pages of a listing follow each other only forwards.
fn next_offset(op: &str, offset: usize, next: Option<usize>) -> Result<Option<usize>, ClientError> {
    match next {
        Some(n) if n <= offset => Err(ClientError::Protocol(format!(
            "the helper's next page of {op} starts at {n}, not after {offset}"
        ))),
        other => Ok(other),
    }
}

impl Client {
    /// Mode, egress per family, pins, history.
    ///
    /// # Errors
    /// Any [`ClientError`]; so for every method below.
    pub async fn status(&self) -> Result<Status, ClientError> {
        expect_reply!(self, Request::Status, Response::Status { status } => *status)
    }

    /// One page of the routing table.
    pub async fn routes(&self, filter: &RouteFilter) -> Result<RoutePage, ClientError> {
        expect_reply!(self, Request::Routes { filter: filter.clone() }, Response::Routes { page } => page)
    }

    /// Every row matching `filter` (from its offset on), page by page.
    pub async fn routes_all(&self, filter: &RouteFilter) -> Result<Vec<RouteRow>, ClientError> {
        let mut filter = filter.clone();
        let mut rows = Vec::new();
        loop {
            let page = self.routes(&filter).await?;
            rows.extend(page.rows);
            match next_offset("routes", filter.offset, page.next)? {
                Some(next) => filter.offset = next,
                None => return Ok(rows),
            }
        }
    }

    /// The route, interface and gateway the kernel would use for
    /// `destination`, optionally as a socket bound to `scoped_to` would.
    pub async fn lookup(
        &self,
        destination: IpAddr,
        scoped_to: Option<&str>,
    ) -> Result<LookupAnswer, ClientError> {
        let request = Request::Lookup {
            destination,
            scoped_to: scoped_to.map(str::to_string),
        };
        expect_reply!(self, request, Response::Lookup { answer } => answer)
    }

    /// Switches the mode; returns the status after.
    pub async fn set_mode(&self, mode: Mode) -> Result<Status, ClientError> {
        let request = Request::SetMode {
            mode,
            progress: false,
        };
        expect_reply!(self, request, Response::Status { status } => *status)
    }

    /// Switches the mode, calling `on_progress(done, total)` for each
    /// progress frame (all of them before this returns).
    pub async fn set_mode_with_progress(
        &self,
        mode: Mode,
        mut on_progress: impl FnMut(usize, usize),
    ) -> Result<Status, ClientError> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let request = Request::SetMode {
            mode,
            progress: true,
        };
        let call = self.call_full(request, Some(tx));
        tokio::pin!(call);
        let result = loop {
            tokio::select! {
                biased;
                Some((done, total)) = rx.recv() => on_progress(done, total),
                result = &mut call => break result,
            }
        };
        // Progress frames precede the reply; any not yet seen are queued.
        while let Ok((done, total)) = rx.try_recv() {
            on_progress(done, total);
        }
        match result?.0 {
            Response::Status { status } => Ok(*status),
            other => Err(unexpected("set_mode", &other)),
        }
    }

    /// Registers an exclusion for this client (`label` names its user).
    pub async fn exclusion_add(
        &self,
        prefix: IpPrefix,
        label: Option<&str>,
    ) -> Result<ExclusionChange, ClientError> {
        let request = Request::ExclusionAdd {
            prefix,
            label: label.map(str::to_string),
        };
        expect_reply!(self, request, Response::ExclusionsChanged { total, changed } => ExclusionChange { total, changed })
    }

    /// Removes this client's registration of `prefix` under `label`.
    pub async fn exclusion_remove(
        &self,
        prefix: IpPrefix,
        label: Option<&str>,
    ) -> Result<ExclusionChange, ClientError> {
        let request = Request::ExclusionRemove {
            prefix,
            label: label.map(str::to_string),
        };
        expect_reply!(self, request, Response::ExclusionsChanged { total, changed } => ExclusionChange { total, changed })
    }

    /// One page of the registered exclusions.
    pub async fn exclusions(
        &self,
        offset: usize,
        limit: Option<usize>,
    ) -> Result<ExclusionPage, ClientError> {
        let request = Request::Exclusions { offset, limit };
        expect_reply!(self, request, Response::Exclusions { page } => page)
    }

    /// Every registered exclusion, page by page.
    pub async fn exclusions_all(&self) -> Result<Vec<Exclusion>, ClientError> {
        let mut offset = 0;
        let mut all = Vec::new();
        loop {
            let page = self.exclusions(offset, None).await?;
            all.extend(page.exclusions);
            match next_offset("exclusions", offset, page.next)? {
                Some(next) => offset = next,
                None => return Ok(all),
            }
        }
    }

    /// A socket bound to the physical interface, and its descriptor.
    pub async fn open_bound_socket(
        &self,
        family: Family,
        protocol: SocketProtocol,
        local_port: Option<u16>,
    ) -> Result<(BoundSocket, OwnedFd), ClientError> {
        let request = Request::OpenBoundSocket {
            family,
            protocol,
            local_port,
        };
        match self.call_full(request, None).await? {
            (Response::BoundSocket { socket }, Some(fd)) => Ok((socket, fd)),
            (Response::BoundSocket { .. }, None) => Err(ClientError::Protocol(
                "a bound-socket reply came without its file descriptor".to_string(),
            )),
            (other, _) => Err(unexpected("open_bound_socket", &other)),
        }
    }

    /// The interface per family that clients binding their own sockets should use.
    pub async fn bind_info(&self) -> Result<PerFamily<Option<BindTarget>>, ClientError> {
        expect_reply!(self, Request::BindInfo, Response::BindInfo { targets } => targets)
    }

    /// Where a packet from the socket on `local_port` to `destination` would leave.
    pub async fn probe(
        &self,
        local_port: u16,
        destination: IpAddr,
    ) -> Result<ProbeAnswer, ClientError> {
        let request = Request::Probe {
            local_port,
            destination,
        };
        expect_reply!(self, request, Response::Probe { answer } => answer)
    }

    /// Removes residual routes of ours; with `dry_run`, only lists them.
    pub async fn flush(&self, dry_run: bool) -> Result<FlushReport, ClientError> {
        expect_reply!(self, Request::Flush { dry_run }, Response::Flushed { report } => report)
    }

    /// Versions, journal, recent events.
    pub async fn diagnostics(&self) -> Result<Diagnostics, ClientError> {
        expect_reply!(self, Request::Diagnostics, Response::Diagnostics { diagnostics } => *diagnostics)
    }

    /// Everything a bug report needs; `redact` replaces addresses.
    pub async fn bundle(&self, redact: bool) -> Result<Bundle, ClientError> {
        expect_reply!(self, Request::DiagnosticsBundle { redact }, Response::Bundle { bundle } => bundle)
    }

    /// Drives the simulated Mac (the sim backend only; elsewhere the
    /// helper answers [`helper_proto::ErrorCode::NotSupported`]).
    pub async fn sim(&self, action: SimAction) -> Result<SimOutcome, ClientError> {
        let request = Request::Sim { action };
        match self.call(request).await? {
            Response::Status { status } => Ok(SimOutcome::Status(status)),
            Response::SimEvents { events } => Ok(SimOutcome::Events(events)),
            other => Err(unexpected("sim", &other)),
        }
    }
}
