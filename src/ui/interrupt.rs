//! Surviving Ctrl-C while keys are read in raw mode: there, Ctrl-C is a byte that `console` answers by raising
//! SIGINT. With a handler in place the process survives it, the read fails with `Interrupted`, the cursor is shown
//! again, and the exit is the usual 130 (pickers and the `configure` wizard).

/// A SIGINT handler, installed for as long as this lives.
pub(crate) struct SigintGuard {
    _runtime: tokio::runtime::Runtime,
    #[cfg(unix)]
    _sigint: tokio::signal::unix::Signal,
}

impl SigintGuard {
    pub(crate) fn install() -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        #[cfg(unix)]
        let sigint = {
            let _guard = runtime.enter();
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?
        };
        Ok(Self {
            _runtime: runtime,
            #[cfg(unix)]
            _sigint: sigint,
        })
    }
}
