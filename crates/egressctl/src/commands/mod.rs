//! The commands: each connects (or not), asks, and prints.

mod bind_test;
mod codec;
mod diagnose;
mod exclude;
mod mode;
mod routes;
mod sim;
mod status;
mod watch;

use std::path::PathBuf;

use helper_client::Client;

use crate::cli::{Cli, Command};
use crate::failure::Failure;
use crate::output::clock::Clock;

/// How egressctl introduces itself to the helper.
pub const SOFTWARE: &str = concat!("egressctl ", env!("CARGO_PKG_VERSION"));

/// What every command gets.
#[derive(Debug)]
pub struct Context {
    /// Print JSON.
    pub json: bool,
    /// The helper's socket.
    pub socket: PathBuf,
}

impl Context {
    /// Connects to the helper.
    pub async fn connect(&self) -> Result<Client, Failure> {
        Ok(Client::connect(&self.socket, SOFTWARE).await?)
    }

    /// The clock times are shown with.
    pub fn clock(&self) -> Clock {
        Clock::system()
    }
}

/// Runs a command.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    let cx = Context {
        json: cli.json,
        socket: cli.socket,
    };
    match cli.command {
        Command::Status => status::status(&cx).await,
        Command::Routes(args) => routes::routes(&cx, &args).await,
        Command::Get { dest, scoped_to } => routes::get(&cx, dest, scoped_to.as_deref()).await,
        Command::Mode { mode } => mode::mode(&cx, mode.map(Into::into)).await,
        Command::Exclude(command) => exclude::exclude(&cx, command).await,
        Command::BindTest { family, to } => bind_test::bind_test(&cx, family.into(), to).await,
        Command::Watch { topics } => {
            let topics: Vec<_> = topics.into_iter().map(Into::into).collect();
            watch::watch(&cx, &topics).await
        }
        Command::Flush { dry_run } => diagnose::flush(&cx, dry_run).await,
        Command::Diagnose { redact, out } => diagnose::diagnose(&cx, redact, out.as_deref()).await,
        Command::Decode { file, addrs } => codec::decode(&file, addrs.as_deref()),
        Command::Encode { file, raw } => codec::encode(&file, raw),
        Command::Sim(command) => sim::sim(&cx, command).await,
    }
}
