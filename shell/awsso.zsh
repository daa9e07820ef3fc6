# shellcheck shell=bash
# awsso shell integration for zsh, printed by `awsso init zsh`.

# `use` and `unset` print shell code; the wrapper runs it in this shell. Everything else passes straight through.
# The binary's absolute path is baked in, so aliases and PATH changes cannot redirect it.
__AWSSO_CMD__() {
    case "${1-}" in
    use | unset)
        case " $* " in
        *" -h "* | *" --help "*)
            __AWSSO_BIN__ "$@"
            return
            ;;
        esac
        local __awsso_code
        __awsso_code="$(__AWSSO_BIN__ "$1" --shell zsh "${@:2}")" || return
        eval "$__awsso_code"
        ;;
    *)
        __AWSSO_BIN__ "$@"
        ;;
    esac
}

# >>> prompt
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

# >>> completions
# compdef exists only after compinit; without it zsh has no completion system to register with.
if (( ${+functions[compdef]} )); then
__AWSSO_COMPLETIONS__
fi
# <<< completions

# To enable, add this line to ~/.zshrc (after compinit):
#   eval "$(awsso init zsh)"
