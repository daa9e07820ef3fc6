//! Surviving Ctrl-C while keys are read in raw mode: there, Ctrl-C is a byte that `console` answers by raising
//! SIGINT. With a handler in place the process survives it, the read fails with `Interrupted`, the cursor is shown
//! again, and the exit is the usual 130 (pickers and the `configure` wizard). And keeping the terminal raw between
//! two reads ([`RawMode`]), so keys typed while the screen is redrawn are neither echoed nor lost.

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

/// The terminal on stdin in raw mode (no echo, no line editing, Ctrl-C a byte) for as long as this lives.
///
/// `console` switches to raw mode only while it reads one key. Between two reads the line discipline is back: a key
/// typed during a redraw is echoed over the picker, Ctrl-U erases what was typed ahead, and Ctrl-C raises SIGINT
/// and flushes the keys typed before it. Output processing stays as it was, so `\n` still starts a new line.
pub(crate) struct RawMode {
    #[cfg(unix)]
    saved: Option<rustix::termios::Termios>,
}

impl RawMode {
    /// Raw mode if stdin is a terminal; else nothing changes.
    pub(crate) fn enter() -> Self {
        #[cfg(unix)]
        {
            use rustix::termios::{OptionalActions, tcgetattr, tcsetattr};
            let stdin = std::io::stdin();
            let saved = tcgetattr(&stdin).ok().and_then(|saved| {
                let mut raw = saved.clone();
                raw.make_raw();
                raw.output_modes = saved.output_modes;
                tcsetattr(&stdin, OptionalActions::Now, &raw).ok()?;
                Some(saved)
            });
            Self { saved }
        }
        #[cfg(not(unix))]
        Self {}
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            let _ = rustix::termios::tcsetattr(std::io::stdin(), rustix::termios::OptionalActions::Now, saved);
        }
    }
}
