//! What domain code has to tell the user, as events: domain modules (`sso`, `config`, …) emit them here and never
//! print; the user interface (`ui::render`), installed by `main`, decides how they look. Without a sink (unit tests,
//! benches) events go nowhere.

use std::sync::OnceLock;
use std::time::Instant;

/// Something the user should hear about while a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event<'a> {
    /// Progress worth a line: "logged in to …", "using the device code flow".
    Note(&'a str),
    /// Something went wrong but the command goes on.
    Warn(&'a str),
    /// The user has to open `url` to log in to `what` (and confirm `code` in the device flow).
    Visit {
        what: &'a str,
        url: &'a str,
        code: Option<&'a str>,
    },
    /// Waiting on the user until `deadline` (a spinner on a terminal).
    Waiting { what: &'a str, deadline: Instant },
    /// The wait is over.
    Done,
}

static SINK: OnceLock<fn(&Event<'_>)> = OnceLock::new();

/// Install the function that shows events; the first call wins.
pub(crate) fn set_sink(sink: fn(&Event<'_>)) {
    let _ = SINK.set(sink);
}

pub(crate) fn emit(event: &Event<'_>) {
    if let Some(sink) = SINK.get() {
        sink(event);
    }
}

pub(crate) fn note(text: &str) {
    emit(&Event::Note(text));
}

pub(crate) fn warn(text: &str) {
    emit(&Event::Warn(text));
}

static ASKER: OnceLock<fn(&str) -> Option<String>> = OnceLock::new();

/// Install the function that asks the user a one-line question (on the terminal); the first call wins.
pub(crate) fn set_asker(asker: fn(&str) -> Option<String>) {
    let _ = ASKER.set(asker);
}

/// Ask the user `question` and return the answer; `None` when nobody can answer (no asker, or cancelled).
pub(crate) fn ask(question: &str) -> Option<String> {
    ASKER.get().and_then(|asker| asker(question))
}
