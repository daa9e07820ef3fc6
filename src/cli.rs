//! The command-line surface (clap derive). No logic lives here: each subcommand's code is in `cmd/`.
#![allow(clippy::doc_markdown)] // these comments are help text for users, not rustdoc
//! `///` comments are the help users read.

use clap::{Args, Parser, Subcommand};
use clap_complete::engine::ArgValueCompleter;

use crate::complete::{complete_profiles, complete_sessions};
use crate::shell::Shell;

const ENV_HELP: &str = "\
Environment:
  AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE  where the AWS config and credentials files are
  AWS_PROFILE, AWS_DEFAULT_PROFILE              the active profile (read by `prompt`)
  AWSSO_SHELL          shell syntax for `use`/`unset` when --shell is absent (else guessed from $SHELL)
  AWSSO_PROFILE        the profile a raw-credentials `use --creds` activated (read by `prompt`)
  AWSSO_PROMPT_FORMAT  the default format for `awsso prompt`
  AWSSO_LOGIN_TIMEOUT  seconds to wait for the browser in a PKCE login (default 600)
  AWSSO_PORTAL_RATE    average requests per second to the SSO portal for `accounts`/`populate` (default 20)
  AWSSO_SEGMENT        set by the prompt segment of `init`: `use` then prints nothing on stderr when it succeeds
  AWSSO_DIR_STATE      internal: what the per-directory hook of `init` hands awsso about the last switch
  BROWSER              command that opens login URLs (the URL is its last argument)
  AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL_SSO_OIDC  where the SSO portal and OIDC APIs are
  NO_COLOR             disables colour

Set up your shell with one line (see `awsso init --help`):
  bash: eval \"$(awsso init bash)\"     zsh: eval \"$(awsso init zsh)\"
  fish: awsso init fish | source       PowerShell: Invoke-Expression (& { (awsso init powershell | Out-String) })
  nu:   awsso init nu | save -f ($nu.data-dir | path join \"vendor/autoload/awsso.nu\")

Per-directory profiles: a .awsso file (`profile = NAME`, optionally `region = R`) switches the shell to NAME in
that directory and below once trusted with `awsso allow`; leaving restores what was there.";

/// AWS IAM Identity Center (SSO) made easy in the shell.
#[derive(Debug, Parser)]
#[command(name = "awsso", version, about, after_help = ENV_HELP, max_term_width = 110)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Make PROFILE the active AWS identity in this shell (prints shell code for eval)
    #[command(name = "use")]
    Use(UseArgs),
    /// Undo `awsso use` in this shell (prints shell code for eval)
    Unset(UnsetArgs),
    /// Run a command with PROFILE's credentials in its environment
    Exec(ExecArgs),
    /// Print PROFILE's credentials as a credential_process document (for tools that cannot read SSO profiles)
    CredentialProcess(CredentialProcessArgs),
    /// Show the active AWS identity
    Whoami(WhoamiArgs),
    /// Log in to an IAM Identity Center session (browser with PKCE, or device code)
    Login(LoginArgs),
    /// Log out of SSO sessions and delete their cached tokens
    Logout(LogoutArgs),
    /// Show every SSO session and the state of its token
    Status(StatusArgs),
    /// List every configured profile
    List(ListArgs),
    /// List the accounts and roles an SSO session can reach (asks the SSO portal)
    Accounts(AccountsArgs),
    /// Write one profile per account and role an SSO session can reach into ~/.aws/config
    Populate(PopulateArgs),
    /// Print the identity segment for a shell prompt; prints nothing when no profile is active
    Prompt(PromptArgs),
    /// Print the shell integration to load from your shell's rc file
    Init(InitArgs),
    /// Print the completion script for a shell
    Completions(CompletionsArgs),
    /// Add or update an [sso-session] and a profile that uses it: a wizard on a terminal, else from flags
    Configure(Box<ConfigureArgs>),
    /// Trust the .awsso file of DIR, so entering DIR switches to its profile (with `awsso init` loaded)
    Allow(DirArgs),
    /// Stop trusting the .awsso file of DIR
    Deny(DirArgs),
    /// Run by the shell hook of `awsso init` when the directory changed: print what to switch
    #[command(hide = true)]
    DirHook(DirHookArgs),
}

#[derive(Debug, Args)]
pub(crate) struct DirArgs {
    /// The directory whose .awsso file (or the nearest one above it) to trust [default: the current directory]
    #[arg(value_name = "DIR")]
    pub(crate) dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct DirHookArgs {
    /// Shell syntax to print
    #[arg(long, value_name = "SHELL")]
    pub(crate) shell: Option<Shell>,
    /// The shell's $PWD (as typed, symlinks kept)
    #[arg(long, value_name = "DIR")]
    pub(crate) pwd: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct UseArgs {
    /// Profile to activate (a name from ~/.aws/config or ~/.aws/credentials); without it, on a terminal, pick
    /// one in a fuzzy finder
    #[arg(add = ArgValueCompleter::new(complete_profiles))]
    pub(crate) profile: Option<String>,
    /// Export raw temporary credentials (AWS_ACCESS_KEY_ID, …) instead of AWS_PROFILE
    #[arg(long)]
    pub(crate) creds: bool,
    /// Also set AWS_REGION and AWS_DEFAULT_REGION to this region (with --creds: instead of the profile's)
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// Shell syntax to print [default: $AWSSO_SHELL, else guessed from $SHELL, else bash]
    #[arg(long, value_name = "SHELL")]
    pub(crate) shell: Option<Shell>,
    /// Never log in: exit 3 if the profile's SSO session has no usable token
    #[arg(long)]
    pub(crate) no_login: bool,
    #[command(flatten)]
    pub(crate) login: LoginFlags,
}

/// How to log in when a login is needed.
#[derive(Debug, Args, Clone, Copy)]
pub(crate) struct LoginFlags {
    /// Use the device code flow instead of a browser redirect to this machine
    #[arg(long)]
    pub(crate) use_device_code: bool,
    /// Print the login URL but do not open a browser
    #[arg(long)]
    pub(crate) no_browser: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    /// Profile whose credentials CMD gets
    #[arg(add = ArgValueCompleter::new(complete_profiles))]
    pub(crate) profile: String,
    /// Set only AWS_PROFILE for CMD (no raw credentials; the SDKs resolve the profile themselves)
    #[arg(long)]
    pub(crate) profile_env: bool,
    /// Set AWS_REGION and AWS_DEFAULT_REGION for CMD to this region instead of the profile's
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    #[command(flatten)]
    pub(crate) login: LoginFlags,
    /// The command and its arguments; everything from the first word that is not an awsso option on is the
    /// command's (`exec dev aws s3 ls`, as aws-vault takes it). Put `--` before a command that starts with `-`
    #[arg(trailing_var_arg = true, required = true, value_name = "CMD")]
    pub(crate) command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub(crate) struct CredentialProcessArgs {
    /// Profile whose credentials to print
    #[arg(long, add = ArgValueCompleter::new(complete_profiles))]
    pub(crate) profile: String,
}

#[derive(Debug, Args)]
pub(crate) struct WhoamiArgs {
    /// Also ask AWS STS who these credentials belong to (GetCallerIdentity)
    #[arg(long)]
    pub(crate) verify: bool,
    /// Print JSON
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    /// Log in to the SSO session of this profile [default: the active profile's session, else `default`'s, else
    /// the only one]
    #[arg(long, value_name = "PROFILE", conflicts_with = "sso_session", add = ArgValueCompleter::new(complete_profiles))]
    pub(crate) profile: Option<String>,
    /// Log in to this [sso-session]
    #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(complete_sessions))]
    pub(crate) sso_session: Option<String>,
    /// Log in again even if the cached token is still valid
    #[arg(long)]
    pub(crate) force: bool,
    #[command(flatten)]
    pub(crate) login: LoginFlags,
}

#[derive(Debug, Args)]
pub(crate) struct LogoutArgs {
    /// Log out of this [sso-session] [default: the active profile's session]
    #[arg(long, value_name = "NAME", conflicts_with = "all", add = ArgValueCompleter::new(complete_sessions))]
    pub(crate) sso_session: Option<String>,
    /// Log out of every SSO session in the config
    #[arg(long)]
    pub(crate) all: bool,
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct UnsetArgs {
    /// Shell syntax to print [default: $AWSSO_SHELL, else guessed from $SHELL, else bash]
    #[arg(long, value_name = "SHELL")]
    pub(crate) shell: Option<Shell>,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Print a JSON array instead of a table
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct AccountsArgs {
    /// List what this [sso-session] can reach [default: the active profile's session, else the only one]
    #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(complete_sessions))]
    pub(crate) sso_session: Option<String>,
    /// Print a JSON array (one element per account and role) instead of a table
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PopulateArgs {
    /// Populate from this [sso-session] [default: the active profile's session, else the only one]
    #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(complete_sessions))]
    pub(crate) sso_session: Option<String>,
    /// Profile names: tokens {account_name} {account_id} {role_name} {session} {region}
    /// [default: "{account_name}-{role_name}"]; names are sanitised (spaces, brackets) and made unique
    #[arg(long, value_name = "T")]
    pub(crate) template: Option<String>,
    /// The `region` of new profiles [default: the session's sso_region]
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// Remove profiles awsso populated whose account or role is no longer reachable
    #[arg(long)]
    pub(crate) prune: bool,
    /// Also add a profile for an account and role that a profile you wrote yourself already reaches (skipped by
    /// default, and counted)
    #[arg(long)]
    pub(crate) include_existing: bool,
    /// Print the change as a unified diff on stdout and write nothing
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PromptArgs {
    /// Format string [default: $AWSSO_PROMPT_FORMAT, else "{profile}[ {account}/{role}][ {ttl}]"].
    /// Tokens: {profile} {account} {account_name} {role} {session} {region} {ttl} {expires}. Text in [...] is
    /// shown only when every token inside it has a value; \[ \] \{ \} \\ print the character itself.
    /// {account_name} is known once `awsso accounts` has listed the session.
    #[arg(long, short, value_name = "F")]
    pub(crate) format: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Shell to integrate with
    pub(crate) shell: Shell,
    /// Name of the wrapper function (and of the command completed)
    #[arg(long, value_name = "NAME", default_value = "awsso")]
    pub(crate) cmd: String,
    /// Leave the prompt alone (no identity segment)
    #[arg(long)]
    pub(crate) no_prompt: bool,
    /// No per-directory profiles: entering a directory with a .awsso file changes nothing
    #[arg(long)]
    pub(crate) no_dir: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// Shell to print completions for
    pub(crate) shell: Shell,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct ConfigureArgs {
    #[command(subcommand)]
    pub(crate) command: Option<ConfigureCommand>,
    #[command(flatten)]
    pub(crate) session: SessionFlags,
    /// Profile to write: [profile NAME], or [default] for `default` (asked on a terminal)
    #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(complete_profiles))]
    pub(crate) profile: Option<String>,
    /// AWS account id of the profile, 12 digits (on a terminal, picked from the accounts the session can reach)
    #[arg(long, value_name = "ID")]
    pub(crate) account_id: Option<String>,
    /// Role (permission set) of the profile in that account (on a terminal, picked with the account)
    #[arg(long, value_name = "ROLE")]
    pub(crate) role_name: Option<String>,
    /// Default region of the profile's AWS calls [default for a new profile: the SSO region]
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// AWS CLI output format: json, text, table, yaml or yaml-stream [default for a new profile: json]
    #[arg(long, value_name = "FORMAT")]
    pub(crate) output: Option<String>,
    #[command(flatten)]
    pub(crate) login: LoginFlags,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigureCommand {
    /// Add or update only an [sso-session] (no login, no profile)
    SsoSession(SessionFlags),
}

/// What an [sso-session] holds.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct SessionFlags {
    /// Name of the [sso-session] to write or update
    #[arg(long, value_name = "NAME", add = ArgValueCompleter::new(complete_sessions))]
    pub(crate) sso_session: Option<String>,
    /// Your AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start
    #[arg(long, value_name = "URL")]
    pub(crate) start_url: Option<String>,
    /// Region of your IAM Identity Center, e.g. us-east-1
    #[arg(long, value_name = "REGION")]
    pub(crate) sso_region: Option<String>,
    /// OAuth scopes to register, comma-separated [default for a new session: sso:account:access]
    #[arg(long, value_name = "SCOPES")]
    pub(crate) scopes: Option<String>,
}
