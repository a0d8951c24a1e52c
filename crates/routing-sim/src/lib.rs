//! # routing-sim
//!
//! A simulated XNU routing kernel (placeholder while it is being built).
#![forbid(unsafe_code)]
