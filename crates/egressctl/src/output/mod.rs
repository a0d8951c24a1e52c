//! Text for people (the JSON is serde's): pure functions of what the
//! helper said, tested with the exact text.

pub mod clock;
pub mod event;
pub mod lookup;
pub mod progress;
pub mod status;
pub mod table;

use serde::Serialize;

use crate::failure::Failure;

/// Prints a value as pretty JSON.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::Local(format!("could not write JSON: {e}")))?;
    println!("{text}");
    Ok(())
}
