//! `awsso unset`: print the unsets that undo any `awsso use`.

use crate::cli::UnsetArgs;
use crate::cmd::resolve_shell;
use crate::env::Env;
use crate::exports::PROFILE_SHADOWS;
use crate::shell::EnvChanges;
use crate::ui::print_once;

impl UnsetArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let shell = resolve_shell(self.shell, env);
        let mut unset = vec!["AWS_PROFILE"];
        unset.extend(PROFILE_SHADOWS);
        unset.extend(["AWS_REGION", "AWS_DEFAULT_REGION"]);
        print_once(&shell.render(&EnvChanges { set: Vec::new(), unset }))
    }
}
