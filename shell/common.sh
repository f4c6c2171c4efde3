# shellcheck shell=bash
# ssoenv shell integration for bash (3.2 and later) and zsh, printed by
# `ssoenv init bash` and `ssoenv init zsh`.
#
# It defines the `ssoenv` function (it evaluates what `ssoenv use` and
# `ssoenv logout` print), a prompt hook that keeps this shell's credentials
# fresh, the `ssoenv_prompt` badge, and completions. On a normal prompt the hook
# starts no process: it compares integers kept in the environment with the
# shell's own clock, and the credential file with a marker file (`-nt`).
#
# Two parts make the script. This one, shell/common.sh, is the code bash and
# zsh run alike. The shell's own part follows it (shell/bash.sh or
# shell/zsh.sh): the clock `__ssoenv_now`, `__ssoenv_apply` (evaluate what
# ssoenv printed), the registration of the prompt hook, `__ssoenv_doctor` (say
# when that hook got lost) and the completions. `ssoenv init` fills in the
# program's path and the shell's name (`--shell bash` or `--shell zsh`).
#
# zsh runs each function below under `emulate -L zsh` (zsh's own defaults, for
# the length of the function), so no option the user set (ksh_arrays,
# sh_word_split, nounset...) changes what it does; bash, which always sets
# BASH_VERSION itself, skips that line. ShellCheck has no zsh mode: this code is
# written to parse as bash and is checked as bash.

# =============================================================================
#
# Utilities.
#

# The marker: `ssoenv use` and `ssoenv hook-env` give a file of this shell's
# (named by the PID we pass as __SSOENV_SHELL_PID) the credential file's
# modification time, and export its path as __SSOENV_MARKER, so `-nt` sees
# another terminal's refresh. ssoenv picks and verifies the folder (a folder
# in /tmp may be someone else's); `exec bash` keeps the PID and the environment.

# Succeed when $1 is a plain non-negative integer, safe inside (( )).
__ssoenv_is_int() {
    [[ -n ${1-} && ${1} != *[!0-9]* ]]
}

# =============================================================================
#
# Hook configuration.
#

# Succeed when the hook has work: the credentials are due a refresh, or their
# cache file changed or vanished (another terminal refreshed or logged out).
# Builtins only: this runs before every prompt while a profile is active.
__ssoenv_due() {
    [[ -n ${BASH_VERSION-} ]] || \builtin emulate -L zsh
    \builtin local __ssoenv_t
    __ssoenv_now
    if __ssoenv_is_int "${__SSOENV_RETRY_AT-}" && ((__ssoenv_t < __SSOENV_RETRY_AT)); then
        \builtin return 1 # backing off after a failed refresh
    fi
    if ! __ssoenv_is_int "${__SSOENV_REFRESH_AT-}" || ((__ssoenv_t >= __SSOENV_REFRESH_AT)); then
        \builtin return 0
    fi
    [[ -n ${__SSOENV_CRED_FILE-} ]] || \builtin return 1
    [[ ! -e ${__SSOENV_CRED_FILE} ]] && \builtin return 0
    # Trust a marker only in a folder of ours: a stranger's could force or hide refreshes.
    [[ -n ${__SSOENV_MARKER-} && -O ${__SSOENV_MARKER%/*} && ! -L ${__SSOENV_MARKER%/*} &&
        ${__SSOENV_CRED_FILE} -nt ${__SSOENV_MARKER} ]]
}

# Run `ssoenv hook-env` (never logs in, short timeouts) and apply what it prints.
__ssoenv_hook_env() {
    [[ -n ${BASH_VERSION-} ]] || \builtin emulate -L zsh
    \builtin local __ssoenv_t __ssoenv_code
    __ssoenv_now
    # Arm a back-off first; hook-env disarms it on success. A crash or a
    # Ctrl-C therefore cannot make every following prompt start ssoenv again.
    \builtin export __SSOENV_RETRY_AT=$((__ssoenv_t + 60))
    if __ssoenv_code=$(__SSOENV_SHELL_PID=$$ \command @SSOENV_EXE@ hook-env --shell @SSOENV_SHELL@); then
        __ssoenv_apply "${__ssoenv_code}"
    fi
    [[ -n ${SSOENV_PROFILE-} && -z ${__SSOENV_RETRY_AT-} ]] || \builtin return 0
    # Success. If a refresh is somehow still due (credentials living under a
    # minute), wait a minute rather than run on every prompt.
    if ! __ssoenv_is_int "${__SSOENV_REFRESH_AT-}" || ((__SSOENV_REFRESH_AT <= __ssoenv_t)); then
        \builtin export __SSOENV_RETRY_AT=$((__ssoenv_t + 60))
    fi
}

# Before each prompt: refresh or pick up credentials when due; keep $?.
__ssoenv_precmd() {
    \builtin local -i __ssoenv_status=$? # first, before any test changes $?
    [[ -n ${BASH_VERSION-} ]] || \builtin emulate -L zsh
    __ssoenv_hooked=1 # the doctor's proof that some prompt runs this hook
    if [[ -n ${SSOENV_PROFILE-} ]] && __ssoenv_due; then
        __ssoenv_hook_env
    fi
    \builtin return "${__ssoenv_status}"
}

# =============================================================================
#
# Commands for the user.
#

# ssoenv: `use` and `logout` change this shell (through eval); any other
# subcommand, or --shell/--help, runs the program as is.
ssoenv() {
    [[ -n ${BASH_VERSION-} ]] || \builtin emulate -L zsh
    \builtin local __ssoenv_i=0 __ssoenv_arg='' __ssoenv_code __ssoenv_pid=$$
    # The subcommand is the first word that is not an option (ssoenv's own
    # options take no value).
    for __ssoenv_arg in "$@"; do
        __ssoenv_i=$((__ssoenv_i + 1))
        [[ ${__ssoenv_arg} == -* ]] || break
    done
    case ${__ssoenv_arg} in
    use | logout) ;;
    *)
        \command @SSOENV_EXE@ "$@"
        \builtin return
        ;;
    esac
    for __ssoenv_arg in "$@"; do
        case ${__ssoenv_arg} in
        --) break ;;
        --shell | --shell=* | -s | -s?* | --help | -h)
            \command @SSOENV_EXE@ "$@"
            \builtin return
            ;;
        *) ;;
        esac
    done
    # A subshell shares $$ with its parent: it must not move the parent's marker.
    # (Each shell counts its subshells in its own variable; the other one is unset.)
    ((${BASH_SUBSHELL:-${ZSH_SUBSHELL:-0}} == 0)) || __ssoenv_pid=''
    __ssoenv_code=$(__SSOENV_SHELL_PID=${__ssoenv_pid} \command @SSOENV_EXE@ \
        "${@:1:__ssoenv_i}" --shell @SSOENV_SHELL@ "${@:__ssoenv_i+1}")
    \builtin local __ssoenv_status=$?
    # 9 is "partly done": a logout that ended this machine's session but not
    # every item; its code still clears the shell.
    ((__ssoenv_status == 0 || __ssoenv_status == 9)) || \builtin return "${__ssoenv_status}"
    __ssoenv_apply "${__ssoenv_code}"
    __ssoenv_doctor
    \builtin return "${__ssoenv_status}"
}

# ssoenv_prompt [-v VAR]: the badge for a prompt: "dev 42m", "dev 1h05m",
# "dev 42m!" (keys still valid, a login is needed), "dev 42m~" (the last refresh
# failed for a reason that may pass; it retries), "dev expired", or nothing.
# With -v VAR it sets VAR instead of printing: no subshell in the prompt hook.
# In a zsh prompt with PROMPT_SUBST, write ${VAR//\%/%%}: a `%` of a profile
# name is text.
ssoenv_prompt() {
    [[ -n ${BASH_VERSION-} ]] || \builtin emulate -L zsh
    \builtin local __ssoenv_badge='' __ssoenv_t __ssoenv_left
    if [[ -n ${SSOENV_PROFILE-} ]]; then
        # A profile name comes from a config file: no control character of it
        # may reach the terminal (ESC sequences retitle or repaint it).
        __ssoenv_badge=${SSOENV_PROFILE//[![:print:]]/?}
        if __ssoenv_is_int "${SSOENV_EXPIRES-}"; then
            __ssoenv_now
            __ssoenv_left=$(((SSOENV_EXPIRES - __ssoenv_t) / 60))
            if ((SSOENV_EXPIRES <= __ssoenv_t)); then
                __ssoenv_badge+=' expired'
            elif ((__ssoenv_left >= 60)); then
                \builtin printf -v __ssoenv_badge '%s %dh%02dm' "${__ssoenv_badge}" \
                    $((__ssoenv_left / 60)) $((__ssoenv_left % 60))
            else
                __ssoenv_badge+=" ${__ssoenv_left}m"
            fi
            if ((SSOENV_EXPIRES > __ssoenv_t)) && __ssoenv_is_int "${SSOENV_SESSION_EXPIRES-}" &&
                ((SSOENV_SESSION_EXPIRES <= __ssoenv_t)); then
                __ssoenv_badge+='!'
            elif ((SSOENV_EXPIRES > __ssoenv_t)) && [[ -n ${SSOENV_RETRYING-} ]]; then
                __ssoenv_badge+='~'
            fi
        fi
    fi
    if [[ ${1-} == -v ]]; then
        \builtin printf -v "${2:?ssoenv_prompt -v needs a variable name}" '%s' "${__ssoenv_badge}"
    elif [[ -n ${__ssoenv_badge} ]]; then
        \builtin printf '%s\n' "${__ssoenv_badge}"
    fi
}
