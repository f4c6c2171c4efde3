# shellcheck shell=bash
# =============================================================================
#
# bash's own part (shell/bash.sh), after the code it shares with zsh
# (shell/common.sh): the clock, how ssoenv's output is evaluated, the hook in
# PROMPT_COMMAND, the doctor, the completions.
#

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
