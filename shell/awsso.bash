# shellcheck shell=bash
# awsso shell integration for bash, printed by `awsso init bash`.

# `use` and `unset` print shell code; the wrapper runs it in this shell. Everything else passes straight through.
# The binary's absolute path is baked in, so aliases and PATH changes cannot redirect it.
__AWSSO_CMD__() {
    case "${1-}" in
    use | unset)
        # Help is asked for by an argument that is exactly -h or --help, before `--` (after it, a name).
        local __awsso_code __awsso_arg
        for __awsso_arg in "${@:2}"; do
            case "$__awsso_arg" in
            --) break ;;
            -h | --help)
                __AWSSO_BIN__ "$@"
                return
                ;;
            esac
        done
        __awsso_code="$(__AWSSO_BIN__ "$1" --shell bash "${@:2}")" || return
        eval "$__awsso_code"
        ;;
    allow | deny)
        __AWSSO_BIN__ "$@" || return
        # Look at the directory again at the next prompt: the trust just changed.
        __awsso_dir_pwd=
        ;;
    *)
        __AWSSO_BIN__ "$@"
        ;;
    esac
}

# >>> prompt
# `awsso use` stays quiet when this segment will show its choice (else it says it on stderr).
export AWSSO_SEGMENT=1
# The identity segment is a command substitution inside PS1, so no variable ever holds awsso's output.
# It returns the status it was called with: a command substitution sets `$?` for the rest of PS1 (`\$?`, `$?`).
__awsso_ps1() {
    local __awsso_status=$? __awsso_seg
    if __awsso_seg="$(__AWSSO_BIN__ prompt 2>/dev/null)" && [ -n "$__awsso_seg" ]; then
        printf '%s ' "$__awsso_seg"
    fi
    return "$__awsso_status"
}

# Runs from PROMPT_COMMAND: put the segment back if a theme rewrote PS1, and hand on the last command's status.
__awsso_hook() {
    local __awsso_status=$?
    # shellcheck disable=SC2016 # the literal `$(__awsso_ps1)` is the point: PS1 expands it, at every prompt
    case "$PS1" in
    *'$(__awsso_ps1)'*) ;;
    *) PS1='$(__awsso_ps1)'"$PS1" ;;
    esac
    return "$__awsso_status"
}

# Prepend once. Assigning to PROMPT_COMMAND edits its first element when it is a bash 5.1 array.
case ";${PROMPT_COMMAND[*]-};" in
*";__awsso_hook;"*) ;;
*) PROMPT_COMMAND="__awsso_hook;${PROMPT_COMMAND-}" ;;
esac
# <<< prompt

# >>> dir
# Per-directory profiles (`.awsso`): compare $PWD with the directory seen at the last prompt, so a prompt in the
# same directory starts no process; on a change awsso prints what to switch. Its memory of the last switch stays in
# `__awsso_dir_state`, a shell variable that is handed to awsso alone and never exported. Keeps `$?`.
__awsso_dir_hook() {
    local __awsso_status=$?
    if [[ ${__awsso_dir_pwd-} != "$PWD" ]]; then
        __awsso_dir_pwd=$PWD
        local __awsso_code
        if __awsso_code="$(AWSSO_DIR_STATE="${__awsso_dir_state-}" __AWSSO_BIN__ dir-hook --shell bash --pwd "$PWD")"; then
            eval "$__awsso_code"
        fi
    fi
    return "$__awsso_status"
}

case ";${PROMPT_COMMAND[*]-};" in
*";__awsso_dir_hook;"*) ;;
*) PROMPT_COMMAND="__awsso_dir_hook;${PROMPT_COMMAND-}" ;;
esac
# <<< dir

# >>> completions
__AWSSO_COMPLETIONS__
# <<< completions

# To enable, add this line to ~/.bashrc:
#   eval "$(awsso init bash)"
