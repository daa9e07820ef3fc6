//! `awsso exec PROFILE -- CMD…`: run CMD with PROFILE's credentials in its environment, never on its argv.
//!
//! On Unix awsso replaces itself with CMD (`execvp`), so CMD's exit status and signals (SIGTERM, Ctrl-C) are the
//! caller's directly and no awsso process lingers holding secrets.

use crate::cli::ExecArgs;
use crate::cmd::interaction;
use crate::config::hints::unknown_profile;
use crate::config::{Files, regions};
use crate::env::Env;
use crate::exports::{creds_changes, profile_changes};
use crate::resolve;
use crate::sso::login;

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
        let changes = if self.profile_env {
            login::ensure_for_profile(env, &config, &profile, interaction)?;
            profile_changes(profile.name(), self.region.as_deref())
        } else {
            let creds = resolve::credentials(env, &config, &profile, interaction)?;
            creds_changes(&creds, profile.name(), self.region.as_deref().or(profile.region()))
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
        run(command, program)
    }
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
