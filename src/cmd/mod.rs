//! One module per subcommand; this file dispatches, and holds the glue between clap's flags and the services that
//! several commands share (which shell, whether a login may start).

mod accounts;
mod allow;
mod completions;
mod configure;
mod console;
mod credential_process;
mod dir_hook;
mod exec;
mod init;
mod list;
mod login;
mod logout;
mod populate;
mod prompt;
mod serve;
mod status;
mod unset;
mod use_;
mod whoami;

use std::io::IsTerminal as _;

use crate::cli::{Command, LoginFlags};
use crate::env::Env;
use crate::shell::Shell;
use crate::sso::login::{Interaction, Options};

pub(crate) fn run(command: Command, env: &Env) -> anyhow::Result<()> {
    match command {
        Command::Use(args) => args.run(env),
        Command::Unset(args) => args.run(env),
        Command::List(args) => args.run(env),
        Command::Exec(args) => args.run(env),
        Command::Serve(args) => args.run(env),
        Command::CredentialProcess(args) => args.run(env),
        Command::Whoami(args) => args.run(env),
        Command::Accounts(args) => args.run(env),
        Command::Populate(args) => args.run(env),
        Command::Login(args) => args.run(env),
        Command::Logout(args) => args.run(env),
        Command::Status(args) => args.run(env),
        Command::Console(args) => args.run(env),
        Command::Prompt(args) => {
            args.run(env);
            Ok(())
        }
        Command::Init(args) => args.run(),
        Command::Completions(args) => args.run(),
        Command::Configure(args) => args.run(env),
        Command::Allow(args) => args.allow(env),
        Command::Deny(args) => args.deny(env),
        Command::DirHook(args) => args.run(env),
    }
}

/// `--shell`, else `AWSSO_SHELL`, else the login shell's name, else bash syntax (which zsh also reads).
pub(crate) fn resolve_shell(arg: Option<Shell>, env: &Env) -> Shell {
    arg.or_else(|| env.get("AWSSO_SHELL").and_then(Shell::from_name))
        .or_else(|| env.get("SHELL").and_then(Shell::from_name))
        .unwrap_or(Shell::Bash)
}

impl LoginFlags {
    pub(crate) fn options(self, force: bool) -> Options {
        Options {
            force,
            device_code: self.use_device_code,
            no_browser: self.no_browser,
        }
    }
}

/// Whether a command may start a login: only where someone can answer it (`stdin` too when it matters, as for
/// `credential-process`, whose stdin belongs to the SDK that runs it).
pub(crate) fn interaction(no_login: bool, flags: LoginFlags, need_stdin: bool) -> Interaction {
    let terminal = std::io::stderr().is_terminal() && (!need_stdin || std::io::stdin().is_terminal());
    if no_login || !terminal {
        Interaction::Forbidden
    } else {
        Interaction::Allowed(flags.options(false))
    }
}

/// A login with the default flow where stderr is a terminal, none elsewhere (`accounts`, `populate`).
pub(crate) fn login_if_terminal() -> Interaction {
    interaction(
        false,
        LoginFlags {
            use_device_code: false,
            no_browser: false,
        },
        false,
    )
}
