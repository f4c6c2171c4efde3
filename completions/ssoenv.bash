# shellcheck shell=bash
# bash completion for ssoenv: subcommands, options, shell names, and the profile
# and sso-session names of $AWS_CONFIG_FILE (default ~/.aws/config).
#
# `ssoenv init bash` includes this file; packagers can install it as
# /usr/share/bash-completion/completions/ssoenv. It never starts Python: a TAB
# costs nothing, or one awk when it lists profiles or sso-sessions.

# Print the [profile NAME] (and [default]) or the [sso-session NAME] section
# names of the AWS config file, as botocore reads them, that start with $2,
# quoted for the line: $1 is profile or sso-session, $3 and $4 say where
# readline inserts a candidate (see __ssoenv_read_word).
__ssoenv_complete_sections() {
    # Quoted: after \builtin, local is an ordinary command whose arguments are
    # split and globbed (a path with a space, a word with a *).
    \builtin local file="${AWS_CONFIG_FILE:-${HOME}/.aws/config}"
    # botocore expands a leading ~ in AWS_CONFIG_FILE.
    # shellcheck disable=SC2088 # a literal "~/" from the environment is what is matched here.
    [[ ${file} == '~/'* ]] && file=${HOME}/${file#'~/'}
    [[ -r ${file} ]] || \builtin return 0
    # One awk for the whole file: a loop in the shell would take far longer on
    # a config with thousands of profiles. The strings travel in the
    # environment, as awk -v would interpret backslashes in them; bytes (LC_ALL=C)
    # make the awks of every system agree.
    __SSOENV_PREFIX=${2-} __SSOENV_TYPED=${3-} __SSOENV_QUOTE=${4-} LC_ALL=C \command awk -v kind="${1}" '
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
        BEGIN {
            prefix = ENVIRON["__SSOENV_PREFIX"]
            typed = ENVIRON["__SSOENV_TYPED"]
            quote = ENVIRON["__SSOENV_QUOTE"]
        }
        # Print what readline inserts for the name after what is already typed
        # (a name always starts with typed): quoted so that the shell reads
        # exactly the name, whether an opening quote is typed or none.
        function candidate(name, rest, out, i, c) {
            if (index(name, prefix) != 1) return
            rest = substr(name, length(typed) + 1)
            if (quote == "" && rest ~ /^[-A-Za-z0-9_.:@%+,=\/]*$/) {
                print rest
                return
            }
            out = ""
            for (i = 1; i <= length(rest); i++) {
                c = substr(rest, i, 1)
                if (quote == "\047") out = out (c == "\047" ? "\047\\\047\047" : c)
                else if (quote == "\"") out = out (c == "!" ? "\"\047!\047\"" : index("$`\"\\", c) ? "\\" c : c)
                else if (c ~ /[-A-Za-z0-9_.:@%+,=\/\200-\377]/) out = out c
                else out = out "\\" c
            }
            print out
        }' <"${file}" 2>/dev/null
}

# Read the word under the cursor as the shell and readline will: set value to
# its text once unquoted, typed to the part of value before the spot where
# readline inserts a candidate (after an opening quote that is still open, or
# after the last : or = outside quotes, as COMP_WORDBREAKS says), and quote
# to the quote open there (', " or none). Fails for a word whose value an expansion
# makes ($, `, globs, braces, a leading ~, !): no candidate is offered.
__ssoenv_read_word() {
    \builtin local line="${COMP_LINE-${COMP_WORDS[COMP_CWORD]-}}" c i=0 qtyped=''
    line=${line:0:${COMP_POINT-${#line}}}
    value='' typed='' quote=''
    while ((i < ${#line})); do
        c=${line:i:1}
        i=$((i + 1))
        if [[ ${quote} == "'" ]]; then
            if [[ ${c} == "'" ]]; then quote=; else value+=${c}; fi
        elif [[ ${quote} == '"' ]]; then
            case ${c} in
            '"') quote= ;;
            '$' | '`' | '!') \builtin return 1 ;;
            \\)
                if [[ ${line:i:1} == [\$\`\"\\] ]]; then
                    value+=${line:i:1}
                    i=$((i + 1))
                else
                    value+=${c}
                fi
                ;;
            *) value+=${c} ;;
            esac
        else
            case ${c} in
            [[:space:]] | ';' | '|' | '&' | '<' | '>' | '(' | ')') value='' typed='' ;;
            \\)
                value+=${line:i:1}
                i=$((i + 1))
                ;;
            "'" | '"') quote=${c} qtyped=${value} ;;
            '=' | ':')
                value+=${c}
                # Unless a user's COMP_WORDBREAKS leaves it out.
                [[ ${COMP_WORDBREAKS-} == *"${c}"* ]] && typed=${value}
                ;;
            '$' | '`' | '*' | '?' | '[' | '{' | '!') \builtin return 1 ;;
            *)
                # A ~ starting the word would be expanded.
                [[ ${c} == '~' && -z ${value} ]] && \builtin return 1
                value+=${c}
                ;;
            esac
        fi
    done
    [[ -z ${quote} ]] || typed=${qtyped}
}

# The completion function for `complete -F`: bash passes the words in
# COMP_WORDS and the index of the one under the cursor in COMP_CWORD.
_ssoenv() {
    # One line per command: NAME ARGUMENT OPTION... ARGUMENT is profile, shell,
    # configure (its sso-session subcommand) or - (none); an option ending in =
    # takes a value. Hidden commands are left out.
    \builtin local table='
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
    \builtin local globals='--debug --version --help -h'
    \builtin local formats='bash zsh sh fish powershell nu env json'
    \builtin local shells='bash zsh fish nu pwsh direnv'
    \builtin local cur="${COMP_WORDS[COMP_CWORD]-}" prev='' word command='' argument=- options=''
    \builtin local i=1 positionals=0 candidates='' row name kind
    COMPREPLY=()

    # bash splits `--shell=zsh` at "=" (COMP_WORDBREAKS): find the option anyway.
    if [[ ${cur} == = ]]; then
        prev=${COMP_WORDS[COMP_CWORD - 1]-} cur=
    elif ((COMP_CWORD >= 2)) && [[ ${COMP_WORDS[COMP_CWORD - 1]} == = ]]; then
        prev=${COMP_WORDS[COMP_CWORD - 2]-}
    elif ((COMP_CWORD >= 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 1]-}
    fi

    # bash also splits a name at ":" and "=": a profile named a:b arrives as
    # a, :, b. The words glued to the one under the cursor on the line are
    # part of it, not arguments before it; first is the first of them.
    \builtin local first=${COMP_CWORD} line="${COMP_LINE-}"
    line=${line:0:${COMP_POINT-0}}
    while ((first > 1)) && [[ ${line} == *"${COMP_WORDS[first]}" ]]; do
        line=${line%"${COMP_WORDS[first]}"}
        [[ -n ${line} && ${line} != *[[:space:]] ]] || break
        first=$((first - 1))
    done
    if ((first < COMP_CWORD)); then
        if [[ ${COMP_WORDS[first]} == -* && ${COMP_WORDS[first + 1]} == = ]]; then
            prev=${COMP_WORDS[first]}
        else
            prev=${COMP_WORDS[first - 1]}
        fi
    fi

    # Find the subcommand, its row, and how many arguments it already has.
    while ((i < first)); do
        word=${COMP_WORDS[i]}
        i=$((i + 1))
        if [[ -z ${command} ]]; then
            [[ ${word} == -* ]] && continue
            command=${word}
            while \builtin read -r name kind row; do
                if [[ ${name} == "${command}" ]]; then
                    argument=${kind} options=${row}
                fi
            done <<<"${table}"
        elif [[ ${command} == exec && ${word} == -- ]]; then
            # `exec PROFILE -- COMMAND ARGS...`: the rest is COMMAND's to complete.
            __ssoenv_complete_command "${i}"
            \builtin return 0
        elif [[ ${word} == -* ]]; then
            # The value of `--opt value` or `--opt = value` is not an argument.
            if [[ " ${options} " == *" ${word}= "* ]]; then
                [[ ${COMP_WORDS[i]-} == = ]] && i=$((i + 1))
                i=$((i + 1))
            fi
        elif [[ ${word} != = ]]; then
            positionals=$((positionals + 1))
        fi
    done

    if [[ -z ${command} ]]; then
        if [[ ${cur} == -* ]]; then
            candidates=${globals}
        else
            while \builtin read -r name kind row; do
                candidates+=" ${name}"
            done <<<"${table}"
        fi
    elif [[ -n ${command} && " ${options} " == *" ${prev}= "* && ${prev} == -* ]]; then
        case ${prev} in
        --shell | -s) candidates=${formats} ;;
        --output) candidates='json yaml yaml-stream text table off none' ;;
        --profile)
            __ssoenv_complete_words profile
            \builtin return 0
            ;;
        --sso-session)
            __ssoenv_complete_words sso-session
            \builtin return 0
            ;;
        *) \builtin return 0 ;;
        esac
    elif [[ ${cur} == -* || ${positionals} -gt 0 || ${argument} == - ]]; then
        candidates="${options//=/} --help -h"
    elif [[ ${argument} == profile ]]; then
        __ssoenv_complete_words profile
        \builtin return 0
    elif [[ ${argument} == shell ]]; then
        candidates=${shells}
    elif [[ ${argument} == configure ]]; then
        candidates="sso-session ${options//=/} --help -h"
    fi

    for word in ${candidates}; do
        [[ ${word} == "${cur}"* ]] && COMPREPLY+=("${word}")
    done
    \builtin return 0
}

# Complete the command line that starts at COMP_WORDS[$1] as if it were typed on
# its own: bash-completion's _command_offset when it is loaded, else command
# names, then the command's own completion function, else file names.
__ssoenv_complete_command() {
    \builtin local offset="${1}" spec handler
    if \builtin declare -F _command_offset >/dev/null; then
        _command_offset "${offset}"
        \builtin return 0
    fi
    if ((COMP_CWORD == offset)); then
        __ssoenv_reply compgen -c -- "${COMP_WORDS[COMP_CWORD]-}"
        \builtin return 0
    fi
    spec=$(\builtin complete -p -- "${COMP_WORDS[offset]}" 2>/dev/null) || spec=
    if [[ ${spec} == *' -F '* ]]; then
        handler=${spec##* -F }
        handler=${handler%% *}
        COMP_WORDS=("${COMP_WORDS[@]:offset}")
        COMP_CWORD=$((COMP_CWORD - offset))
        # Functions that read the line itself see the command's line, up to the cursor.
        COMP_LINE="${COMP_WORDS[*]:0:COMP_CWORD+1}"
        COMP_POINT=${#COMP_LINE}
        "${handler}" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]-}" "${COMP_WORDS[COMP_CWORD - 1]-}"
    else
        __ssoenv_reply compgen -f -- "${COMP_WORDS[COMP_CWORD]-}"
    fi
    \builtin return 0
}

# Set COMPREPLY to the lines that the command "$@" prints, never glob-expanded.
__ssoenv_reply() {
    \builtin local IFS=$'\n' restore_glob=''
    [[ $- == *f* ]] || restore_glob=1
    \builtin set -f
    # shellcheck disable=SC2207 # IFS is a newline and globbing is off, so this is mapfile (absent from bash 3.2) in one read.
    COMPREPLY=($("$@"))
    [[ -n ${restore_glob} ]] && \builtin set +f
    \builtin return 0
}

# Fill COMPREPLY with the section names of kind $1 that start with the word
# under the cursor, each quoted for the line: a name from the config file is
# text, never code that runs when the line does.
__ssoenv_complete_words() {
    \builtin local value typed quote
    __ssoenv_read_word || \builtin return 0
    # --profile=NAME: the name is what follows the option's "=".
    if [[ ${value} == -*=* ]]; then
        value=${value#*=} typed=${typed#*=}
    fi
    # One line per name: a single awk and a single read of its output.
    __ssoenv_reply __ssoenv_complete_sections "${1}" "${value}" "${typed}" "${quote}"
}

\builtin complete -F _ssoenv ssoenv
