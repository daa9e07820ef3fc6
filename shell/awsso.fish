# awsso shell integration for fish, printed by `awsso init fish`.

# `use` and `unset` print shell code; the wrapper runs it in this shell. Everything else passes straight through.
# The binary's absolute path is baked in, so aliases and PATH changes cannot redirect it.
function __AWSSO_CMD__ --description 'Switch AWS identities in this shell (awsso)'
    switch "$argv[1]"
        case use unset
            # Help is asked for by an argument that is exactly -h or --help, before `--` (after it, a name).
            for __awsso_arg in $argv[2..-1]
                test "$__awsso_arg" = --; and break
                if contains -- $__awsso_arg -h --help
                    __AWSSO_BIN__ $argv
                    return
                end
            end
            set -l __awsso_code (__AWSSO_BIN__ $argv[1] --shell fish $argv[2..-1] | string collect --no-trim-newlines)
            set -l __awsso_status $pipestatus[1]
            if test $__awsso_status -ne 0
                return $__awsso_status
            end
            printf '%s' $__awsso_code | source
        case allow deny
            __AWSSO_BIN__ $argv; or return
            # Look at the directory again at the next prompt: the trust just changed.
            set -g __awsso_dir_pwd
        case '*'
            __AWSSO_BIN__ $argv
    end
end

# >>> prompt
# `awsso use` stays quiet when this segment will show its choice (else it says it on stderr).
set -gx AWSSO_SEGMENT 1
function __awsso_return --description 'Set $status for the wrapped prompt'
    return $argv[1]
end

# Wrap the current fish_prompt unless it already is the wrapper: sourcing this file again changes nothing, and a
# prompt redefined after init (a theme, or config.fish sourced again) is wrapped again before the next prompt, by
# the fish_prompt event handler below, as the bash and zsh hooks put their segment back.
function __awsso_wrap_prompt
    functions fish_prompt 2>/dev/null | string match -q '*__awsso_return*'; and return
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

# fish emits `fish_prompt` before it calls the function of that name, so a replaced prompt is wrapped in time.
function __awsso_prompt_event --on-event fish_prompt
    __awsso_wrap_prompt
end

__awsso_wrap_prompt
# <<< prompt

# >>> dir
# Per-directory profiles (`.awsso`): compare $PWD with the directory seen at the last prompt, so a prompt in the
# same directory starts no process; on a change awsso prints what to switch. Its memory of the last switch stays in
# `__awsso_dir_state`, a global that is handed to awsso alone and never exported. Event handlers leave `$status`.
function __awsso_dir_hook --on-event fish_prompt
    test "$__awsso_dir_pwd" = "$PWD"; and return
    set -g __awsso_dir_pwd $PWD
    set -l __awsso_code (AWSSO_DIR_STATE="$__awsso_dir_state" __AWSSO_BIN__ dir-hook --shell fish --pwd $PWD | string collect --no-trim-newlines)
    and printf '%s' $__awsso_code | source
end
# <<< dir

# >>> completions
__AWSSO_COMPLETIONS__
# <<< completions

# To enable, add this line to ~/.config/fish/config.fish:
#   awsso init fish | source
