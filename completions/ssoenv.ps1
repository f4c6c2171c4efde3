# PowerShell completion for ssoenv: subcommands, options, shell names, and the
# profile and sso-session names of $Env:AWS_CONFIG_FILE (default ~/.aws/config).
#
# `ssoenv init pwsh` includes this file; packagers can ship it for users to
# dot-source from $PROFILE (`. /usr/share/ssoenv/completions/ssoenv.ps1`). It
# never starts Python, nor any other process: a TAB reads the config file with
# .NET, in the session. Registering it again replaces it.
#
# Every name is offered quoted for PowerShell: a name that is not a plain word
# goes in single quotes (each of PowerShell's five single-quote characters
# doubled), so whatever the config says, the line runs with exactly that name.
# Names holding control characters are not offered (they cannot be shown).

Microsoft.PowerShell.Core\Register-ArgumentCompleter -Native -CommandName ssoenv -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    # One line per command: NAME ARGUMENT OPTION... ARGUMENT is profile, shell,
    # configure (its sso-session subcommand) or - (none); an option ending in =
    # takes a value. Hidden commands are left out.
    $table = @'
use profile --shell= -s= --no-login --no-browser --use-device-code --region=
login profile --sso-session= --no-browser --use-device-code --force
logout - --sso-session= --shell= -s=
init shell
configure configure --sso-session= --start-url= --sso-region= --scopes= --account-id= --role-name= --region= --output= --profile= --overwrite --no-browser
list - --json
status - --json
accounts - --sso-session= --profile= --json --no-browser
populate - --sso-session= --profile= --template= --region= --prune --dry-run --no-browser
exec profile --no-browser --region= --server
credential-process profile
console profile --url --destination= --duration= --region=
serve profile --shell= -s= --env-file= --port= --no-browser --region=
'@
    $globals = @('--debug', '--version', '--help', '-h')
    $formats = @('bash', 'zsh', 'sh', 'fish', 'powershell', 'nu', 'env', 'json')
    $shells = @('bash', 'zsh', 'fish', 'nu', 'pwsh', 'direnv')
    $outputs = @('json', 'yaml', 'yaml-stream', 'text', 'table', 'off', 'none')

    # $Text as PowerShell reads it back as one argument: bare when it is a
    # plain word, else in single quotes, each quote character doubled.
    function Format-SsoenvWord {
        param([string] $Text)
        if ($Text -cmatch '^[A-Za-z_][A-Za-z0-9_./:+=-]*\z') {
            return $Text
        }
        return "'" + [regex]::Replace($Text, '[''\u2018\u2019\u201A\u201B]', '$0$0') + "'"
    }

    # Split $Text into words as Python's shlex.split does (quotes and
    # backslashes), as botocore splits a section header; $null for an unclosed
    # quote or a final backslash (botocore then ignores the section).
    function Split-SsoenvHeader {
        param([string] $Text)
        $found = [System.Collections.Generic.List[string]]::new()
        $token = [System.Text.StringBuilder]::new()
        $quote = [char] 0
        $started = $false
        for ($k = 0; $k -lt $Text.Length; $k += 1) {
            $c = $Text[$k]
            if ($quote -eq [char] "'") {
                if ($c -eq [char] "'") { $quote = [char] 0 } else { $null = $token.Append($c) }
            } elseif ($quote -eq [char] '"') {
                if ($c -eq [char] '"') {
                    $quote = [char] 0
                } elseif ($c -eq [char] '\' -and $k + 1 -lt $Text.Length -and '"\'.IndexOf($Text[$k + 1]) -ge 0) {
                    $k += 1
                    $null = $token.Append($Text[$k])
                } else {
                    $null = $token.Append($c)
                }
            } elseif (" `t`r`n".IndexOf($c) -ge 0) {
                if ($started) { $found.Add($token.ToString()) }
                $null = $token.Clear()
                $started = $false
            } elseif ($c -eq [char] '\') {
                if ($k + 1 -ge $Text.Length) { return $null }
                $k += 1
                $null = $token.Append($Text[$k])
                $started = $true
            } else {
                if ($c -eq [char] "'" -or $c -eq [char] '"') { $quote = $c } else { $null = $token.Append($c) }
                $started = $true
            }
        }
        if ($quote -ne [char] 0) { return $null }
        if ($started) { $found.Add($token.ToString()) }
        return , $found.ToArray()
    }

    # The [profile NAME] (and [default]) or [sso-session NAME] names of the AWS
    # config file, as botocore reads them: the line, stripped, is [HEADER] up
    # to its last "]"; HEADER, split as shlex.split does, is "profile NAME"
    # ("sso-session NAME"), or "default". A line indented under a key
    # continues its value. $Kind is profile or sso-session.
    function Get-SsoenvSection {
        param([string] $Kind)
        $file = [System.Environment]::GetEnvironmentVariable('AWS_CONFIG_FILE')
        if (-not $file) {
            $file = [System.IO.Path]::Combine($HOME, '.aws', 'config')
        } elseif ($file.StartsWith('~/', [System.StringComparison]::Ordinal)) {
            # botocore expands a leading ~ in AWS_CONFIG_FILE.
            $file = [System.IO.Path]::Combine($HOME, $file.Substring(2))
        }
        if (-not [System.IO.File]::Exists($file)) {
            return
        }
        $seen = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::Ordinal)
        $value = $false
        $valueIndent = 0
        try {
            $lines = [System.IO.File]::ReadAllLines($file)
        } catch {
            return
        }
        foreach ($line in $lines) {
            # Stripped as Python's str.strip does: Unicode white space, and the
            # separators U+001C to U+001F too.
            $text = [regex]::Replace($line, '^[\s\x1C-\x1F]+', '')
            $indent = $line.Length - $text.Length
            if ($indent -eq 0 -and $text -cmatch '^[A-Za-z]') {
                $value = $true # most lines are keys: a letter in the first column
                $valueIndent = 0
                continue
            }
            if ($text.Length -eq 0 -or $text[0] -eq [char] '#' -or $text[0] -eq [char] ';') {
                continue
            }
            if ($value -and $indent -gt $valueIndent) {
                continue
            }
            $valueIndent = $indent
            $close = $text.LastIndexOf([char] ']')
            $value = $text[0] -ne [char] '[' -or $close -lt 2
            if ($value) {
                continue
            }
            $header = $text.Substring(1, $close - 1)
            $name = $null
            if ($Kind -ceq 'profile' -and $header -ceq 'default') {
                $name = $header
            } elseif ($header.StartsWith($Kind, [System.StringComparison]::Ordinal)) {
                $parts = Split-SsoenvHeader $header
                if ($null -ne $parts -and $parts.Count -eq 2) {
                    $name = $parts[1]
                }
            }
            # Control characters (C0, DEL, C1, bidi overrides) cannot be shown.
            if ($name -and $name -cnotmatch '[\x00-\x1F\x7F-\x9F\u200E\u200F\u2028-\u202E\u2066-\u2069]' -and $seen.Add($name)) {
                $name
            }
        }
    }

    # The text typed so far of the word under the cursor, once unquoted; $null
    # when an expansion makes its value ($, a sub-expression...): nothing is
    # offered then.
    $typed = [string] $wordToComplete
    if ($typed.StartsWith("'", [System.StringComparison]::Ordinal)) {
        $typed = $typed.Substring(1).Replace("''", "'")
    } elseif ($typed.StartsWith('"', [System.StringComparison]::Ordinal)) {
        $typed = $typed.Substring(1)
        if ($typed -cmatch '[$`]') { return }
    } elseif ($typed -cmatch '[$`''"(){}@;,|&<>]') {
        return
    }

    # The words before the one under the cursor (the command's name left out).
    $words = [System.Collections.Generic.List[string]]::new()
    $elements = $commandAst.CommandElements
    for ($k = 1; $k -lt $elements.Count; $k += 1) {
        $element = $elements[$k]
        if ($element.Extent.EndOffset -ge $cursorPosition) {
            break
        }
        if ($element -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
            $words.Add($element.Value)
        } else {
            $words.Add($element.Extent.Text)
        }
    }

    # Find the subcommand, its row, and how many arguments it already has.
    $command = ''
    $argument = '-'
    $options = @()
    $positionals = 0
    $prev = ''
    if ($words.Count -gt 0) {
        $prev = $words[$words.Count - 1]
    }
    for ($k = 0; $k -lt $words.Count; $k += 1) {
        $word = $words[$k]
        if (-not $command) {
            if ($word -like '-*') { continue }
            $command = $word
            foreach ($row in $table.Split("`n")) {
                $fields = $row.Trim().Split(' ')
                if ($fields[0] -ceq $command -and $fields.Count -ge 2) {
                    $argument = $fields[1]
                    $options = @($fields | Microsoft.PowerShell.Utility\Select-Object -Skip 2)
                }
            }
        } elseif ($command -ceq 'exec' -and $word -ceq '--') {
            # `exec PROFILE -- COMMAND ARGS...`: a command name, then what
            # PowerShell offers that command (file names).
            if ($k -eq $words.Count - 1) {
                [System.Management.Automation.CompletionCompleters]::CompleteCommand($typed)
            }
            return
        } elseif ($word -like '-*') {
            # The value of `--opt value` is not an argument.
            if ($options -ccontains ($word + '=')) { $k += 1 }
        } else {
            $positionals += 1
        }
    }

    $candidates = @()
    $type = [System.Management.Automation.CompletionResultType]::ParameterValue
    if (-not $command) {
        if ($typed -like '-*') {
            $candidates = $globals
            $type = [System.Management.Automation.CompletionResultType]::ParameterName
        } else {
            $candidates = @($table.Split("`n") | Microsoft.PowerShell.Core\ForEach-Object { $_.Trim().Split(' ')[0] } | Microsoft.PowerShell.Core\Where-Object { $_ })
        }
    } elseif ($prev -like '-*' -and $options -ccontains ($prev + '=')) {
        switch -CaseSensitive ($prev) {
            '--shell' { $candidates = $formats }
            '-s' { $candidates = $formats }
            '--output' { $candidates = $outputs }
            '--profile' { $candidates = @(Get-SsoenvSection 'profile') }
            '--sso-session' { $candidates = @(Get-SsoenvSection 'sso-session') }
            default { return }
        }
    } elseif ($typed -like '-*' -or $positionals -gt 0 -or $argument -ceq '-') {
        $candidates = @($options | Microsoft.PowerShell.Core\ForEach-Object { $_.TrimEnd('=') }) + @('--help', '-h')
        $type = [System.Management.Automation.CompletionResultType]::ParameterName
    } elseif ($argument -ceq 'profile') {
        $candidates = @(Get-SsoenvSection 'profile')
    } elseif ($argument -ceq 'shell') {
        $candidates = $shells
    } elseif ($argument -ceq 'configure') {
        $candidates = @('sso-session') + @($options | Microsoft.PowerShell.Core\ForEach-Object { $_.TrimEnd('=') }) + @('--help', '-h')
    }

    foreach ($candidate in $candidates) {
        if ($candidate.StartsWith($typed, [System.StringComparison]::Ordinal)) {
            [System.Management.Automation.CompletionResult]::new((Format-SsoenvWord $candidate), $candidate, $type, $candidate)
        }
    }
}
