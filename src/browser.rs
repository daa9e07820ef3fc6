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

/// Start the user's browser on `url`: `BROWSER` (its words, then the URL), else the platform opener. The error says
/// in words why it could not be started.
pub(crate) fn open(env: &Env, url: &str) -> Result<(), String> {
    let mut command = match env.get("BROWSER") {
        Some(browser) => {
            let mut words = browser.split_whitespace();
            let Some(program) = words.next() else {
                return Err("BROWSER is blank".to_owned());
            };
            let mut c = std::process::Command::new(program);
            c.args(words);
            c
        }
        None if cfg!(target_os = "macos") => std::process::Command::new("open"),
        None if cfg!(windows) => {
            let mut c = std::process::Command::new("cmd");
            c.args(["/C", "start", ""]);
            c
        }
        None => std::process::Command::new("xdg-open"),
    };
    let program = command.get_program().to_string_lossy().into_owned();
    command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    match command.spawn() {
        Ok(mut child) => {
            // Reap the opener when it exits, so it never lingers as a zombie while awsso waits for the login.
            std::thread::spawn(move || child.wait());
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!("`{program}` was not found")),
        Err(e) => Err(format!("`{program}` could not be started ({e})")),
    }
}
