//! `egressctl mode [advanced|legacy]`.

use std::io::IsTerminal;

use helper_proto::Mode;
use serde_json::json;

use super::Context;
use crate::failure::Failure;
use crate::output::print_json;
use crate::output::progress::ProgressBar;
use crate::output::status::mode_lines;

/// Shows the mode, or switches to `to`.
pub async fn mode(cx: &Context, to: Option<Mode>) -> Result<(), Failure> {
    let client = cx.connect().await?;
    let status = match to {
        None => client.status().await?,
        // Progress only where someone watches it redraw.
        Some(mode) if !cx.json && std::io::stderr().is_terminal() => {
            let mut bar = ProgressBar::new(std::io::stderr(), format!("switching to {mode}"));
            let result = client
                .set_mode_with_progress(mode, |done, total| bar.update(done, total))
                .await;
            bar.finish();
            result?
        }
        Some(mode) => client.set_mode(mode).await?,
    };
    if cx.json {
        return print_json(&json!({
            "mode": status.mode,
            "mode_note": status.mode_note,
            "mode_switchable": status.mode_switchable,
        }));
    }
    let lines = mode_lines(&status);
    println!("mode: {}", lines.join("; "));
    Ok(())
}
