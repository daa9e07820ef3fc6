//! `awsso unset`: print the unsets that undo any `awsso use`.

use crate::cli::UnsetArgs;
use crate::cmd::{PROFILE_SHADOWS, print_once, resolve_shell};
use crate::env::Env;
use crate::shell::EnvChanges;

impl UnsetArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let shell = resolve_shell(self.shell, env);
        let mut unset = vec!["AWS_PROFILE"];
        unset.extend(PROFILE_SHADOWS);
        unset.extend(["AWS_REGION", "AWS_DEFAULT_REGION"]);
        print_once(&shell.render(&EnvChanges { set: Vec::new(), unset }))
    }
}
