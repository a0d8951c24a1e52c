//! The scenario parser: one step per line, `#` comments, `event … end`
//! blocks. Errors carry the line and the column of the offending word.

use super::{Event, Pos, Scenario, ScenarioError, Step};
use crate::kernel::DEFAULT_BOOT_WALL;

/// A word and its column.
#[derive(Debug, Clone, Copy)]
pub(super) struct Word<'a> {
    pub(super) text: &'a str,
    pub(super) column: usize,
}

/// Splits a line into words (double quotes group), dropping `#` comments.
fn words(line: &str) -> Result<Vec<Word<'_>>, (usize, String)> {
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if c == '#' {
            break;
        }
        let column = line[..start].chars().count() + 1;
        if c == '"' {
            let body = start + 1;
            let end = line[body..]
                .find('"')
                .ok_or((column, "unterminated quote".to_string()))?;
            out.push(Word {
                text: &line[body..body + end],
                column,
            });
            while chars.next_if(|(i, _)| *i <= body + end).is_some() {}
            continue;
        }
        let mut end = line.len();
        while let Some(&(i, c)) = chars.peek() {
            if c.is_whitespace() {
                end = i;
                break;
            }
            chars.next();
        }
        out.push(Word {
            text: &line[start..end],
            column,
        });
    }
    Ok(out)
}

/// The parser's state.
pub(super) struct Parser<'a> {
    file: &'a str,
    scenario: Scenario,
    /// The event being read, if inside `event … end`.
    open_event: Option<Event>,
    /// The interface the last `interface` line of the block named.
    pub(super) last_interface: Option<String>,
}

pub(super) fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let mut p = Parser {
        file,
        scenario: Scenario {
            file: file.to_string(),
            title: String::new(),
            boot_wall: DEFAULT_BOOT_WALL,
            setup: Vec::new(),
            events: Vec::new(),
        },
        open_event: None,
        last_interface: None,
    };
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let ws = words(line).map_err(|(column, m)| p.error(line_no, column, m))?;
        if ws.is_empty() {
            continue;
        }
        p.line(line_no, &ws)?;
    }
    if let Some(event) = &p.open_event {
        return Err(p.error(event.pos.line, event.pos.column, "event has no `end`"));
    }
    p.check_runs()?;
    Ok(p.scenario)
}

impl Parser<'_> {
    pub(super) fn error(
        &self,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError {
            file: self.file.to_string(),
            pos: Pos { line, column },
            message: message.into(),
        }
    }

    fn line(&mut self, line: usize, ws: &[Word<'_>]) -> Result<(), ScenarioError> {
        let head = ws[0];
        let at = |w: &Word<'_>| Pos {
            line,
            column: w.column,
        };
        match head.text {
            "scenario" => {
                let title = ws
                    .get(1)
                    .ok_or_else(|| self.error(line, head.column, "scenario needs a title"))?;
                self.scenario.title = title.text.to_string();
                self.no_more(line, ws, 2)
            }
            "boot" => {
                let v = self.arg(line, ws, 1, "boot needs wall-clock seconds")?;
                self.scenario.boot_wall = v
                    .text
                    .parse()
                    .map_err(|_| self.error(line, v.column, "expected seconds since the epoch"))?;
                self.no_more(line, ws, 2)
            }
            "event" => {
                if self.open_event.is_some() {
                    return Err(self.error(
                        line,
                        head.column,
                        "events do not nest (missing `end`?)",
                    ));
                }
                let name = self.arg(line, ws, 1, "event needs a name")?;
                if self.scenario.event(name.text).is_some() {
                    return Err(self.error(
                        line,
                        name.column,
                        format!("event {} defined twice", name.text),
                    ));
                }
                self.open_event = Some(Event {
                    name: name.text.to_string(),
                    description: ws.get(2).map(|w| w.text.to_string()).unwrap_or_default(),
                    steps: Vec::new(),
                    pos: at(&head),
                });
                self.last_interface = None;
                self.no_more(line, ws, 3)
            }
            "end" => {
                let event = self
                    .open_event
                    .take()
                    .ok_or_else(|| self.error(line, head.column, "`end` outside an event"))?;
                self.scenario.events.push(event);
                self.last_interface = None;
                self.no_more(line, ws, 1)
            }
            _ => {
                let action = self.step(line, ws)?;
                let step = Step {
                    pos: at(&head),
                    action,
                };
                match &mut self.open_event {
                    Some(event) => event.steps.push(step),
                    None => self.scenario.setup.push(step),
                }
                Ok(())
            }
        }
    }

    pub(super) fn arg<'w>(
        &self,
        line: usize,
        ws: &[Word<'w>],
        i: usize,
        what: &str,
    ) -> Result<Word<'w>, ScenarioError> {
        ws.get(i).copied().ok_or_else(|| {
            let column = ws.last().map_or(1, |w| w.column + w.text.chars().count());
            self.error(line, column, what)
        })
    }

    pub(super) fn no_more(
        &self,
        line: usize,
        ws: &[Word<'_>],
        from: usize,
    ) -> Result<(), ScenarioError> {
        match ws.get(from) {
            Some(w) => Err(self.error(line, w.column, format!("unexpected `{}`", w.text))),
            None => Ok(()),
        }
    }

    /// Every `run` names an event, and no event runs itself, even indirectly.
    fn check_runs(&self) -> Result<(), ScenarioError> {
        let all_steps = self
            .scenario
            .setup
            .iter()
            .chain(self.scenario.events.iter().flat_map(|e| e.steps.iter()));
        for step in all_steps {
            if let super::Action::Run(name) = &step.action {
                if self.scenario.event(name).is_none() {
                    return Err(self.error(
                        step.pos.line,
                        step.pos.column,
                        format!("no event named {name}"),
                    ));
                }
            }
        }
        for event in &self.scenario.events {
            let mut stack = vec![(event.name.as_str(), 0usize)];
            while let Some((name, depth)) = stack.pop() {
                if depth > self.scenario.events.len() {
                    return Err(self.error(
                        event.pos.line,
                        event.pos.column,
                        format!("event {} runs itself", event.name),
                    ));
                }
                for step in self.scenario.event(name).map_or(&[][..], |e| &e.steps) {
                    if let super::Action::Run(next) = &step.action {
                        stack.push((next.as_str(), depth + 1));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
