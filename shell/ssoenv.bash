# shellcheck shell=bash
# ssoenv shell integration for bash (3.2 and later), printed by `ssoenv init bash`.
#
# It defines the `ssoenv` function (it evaluates what `ssoenv use` and
# `ssoenv logout` print), a prompt hook that keeps this shell's credentials
# fresh, the `ssoenv_prompt` badge, and completions. On a normal prompt the hook
# starts no process: it compares integers kept in the environment with the
# shell's own clock, and the credential file with a marker file (`-nt`).

# =============================================================================
#
# Utilities.
#

# The marker: `ssoenv use` and `ssoenv hook-env` give a file of this shell's
# (named by the PID we pass as __SSOENV_SHELL_PID) the credential file's
# modification time, and export its path as __SSOENV_MARKER, so `-nt` sees
# another terminal's refresh. ssoenv picks and verifies the folder (a folder
# in /tmp may be someone else's); `exec bash` keeps the PID and the environment.

# Define __ssoenv_now for bash MAJOR.MINOR: it sets __ssoenv_t to the epoch seconds.
__ssoenv_pick_clock() {
    if ((${1} >= 5)) && [[ -n ${EPOCHSECONDS-} ]]; then
        __ssoenv_now() { __ssoenv_t=${EPOCHSECONDS}; }
    elif ((${1} > 4 || (${1} == 4 && ${2} >= 2))); then
        __ssoenv_now() { \builtin printf -v __ssoenv_t '%(%s)T' -1; }
    else
        # bash 3.2 (macOS) has no clock of its own: one `date` per call.
        __ssoenv_now() { __ssoenv_t=$(\command date +%s); }
    fi
}
__ssoenv_pick_clock "${BASH_VERSINFO[0]}" "${BASH_VERSINFO[1]}"

# Succeed when $1 is a plain non-negative integer, safe inside (( )).
__ssoenv_is_int() {
    [[ -n ${1-} && ${1} != *[!0-9]* ]]
}

# Evaluate shell code printed by ssoenv with Ctrl-C ignored, so that an
# interrupt cannot leave half of the variables set (as direnv does), and with
# aliases off, so that an alias named `export` or `unset` cannot hijack it.
__ssoenv_apply() {
    \builtin local __ssoenv_saved_trap __ssoenv_aliases=''
    # Only reached when ssoenv itself ran: one more subshell does not matter here.
    __ssoenv_saved_trap=$(\builtin trap -p INT)
    \builtin shopt -q expand_aliases && __ssoenv_aliases=1
    \builtin shopt -u expand_aliases
    \builtin trap '' INT
    \builtin eval "${1}"
    \builtin eval "${__ssoenv_saved_trap:-\builtin trap - INT}"
    [[ -z ${__ssoenv_aliases} ]] || \builtin shopt -s expand_aliases
}

# =============================================================================
#
# Hook configuration.
#

# Succeed when the hook has work: the credentials are due a refresh, or their
# cache file changed or vanished (another terminal refreshed or logged out).
# Builtins only: this runs before every prompt while a profile is active.
__ssoenv_due() {
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
    \builtin local __ssoenv_t __ssoenv_code
    __ssoenv_now
    # Arm a back-off first; hook-env disarms it on success. A crash or a
    # Ctrl-C therefore cannot make every following prompt start ssoenv again.
    \builtin export __SSOENV_RETRY_AT=$((__ssoenv_t + 60))
    if __ssoenv_code=$(__SSOENV_SHELL_PID=$$ \command @SSOENV_EXE@ hook-env --shell bash); then
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
    \builtin local __ssoenv_status=$?
    __ssoenv_hooked=1 # the doctor's proof that some prompt runs this hook
    if [[ -n ${SSOENV_PROFILE-} ]] && __ssoenv_due; then
        __ssoenv_hook_env
    fi
    \builtin return "${__ssoenv_status}"
}

# Succeed when PROMPT_COMMAND is an array (bash 5.1 runs each element).
__ssoenv_prompt_command_is_array() {
    ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 501)) || \builtin return 1
    [[ -n ${PROMPT_COMMAND[*]+set} && ${PROMPT_COMMAND@a} == *a* ]]
}

# Run the hook first, so the prompt (and tools like starship) see fresh values.
if [[ ";${PROMPT_COMMAND[*]-};" != *__ssoenv_precmd* ]]; then
    if __ssoenv_prompt_command_is_array; then
        PROMPT_COMMAND=(__ssoenv_precmd "${PROMPT_COMMAND[@]}")
    else
        # shellcheck disable=SC2178 # a string stays a string (the array case is above).
        PROMPT_COMMAND="__ssoenv_precmd${PROMPT_COMMAND:+;${PROMPT_COMMAND#;}}"
    fi
fi

# Warn once when the hook has never run and is no longer in PROMPT_COMMAND (a
# framework loaded later replaced it); SSOENV_DOCTOR=0 silences this.
__ssoenv_doctor() {
    [[ ${SSOENV_DOCTOR-} != 0 && -z ${__ssoenv_doctor_done-}${__ssoenv_hooked-} ]] || \builtin return 0
    # starship keeps the PROMPT_COMMAND it replaced in a variable of its own and runs it.
    [[ "${PROMPT_COMMAND[*]-} ${_PRESERVED_PROMPT_COMMAND-} ${STARSHIP_PROMPT_COMMAND-}" == *__ssoenv_precmd* ]] &&
        \builtin return 0
    __ssoenv_doctor_done=1
    # shellcheck disable=SC2016 # the $(...) is text for the user to copy, not to expand.
    \builtin printf '%s\n' \
        'ssoenv: the prompt hook is not in PROMPT_COMMAND, so credentials will not refresh;' \
        '  put eval "$(ssoenv init bash)" after the tools that set PROMPT_COMMAND in ~/.bashrc (SSOENV_DOCTOR=0 hides this)' >&2
}

# =============================================================================
#
# Commands for the user.
#

# ssoenv: `use` and `logout` change this shell (through eval); any other
# subcommand, or --shell/--help, runs the program as is.
ssoenv() {
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
    ((${BASH_SUBSHELL:-0} == 0)) || __ssoenv_pid=''
    __ssoenv_code=$(__SSOENV_SHELL_PID=${__ssoenv_pid} \command @SSOENV_EXE@ \
        "${@:1:__ssoenv_i}" --shell bash "${@:__ssoenv_i+1}")
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
# With -v VAR it sets VAR instead of printing: no subshell in PROMPT_COMMAND.
ssoenv_prompt() {
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

# =============================================================================
#
# Completions (completions/ssoenv.bash).
#

@SSOENV_COMPLETIONS@

# =============================================================================
#
# To initialize ssoenv, add this to your configuration (usually ~/.bashrc):
#
#   eval "$(ssoenv init bash)"
#
# Then `ssoenv use PROFILE`; `ssoenv_prompt` gives a badge for PS1.
