//! `egressctl status`.

use serde::Serialize;

use helper_proto::{Status, Welcome};

use super::Context;
use crate::failure::Failure;
use crate::output::print_json;
use crate::output::status::render_status;

/// The JSON of `status`: the helper's welcome and its status.
#[derive(Debug, Serialize)]
struct StatusJson<'a> {
    helper: &'a Welcome,
    status: &'a Status,
}

/// Prints the status.
pub async fn status(cx: &Context) -> Result<(), Failure> {
    let client = cx.connect().await?;
    let status = client.status().await?;
    if cx.json {
        return print_json(&StatusJson {
            helper: client.welcome(),
            status: &status,
        });
    }
    print!(
        "{}",
        render_status(&status, Some(client.welcome()), &cx.clock())
    );
    Ok(())
}
