# nushell completion for ssoenv: subcommands, options, shell names, and the
# profile and sso-session names of $env.AWS_CONFIG_FILE (default ~/.aws/config).
#
# `ssoenv init nu` includes this file: nushell attaches a completer to a
# command's own signature (`...args: string@__ssoenv_complete`), so it is part
# of the `ssoenv` command rather than a file of its own. It never starts a
# process: a TAB reads the config file with nushell's builtins.

# The subcommands: name, positional argument (profile, shell, or -), options
# (those taking a value end in =).
const __SSOENV_TABLE = '
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
'
const __SSOENV_GLOBALS = [--debug --version --help -h]
const __SSOENV_FORMATS = [bash zsh sh fish powershell nu env json]
const __SSOENV_SHELLS = [bash zsh fish nu pwsh direnv]

# shlex.split(text) as botocore splits a section header: its words, or null
# for an unclosed quote or a final backslash (botocore then ignores it).
def __ssoenv_shlex [text: string]: nothing -> any {
    if $text !~ `["'\\]` {
        return ($text | split row -r '[ \t\r\n]+' | where {|word| $word != '' })
    }
    let chars = ($text | split chars)
    let n = ($chars | length)
    mut words = []
    mut token = ''
    mut started = false
    mut quote = ''
    mut i = 0
    while $i < $n {
        let c = ($chars | get $i)
        if $quote == "'" {
            if $c == "'" { $quote = '' } else { $token = $token + $c }
        } else if $quote == '"' {
            if $c == '"' {
                $quote = ''
            } else if $c == '\' and $i + 1 < $n and ($chars | get ($i + 1)) in ['"' '\'] {
                # Inside double quotes a backslash escapes only " and \.
                $i = $i + 1
                $token = $token + ($chars | get $i)
            } else {
                $token = $token + $c
            }
        } else if $c in [' ' "\t" "\r" "\n"] {
            if $started { $words = ($words | append $token) }
            $token = ''
            $started = false
        } else if $c == '\' {
            if $i + 1 == $n { return null }
            $i = $i + 1
            $token = $token + ($chars | get $i)
            $started = true
        } else {
            if $c in ["'" '"'] { $quote = $c } else { $token = $token + $c }
            $started = true
        }
        $i = $i + 1
    }
    if $quote != '' {
        return null
    }
    if $started { $words = ($words | append $token) }
    $words
}

# The [profile NAME] (and [default]) or [sso-session NAME] names of the AWS
# config file, as botocore reads them; kind is profile or sso-session. A
# header names a section as configparser and botocore read it: the line,
# stripped, is [HEADER] up to its last "]"; HEADER, split into words as
# shlex.split does, is "profile NAME" ("sso-session NAME"), or "default". A
# line indented under a key continues its value.
def __ssoenv_sections [kind: string]: nothing -> list<string> {
    mut file = ($env.AWS_CONFIG_FILE? | default '')
    if ($file | describe) != 'string' or $file == '' {
        $file = ($nu.home-path | path join .aws config)
    } else if ($file | str starts-with '~/') {
        # botocore expands a leading ~ in AWS_CONFIG_FILE.
        $file = ($nu.home-path | path join ($file | str substring 2..))
    }
    if not ($file | path exists) {
        return []
    }
    let lines = (try { open --raw $file | decode utf-8 } catch { '' } | split row -r '\r\n|\r|\n')
    let header = '^\[.+\]'
    # Headers in the first column, found over the whole list at once (a
    # closure per line would cost milliseconds per 1,000 lines).
    mut headers = ($lines | find -n -r $header)
    # An indented one is a header too, unless it continues a key's value: only
    # then is the file read line by line (services sections indent their keys).
    if ($lines | find -n -r '^[ \t\x0b\x0c\x1c-\x1f]+\[' | is-not-empty) {
        mut value = false
        mut value_indent = 0
        for line in ($lines | parse -r '^(?<blank>[ \t\x0b\x0c\x1c-\x1f]*)(?<text>.*)$') {
            if $line.blank == '' {
                # The first column (most lines): a key or a header, never a
                # continuation; blank lines and comments change nothing.
                if $line.text =~ '^[^#;]' {
                    $value_indent = 0
                    $value = ($line.text !~ $header)
                }
                continue
            }
            if $line.text == '' or $line.text =~ '^[#;]' { continue }
            let indent = ($line.blank | str length)
            if $value and $indent > $value_indent { continue }
            $value_indent = $indent
            $value = ($line.text !~ $header)
            if not $value { $headers = ($headers | append $line.text) }
        }
    }
    if ($headers | is-empty) {
        return []
    }
    # The header up to its last "]" (`.+` is greedy), then its shell words: two,
    # the first starting with kind. Without quotes or backslashes a regex over
    # the whole list splits them; the rest go through __ssoenv_shlex.
    let inner = ($headers | parse -r '^\[(?<inner>.+)\]' | each {|row| $row.inner })
    let candidates = ($inner | where {|text| $text | str starts-with $kind })
    let quoted = "[\"'\\\\]"
    let default = if $kind == 'profile' and 'default' in $inner { ['default'] } else { [] }
    let plain = (
        $candidates
        | where {|text| $text !~ $quoted }
        | parse -r '^[^ \t]+[ \t]+(?<name>[^ \t]+)[ \t]*$'
        | each {|row| $row.name }
    )
    let shell_words = (
        $candidates
        | where {|text| $text =~ $quoted }
        | each {|text| __ssoenv_shlex $text }
        | where {|words| $words != null and ($words | length) == 2 }
        | each {|words| $words.1 }
    )
    [...$default ...$plain ...$shell_words]
    # Names that would put control characters (C0, DEL, C1, bidi overrides)
    # on the terminal are not offered: they cannot be shown.
    | where {|name| $name !~ '[\x00-\x1f\x7f\x{80}-\x{9f}\x{200e}\x{200f}\x{2028}-\x{202e}\x{2066}-\x{2069}]' }
    | uniq
}

# A name as typed on a nushell command line: as it is when it is a plain
# word, else a double-quoted string (which nushell does not interpolate), so
# quotes, $, ( and spaces in a profile name are inert.
def __ssoenv_word [name: string]: nothing -> string {
    if $name =~ '^[A-Za-z0-9_][A-Za-z0-9_.:@+-]*$' {
        $name
    } else {
        '"' + ($name | str replace -a '\' '\\' | str replace -a '"' '\"') + '"'
    }
}

# The completer of the `ssoenv` command: $context is the line up to the cursor.
def __ssoenv_complete [context: string]: nothing -> list<any> {
    let words = ($context | split row -r '\s+' | skip 1)
    let current = if ($words | is-empty) { '' } else { $words | last }
    let before = ($words | drop 1)
    let previous = if ($before | is-empty) { '' } else { $before | last }
    let positionals = ($before | where {|word| not ($word | str starts-with '-') })
    let command = ($positionals | get 0? | default '')
    let rows = (
        $__SSOENV_TABLE | lines | where {|line| $line != '' }
        | each {|line| $line | split row ' ' }
        | each {|row| {name: $row.0, argument: $row.1, options: ($row | skip 2)} }
    )
    let row = ($rows | where name == $command | get 0?)
    if '--' in $before {
        return [] # exec PROFILE -- COMMAND...: the command's own
    }
    if $previous in [--shell -s] {
        return $__SSOENV_FORMATS
    }
    if $previous == '--sso-session' {
        return (__ssoenv_sections sso-session | each {|name| __ssoenv_word $name })
    }
    if $previous == '--profile' {
        return (__ssoenv_sections profile | each {|name| __ssoenv_word $name })
    }
    if $row == null {
        return ($rows | get name | append $__SSOENV_GLOBALS)
    }
    if ($current | str starts-with '-') {
        return ($row.options | each {|option| $option | str trim -r -c '=' } | append [--help])
    }
    if ($positionals | length) > 1 {
        return []
    }
    match $row.argument {
        profile => (__ssoenv_sections profile | each {|name| __ssoenv_word $name })
        shell => $__SSOENV_SHELLS
        _ => []
    }
}
