//! The progress line on stderr while a portal listing comes in (accounts done, rate, time left), drawn only when
//! stderr is a terminal.

use crate::sso::accounts::Progress;

pub(crate) struct ListingBar(indicatif::ProgressBar);

impl ListingBar {
    pub(crate) fn new() -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
        // Accounts done, the current rate (accounts a second, which the portal's pace sets) and the time left.
        bar.set_style(
            indicatif::ProgressStyle::with_template("listing roles {pos}/{len} accounts, {rate}, {eta} left")
                .map_or_else(
                    |_| indicatif::ProgressStyle::default_bar(),
                    |style| {
                        style.with_key(
                            "rate",
                            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                                let _ = write!(w, "{:.0}/s", state.per_sec());
                            },
                        )
                    },
                ),
        );
        Self(bar)
    }

    pub(crate) fn update(&self, progress: Progress) {
        match progress {
            Progress::Accounts(n) => self.0.set_length(n as u64),
            Progress::RolesOf => self.0.inc(1),
        }
    }
}

impl Drop for ListingBar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
