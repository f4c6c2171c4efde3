# shellcheck shell=bash
# bash completion for ssoenv: subcommands, options, shell names, and the profile
# and sso-session names of $AWS_CONFIG_FILE (default ~/.aws/config).
#
# `ssoenv init bash` includes this file; packagers can install it as
# /usr/share/bash-completion/completions/ssoenv. It never starts Python: a TAB
# costs nothing, or one awk when it lists profiles or sso-sessions.

# Print the [profile NAME] (and [default]) or the [sso-session NAME] section
# names of the AWS config file that start with $2; $1 is profile or sso-session.
__ssoenv_complete_sections() {
    \builtin local file=${AWS_CONFIG_FILE:-${HOME}/.aws/config}
    # botocore expands a leading ~ in AWS_CONFIG_FILE.
    # shellcheck disable=SC2088 # a literal "~/" from the environment is what is matched here.
    [[ ${file} == '~/'* ]] && file=${HOME}/${file#'~/'}
    [[ -r ${file} ]] || \builtin return 0
    # One awk for the whole file: a loop in the shell would take far longer on
    # a config with thousands of profiles. The prefix travels in the
    # environment, as awk -v would interpret backslashes in it.
    __SSOENV_PREFIX=${2-} \command awk -v kind="${1}" '
        BEGIN { prefix = ENVIRON["__SSOENV_PREFIX"] }
        /^[ \t]*\[/ {
            s = $0
            sub(/^[ \t]*\[[ \t]*/, "", s)
            sub(/[ \t]*\].*$/, "", s)
            if (kind == "profile" && s == "default") name = s
            else if (index(s, kind) == 1 && substr(s, length(kind) + 1) ~ /^[ \t]/) {
                name = substr(s, length(kind) + 1)
                sub(/^[ \t]+/, "", name)
            } else next
            if (name != "" && (prefix == "" || index(name, prefix) == 1) && !seen[name]++) print name
        }' <"${file}" 2>/dev/null
}

# The completion function for `complete -F`: bash passes the words in
# COMP_WORDS and the index of the one under the cursor in COMP_CWORD.
_ssoenv() {
    # One line per command: NAME ARGUMENT OPTION... ARGUMENT is profile, shell,
    # configure (its sso-session subcommand) or - (none); an option ending in =
    # takes a value. Hidden commands are left out.
    \builtin local table='
use profile --shell= -s= --no-login --no-browser --use-device-code
login profile --sso-session= --no-browser --use-device-code --force
logout - --sso-session= --shell= -s=
init shell
configure configure --sso-session= --start-url= --sso-region= --scopes= --account-id= --role-name= --region= --output= --profile= --no-browser
list - --json
status - --json
accounts - --sso-session= --json --no-browser
populate - --sso-session= --template= --region= --prune --dry-run --no-browser
exec profile --no-browser
credential-process profile
'
    \builtin local globals='--debug --version --help -h'
    \builtin local formats='bash zsh sh fish powershell nu env json'
    \builtin local shells='bash zsh fish'
    \builtin local cur=${COMP_WORDS[COMP_CWORD]-} prev='' word command='' argument=- options=''
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

    # Find the subcommand, its row, and how many arguments it already has.
    while ((i < COMP_CWORD)); do
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
            __ssoenv_complete_words profile "${cur}"
            \builtin return 0
            ;;
        --sso-session)
            __ssoenv_complete_words sso-session "${cur}"
            \builtin return 0
            ;;
        *) \builtin return 0 ;;
        esac
    elif [[ ${cur} == -* || ${positionals} -gt 0 || ${argument} == - ]]; then
        candidates="${options//=/} --help -h"
    elif [[ ${argument} == profile ]]; then
        __ssoenv_complete_words profile "${cur}"
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
    \builtin local offset=${1} spec handler
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

# Fill COMPREPLY with the section names of kind $1 starting with $2.
__ssoenv_complete_words() {
    # One line per name: a single awk and a single read of its output.
    __ssoenv_reply __ssoenv_complete_sections "${1}" "${2}"
}

\builtin complete -F _ssoenv ssoenv
