# ssoenv shell integration for PowerShell 7 (pwsh), printed by `ssoenv init pwsh`.
#
# It defines the `ssoenv` function (it applies what `ssoenv use` and
# `ssoenv logout` print to this session), a prompt hook that keeps this
# session's credentials fresh, the `ssoenv_prompt` badge, and completions. On a
# normal prompt the hook starts no process: it compares integers kept in the
# environment with .NET's clock, and the credential file's modification time
# with a marker file's.
#
# No pwsh can be installed where ssoenv is developed: this script is checked by
# a PowerShell parser (tree-sitter's grammar) and by structural tests over its
# parse tree, not run (docs/shell.md says so).
#
# Written so that the user's session cannot change what it does:
# * functions are defined in the global scope, whatever scope runs this script;
#   the only variables left in the session are $global:__ssoenv_* (the prompt
#   that was there, whether the hook ran, whether the doctor spoke);
# * every cmdlet is called by its module-qualified name, so an alias or a
#   function of the same name cannot stand in (as `\builtin` in bash);
# * the hot path uses .NET calls, never a cmdlet: the environment through
#   [Environment], files through [System.IO.File];
# * nothing fails under Set-StrictMode -Version Latest: no unset variable and no
#   missing property is ever read.
# The program's path is filled in by `ssoenv init` for @SSOENV_EXE@, always as a
# PowerShell string literal (single-quoted; `[char]` terms for what is not
# printable ASCII).

# =============================================================================
#
# Utilities.
#

# The marker: `ssoenv use` and `ssoenv hook-env` give a file of this session's
# (named by the PID we pass as __SSOENV_SHELL_PID) the credential file's
# modification time, and export its path as __SSOENV_MARKER, so comparing the
# two times sees another terminal's refresh. ssoenv picks and verifies the
# folder (a folder in /tmp may be someone else's).

# The value of the environment variable $Name when it is a plain non-negative
# integer (digits only), else -1.
function global:__ssoenv_int {
    param([string] $Name)
    $value = [System.Environment]::GetEnvironmentVariable($Name)
    $number = [long] 0
    if ($value -and [long]::TryParse($value, [System.Globalization.NumberStyles]::None,
            [System.Globalization.CultureInfo]::InvariantCulture, [ref] $number)) {
        return $number
    }
    return [long] -1
}

# Run the ssoenv program with $Words; what it prints on stdout is returned, as
# lines, and $LASTEXITCODE is its exit status (stderr goes to the terminal).
# With -Shell, the session's PID goes along (__SSOENV_SHELL_PID), so that
# ssoenv stamps this session's marker. This is the only place that starts a
# process.
function global:__ssoenv_call {
    param([string[]] $Words, [switch] $Shell)
    # pwsh 7.3 can make a non-zero exit an error that stops the caller: the
    # callers read $LASTEXITCODE instead.
    $PSNativeCommandUseErrorActionPreference = $false
    $program = @SSOENV_EXE@
    if (-not [System.IO.Path]::IsPathRooted($program)) {
        # A bare name (the packagers' file): the program on PATH, never this
        # script's function of the same name.
        $program = Microsoft.PowerShell.Core\Get-Command -Name $program -CommandType Application -TotalCount 1 -ErrorAction Stop
    }
    if ($Shell) {
        $Env:__SSOENV_SHELL_PID = [string] $PID
    }
    try {
        & $program @Words
    } finally {
        $Env:__SSOENV_SHELL_PID = $null
    }
}

# Apply shell code printed by ssoenv (`--shell powershell`): only assignments
# of single-quoted strings to $Env: variables, which nothing in a value can
# turn into a command. It runs as a script block made from the text, not
# through Invoke-Expression, so no command is looked up to run it; Ctrl-C is
# read as a key meanwhile, so an interrupt cannot leave half of the variables
# set.
function global:__ssoenv_apply {
    param([string] $Code)
    if (-not $Code) {
        return
    }
    $block = [scriptblock]::Create($Code)
    $ctrlc = $null
    try {
        # Fails when there is no console (a redirected or hosted session): no matter.
        $saved = [System.Console]::TreatControlCAsInput
        [System.Console]::TreatControlCAsInput = $true
        $ctrlc = $saved
    } catch {
        $ctrlc = $null
    }
    try {
        $null = $block.Invoke()
    } finally {
        if ($null -ne $ctrlc) {
            [System.Console]::TreatControlCAsInput = $ctrlc
        }
    }
}

# Succeed when the folder of the marker $Marker can be trusted: a folder, not a
# link, and, where PowerShell reports who owns a file (UnixStat, on Linux and
# macOS), owned by whoever owns the credential file $Credentials, which
# ssoenv keeps in the user's own cache. A stranger's folder could force or hide
# refreshes.
function global:__ssoenv_trusted {
    param([string] $Marker, [string] $Credentials)
    $folder = [System.IO.Path]::GetDirectoryName($Marker)
    if (-not $folder) {
        return $false
    }
    $info = [System.IO.DirectoryInfo]::new($folder)
    if (-not $info.Exists -or ($info.Attributes -band [System.IO.FileAttributes]::ReparsePoint)) {
        return $false
    }
    $stat = $info.PSObject.Properties['UnixStat']
    if ($null -eq $stat) {
        return $true
    }
    $theirs = [System.IO.FileInfo]::new($Credentials).PSObject.Properties['UnixStat']
    if ($null -eq $stat.Value -or $null -eq $theirs -or $null -eq $theirs.Value) {
        return $false
    }
    return $stat.Value.UserId -eq $theirs.Value.UserId
}

# =============================================================================
#
# Hook configuration.
#

# Succeed when the hook has work: the credentials are due a refresh, or their
# cache file changed or vanished (another terminal refreshed or logged out).
# .NET calls only: this runs before every prompt while a profile is active.
function global:__ssoenv_due {
    $now = [System.DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    $retry = __ssoenv_int '__SSOENV_RETRY_AT'
    if ($retry -ge 0 -and $now -lt $retry) {
        return $false # backing off after a failed refresh
    }
    $refresh = __ssoenv_int '__SSOENV_REFRESH_AT'
    if ($refresh -lt 0 -or $now -ge $refresh) {
        return $true
    }
    $credentials = [System.Environment]::GetEnvironmentVariable('__SSOENV_CRED_FILE')
    if (-not $credentials) {
        return $false
    }
    try {
        if (-not [System.IO.File]::Exists($credentials)) {
            return $true
        }
        $marker = [System.Environment]::GetEnvironmentVariable('__SSOENV_MARKER')
        if (-not $marker -or -not (__ssoenv_trusted $marker $credentials)) {
            return $false
        }
        # A missing marker reads as the year 1601: older, as with bash's -nt.
        return [System.IO.File]::GetLastWriteTimeUtc($credentials) -gt [System.IO.File]::GetLastWriteTimeUtc($marker)
    } catch {
        return $false # a path .NET refuses: nothing to compare
    }
}

# Run `ssoenv hook-env` (never logs in, short timeouts) and apply what it prints.
function global:__ssoenv_hook_env {
    $now = [System.DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    # Arm a back-off first; hook-env disarms it on success. A crash or a
    # Ctrl-C therefore cannot make every following prompt start ssoenv again.
    $Env:__SSOENV_RETRY_AT = [string] ($now + 60)
    try {
        $lines = __ssoenv_call -Shell -Words @('hook-env', '--shell', 'powershell')
        if ($LASTEXITCODE -eq 0) {
            __ssoenv_apply ($lines -join "`n")
        }
    } catch {
        return # the program is gone: the back-off stands
    }
    if (-not [System.Environment]::GetEnvironmentVariable('SSOENV_PROFILE') -or
        [System.Environment]::GetEnvironmentVariable('__SSOENV_RETRY_AT')) {
        return
    }
    # Success. If a refresh is somehow still due (credentials living under a
    # minute), wait a minute rather than run on every prompt.
    $refresh = __ssoenv_int '__SSOENV_REFRESH_AT'
    if ($refresh -lt 0 -or $refresh -le $now) {
        $Env:__SSOENV_RETRY_AT = [string] ($now + 60)
    }
}

# Before each prompt: refresh or pick up credentials when due.
function global:__ssoenv_precmd {
    $global:__ssoenv_hooked = $true # the doctor's proof that some prompt runs this hook
    if ([System.Environment]::GetEnvironmentVariable('SSOENV_PROFILE') -and (__ssoenv_due)) {
        __ssoenv_hook_env
    }
}

# Put the hook in front of the prompt function there is (yours, starship's,
# oh-my-posh's...), which then runs as before, after it, and sees fresh values
# and the $? and $LASTEXITCODE of your last command. Once: loading this script
# again finds the hook in place.
function global:__ssoenv_register {
    $current = $ExecutionContext.SessionState.InvokeCommand.GetCommand('prompt', [System.Management.Automation.CommandTypes]::Function)
    if ($null -ne $current -and $current.ScriptBlock.ToString().Contains('__ssoenv_precmd')) {
        return
    }
    if ($null -eq $current) {
        # PowerShell's own default prompt.
        $global:__ssoenv_user_prompt = { 'PS ' + $ExecutionContext.SessionState.Path.CurrentLocation + '> ' }
    } else {
        $global:__ssoenv_user_prompt = $current.ScriptBlock
    }
    function global:prompt {
        $ssoenvSuccess = $global:?
        $ssoenvStatus = $ExecutionContext.SessionState.PSVariable.GetValue('global:LASTEXITCODE')
        __ssoenv_precmd
        if ($null -ne $ssoenvStatus) {
            $global:LASTEXITCODE = $ssoenvStatus
        }
        if (-not $ssoenvSuccess) {
            # $? cannot be set: an error nobody sees makes it false again.
            Microsoft.PowerShell.Utility\Write-Error -Message 'ssoenv' -ErrorAction Ignore
        }
        & $global:__ssoenv_user_prompt
    }
}

# Warn once when the hook has never run and is no longer in the prompt
# function (a prompt defined later replaced it); SSOENV_DOCTOR=0 silences this.
function global:__ssoenv_doctor {
    if ([System.Environment]::GetEnvironmentVariable('SSOENV_DOCTOR') -eq '0' -or
        $ExecutionContext.SessionState.PSVariable.GetValue('global:__ssoenv_hooked') -or
        $ExecutionContext.SessionState.PSVariable.GetValue('global:__ssoenv_doctor_done')) {
        return
    }
    $current = $ExecutionContext.SessionState.InvokeCommand.GetCommand('prompt', [System.Management.Automation.CommandTypes]::Function)
    if ($null -ne $current -and $current.ScriptBlock.ToString().Contains('__ssoenv_precmd')) {
        return
    }
    $global:__ssoenv_doctor_done = $true
    [System.Console]::Error.WriteLine('ssoenv: the prompt hook is not in the prompt function, so credentials will not refresh;')
    [System.Console]::Error.WriteLine('  put the `ssoenv init pwsh` line after your prompt (and prompt modules) in $PROFILE (SSOENV_DOCTOR=0 hides this)')
}

# =============================================================================
#
# Commands for the user.
#

# ssoenv: `use` and `logout` change this session (their output is applied);
# any other subcommand, or --shell/--help, runs the program as is.
# $LASTEXITCODE is ssoenv's exit status. PowerShell keeps a bare `--` for
# itself: `ssoenv exec dev cmd` needs none, or write it `'--'`.
function global:ssoenv {
    $words = [string[]] $args
    # The subcommand is the first word that is not an option (ssoenv's own
    # options take no value).
    $i = 0
    while ($i -lt $words.Count -and $words[$i] -like '-*') {
        $i += 1
    }
    $plain = $i -ge $words.Count -or ($words[$i] -cne 'use' -and $words[$i] -cne 'logout')
    foreach ($word in $words) {
        if ($word -ceq '--') {
            break
        }
        if ($word -cmatch '^(--shell(=.*)?|-s.*|--help|-h)$') {
            $plain = $true
        }
    }
    if ($plain) {
        __ssoenv_call -Words $words
        return
    }
    $rest = @()
    if ($i + 1 -lt $words.Count) {
        $rest = @($words[($i + 1)..($words.Count - 1)])
    }
    $lines = __ssoenv_call -Shell -Words (@($words[0..$i]) + @('--shell', 'powershell') + $rest)
    # 9 is "partly done": a logout that ended this machine's session but not
    # every item; its code still clears the session.
    if ($LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne 9) {
        return
    }
    __ssoenv_apply ($lines -join "`n")
    __ssoenv_doctor
}

# ssoenv_prompt: the badge for a prompt: "dev 42m", "dev 1h05m", "dev 42m!"
# (keys still valid, a login is needed), "dev 42m~" (the last refresh failed
# for a reason that may pass; it retries), "dev expired", or nothing.
function global:ssoenv_prompt {
    $name = [System.Environment]::GetEnvironmentVariable('SSOENV_PROFILE')
    if (-not $name) {
        return
    }
    # A profile name comes from a config file: no control character of it may
    # reach the terminal (ESC sequences retitle or repaint it).
    $badge = [regex]::Replace($name, '[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]', '?')
    $expires = __ssoenv_int 'SSOENV_EXPIRES'
    if ($expires -ge 0) {
        $now = [System.DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
        if ($expires -le $now) {
            $badge += ' expired'
        } else {
            $left = [long] [System.Math]::Floor(($expires - $now) / 60)
            if ($left -ge 60) {
                $badge = '{0} {1}h{2:d2}m' -f $badge, [long] [System.Math]::Floor($left / 60), ($left % 60)
            } else {
                $badge = '{0} {1}m' -f $badge, $left
            }
            $session = __ssoenv_int 'SSOENV_SESSION_EXPIRES'
            if ($session -ge 0 -and $session -le $now) {
                $badge += '!'
            } elseif ([System.Environment]::GetEnvironmentVariable('SSOENV_RETRYING')) {
                $badge += '~'
            }
        }
    }
    return $badge
}

# =============================================================================
#
# Completions (completions/ssoenv.ps1).
#

@SSOENV_COMPLETIONS@

__ssoenv_register

# =============================================================================
#
# To initialize ssoenv, add this to your profile ($PROFILE), after your prompt:
#
#   Invoke-Expression (& ssoenv init pwsh | Out-String)
#
# Then `ssoenv use PROFILE`; `ssoenv_prompt` gives a badge for your prompt.
