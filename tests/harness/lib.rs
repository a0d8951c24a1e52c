//! Shared helpers for the workspace tests (placeholder).

pub mod golden;
