# shellcheck shell=bash
# ssoenv for direnv, printed by `ssoenv init direnv`. Save it as
# ~/.config/direnv/lib/ssoenv.sh: direnv sources every file there before an
# .envrc, which can then say
#
#     use ssoenv PROFILE [--region R] [--no-login] [--no-browser] [--use-device-code]
#
# and the directory tree gets the role's credentials, as `ssoenv use` exports
# them; leaving it takes them away again (direnv undoes what an .envrc set).
#
# direnv runs this in bash (its own stdlib is bash), whatever the user's
# shell: ssoenv writes bash code and this function evaluates it. It is the
# same as `ssoenv use`, with three differences:
#
# * Logging in: `ssoenv use` logs in only when a person is at the terminal
#   (stdin and stderr are both one). At a prompt, direnv gives the .envrc the
#   shell's own: entering the directory logs in, in the browser or with a code
#   on stderr. An editor's direnv plugin, a script, `direnv exec` without a
#   terminal or direnv's `disable_stdin` get one line saying to run `ssoenv
#   login`. So does a reload of the directory already loaded (a watched file
#   changed): after `ssoenv logout` the credentials file is gone, and a login
#   starting by itself at the next prompt would undo the logout and hold the
#   prompt until it ends.
# * Re-evaluation: direnv runs the .envrc again only when a file it watches
#   changes, and it is told to watch the cached credentials file, which every
#   refresh rewrites (the prompt hook of `ssoenv init`, in this shell or
#   another, `credential-process`, `exec`, `use`). Nothing rewrites it when the
#   credentials merely near their expiry: docs/shell.md ("direnv") says who
#   does, and the limits.
# * The marker: a marker file belongs to one shell (the prompt hook's `-nt`
#   test) and direnv's bash is not that shell. The shell's own marker, if any,
#   is left alone and hidden while the directory is loaded; direnv's watch
#   does its job, and leaving gives it back.
#
# On failure ssoenv has said what happened in one line; nothing is exported
# and the function returns ssoenv's exit status (direnv stops loading a
# strict .envrc there).

# Succeed when direnv is loading again the directory it had loaded (a watched
# file changed, or `direnv reload`), not entering it. direnv leaves its record
# of the previous load, DIRENV_DIFF, in the environment it gives the .envrc,
# and that load's directory is in it; the .envrc runs in its own directory.
# Whatever this cannot read (another direnv, an odd path) counts as entering.
__ssoenv_direnv_reloading() {
    local dump
    [[ -n ${DIRENV_DIFF-} ]] || return 1
    dump=$("${direnv:-direnv}" show_dump "${DIRENV_DIFF}" 2>/dev/null) || return 1
    [[ ${dump} == *"\"DIRENV_DIR\": \"-${PWD}\""* ]]
}

use_ssoenv() {
    local profile='' arg code shown
    local -a options=()
    while (($# > 0)); do
        arg=$1
        shift
        case ${arg} in
        --region)
            if (($# == 0)); then
                log_error "ssoenv: --region needs a region, as in \`use ssoenv dev --region eu-west-1\`"
                return 2
            fi
            options+=(--region "$1")
            shift
            ;;
        --region=*) options+=(--region "${arg#--region=}") ;;
        --no-login | --no-browser | --use-device-code) options+=("${arg}") ;;
        --)
            # `use ssoenv -- -odd-name`: what follows is a profile, not an option.
            if (($# != 1)) || [[ -n ${profile} ]]; then
                log_error "ssoenv: \`use ssoenv --\` takes one profile after the \`--\`"
                return 2
            fi
            profile=$1
            shift
            ;;
        -*)
            # Anything else (--shell, --help...) would print something other
            # than bash code for this eval. %q shows control characters as escapes.
            printf -v shown '%q' "${arg}"
            log_error "ssoenv: \`use ssoenv\` takes a profile and --region R, --no-login, --no-browser, --use-device-code; not ${shown}"
            return 2
            ;;
        *)
            if [[ -n ${profile} ]]; then
                printf -v shown '%q and %q' "${profile}" "${arg}"
                log_error "ssoenv: \`use ssoenv\` takes one profile, not ${shown}"
                return 2
            fi
            profile=${arg}
            ;;
        esac
    done
    if [[ -z ${profile} ]]; then
        log_error "ssoenv: \`use ssoenv\` needs a profile, as in \`use ssoenv dev\`"
        return 2
    fi
    # `--` keeps a profile whose name starts with `-` a name (only then: ssoenv's
    # fast path leaves a `--` to the slower full parser). Only a shell's own PID
    # names a marker (__SSOENV_SHELL_PID): none is passed from here.
    if __ssoenv_direnv_reloading; then
        options+=(--no-login)
    fi
    [[ ${profile} != -* ]] || options+=(--)
    # ${a[@]+...}: an empty array is "unbound" to bash before 4.4 under `set -u`.
    code=$(@SSOENV_EXE@ use --shell bash ${options[@]+"${options[@]}"} "${profile}") || return
    eval "${code}"
    unset __SSOENV_MARKER
    if [[ -n ${__SSOENV_CRED_FILE-} ]]; then
        watch_file "${__SSOENV_CRED_FILE}"
    fi
}
