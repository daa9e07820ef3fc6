# awsso shell integration for fish, printed by `awsso init fish`.

# `use` and `unset` print shell code; the wrapper runs it in this shell. Everything else passes straight through.
# The binary's absolute path is baked in, so aliases and PATH changes cannot redirect it.
function __AWSSO_CMD__ --description 'Switch AWS identities in this shell (awsso)'
    switch "$argv[1]"
        case use unset
            if contains -- --help $argv; or contains -- -h $argv
                __AWSSO_BIN__ $argv
                return
            end
            set -l __awsso_code (__AWSSO_BIN__ $argv[1] --shell fish $argv[2..-1] | string collect --no-trim-newlines)
            set -l __awsso_status $pipestatus[1]
            if test $__awsso_status -ne 0
                return $__awsso_status
            end
            printf '%s' $__awsso_code | source
        case '*'
            __AWSSO_BIN__ $argv
    end
end

# >>> prompt
function __awsso_return --description 'Set $status for the wrapped prompt'
    return $argv[1]
end

# Wrap the current fish_prompt unless it already is the wrapper: sourcing this file again changes nothing, and
# sourcing it after fish_prompt was redefined (say, by sourcing config.fish again) wraps the new prompt.
if not functions fish_prompt 2>/dev/null | string match -q '*__awsso_return*'
    functions -q __awsso_original_fish_prompt; and functions -e __awsso_original_fish_prompt
    if functions -q fish_prompt
        functions -c fish_prompt __awsso_original_fish_prompt
    else
        function __awsso_original_fish_prompt
            printf '> '
        end
    end
    function fish_prompt --description 'awsso identity segment, then the original prompt'
        set -l __awsso_status $status
        __AWSSO_BIN__ prompt 2>/dev/null | string collect | read -l __awsso_seg
        if test -n "$__awsso_seg"
            printf '%s ' $__awsso_seg
        end
        __awsso_return $__awsso_status
        __awsso_original_fish_prompt
    end
end
# <<< prompt

# >>> completions
__AWSSO_COMPLETIONS__
# <<< completions

# To enable, add this line to ~/.config/fish/config.fish:
#   awsso init fish | source
