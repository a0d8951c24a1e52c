//! Sim golden scenarios (being written).
