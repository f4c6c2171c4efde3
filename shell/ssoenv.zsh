# shellcheck shell=bash
# ssoenv shell integration for zsh, printed by `ssoenv init zsh`.
#
# It defines the `ssoenv` function (it evaluates what `ssoenv use` and
# `ssoenv logout` print), a precmd hook that keeps this shell's credentials
# fresh, the `ssoenv_prompt` badge, and completions. On a normal prompt the hook
# starts no process: it compares integers kept in the environment with
# $EPOCHSECONDS (zsh/datetime), and the credential file with a marker (`-nt`).
#
# ShellCheck has no zsh mode, so this file is written to parse as bash too and
# is checked as bash; zsh-only syntax lives in completions/_ssoenv.

# =============================================================================
#
# Utilities.
#

# The marker: `ssoenv use` and `ssoenv hook-env` give a file of this shell's
# (named by the PID we pass as __SSOENV_SHELL_PID) the credential file's
# modification time, and export its path as __SSOENV_MARKER, so `-nt` sees
# another terminal's refresh. ssoenv picks and verifies the folder (a folder
# in /tmp may be someone else's).

# Define __ssoenv_now: it sets __ssoenv_t to the epoch seconds. zsh/datetime
# gives EPOCHSECONDS with no process; only a zsh built without it needs `date`.
if \builtin zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null; then
    __ssoenv_now() { __ssoenv_t=${EPOCHSECONDS}; }
else
    __ssoenv_now() { __ssoenv_t=$(\command date +%s); }
fi

# Succeed when $1 is a plain non-negative integer, safe inside (( )).
__ssoenv_is_int() {
    [[ -n ${1-} && ${1} != *[!0-9]* ]]
}

# Evaluate shell code printed by ssoenv with Ctrl-C ignored, so that an
# interrupt cannot leave half of the variables set (as direnv does), and with
# aliases off, so that an alias named `export` or `unset` cannot hijack it.
# Both last only while the function runs (emulate -L: local options and traps).
__ssoenv_apply() {
    \builtin emulate -L zsh
    \builtin setopt no_aliases
    \builtin trap '' INT
    \builtin eval "${1}"
}

# =============================================================================
#
# Hook configuration.
#

# Succeed when the hook has work: the credentials are due a refresh, or their
# cache file changed or vanished (another terminal refreshed or logged out).
# Builtins only: this runs before every prompt while a profile is active.
__ssoenv_due() {
    \builtin emulate -L zsh
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
    \builtin emulate -L zsh
    \builtin local __ssoenv_t __ssoenv_code
    __ssoenv_now
    # Arm a back-off first; hook-env disarms it on success. A crash or a
    # Ctrl-C therefore cannot make every following prompt start ssoenv again.
    \builtin export __SSOENV_RETRY_AT=$((__ssoenv_t + 60))
    if __ssoenv_code=$(__SSOENV_SHELL_PID=$$ \command @SSOENV_EXE@ hook-env --shell zsh); then
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
    \builtin local -i __ssoenv_status=$?
    \builtin emulate -L zsh
    __ssoenv_hooked=1 # the doctor's proof that some prompt runs this hook
    if [[ -n ${SSOENV_PROFILE-} ]] && __ssoenv_due; then
        __ssoenv_hook_env
    fi
    \builtin return "${__ssoenv_status}"
}

# Remove this shell's marker when it exits (zf_rm: no process). Only its own:
# a child shell inherits the parent's __SSOENV_MARKER until its first refresh.
__ssoenv_exit() {
    \builtin emulate -L zsh
    [[ ${__SSOENV_MARKER-} == */marker.$$ && -O ${__SSOENV_MARKER%/*} && -e ${__SSOENV_MARKER} ]] ||
        \builtin return 0
    \builtin zmodload -F zsh/files b:zf_rm 2>/dev/null && zf_rm -f -- "${__SSOENV_MARKER}"
}

# Register the hooks once. The precmd goes first, so prompt frameworks that
# build the prompt in their own precmd (powerlevel10k) already see fresh values;
# that is why it is not appended with add-zsh-hook.
__ssoenv_register() {
    \builtin emulate -L zsh
    \builtin typeset -ga precmd_functions zshexit_functions
    if [[ " ${precmd_functions[*]} " != *" __ssoenv_precmd "* ]]; then
        precmd_functions=(__ssoenv_precmd "${precmd_functions[@]}")
    fi
    if [[ " ${zshexit_functions[*]} " != *" __ssoenv_exit "* ]]; then
        zshexit_functions+=(__ssoenv_exit)
    fi
    # compdef exists once compinit has run. If it has not run yet (compinit
    # often comes later in ~/.zshrc), register at the first prompt instead.
    if \builtin typeset -f compdef >/dev/null; then
        compdef _ssoenv ssoenv
    elif [[ " ${precmd_functions[*]} " != *" __ssoenv_compdef "* ]]; then
        precmd_functions+=(__ssoenv_compdef)
    fi
}

# At the first prompt: register the completion if compinit has run by now, and
# drop this hook either way.
__ssoenv_compdef() {
    \builtin emulate -L zsh
    \builtin local -a __ssoenv_kept
    \builtin local __ssoenv_fn
    for __ssoenv_fn in "${precmd_functions[@]}"; do
        [[ ${__ssoenv_fn} == __ssoenv_compdef ]] || __ssoenv_kept+=("${__ssoenv_fn}")
    done
    precmd_functions=("${__ssoenv_kept[@]}")
    if \builtin typeset -f compdef >/dev/null; then
        compdef _ssoenv ssoenv
    fi
}

# Warn once when the hook has never run and is no longer in precmd_functions (a
# framework loaded later replaced them); SSOENV_DOCTOR=0 silences this.
__ssoenv_doctor() {
    \builtin emulate -L zsh
    [[ ${SSOENV_DOCTOR-} != 0 && -z ${__ssoenv_doctor_done-}${__ssoenv_hooked-} ]] || \builtin return 0
    [[ " ${precmd_functions[*]} " == *" __ssoenv_precmd "* ]] && \builtin return 0
    \builtin typeset -g __ssoenv_doctor_done=1
    # shellcheck disable=SC2016 # the $(...) is text for the user to copy, not to expand.
    \builtin print -ru2 -- \
        'ssoenv: the prompt hook is not in precmd_functions, so credentials will not refresh;' \
        '  put eval "$(ssoenv init zsh)" after the frameworks that reset them in ~/.zshrc (SSOENV_DOCTOR=0 hides this)'
}

# =============================================================================
#
# Commands for the user.
#

# ssoenv: `use` and `logout` change this shell (through eval); any other
# subcommand, or --shell/--help, runs the program as is.
ssoenv() {
    \builtin emulate -L zsh
    \builtin local -i __ssoenv_i=0
    \builtin local __ssoenv_arg='' __ssoenv_code __ssoenv_pid=$$
    # The subcommand is the first word that is not an option (ssoenv's own
    # options take no value).
    for __ssoenv_arg in "$@"; do
        __ssoenv_i+=1
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
    ((${ZSH_SUBSHELL:-0} == 0)) || __ssoenv_pid=''
    __ssoenv_code=$(__SSOENV_SHELL_PID=${__ssoenv_pid} \command @SSOENV_EXE@ \
        "${@:1:__ssoenv_i}" --shell zsh "${@:__ssoenv_i+1}")
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
# With -v VAR it sets VAR instead of printing: no subshell in a precmd. In a
# prompt with PROMPT_SUBST, write ${VAR//\%/%%}: a `%` of a profile name is text.
ssoenv_prompt() {
    \builtin emulate -L zsh
    \builtin local __ssoenv_badge='' __ssoenv_t __ssoenv_left
    if [[ -n ${SSOENV_PROFILE-} ]]; then
        # A profile name comes from a config file: no control character of it
        # may reach the terminal (ESC sequences retitle or repaint it).
        __ssoenv_badge=${SSOENV_PROFILE//[^[:print:]]/?}
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
        \builtin typeset -g "${2:?ssoenv_prompt -v needs a variable name}=${__ssoenv_badge}"
    elif [[ -n ${__ssoenv_badge} ]]; then
        \builtin print -r -- "${__ssoenv_badge}"
    fi
}

# =============================================================================
#
# Completions (completions/_ssoenv, the body of the function _ssoenv).
#

_ssoenv() {
    @SSOENV_COMPLETIONS@
}

__ssoenv_register

# =============================================================================
#
# To initialize ssoenv, add this to your configuration (usually ~/.zshrc):
#
#   eval "$(ssoenv init zsh)"
#
# Then `ssoenv use PROFILE`; `ssoenv_prompt` gives a badge for RPROMPT.
