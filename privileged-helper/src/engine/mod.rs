//! The routing engine's pure parts: exclusion registrations, the desired
//! state of each mode, and the plan that gets the table there.

pub mod exclusions;
pub mod plan;
pub mod triggers;
