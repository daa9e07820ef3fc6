# awsso shell integration for nushell, printed by `awsso init nu`.
#
# nu has no `eval`: `use` and `unset` print data, a JSON record {set: {NAME: value}, unset: [NAME]}, that the wrapper
# applies with `hide-env` and `load-env`, so no value is ever read as nu code (protocol.md §15.1).
# The binary's absolute path is baked in, so aliases and PATH changes cannot redirect it.

def --wrapped __awsso_bin [...args] {
    ^__AWSSO_BIN__ ...$args
}

# Apply what `use`, `unset` or the directory hook printed.
def --env __awsso_apply [data: string] {
    if ($data | str trim | is-empty) { return }
    let changes = ($data | from json)
    hide-env --ignore-errors ...$changes.unset
    load-env $changes.set
}

# >>> completions
__AWSSO_COMPLETIONS__
# <<< completions

# `use` and `unset` change this shell; everything else passes straight through. When awsso fails it has said why on
# stderr, and its non-zero status ends this command before anything is applied: at the prompt nu shows no error of
# its own and `$env.LAST_EXIT_CODE` holds awsso's status.
def --env --wrapped __AWSSO_CMD__ [...args: string@__awsso_complete] {
    let sub = ($args | get 0? | default '')
    # Words after `--` are names, not flags: `awsso use -- --help` is the profile `--help`.
    let flags = ($args | take while {|a| $a != '--' })
    if ($sub in [use unset]) and not ('--help' in $flags or '-h' in $flags) {
        let out = (__awsso_bin $sub --shell nu ...($args | skip 1))
        __awsso_apply $out
    } else if ($sub in [allow deny]) {
        __awsso_bin ...$args
        # >>> dir
        # The trust just changed: look at the directory again now (nu's PWD hook waits for the next `cd`).
        __awsso_dir_hook
        # <<< dir
    } else {
        __awsso_bin ...$args
    }
}

# >>> prompt
# `awsso use` stays quiet when this segment will show its choice (else it says it on stderr).
$env.AWSSO_SEGMENT = '1'
# The identity segment, or nothing. Never an error: a prompt must not break.
def __awsso_segment [] {
    let seg = (__awsso_bin prompt | complete | get stdout | str trim)
    if ($seg | is-empty) { '' } else { $'($seg) ' }
}

# Wrap the current PROMPT_COMMAND (a closure, a string, or nothing) unless it already is the wrapper: loading this
# again changes nothing, and a theme that replaced the prompt after init is wrapped again at the next prompt by the
# pre_prompt hook below. The original stays in the wrapper's closure, so no variable holds awsso's output.
def --env __awsso_wrap_prompt [] {
    let current = ($env.PROMPT_COMMAND? | default '')
    if ($current | describe) == 'closure' and ((view source $current) | str contains '__awsso_segment') {
        return
    }
    let original = if ($current | describe) == 'closure' { $current } else { {|| $current } }
    $env.PROMPT_COMMAND = {|| $'(__awsso_segment)(do $original)' }
}

__awsso_wrap_prompt
$env.config.hooks.pre_prompt = (
    $env.config.hooks.pre_prompt? | default [] | where {|h| ($h | describe) !~ '^record' or not ('__awsso_hook' in $h) }
    | append { __awsso_hook: 'prompt', code: {|| __awsso_wrap_prompt } }
)
# <<< prompt

# >>> dir
# Per-directory profiles (`.awsso`): nu runs this only when PWD changed, so a prompt in the same directory starts no
# process. awsso's memory of the last switch stays in $env.__awsso_dir_state as a record, which nu never passes to a
# child process; awsso alone gets it, as AWSSO_DIR_STATE.
def --env __awsso_dir_hook [] {
    let state = if ($env.__awsso_dir_state? | is-empty) { '' } else { $env.__awsso_dir_state | to json --raw }
    let out = try {
        with-env { AWSSO_DIR_STATE: $state } { __awsso_bin dir-hook --shell nu --pwd $env.PWD }
    } catch { return }
    if ($out | str trim | is-empty) { return }
    let changes = ($out | from json)
    __awsso_apply $out
    if ($changes.state? | is-empty) {
        hide-env --ignore-errors __awsso_dir_state
    } else {
        $env.__awsso_dir_state = $changes.state
    }
}

$env.config.hooks.env_change.PWD = (
    $env.config.hooks.env_change.PWD? | default [] | where {|h| ($h | describe) !~ '^record' or not ('__awsso_hook' in $h) }
    | append { __awsso_hook: 'dir', code: {|before, after| __awsso_dir_hook } }
)
# <<< dir

# To enable, save it where nu autoloads it (nu >= 0.96):
#   mkdir ($nu.data-dir | path join "vendor/autoload")
#   awsso init nu | save -f ($nu.data-dir | path join "vendor/autoload/awsso.nu")
