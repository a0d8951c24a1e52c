//! A one-line progress bar, redrawn in place with `\r`.

use std::io::Write;

/// Cells in the bar.
pub const BAR_WIDTH: usize = 30;

/// `switching to legacy [#########---------------------] 120/400`: the
/// line without its leading `\r`.
pub fn progress_line(what: &str, done: usize, total: usize) -> String {
    // Nothing to do is done.
    let filled = (done.min(total) * BAR_WIDTH)
        .checked_div(total)
        .unwrap_or(BAR_WIDTH);
    format!(
        "{what} [{}{}] {done}/{total}",
        "#".repeat(filled),
        "-".repeat(BAR_WIDTH - filled)
    )
}

/// Draws progress on a terminal, each line over the last.
#[derive(Debug)]
pub struct ProgressBar<W: Write> {
    out: W,
    what: String,
    drawn: bool,
}

impl<W: Write> ProgressBar<W> {
    /// A bar describing `what` is under way, drawn on `out`.
    pub fn new(out: W, what: impl Into<String>) -> ProgressBar<W> {
        ProgressBar {
            out,
            what: what.into(),
            drawn: false,
        }
    }

    /// Redraws the line.
    pub fn update(&mut self, done: usize, total: usize) {
        let _ = write!(self.out, "\r{}", progress_line(&self.what, done, total));
        let _ = self.out.flush();
        self.drawn = true;
    }

    /// Ends the line, if one was drawn.
    pub fn finish(&mut self) {
        if self.drawn {
            let _ = writeln!(self.out);
            self.drawn = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_in_proportion() {
        assert_eq!(
            progress_line("switching to legacy", 0, 400),
            "switching to legacy [------------------------------] 0/400"
        );
        assert_eq!(
            progress_line("switching to legacy", 120, 400),
            "switching to legacy [#########---------------------] 120/400"
        );
        assert_eq!(
            progress_line("switching to advanced", 400, 400),
            "switching to advanced [##############################] 400/400"
        );
        // Nothing to do is done; more than all is all.
        assert_eq!(
            progress_line("x", 0, 0),
            format!("x [{}] 0/0", "#".repeat(30))
        );
        assert_eq!(
            progress_line("x", 9, 3),
            format!("x [{}] 9/3", "#".repeat(30))
        );
    }

    #[test]
    fn the_bar_redraws_over_itself_and_ends_its_line() {
        let mut out = Vec::new();
        let mut bar = ProgressBar::new(&mut out, "m");
        bar.update(1, 2);
        bar.update(2, 2);
        bar.finish();
        bar.finish();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            format!(
                "\rm [{}{}] 1/2\rm [{}] 2/2\n",
                "#".repeat(15),
                "-".repeat(15),
                "#".repeat(30)
            )
        );
    }
}
