# awsso shell integration for PowerShell, printed by `awsso init powershell`.

# `use` and `unset` print shell code; the wrapper runs it in this session. Everything else passes straight through.
# The binary's absolute path is baked in, so aliases and PATH changes cannot redirect it.
function global:__AWSSO_CMD__ {
    if ($args.Count -gt 0 -and ($args[0] -eq 'use' -or $args[0] -eq 'unset') -and
        -not ($args -contains '--help' -or $args -contains '-h')) {
        $rest = if ($args.Count -gt 1) { $args[1..($args.Count - 1)] } else { @() }
        $code = & __AWSSO_BIN__ $args[0] --shell powershell @rest | Out-String
        if ($LASTEXITCODE -eq 0 -and $code) {
            Invoke-Expression $code
        }
    } else {
        & __AWSSO_BIN__ @args
    }
}

# >>> prompt
# Wrap the current prompt function unless it already is the wrapper, so dot-sourcing this again changes nothing
# and dot-sourcing it after the prompt was redefined wraps the new one. $? and $LASTEXITCODE are handed on.
if (-not ("$function:prompt" -match '__awsso_original_prompt')) {
    Set-Item -Path Function:\global:__awsso_original_prompt -Value $function:prompt
    function global:prompt {
        $succeeded = $global:?
        $exitCode = $global:LASTEXITCODE
        $segment = & __AWSSO_BIN__ prompt 2>$null
        $global:LASTEXITCODE = $exitCode
        # A silent failing command is the only way to give the original prompt a false $? back.
        if (-not $succeeded) { Write-Error '' -ErrorAction Ignore }
        $original = __awsso_original_prompt
        if ($segment) { "$segment $original" } else { $original }
    }
}
# <<< prompt

# >>> completions
__AWSSO_COMPLETIONS__
# <<< completions

# To enable, add this line to your $PROFILE:
#   Invoke-Expression (& { (awsso init powershell | Out-String) })
