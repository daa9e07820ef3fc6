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
        # Look at the directory again at the next prompt when the trust just changed.
        if ($LASTEXITCODE -eq 0 -and $args.Count -gt 0 -and ($args[0] -eq 'allow' -or $args[0] -eq 'deny')) {
            $global:__awsso_dir_pwd = $null
        }
    }
}

# >>> prompt
# `awsso use` stays quiet when this segment will show its choice (else it says it on stderr).
$Env:AWSSO_SEGMENT = '1'
# The wrapper: the segment, then the original prompt. $? and $LASTEXITCODE are handed on.
function global:__awsso_prompt {
    $succeeded = $global:?
    $exitCode = $global:LASTEXITCODE
    $segment = & __AWSSO_BIN__ prompt 2>$null
    $global:LASTEXITCODE = $exitCode
    # A silent failing command is the only way to give the original prompt a false $? back.
    if (-not $succeeded) { Write-Error '' -ErrorAction Ignore }
    $original = __awsso_original_prompt
    if ($segment) { "$segment $original" } else { $original }
}

# Wrap the current prompt function unless it already is the wrapper, so dot-sourcing this again changes nothing and
# a prompt redefined after init (a theme) is wrapped again by the lookup hook below before it is drawn.
function global:__awsso_wrap_prompt {
    if ("$function:prompt" -match '__awsso_prompt') { return $false }
    Set-Item -Path Function:\global:__awsso_original_prompt -Value $function:prompt
    Set-Item -Path Function:\global:prompt -Value { __awsso_prompt }
    return $true
}
$null = __awsso_wrap_prompt
# <<< prompt

# >>> dir
# Per-directory profiles (`.awsso`): compare the location with the one seen at the last prompt, so a prompt in the
# same directory starts no process; on a change awsso prints what to switch. Its memory of the last switch stays in
# $global:__awsso_dir_state, handed to awsso alone and never put in the environment. $LASTEXITCODE is kept.
# Declared up front so the hook reads them cleanly under Set-StrictMode.
if (-not (Test-Path Variable:global:__awsso_dir_pwd)) { $global:__awsso_dir_pwd = $null }
if (-not (Test-Path Variable:global:__awsso_dir_state)) { $global:__awsso_dir_state = $null }
function global:__awsso_dir_hook {
    $here = $ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath
    if ($global:__awsso_dir_pwd -eq $here) { return }
    $global:__awsso_dir_pwd = $here
    $exitCode = $global:LASTEXITCODE
    $saved = $Env:AWSSO_DIR_STATE
    try {
        $Env:AWSSO_DIR_STATE = $global:__awsso_dir_state
        $code = & __AWSSO_BIN__ dir-hook --shell powershell --pwd $here | Out-String
        if ($LASTEXITCODE -eq 0 -and $code) { Invoke-Expression $code }
    } finally {
        $Env:AWSSO_DIR_STATE = $saved
        $global:LASTEXITCODE = $exitCode
    }
}
# <<< dir

# Before every prompt, whatever function a theme put in `prompt`: the host looks the command `prompt` up, and the
# lookup hook runs first (an existing hook is kept and called too). PowerShell runs no lookup hook while one is
# running for the same name, so the commands called here cannot loop.
function global:__awsso_before_prompt {
    param($CommandName, $LookupArgs)
    # >>> dir
    __awsso_dir_hook
    # <<< dir
    # >>> prompt
    if (__awsso_wrap_prompt) { $LookupArgs.Command = Get-Command -Name prompt -CommandType Function }
    # <<< prompt
}
if (-not (Test-Path Variable:global:__awsso_lookup_hooked)) {
    $global:__awsso_lookup_hooked = $true
    $global:__awsso_previous_lookup = $ExecutionContext.InvokeCommand.PostCommandLookupAction
    $ExecutionContext.InvokeCommand.PostCommandLookupAction = {
        param($CommandName, $LookupArgs)
        if ($CommandName -eq 'prompt') { __awsso_before_prompt $CommandName $LookupArgs }
        if ($global:__awsso_previous_lookup) { & $global:__awsso_previous_lookup $CommandName $LookupArgs }
    }
}

# >>> completions
__AWSSO_COMPLETIONS__
# <<< completions

# To enable, add this line to your $PROFILE:
#   Invoke-Expression (& { (awsso init powershell | Out-String) })
