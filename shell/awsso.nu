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
    if ($sub in [use unset]) and not ('--help' in $args or '-h' in $args) {
        let out = (__awsso_bin $sub --shell nu ...($args | skip 1))
        __awsso_apply $out
    } else {
        __awsso_bin ...$args
    }
}

# >>> prompt
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

# To enable, save it where nu autoloads it (nu >= 0.96):
#   mkdir ($nu.data-dir | path join "vendor/autoload")
#   awsso init nu | save -f ($nu.data-dir | path join "vendor/autoload/awsso.nu")
