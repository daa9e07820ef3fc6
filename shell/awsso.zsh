# shellcheck shell=bash
# awsso shell integration for zsh, printed by `awsso init zsh`.

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
        __awsso_code="$(__AWSSO_BIN__ "$1" --shell zsh "${@:2}")" || return
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
# The identity segment is a command substitution inside PROMPT, so no variable ever holds awsso's output.
# `%` is doubled because zsh reads the substituted text as prompt escapes.
# It returns the status it was called with: a command substitution sets `$?` for the rest of the prompt.
__awsso_ps1() {
    local __awsso_status=$? __awsso_seg
    if __awsso_seg="$(__AWSSO_BIN__ prompt 2>/dev/null)" && [[ -n $__awsso_seg ]]; then
        print -rn -- "${__awsso_seg//\%/%%} "
    fi
    return $__awsso_status
}

# precmd: make sure PROMPT substitutes commands and holds the segment (themes rewrite it), and keep `$?`.
__awsso_precmd() {
    local __awsso_status=$?
    [[ -o prompt_subst ]] || setopt prompt_subst
    [[ $PROMPT == *'$(__awsso_ps1)'* ]] || PROMPT='$(__awsso_ps1)'"$PROMPT"
    return $__awsso_status
}

# add-zsh-hook never adds the same function twice.
autoload -Uz add-zsh-hook
add-zsh-hook precmd __awsso_precmd
# <<< prompt

# >>> dir
# Per-directory profiles (`.awsso`): compare $PWD with the directory seen at the last prompt, so a prompt in the
# same directory starts no process; on a change awsso prints what to switch. Its memory of the last switch stays in
# `__awsso_dir_state`, a shell variable that is handed to awsso alone and never exported. Keeps `$?`.
__awsso_dir_hook() {
    local __awsso_status=$?
    if [[ ${__awsso_dir_pwd-} != "$PWD" ]]; then
        typeset -g __awsso_dir_pwd=$PWD
        local __awsso_code
        if __awsso_code="$(AWSSO_DIR_STATE="${__awsso_dir_state-}" __AWSSO_BIN__ dir-hook --shell zsh --pwd "$PWD")"; then
            eval "$__awsso_code"
        fi
    fi
    return $__awsso_status
}

autoload -Uz add-zsh-hook
add-zsh-hook precmd __awsso_dir_hook
# <<< dir

# >>> completions
# compdef exists only after compinit; without it zsh has no completion system to register with.
if (( ${+functions[compdef]} )); then
__AWSSO_COMPLETIONS__
fi
# <<< completions

# To enable, add this line to ~/.zshrc (after compinit):
#   eval "$(awsso init zsh)"
