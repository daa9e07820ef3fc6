//! `awsso dir-hook` (hidden): run by the shell hook of `awsso init` when the shell's directory changed. Prints what
//! to switch: leaving the directory of the `.awsso` file in effect restores what it replaced (unless the user
//! chose another profile meanwhile), entering one that is trusted switches to its profile in profile mode, with
//! `use`'s login check (cli.md "Per-directory profiles", protocol.md §15.2).
//!
//! The shell compares `$PWD` itself and runs this only on a change, so a prompt in the same directory costs no
//! process. What it must remember between changes comes in as `AWSSO_DIR_STATE` and goes back out for the shell to
//! keep (`dir::State`). Problems are one line on stderr each; the switch that can still happen happens.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::cli::{DirHookArgs, LoginFlags};
use crate::cmd::{interaction, resolve_shell};
use crate::dir::{self, Applied, DirFile, State, TrustStore};
use crate::env::Env;
use crate::exports::{PROFILE_SHADOWS, WEB_IDENTITY};
use crate::shell::EnvChanges;
use crate::ui::print_once;

/// Every variable a switch may change: profile mode's (cli.md, `use`) and the region pair.
const VARS: [&str; 12] = [
    "AWS_PROFILE",
    PROFILE_SHADOWS[0],
    PROFILE_SHADOWS[1],
    PROFILE_SHADOWS[2],
    PROFILE_SHADOWS[3],
    PROFILE_SHADOWS[4],
    PROFILE_SHADOWS[5],
    WEB_IDENTITY[0],
    WEB_IDENTITY[1],
    WEB_IDENTITY[2],
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
];

impl DirHookArgs {
    pub(crate) fn run(&self, env: &Env) -> anyhow::Result<()> {
        let shell = resolve_shell(self.shell, env);
        let pwd = match &self.pwd {
            Some(p) => p.clone(),
            None => crate::dir::logical_pwd(env)?,
        };
        let mut state = State::parse(env.get("AWSSO_DIR_STATE"));
        let now: BTreeMap<&'static str, Option<String>> =
            VARS.iter().map(|&k| (k, env.get(k).map(str::to_owned))).collect();
        let mut vars = now.clone();

        let target = trusted_file(env, &pwd, &mut state);
        let unchanged = matches!((&state.applied, &target),
            (Some(a), Some(t)) if a.file == t.path && a.sha256 == t.sha256);
        if !unchanged {
            if let Some(applied) = state.applied.take() {
                leave(&applied, &mut vars);
            }
            if let Some(file) = target {
                enter(env, file, &mut vars, &mut state);
            }
        }

        let mut changes = EnvChanges::default();
        for (name, value) in &vars {
            if now[name] != *value {
                match value {
                    Some(v) => changes.set.push((name, v.clone())),
                    None => changes.unset.push(name),
                }
            }
        }
        print_once(&shell.render_hook(&changes, state.to_json().as_deref()))
    }
}

/// The nearest `.awsso` if it can apply: trusted and well-formed. An untrusted file is reported once per path and
/// content; a broken trusted one every time the directory changes (it is the user's own, to fix).
fn trusted_file(env: &Env, pwd: &std::path::Path, state: &mut State) -> Option<DirFile> {
    let path: PathBuf = dir::find(pwd)?;
    let file = match dir::load(&path) {
        Ok(file) => file,
        Err(e) => {
            crate::ui::note(&format!("cannot read {}: {e}", path.display()));
            return None;
        }
    };
    if !TrustStore::load(env).is_trusted(&file) {
        if state.notice(&file) {
            crate::ui::note(&format!(
                "{} is not trusted; review it, then run `awsso allow` to use its profile here",
                path.display()
            ));
        }
        return None;
    }
    if let Err(e) = &file.request {
        crate::ui::note(e);
        return None;
    }
    Some(file)
}

/// Put back what the switch replaced, unless the user chose another profile since (then their choice stays).
fn leave(applied: &Applied, vars: &mut BTreeMap<&'static str, Option<String>>) {
    if vars["AWS_PROFILE"].as_deref() != Some(applied.profile.as_str()) {
        return;
    }
    for (name, value) in &applied.before {
        if let Some(&k) = VARS.iter().find(|&&k| k == name) {
            vars.insert(k, value.clone());
        }
    }
}

/// Switch to the file's profile in profile mode, remembering what it replaces; on a failed login check, say why
/// and switch nothing.
fn enter(env: &Env, file: DirFile, vars: &mut BTreeMap<&'static str, Option<String>>, state: &mut State) {
    let Ok(request) = file.request else { return };
    let mut set: Vec<(&'static str, Option<String>)> = vec![("AWS_PROFILE", Some(request.profile.clone()))];
    set.extend(PROFILE_SHADOWS.iter().chain(&WEB_IDENTITY).map(|&k| (k, None)));
    if let Some(region) = &request.region {
        if let Err(e) = crate::config::regions::validate(region) {
            crate::ui::note(&format!("{}: {e:#}", file.path.display()));
            return;
        }
        set.extend(["AWS_REGION", "AWS_DEFAULT_REGION"].map(|k| (k, Some(region.clone()))));
    }
    let flags = LoginFlags {
        use_device_code: false,
        no_browser: false,
    };
    if let Err(e) = crate::sso::login::ensure_for_name(env, &request.profile, interaction(false, flags, false)) {
        crate::ui::note(&format!(
            "not switching to profile `{}` for {}: {e:#}",
            request.profile,
            file.path.display()
        ));
        return;
    }
    let mut before = BTreeMap::new();
    for (name, value) in set {
        if vars[name] != value {
            before.insert(name.to_owned(), vars[name].clone());
            vars.insert(name, value);
        }
    }
    state.applied = Some(Applied {
        file: file.path,
        sha256: file.sha256,
        profile: request.profile,
        before,
    });
}
