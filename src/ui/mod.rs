//! The one place awsso talks to the user on stderr and writes its answer on stdout: messages, the rendering of
//! domain events ([`crate::report`]), the spinner, tables and the profile picker.
//!
//! stdout carries only what the caller asked for and is written once ([`print_once`]), so a failure before that
//! point leaves it empty (cli.md principles 1 and 2).

pub(crate) mod interrupt;
pub(crate) mod picker;
pub(crate) mod progress;
mod spinner;
pub(crate) mod table;

use std::io::Write as _;
use std::sync::Mutex;

use crate::report::Event;

pub(crate) use table::table;

/// Write everything a command produces for stdout in one call.
pub(crate) fn print_once(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// `awsso: TEXT` on stderr, without the secrets in hand ([`crate::secret::redact`]) and with its control
/// characters escaped ([`escape`]): a message quotes the portal, the config and the environment.
#[allow(clippy::disallowed_macros)] // the one place that prints to stderr
pub(crate) fn note(text: &str) {
    let text = crate::secret::redact(text);
    let text = escape(&text);
    spinner::suspend(|| eprintln!("awsso: {text}"));
}

/// `awsso: TEXT SECRET` on stderr: a message that must show one secret the user asked for (the console's sign-in
/// URL where no browser can take it), every other secret in `text` still redacted.
#[allow(clippy::disallowed_macros)] // the one place that prints to stderr
pub(crate) fn note_revealing(text: &str, shown: &crate::secret::Secret) {
    let text = crate::secret::redact(text);
    let text = escape(&text);
    let shown = escape(shown.expose());
    spinner::suspend(|| eprintln!("awsso: {text} {shown}"));
}

/// `text` with every control character (C0, DEL, C1) written as a Rust escape (`\r`, `\u{1b}`), so a value from
/// the portal, the config or the environment cannot move the cursor, overwrite the prompt or set the window title
/// (issue 9). Human output and the prompt pass values through this; JSON escapes them already.
pub(crate) fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `awsso: warning: TEXT` on stderr.
pub(crate) fn warn(text: &str) {
    note(&format!("warning: {text}"));
}

/// An error that ends the command: `awsso: {err:#}`, the whole chain on one line.
pub(crate) fn error(err: &anyhow::Error) {
    note(&format!("{err:#}"));
}

static SPINNER: Mutex<Option<spinner::Spinner>> = Mutex::new(None);

/// Show a domain event ([`crate::report::set_sink`] takes this).
pub(crate) fn render(event: &Event<'_>) {
    match *event {
        Event::Note(text) => note(text),
        Event::Warn(text) => warn(text),
        Event::Visit { what, url, code } => {
            note(&format!("to log in to {what}, open {url}"));
            if let Some(code) = code {
                note(&format!("and confirm the code {code}"));
            }
        }
        Event::Waiting { what, deadline } => {
            let mut slot = SPINNER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *slot = Some(spinner::Spinner::start(what, deadline));
        }
        Event::Done => {
            let spinner = SPINNER.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
            if let Some(s) = spinner {
                s.finish();
            }
        }
    }
}

/// Ask a one-line question on the terminal (stderr), for [`crate::report::ask`]; `None` when it cannot be asked
/// or the user cancels.
pub(crate) fn ask_line(question: &str) -> Option<String> {
    let _sigint = interrupt::SigintGuard::install().ok()?;
    let answer = dialoguer::Input::<String>::new()
        .with_prompt(question)
        .report(false)
        .interact_text_on(&dialoguer::console::Term::stderr())
        .ok();
    let _ = dialoguer::console::Term::stderr().show_cursor();
    answer.map(|a| a.trim().to_owned())
}
