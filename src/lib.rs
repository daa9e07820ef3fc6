//! awsso's modules as a library, so that the benchmarks call the same code as the binary; [`run`] is the program.
//!
//! Only what `benches/` needs is `pub` (the config reader); everything else stays `pub(crate)`.

mod browser;
mod cli;
mod clock;
mod cmd;
mod complete;
pub mod config;
mod console;
mod credentials;
mod dir;
mod endpoint;
mod env;
mod error;
mod exports;
mod locks;
mod loopback;
mod paths;
mod private_fs;
mod prompt;
mod pyjson;
mod report;
mod resolve;
mod secret;
mod shell;
mod sso;
mod sts;
mod ui;

use std::process::ExitCode;

use clap::{CommandFactory as _, Parser as _};

/// The whole program: parse the command line, run the command, and map errors to exit codes.
#[must_use]
pub fn run() -> ExitCode {
    // The prompt runs before every prompt: its plain forms skip building the whole command tree (most of a run's
    // instructions), so a prompt costs what the process floor costs (cli.md principle 3).
    // The environment and the arguments, read once: before completion, which removes COMPLETE from the process.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let env = env::Env::from_process();
    if let Some(prompt) = cli::fast_prompt(&args, &env) {
        prompt.run(&env);
        return ExitCode::SUCCESS;
    }
    // Dynamic completion: the shell calls back with COMPLETE=<shell> set. Cheap when it is not set.
    complete::remember_shell(&env);
    match clap_complete::CompleteEnv::with_factory(cli::Cli::command).try_complete(args.clone(), None) {
        Ok(true) => return ExitCode::SUCCESS,
        Ok(false) => {}
        Err(e) => return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1)),
    }
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    report::set_sink(ui::render);
    report::set_asker(ui::ask_line);
    match cmd::run(cli.command, &env) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => exit_code(&err),
    }
}

fn exit_code(err: &anyhow::Error) -> ExitCode {
    // A closed pipe (`awsso list | head`) is the reader's choice, not a failure.
    if err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    }) {
        return ExitCode::SUCCESS;
    }
    if !matches!(err.downcast_ref::<error::Error>(), Some(error::Error::Exit(_))) {
        ui::error(err);
    }
    ExitCode::from(err.downcast_ref::<error::Error>().map_or(1, error::Error::exit_code))
}
