//! Shared helpers for the workspace tests (placeholder).

pub mod golden;
pub mod vectors;
