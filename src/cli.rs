//! The command-line surface (clap derive). No logic lives here: each subcommand's code is in `cmd/`.
#![allow(clippy::doc_markdown)] // these comments are help text for users, not rustdoc
//! `///` comments are the help users read.

use clap::{Args, Parser, Subcommand};
use clap_complete::engine::ArgValueCompleter;

use crate::complete::{complete_profiles, complete_services, complete_sessions};
use crate::shell::Shell;

const ENV_HELP: &str = "\
Environment:
  AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE  where the AWS config and credentials files are
  AWS_PROFILE, AWS_DEFAULT_PROFILE              the active profile (read by `prompt`)
  AWSSO_SHELL          shell syntax for `use`/`unset` when --shell is absent (else guessed from $SHELL)
  AWSSO_PROFILE        the profile a raw-credentials `use --creds` activated (read by `prompt`)
  AWSSO_PROMPT_FORMAT  the default format for `awsso prompt`
  AWSSO_LOGIN_TIMEOUT  seconds to wait for the browser in a PKCE login (1-86400, default 600)
  AWSSO_MFA_CODE       the current MFA code for a role chain with mfa_serial, where nobody can type it
  AWSSO_PORTAL_RATE    the most requests a second `accounts`/`populate` send to the SSO portal (0.1-100000;
                       unset: start at 50 and follow the portal's own pace, slowing down on 429s)
  AWSSO_SEGMENT        set by the prompt segment of `init`: `use` then prints nothing on stderr when it succeeds
  AWSSO_DIR_STATE      internal: what the per-directory hook of `init` hands awsso about the last switch
  AWSSO_SIGNIN_URL     base URL of the console federation endpoint (default https://signin.aws.amazon.com, or
                       the partition's); for the emulator and the sandbox
  BROWSER              command that opens login and console URLs (the URL is its last argument)
  AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL_STS  where the SSO portal, OIDC and STS
                       APIs are (nothing else redirects them)
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
    /// Run a command with PROFILE's credentials in its environment (or, with --server, from a local endpoint)
    Exec(ExecArgs),
    /// Serve PROFILE's credentials on a loopback endpoint for processes started elsewhere, until interrupted
    Serve(ServeArgs),
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
    /// Open the AWS console in the browser as PROFILE (default: the active identity)
    Console(ConsoleArgs),
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
    #[arg(long, conflicts_with = "server")]
    pub(crate) profile_env: bool,
    /// Give CMD a credential endpoint on 127.0.0.1 instead of keys (AWS_CONTAINER_CREDENTIALS_FULL_URI and
    /// AWS_CONTAINER_AUTHORIZATION_TOKEN): SDKs fetch fresh credentials from it for as long as CMD runs, past the
    /// role's session length. awsso stays running beside CMD, passes on signals and exits with CMD's status
    #[arg(long)]
    pub(crate) server: bool,
    /// With --server: one line on stderr per request to the endpoint (never a secret)
    #[arg(long, requires = "server")]
    pub(crate) verbose: bool,
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
#[command(after_help = "\
Prints the two variables for the current shell on stdout, then serves until interrupted (Ctrl-C, SIGTERM):
  awsso serve dev > endpoint.env     # then, in another shell: . ./endpoint.env
  docker run --network host \\
      -e AWS_CONTAINER_CREDENTIALS_FULL_URI -e AWS_CONTAINER_AUTHORIZATION_TOKEN IMAGE
A [default] profile with credentials shadows the endpoint in every SDK: awsso warns about it.")]
pub(crate) struct ServeArgs {
    /// Profile whose credentials to serve [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else `default`]
    #[arg(add = ArgValueCompleter::new(complete_profiles))]
    pub(crate) profile: Option<String>,
    /// Port on 127.0.0.1 to listen on [default: a free one]
    #[arg(long, value_name = "P", default_value_t = 0, hide_default_value = true)]
    pub(crate) port: u16,
    /// Shell syntax of the exports [default: $AWSSO_SHELL, else guessed from $SHELL, else bash]
    #[arg(long, value_name = "SHELL")]
    pub(crate) shell: Option<Shell>,
    /// One line on stderr per request (never a secret)
    #[arg(long)]
    pub(crate) verbose: bool,
    #[command(flatten)]
    pub(crate) login: LoginFlags,
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
pub(crate) struct ConsoleArgs {
    /// Profile to sign in as [default: the active identity, as `whoami` shows it; raw credentials from
    /// `use --creds` included]
    #[arg(add = ArgValueCompleter::new(complete_profiles))]
    pub(crate) profile: Option<String>,
    /// Open this service's console (s3, ec2, iam, lambda, cloudformation, cloudwatch, dynamodb, rds, ecs, eks,
    /// organizations, billing, …; completion lists them all)
    #[arg(long, short, value_name = "S", conflicts_with = "destination", add = ArgValueCompleter::new(complete_services))]
    pub(crate) service: Option<String>,
    /// Open this console URL (its host must be the console of the region's partition)
    #[arg(long, short, value_name = "URL")]
    pub(crate) destination: Option<String>,
    /// Region of the console [default: AWS_REGION, else the profile's region, else us-east-1]; its partition
    /// (aws, aws-us-gov, aws-cn) picks the sign-in and console hosts
    #[arg(long, short, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// Print the URL on stdout and open nothing. With federation the URL signs whoever opens it in, for 15
    /// minutes: it is a secret
    #[arg(long)]
    pub(crate) print: bool,
    /// How to sign in: `portal`, the access portal's shortcut link (no network call, no secret; the default for
    /// plain SSO profiles), or `federation`, a sign-in token for the credentials (the default for role chains
    /// and raw credentials)
    #[arg(long, value_name = "HOW")]
    pub(crate) via: Option<Via>,
}

/// How `console` signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Via {
    Portal,
    Federation,
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
#[allow(clippy::struct_excessive_bools)] // independent command-line switches, as clap derives them
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
    /// With --prune, remove them even when the portal lists nothing at all for the session
    #[arg(long, requires = "prune")]
    pub(crate) force: bool,
    /// Also add a profile for an account and role that a profile you wrote yourself already reaches (skipped by
    /// default, and counted)
    #[arg(long)]
    pub(crate) include_existing: bool,
    /// Print the change as a unified diff on stdout and write nothing
    #[arg(long)]
    pub(crate) dry_run: bool,
}

/// `awsso prompt`, `awsso prompt --format F` (or `-f F`, `--format=F`) without clap: the same [`PromptArgs`]
/// clap would build, for the forms a prompt hook uses; `None` for anything else, which clap then parses (and
/// checks) as usual. Not while a shell asks for completions.
pub(crate) fn fast_prompt(args: &[std::ffi::OsString], env: &crate::env::Env) -> Option<PromptArgs> {
    if env.get("COMPLETE").is_some() {
        return None;
    }
    let words: Vec<&str> = args.get(1..)?.iter().map(|a| a.to_str()).collect::<Option<_>>()?;
    let format = match words.as_slice() {
        ["prompt"] => None,
        ["prompt", "--format" | "-f", format] if !format.starts_with('-') => Some((*format).to_owned()),
        ["prompt", flag] => Some(flag.strip_prefix("--format=")?.to_owned()),
        _ => return None,
    };
    Some(PromptArgs { format })
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

#[cfg(test)]
mod fast_prompt_tests {
    use super::*;

    fn os(words: &[&str]) -> Vec<std::ffi::OsString> {
        std::iter::once("awsso")
            .chain(words.iter().copied())
            .map(Into::into)
            .collect()
    }

    /// The fast path builds exactly what clap builds, and leaves every other form to clap.
    #[test]
    fn fast_prompt_agrees_with_clap() {
        for words in [
            &["prompt"][..],
            &["prompt", "--format", "{profile}"],
            &["prompt", "-f", "[{ttl}]"],
            &["prompt", "--format={profile} {ttl}"],
        ] {
            let fast = fast_prompt(&os(words), &crate::env::Env::default()).unwrap_or_else(|| panic!("{words:?}"));
            let Command::Prompt(clap_args) = Cli::try_parse_from(os(words)).unwrap().command else {
                panic!("{words:?}");
            };
            assert_eq!(fast.format, clap_args.format, "{words:?}");
        }
        for words in [
            &["prompt", "--help"][..],
            &["prompt", "--format"],
            &["prompt", "--format", "-x"],
            &["prompt", "extra", "word"],
            &["use", "p"],
            &[],
        ] {
            assert!(
                fast_prompt(&os(words), &crate::env::Env::default()).is_none(),
                "{words:?}"
            );
        }
    }
}
