//! PF_ROUTE vectors: every file round-trips (being written).
