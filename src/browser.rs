//! Opening a URL in the user's browser, and telling whether one can be reached at all (cli.md, `login`).

use std::path::Path;

use crate::env::Env;

/// Whether a browser can be reached: a set `BROWSER` always counts; otherwise not in an SSH session, a container,
/// or (on Linux) without a display.
pub(crate) fn reachable(env: &Env) -> bool {
    if env.get("BROWSER").is_some() {
        return true;
    }
    if env.get("SSH_CONNECTION").is_some() || env.get("SSH_TTY").is_some() {
        return false;
    }
    if Path::new("/.dockerenv").exists() || Path::new("/run/.containerenv").exists() {
        return false;
    }
    if cfg!(target_os = "linux") {
        return env.get("DISPLAY").is_some() || env.get("WAYLAND_DISPLAY").is_some();
    }
    true
}

/// Start the user's browser on `url`. The error says in words why it could not be started.
///
/// Only an `https://` URL (or `http://` to loopback, for a local test server) is opened, normalized, so what goes
/// on the browser's argv never starts with `-`: a URL from the server is data, never an option (issue 9).
pub(crate) fn open(env: &Env, url: &str) -> Result<(), String> {
    let url = openable(url)?;
    let mut last = String::from("no browser command");
    for mut command in commands(env, &url)? {
        let program = command.get_program().to_string_lossy().into_owned();
        command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        match command.spawn() {
            Ok(mut child) => {
                // Reap the opener when it exits, so it never lingers as a zombie while awsso waits for the login.
                std::thread::spawn(move || child.wait());
                return Ok(());
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => last = format!("`{program}` was not found"),
            Err(e) => last = format!("`{program}` could not be started ({e})"),
        }
    }
    Err(last)
}

/// `url`, normalized, if it may be handed to a browser: `https://`, or `http://` to a loopback host.
fn openable(url: &str) -> Result<String, String> {
    let parsed = url::Url::parse(url).map_err(|_| "the login URL is not a valid URL".to_owned())?;
    let ok = match parsed.scheme() {
        "https" => true,
        "http" => parsed.host().as_ref().is_some_and(loopback),
        _ => false,
    };
    if ok {
        Ok(parsed.into())
    } else {
        Err("only https:// login URLs are opened".to_owned())
    }
}

/// Whether `host` is this machine: `localhost`, 127.0.0.0/8 or `::1`.
pub(crate) fn loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// The commands to try, in order: each entry of `BROWSER` (separated by `:`, `;` on Windows, as xdg-utils and
/// Python's `webbrowser` read it) as words, with `%s` replaced by the URL or else the URL appended; without
/// `BROWSER`, the platform opener.
fn commands(env: &Env, url: &str) -> Result<Vec<std::process::Command>, String> {
    let Some(browser) = env.get("BROWSER") else {
        let command = if cfg!(target_os = "macos") {
            std::process::Command::new("open")
        } else if cfg!(windows) {
            let mut c = std::process::Command::new("cmd");
            c.args(["/C", "start", ""]);
            c
        } else {
            std::process::Command::new("xdg-open")
        };
        let mut command = command;
        command.arg(url);
        return Ok(vec![command]);
    };
    let separator = if cfg!(windows) { ';' } else { ':' };
    let mut found = Vec::new();
    for entry in browser.split(separator) {
        let mut words = entry.split_whitespace();
        let Some(program) = words.next() else { continue };
        let mut command = std::process::Command::new(program);
        let mut placed = false;
        for word in words {
            if word.contains("%s") {
                placed = true;
                command.arg(word.replace("%s", url));
            } else {
                command.arg(word);
            }
        }
        if !placed {
            command.arg(url);
        }
        found.push(command);
    }
    if found.is_empty() {
        return Err("BROWSER is blank".to_owned());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(env: &Env, url: &str) -> Vec<Vec<String>> {
        commands(env, url)
            .unwrap()
            .iter()
            .map(|c| {
                std::iter::once(c.get_program())
                    .chain(c.get_args())
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect()
            })
            .collect()
    }

    /// Issue 9, finding 3: a device-flow URL such as `--renderer-cmd-prefix=…` ran a command through chromium.
    #[test]
    fn only_https_urls_reach_the_browser_and_never_as_an_option() {
        let env = Env::from_pairs([("BROWSER", "/nonexistent/browser-that-must-not-run")]);
        for hostile in [
            "--renderer-cmd-prefix=touch /tmp/pwned",
            "-h",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "http://device.example.com/?user_code=X",
            "",
        ] {
            let err = open(&env, hostile).unwrap_err();
            assert!(err.contains("login URL"), "{hostile:?}: {err}");
        }
        assert_eq!(
            openable("https://device.sso.us-east-1.amazonaws.com/?user_code=AB-CD").unwrap(),
            "https://device.sso.us-east-1.amazonaws.com/?user_code=AB-CD"
        );
        assert!(openable("http://127.0.0.1:4000/x").is_ok());
        assert!(openable("http://localhost/x").is_ok());
    }

    /// Issue 9, finding 15: `BROWSER` as xdg-utils and Python's `webbrowser` read it, a `:` list with `%s`.
    #[test]
    fn browser_lists_and_placeholders() {
        let url = "https://x.example/a";
        let env = Env::from_pairs([("BROWSER", "firefox --new-window:chromium --app=%s --x")]);
        assert_eq!(
            argv(&env, url),
            [
                vec!["firefox", "--new-window", url],
                vec!["chromium", &format!("--app={url}"), "--x"]
            ]
        );
        assert_eq!(argv(&Env::from_pairs([("BROWSER", "lynx")]), url), [vec!["lynx", url]]);
        assert!(commands(&Env::from_pairs([("BROWSER", " : ")]), url).is_err());
    }
}
