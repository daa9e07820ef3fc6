//! `awsso serve [PROFILE] [--port P]`: the credential endpoint of `exec --server` for processes started elsewhere
//! (a container on the host network, an IDE): prints the variables that point an SDK at it, then serves until
//! SIGINT or SIGTERM, and exits 0.

use crate::cli::ServeArgs;
use crate::cmd::{interaction, resolve_shell};
use crate::config::Files;
use crate::config::hints::unknown_profile;
use crate::endpoint::{self, Endpoint};
use crate::env::Env;
use crate::exports::endpoint_changes;
use crate::resolve;
use crate::ui;

impl ServeArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let name = self
            .profile
            .as_deref()
            .or_else(|| env.get("AWS_PROFILE"))
            .or_else(|| env.get("AWS_DEFAULT_PROFILE"))
            .unwrap_or("default");
        let files = Files::load(env)?;
        let config = files.parse()?;
        let profile = config.profile(name).ok_or_else(|| unknown_profile(&config, name))?;
        let bound = Endpoint::bind(self.port, self.verbose)?;
        let creds = resolve::credentials(env, &config, &profile, interaction(false, self.login, false))?;
        if name != "default"
            && let Some(warning) = endpoint::default_shadows(&config)
        {
            ui::warn(&warning.replace("CMD would", "a process on this machine would"));
        }
        let what = format!("profile `{name}`");
        let url = bound.url();
        let shell = resolve_shell(self.shell, env);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        // Signal handlers before the exports: whoever reads them may stop us at once, and should see exit 0.
        let stop = runtime.block_on(async { stop_signal() })?;
        ui::print_once(&shell.render(&endpoint_changes(&url, bound.token())))?;
        ui::note(&format!("serving the credentials of {what} at {url} until interrupted"));
        runtime.block_on(async {
            tokio::select! {
                result = bound.serve(creds, endpoint::profile_source(env, name), &what) => result,
                () = stop => Ok(()),
            }
        })
    }
}

/// A future that completes at the first SIGINT or SIGTERM (Ctrl-C on Windows).
#[cfg(unix)]
fn stop_signal() -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn stop_signal() -> anyhow::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
