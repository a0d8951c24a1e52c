//! Running scenario steps on a kernel.

use routing_core::model::Gateway;

use super::{Action, Pos, Scenario, ScenarioError, Step};
use crate::errno::Errno;
use crate::kernel::SimKernel;

/// The pid scenario route commands are written with (configd's, say).
pub const SCENARIO_PID: i32 = 100;

/// How deep `run` may nest (the parser already refuses cycles).
const MAX_DEPTH: usize = 16;

impl Scenario {
    /// A kernel booted at the scenario's time with its setup steps run.
    ///
    /// # Errors
    /// The first step that fails, with its position.
    pub fn boot(&self) -> Result<SimKernel, ScenarioError> {
        let mut kernel = SimKernel::booted_at(self.boot_wall);
        self.run_steps(&mut kernel, &self.setup, 0)?;
        Ok(kernel)
    }

    /// Runs a named event.
    ///
    /// # Errors
    /// An unknown event (reported at line 0), or its first failing step.
    pub fn run_event(&self, kernel: &mut SimKernel, name: &str) -> Result<(), ScenarioError> {
        let event = self.event(name).ok_or_else(|| ScenarioError {
            file: self.file.clone(),
            pos: Pos::default(),
            message: format!("no event named {name}"),
        })?;
        self.run_steps(kernel, &event.steps, 0)
    }

    fn run_steps(
        &self,
        kernel: &mut SimKernel,
        steps: &[Step],
        depth: usize,
    ) -> Result<(), ScenarioError> {
        for step in steps {
            self.run_step(kernel, step, depth)?;
        }
        Ok(())
    }

    fn run_step(
        &self,
        kernel: &mut SimKernel,
        step: &Step,
        depth: usize,
    ) -> Result<(), ScenarioError> {
        let fail = |message: String| ScenarioError {
            file: self.file.clone(),
            pos: step.pos,
            message,
        };
        let index = |kernel: &SimKernel, name: &str| {
            kernel
                .index_of(name)
                .ok_or_else(|| fail(format!("no interface named {name}")))
        };
        match &step.action {
            Action::Interface(spec) => kernel
                .attach(spec)
                .map_err(|e| fail(format!("cannot attach {}: {e}", spec.name))),
            Action::AddAddress(ifname, spec) => {
                let i = index(kernel, ifname)?;
                kernel
                    .add_address(i, spec)
                    .map_err(|e| fail(format!("cannot add {} to {ifname}: {e}", spec.addr)))
            }
            Action::RemoveAddress(ifname, addr) => {
                let i = index(kernel, ifname)?;
                kernel
                    .remove_address(i, *addr)
                    .map_err(|e| fail(format!("cannot remove {addr} from {ifname}: {e}")))
            }
            Action::Link(ifname, up) => {
                let i = index(kernel, ifname)?;
                kernel
                    .set_link(i, *up)
                    .map_err(|e| fail(format!("link {ifname}: {e}")))
            }
            Action::Detach(ifname) => {
                let i = index(kernel, ifname)?;
                kernel
                    .detach(i)
                    .map_err(|e| fail(format!("detach {ifname}: {e}")))
            }
            Action::Route(cmd, expect) => {
                let seq = i32::try_from(step.pos.line).unwrap_or(i32::MAX);
                let bytes = cmd.to_message(kernel, SCENARIO_PID, seq).map_err(fail)?;
                let result = write_once(kernel, &bytes);
                match (result, expect) {
                    (Ok(()), None) => Ok(()),
                    (Err(e), Some(want)) if e == *want => Ok(()),
                    (Ok(()), Some(want)) => Err(fail(format!(
                        "expected the route command to fail with {want}, but it succeeded"
                    ))),
                    (Err(e), _) => Err(fail(format!("route command failed: {e}"))),
                }
            }
            Action::Clone(ifname, spec) => {
                let i = index(kernel, ifname)?;
                let mut spec = spec.clone();
                spec.interface = i;
                if let Gateway::Link { index, .. } = &mut spec.gateway {
                    *index = i;
                }
                kernel
                    .add_clone(&spec)
                    .map_err(|e| fail(format!("cannot clone {}: {e}", spec.destination)))
            }
            Action::Advance(ms) => {
                kernel.advance(*ms);
                Ok(())
            }
            Action::Sleep(secs) => {
                kernel.jump_wall(*secs);
                Ok(())
            }
            Action::Run(name) => {
                if depth >= MAX_DEPTH {
                    return Err(fail(format!("`run {name}` nests too deep")));
                }
                let event = self
                    .event(name)
                    .ok_or_else(|| fail(format!("no event named {name}")))?;
                self.run_steps(kernel, &event.steps, depth + 1)
            }
        }
    }
}

/// Writes one message as route(8) does: a fresh socket that reads nothing.
fn write_once(kernel: &mut SimKernel, bytes: &[u8]) -> Result<(), Errno> {
    let sock = kernel.open_socket(SCENARIO_PID, 0);
    let _ = kernel.shutdown_read(sock);
    let result = kernel.write(sock, bytes).map(|_| ());
    let _ = kernel.close(sock);
    result
}
