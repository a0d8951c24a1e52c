//! A backend for systems Egress cannot drive yet: it compiles anywhere and
//! every call says clearly why it cannot work, instead of half-working.

use std::net::IpAddr;
use std::os::fd::OwnedFd;

use routing_core::model::{Family, Interface, Route, RouteSpec, RouteTable};
use tokio::sync::mpsc;

use crate::error::{Error, ErrorKind, Op, Result};
use crate::event::BackendEvent;
use crate::socket::SocketKind;
use crate::RouteBackend;

/// The backend of an unsupported system.
#[derive(Debug, Clone, Copy)]
pub struct UnsupportedBackend {
    os: &'static str,
}

impl UnsupportedBackend {
    /// The unsupported backend of this system.
    pub fn here() -> UnsupportedBackend {
        UnsupportedBackend {
            os: std::env::consts::OS,
        }
    }

    fn refuse(&self, op: Op) -> Error {
        Error::new(
            op,
            ErrorKind::Unsupported,
            format!(
                "Egress has no routing backend for {} yet; use the sim backend",
                self.os
            ),
        )
    }
}

impl RouteBackend for UnsupportedBackend {
    fn name(&self) -> &'static str {
        "unsupported"
    }

    async fn interfaces(&mut self) -> Result<Vec<Interface>> {
        Err(self.refuse(Op::Dump))
    }

    async fn routes(&mut self) -> Result<RouteTable> {
        Err(self.refuse(Op::Dump))
    }

    async fn add_route(&mut self, _spec: &RouteSpec) -> Result<()> {
        Err(self.refuse(Op::Add))
    }

    async fn delete_route(&mut self, _spec: &RouteSpec) -> Result<()> {
        Err(self.refuse(Op::Delete))
    }

    async fn get_route(&mut self, _dst: IpAddr, _scope: Option<u32>) -> Result<Option<Route>> {
        Err(self.refuse(Op::Get))
    }

    fn take_events(&mut self) -> Option<mpsc::Receiver<BackendEvent>> {
        None
    }

    fn bound_socket(
        &mut self,
        _family: Family,
        _kind: SocketKind,
        _ifindex: u32,
        _local_port: u16,
    ) -> Result<OwnedFd> {
        Err(self.refuse(Op::Socket))
    }

    fn is_ours(&self, _route: &Route) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_call_says_why() {
        let mut backend = UnsupportedBackend { os: "plan9" };
        let err = backend.routes().await.expect_err("unsupported");
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        assert_eq!(
            err.to_string(),
            "read the routing table: not supported here (Egress has no routing backend for plan9 yet; use the sim backend)"
        );
        assert!(backend.take_events().is_none());
        assert_eq!(
            backend
                .bound_socket(Family::V4, SocketKind::Udp, 1, 0)
                .expect_err("no")
                .kind(),
            ErrorKind::Unsupported
        );
    }
}
