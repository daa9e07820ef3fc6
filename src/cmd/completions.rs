//! `awsso completions SHELL`: the completion registration script (`complete`), for users who do not load `init`.

use crate::cli::CompletionsArgs;
use crate::complete::registration;
use crate::ui::print_once;

impl CompletionsArgs {
    pub(crate) fn run(&self) -> anyhow::Result<()> {
        print_once(&registration(self.shell, "awsso", "awsso")?)
    }
}
