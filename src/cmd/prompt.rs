//! `awsso prompt [--format F]`: the identity segment, or nothing. Never an error: a prompt must not break.

use crate::cli::PromptArgs;
use crate::env::Env;
use crate::prompt::{DEFAULT_FORMAT, fill_account_name, identity, render};

impl PromptArgs {
    pub(crate) fn run(&self, env: &Env) {
        let Some(mut id) = identity(env, time::OffsetDateTime::now_utc()) else {
            return;
        };
        let format = self
            .format
            .as_deref()
            .or_else(|| env.get("AWSSO_PROMPT_FORMAT"))
            .unwrap_or(DEFAULT_FORMAT);
        // The names file is read only when the format asks for a name: the default prompt costs nothing more.
        if format.contains("account_name") {
            fill_account_name(&mut id, env);
        }
        let mut line = render(format, &id);
        if line.is_empty() {
            return;
        }
        line.push('\n');
        // A closed pipe or a full disk is not worth a message in the middle of someone's prompt.
        let _ = crate::ui::print_once(&line);
    }
}
