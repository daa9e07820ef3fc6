//! awsso: AWS IAM Identity Center (SSO) made easy in the shell. The program is [`awsso::run`].

fn main() -> std::process::ExitCode {
    awsso::run()
}
