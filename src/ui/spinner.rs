//! A spinner with the time left on stderr while awsso waits for the user (a browser login), drawn only when stderr
//! is a terminal.

use std::time::{Duration, Instant};

pub(super) struct Spinner(indicatif::ProgressBar);

impl Spinner {
    pub(super) fn start(what: &str, deadline: Instant) -> Self {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        let ticker = bar.clone();
        let what = what.to_owned();
        std::thread::spawn(move || {
            while !ticker.is_finished() {
                let left = deadline.saturating_duration_since(Instant::now()).as_secs();
                ticker.set_message(format!(
                    "{what} ({}m{:02}s left, Ctrl-C to cancel)",
                    left / 60,
                    left % 60
                ));
                std::thread::sleep(Duration::from_millis(500));
            }
        });
        Self(bar)
    }

    pub(super) fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// Run `f` (which prints a line) with the spinner, if any, lifted off the screen.
pub(super) fn suspend(f: impl FnOnce()) {
    let slot = super::SPINNER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match slot.as_ref() {
        Some(s) => s.0.suspend(f),
        None => f(),
    }
}
