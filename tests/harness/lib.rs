//! Shared helpers for the workspace tests: golden files, PF_ROUTE vectors,
//! and a helper on the simulated Mac serving a real socket.

pub mod golden;
pub mod helper;
pub mod vectors;
