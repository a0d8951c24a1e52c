//! JSON descriptions of messages for tools (being written).
