//! `awsso exec PROFILE -- CMD…`: run CMD with PROFILE's credentials in its environment, never on its argv; with
//! `--server`, with a credential endpoint (`endpoint`) that serves them fresh for as long as CMD runs.
//!
//! Without `--server`, awsso replaces itself with CMD on Unix (`execvp`), so CMD's exit status and signals (SIGTERM,
//! Ctrl-C) are the caller's directly and no awsso process lingers holding secrets.
//!
//! With `--server`, awsso must stay to serve: it runs CMD as its child and passes on SIGTERM, SIGHUP, SIGUSR1 and
//! SIGUSR2, and SIGINT and SIGQUIT too unless stdin is a terminal (there the terminal already sent them to CMD, which
//! shares awsso's process group: passing them on would deliver Ctrl-C twice, and terraform, for one, stops at once
//! on a second one). It exits with CMD's status, or dies of the signal that killed CMD, as plain `exec` does; the
//! endpoint and its refresh thread end with it.

use crate::cli::ExecArgs;
use crate::cmd::interaction;
use crate::config::hints::unknown_profile;
use crate::config::{Files, regions};
use crate::credentials::Credentials;
use crate::endpoint::{self, Endpoint};
use crate::env::Env;
use crate::exports::{creds_changes, endpoint_changes, profile_changes, set_region};
use crate::resolve;
use crate::sso::login;
use crate::ui;

impl ExecArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        if let Some(region) = &self.region {
            regions::check(region)?;
        }
        let files = Files::load(env)?;
        let config = files.parse()?;
        let profile = config
            .profile(&self.profile)
            .ok_or_else(|| unknown_profile(&config, &self.profile))?;
        let interaction = interaction(false, self.login, false);
        let region = self.region.as_deref().or(profile.region());
        let mut server = None;
        let changes = if self.profile_env {
            login::ensure_for_profile(env, &config, &profile, interaction)?;
            profile_changes(profile.name(), self.region.as_deref())
        } else if self.server {
            let bound = Endpoint::bind(0, self.verbose)?;
            let creds = resolve::credentials(env, &config, &profile, interaction)?;
            if profile.name() != "default"
                && let Some(warning) = endpoint::default_shadows(&config)
            {
                ui::warn(&warning);
            }
            let mut changes = endpoint_changes(&bound.url(), bound.token());
            set_region(&mut changes, region);
            server = Some(Server {
                endpoint: bound,
                creds,
                source: endpoint::profile_source(env, profile.name()),
                what: format!("profile `{}`", profile.name()),
            });
            changes
        } else {
            let creds = resolve::credentials(env, &config, &profile, interaction)?;
            creds_changes(&creds, profile.name(), region)
        };
        let (program, args) = self.command.split_first().expect("clap requires CMD");
        let mut command = std::process::Command::new(program);
        command.args(args);
        for name in &changes.unset {
            command.env_remove(name);
        }
        for (name, value) in &changes.set {
            command.env(name, value);
        }
        match server {
            Some(server) => beside(command, program, server),
            None => run(command, program),
        }
    }
}

/// What `--server` serves, ready before CMD starts.
struct Server {
    endpoint: Endpoint,
    creds: Credentials,
    source: endpoint::Source,
    what: String,
}

#[cfg(unix)]
fn run(mut command: std::process::Command, program: &std::ffi::OsStr) -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt as _;
    // `exec` returns only on failure.
    let err = command.exec();
    Err(not_run(program, &err))
}

#[cfg(not(unix))]
fn run(mut command: std::process::Command, program: &std::ffi::OsStr) -> anyhow::Result<()> {
    let status = command.status().map_err(|e| not_run(program, &e))?;
    Err(crate::error::Error::Exit(u8::try_from(status.code().unwrap_or(1)).unwrap_or(1)).into())
}

/// Run CMD as a child while `endpoint` serves; its status (or its fatal signal) becomes awsso's.
fn beside(command: std::process::Command, program: &std::ffi::OsStr, server: Server) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let status = runtime.block_on(supervise(command, program, server))?;
    // The endpoint stops here, before awsso exits with CMD's status.
    drop(runtime);
    if let Some(code) = status.code() {
        return match u8::try_from(code) {
            Ok(0) => Ok(()),
            Ok(code) => Err(crate::error::Error::Exit(code).into()),
            Err(_) => Err(crate::error::Error::Exit(1).into()),
        };
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        // Die of it, as CMD did (and as plain `exec` would have); the shell's fallback status if that fails.
        let _ = signal_hook::low_level::emulate_default_handler(signal);
        return Err(crate::error::Error::Exit(u8::try_from(128 + signal).unwrap_or(1)).into());
    }
    Err(crate::error::Error::Exit(1).into())
}

#[cfg(unix)]
async fn supervise(
    command: std::process::Command,
    program: &std::ffi::OsStr,
    server: Server,
) -> anyhow::Result<std::process::ExitStatus> {
    use std::io::IsTerminal as _;
    use tokio::signal::unix::{SignalKind, signal};

    // Handlers first: a signal between the spawn and their installation would otherwise kill awsso, not CMD.
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    let mut usr1 = signal(SignalKind::user_defined1())?;
    let mut usr2 = signal(SignalKind::user_defined2())?;
    let from_terminal = std::io::stdin().is_terminal();
    let mut child = tokio::process::Command::from(command)
        .spawn()
        .map_err(|e| anyhow::anyhow!("could not run `{}`: {e}", program.to_string_lossy()))?;
    let serving = server.endpoint.serve(server.creds, server.source, &server.what);
    tokio::pin!(serving);
    loop {
        let signal = tokio::select! {
            status = child.wait() => return Ok(status?),
            result = &mut serving => {
                // The endpoint failed: CMD would go on without credentials; end it and say why.
                let _ = child.kill().await;
                return Err(result.err().unwrap_or_else(|| anyhow::anyhow!("the credential endpoint stopped")));
            }
            _ = term.recv() => rustix::process::Signal::TERM,
            _ = hup.recv() => rustix::process::Signal::HUP,
            _ = usr1.recv() => rustix::process::Signal::USR1,
            _ = usr2.recv() => rustix::process::Signal::USR2,
            _ = int.recv() => {
                if from_terminal { continue; }
                rustix::process::Signal::INT
            }
            _ = quit.recv() => {
                if from_terminal { continue; }
                rustix::process::Signal::QUIT
            }
        };
        // `id` is `None` once CMD has been reaped, so a recycled pid is never signalled.
        if let Some(pid) = child
            .id()
            .and_then(|id| rustix::process::Pid::from_raw(i32::try_from(id).ok()?))
        {
            let _ = rustix::process::kill_process(pid, signal);
        }
    }
}

#[cfg(not(unix))]
async fn supervise(
    command: std::process::Command,
    program: &std::ffi::OsStr,
    server: Server,
) -> anyhow::Result<std::process::ExitStatus> {
    let mut child = tokio::process::Command::from(command)
        .spawn()
        .map_err(|e| anyhow::anyhow!("could not run `{}`: {e}", program.to_string_lossy()))?;
    tokio::select! {
        status = child.wait() => Ok(status?),
        result = server.endpoint.serve(server.creds, server.source, &server.what) => {
            let _ = child.kill().await;
            Err(result.err().unwrap_or_else(|| anyhow::anyhow!("the credential endpoint stopped")))
        }
    }
}

/// CMD could not be started: said in words, with the shell's status for it (127: not found, 126: found but not
/// runnable), so scripts that check for 127 work the same with and without awsso in front.
fn not_run(program: &std::ffi::OsStr, err: &std::io::Error) -> anyhow::Error {
    let program = program.to_string_lossy();
    let (status, what) = match err.kind() {
        std::io::ErrorKind::NotFound => (127, format!("`{program}`: command not found")),
        std::io::ErrorKind::PermissionDenied => (126, format!("`{program}`: permission denied (is it executable?)")),
        _ => (126, format!("could not run `{program}`: {err}")),
    };
    crate::ui::error(&anyhow::anyhow!(what));
    crate::error::Error::Exit(status).into()
}
