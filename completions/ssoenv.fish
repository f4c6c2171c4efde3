# fish completion for ssoenv: subcommands, options, shell names, and the profile
# and sso-session names of $AWS_CONFIG_FILE (default ~/.aws/config).
#
# `ssoenv init fish` includes this file; packagers can install it as
# share/fish/vendor_completions.d/ssoenv.fish. It never starts Python: a TAB
# costs nothing, or one awk when it lists profiles or sso-sessions.

# Sourcing this file again replaces the completions instead of adding twice.
complete -c ssoenv -e
complete -c ssoenv -f

# Print the [profile NAME] (and [default]) or [sso-session NAME] names of the
# AWS config file, as botocore reads them; $argv[1] is profile or sso-session.
# One awk reads the whole file: `string` takes several times longer on
# thousands of profiles. fish quotes each name it inserts, except a leading ~
# (which would then expand to a home directory): a name starting with ~ is
# offered only once its ~ is typed quoted.
function __ssoenv_complete_sections --argument-names kind
    set -l tilde 0
    contains -- (string sub -l 2 -- (commandline -ct)) '\~' "'~" '"~'; and set tilde 1
    set -l file $AWS_CONFIG_FILE
    test -n "$file"; or set file ~/.aws/config
    # botocore expands a leading ~ in AWS_CONFIG_FILE.
    set file (string replace -r '^~/' "$HOME/" -- $file)
    test -r "$file"; or return 0
    LC_ALL=C command awk -v kind=$kind -v tilde=$tilde '
        # A header names a section as configparser and botocore read it: the
        # line, stripped, is [HEADER] up to its last "]"; HEADER, split into
        # words as shlex.split does, is "profile NAME" ("sso-session NAME"), or
        # "default". A line indented under a key continues its value.
        # Most lines are keys: a letter in the first column (no CR in the line).
        /^[A-Za-z]/ && !/\r/ {
            value = 1
            value_indent = 0
            next
        }
        !/\r/ {
            offer(section($0))
            next
        }
        # A lone CR ends a line too (universal newlines).
        {
            n = split($0, pieces, "\r")
            for (p = 1; p <= n; p++) offer(section(pieces[p]))
        }
        function offer(name) {
            if (name != "" && name !~ controls && !seen[name]++) candidate(name)
        }
        function section(line, text, indent, n) {
            text = line
            sub(/^[ \t\v\f\034-\037]+/, "", text)
            indent = length(line) - length(text)
            if (text == "" || text ~ /^[#;]/) return ""
            if (value && indent > value_indent) return ""
            value_indent = indent
            value = substr(text, 1, 1) != "[" || !match(text, /.*\]/) || RLENGTH < 3
            if (value) return ""
            text = substr(text, 2, RLENGTH - 2)
            if (kind == "profile" && text == "default") return text
            if (index(text, kind) != 1) return ""
            # shlex only for quotes and backslashes: split() is the same without.
            n = text ~ /["\047\134]/ ? words(text) : split(text, word)
            if (n != 2) return ""
            return word[2]
        }
        # shlex.split(s) into word[1..n]: n, or -1 for an unclosed quote or a
        # final backslash (botocore then ignores the section).
        function words(s, n, i, c, quote, token, started) {
            n = 0
            for (i = 1; i <= length(s); i++) {
                c = substr(s, i, 1)
                if (quote == "\047") {
                    if (c == "\047") quote = ""
                    else token = token c
                } else if (quote == "\"") {
                    if (c == "\"") quote = ""
                    else if (c == "\134" && i < length(s) && index("\"\134", substr(s, i + 1, 1))) token = token substr(s, ++i, 1)
                    else token = token c
                } else if (index(" \t\r\n", c)) {
                    if (started) word[++n] = token
                    token = ""
                    started = 0
                } else if (c == "\134") {
                    if (i == length(s)) return -1
                    token = token substr(s, ++i, 1)
                    started = 1
                } else {
                    if (c == "\047" || c == "\"") quote = c
                    else token = token c
                    started = 1
                }
            }
            if (quote != "") return -1
            if (started) word[++n] = token
            return n
        }
        BEGIN {
            # Names that would put control characters (C0, DEL, C1, bidi
            # overrides) on the terminal are not offered: they cannot be shown.
            controls = "[\001-\037\177]|\302[\200-\237]|\342\200[\216\217\250-\256]|\342\201[\246-\251]"
        }
        function candidate(name) {
            if (tilde || substr(name, 1, 1) != "~") print name
        }
    ' <$file 2>/dev/null
end

# Print the words after `ssoenv` before the cursor, minus the global options.
function __ssoenv_words
    set -l words (commandline -opc)
    set -e words[1]
    while set -q words[1]; and string match -q -- '-*' $words[1]
        set -e words[1]
    end
    printf '%s\n' $words
end

# Succeed when the subcommand is one of $argv (and no `--` ended its options).
function __ssoenv_using
    set -l words (__ssoenv_words)
    set -q words[1]; and contains -- $words[1] $argv; and not contains -- -- $words
end

# `exec PROFILE -- COMMAND ARGS...`: the rest is COMMAND's to complete.
function __ssoenv_after_dashdash
    set -l words (__ssoenv_words)
    test "$words[1]" = exec; and contains -- -- $words
end

# Complete COMMAND ARGS... as if they were typed on their own.
function __ssoenv_complete_after_dashdash
    set -l words (commandline -opc)
    set -l at (contains -i -- -- $words)
    # The words before the cursor are unescaped by -o: escape them again. The
    # word under the cursor is passed as typed.
    set -l line (string escape -- $words[(math $at + 1)..-1]) (commandline -ct)
    complete -C (string join -- ' ' $line)
end

# Succeed when the subcommand $argv[1] has no positional argument yet.
function __ssoenv_wants_argument --argument-names command
    set -l words (__ssoenv_words)
    test "$words[1]" = "$command"; or return 1
    set -e words[1]
    set -l skip 0
    for word in $words
        if test $skip = 1
            set skip 0
        else if contains -- $word $__ssoenv_value_options
            set skip 1
        else if not string match -q -- '-*' $word
            return 1
        end
    end
end

# Register one option of a subcommand; OPTION= takes a value.
function __ssoenv_option --argument-names command option
    set -l name (string trim -l -c - -- (string trim -r -c = -- $option))
    set -l flag -l $name
    string match -q -- '--*' $option; or set flag -s $name
    set -l when "__ssoenv_using $command"
    switch $name
        case shell s
            complete -c ssoenv -n $when $flag -x -a 'bash zsh sh fish powershell nu env json' -d 'Output format'
        case sso-session
            complete -c ssoenv -n $when $flag -x -a '(__ssoenv_complete_sections sso-session)' -d 'An sso-session section instead of a profile'
        case no-login
            complete -c ssoenv -n $when $flag -d 'Never log in: fail without a valid session'
        case no-browser
            complete -c ssoenv -n $when $flag -d 'Print the login URL instead of opening a browser'
        case use-device-code
            complete -c ssoenv -n $when $flag -d 'Log in with a device code instead of the browser login'
        case force
            complete -c ssoenv -n $when $flag -d 'Start a new session even if one is valid'
        case output
            complete -c ssoenv -n $when $flag -x -a 'json yaml yaml-stream text table off none' -d 'AWS CLI output format'
        case profile
            complete -c ssoenv -n $when $flag -x -a '(__ssoenv_complete_sections profile)' -d 'Profile name'
        case json
            complete -c ssoenv -n $when $flag -d 'Print JSON instead of a table'
        case prune
            complete -c ssoenv -n $when $flag -d 'Remove generated profiles no longer generated'
        case dry-run
            complete -c ssoenv -n $when $flag -d 'Print the diff; change nothing'
        case template
            complete -c ssoenv -n $when $flag -x -d 'Profile names, from {account_name} {role_name}...'
        case url
            complete -c ssoenv -n $when $flag -d 'Print the console sign-in URL instead of opening a browser'
        case destination
            complete -c ssoenv -n $when $flag -x -d 'The console page to open (a URL)'
        case duration
            complete -c ssoenv -n $when $flag -x -d 'Console session length, 900 to 43200 seconds'
        case server
            complete -c ssoenv -n $when $flag -d 'Give the command a credential server instead of keys'
        case env-file
            complete -c ssoenv -n $when $flag -r -F -d 'Also write the variables for other shells there'
        case '*'
            if string match -q -- '*=' $option
                complete -c ssoenv -n $when $flag -x
            else
                complete -c ssoenv -n $when $flag
            end
    end
    if string match -q -- '*=' $option
        contains -- (string trim -r -c = -- $option) $__ssoenv_value_options
        or set -g __ssoenv_value_options $__ssoenv_value_options (string trim -r -c = -- $option)
    end
end

# Register a subcommand: NAME ARGUMENT DESCRIPTION OPTION...; ARGUMENT is profile, shell,
# configure (its sso-session subcommand) or - (none).
function __ssoenv_command --argument-names name argument description
    complete -c ssoenv -n __fish_use_subcommand -a $name -d $description
    complete -c ssoenv -n "__ssoenv_using $name" -s h -l help -d 'Show help'
    switch $argument
        case profile
            complete -c ssoenv -n "__ssoenv_wants_argument $name" -a '(__ssoenv_complete_sections profile)'
        case shell
            complete -c ssoenv -n "__ssoenv_wants_argument $name" -a 'bash zsh fish nu pwsh direnv'
        case configure
            complete -c ssoenv -n "__ssoenv_wants_argument $name" -a sso-session -d 'Write only an sso-session section'
    end
    for option in $argv[4..-1]
        __ssoenv_option $name $option
    end
end

complete -c ssoenv -n __fish_use_subcommand -l debug -d 'Log HTTP calls and show tracebacks'
complete -c ssoenv -n __fish_use_subcommand -l version -d 'Show the version'
complete -c ssoenv -n __fish_use_subcommand -s h -l help -d 'Show help'

# One line per command: NAME ARGUMENT DESCRIPTION OPTION...; an option ending
# in = takes a value. Hidden commands are left out.
__ssoenv_command use profile "Export a profile's role credentials into this shell" --shell= -s= --no-login --no-browser --use-device-code --region=
__ssoenv_command login profile 'Log in to IAM Identity Center and cache the session' --sso-session= --no-browser --use-device-code --force
__ssoenv_command logout - 'End sessions, remove cached tokens and role credentials' --sso-session= --shell= -s=
__ssoenv_command init shell 'Print the shell integration for bash, zsh, fish, nushell or PowerShell, or the direnv library'
__ssoenv_command configure configure 'Set up a profile: sso-session, login, account and role' --sso-session= --start-url= --sso-region= --scopes= --account-id= --role-name= --region= --output= --profile= --overwrite --no-browser
__ssoenv_command list - 'Every profile with its session state' --json
__ssoenv_command status - "This shell's profile and when it expires" --json
__ssoenv_command accounts - 'The accounts and roles the portal offers' --sso-session= --profile= --json --no-browser
__ssoenv_command populate - 'A profile for every account and role' --sso-session= --profile= --template= --region= --prune --dry-run --no-browser
__ssoenv_command exec profile "Run a command with a profile's credentials" --no-browser --region= --server
complete -c ssoenv -n __ssoenv_after_dashdash -x -a '(__ssoenv_complete_after_dashdash)'
__ssoenv_command credential-process profile 'Print the credential_process JSON of a profile'
__ssoenv_command console profile "Open the AWS console signed in as a profile's role" --url --destination= --duration= --region=
__ssoenv_command serve profile "Serve a profile's credentials to other shells until Ctrl-C" --shell= -s= --env-file= --port= --no-browser --region=
