# shellcheck shell=bash
# =============================================================================
#
# zsh's own part (shell/zsh.sh), after the code it shares with bash
# (shell/common.sh): the clock, how ssoenv's output is evaluated, the precmd
# and exit hooks, the doctor, the completions.
#
# ShellCheck has no zsh mode, so this file is written to parse as bash too and
# is checked as bash; zsh-only syntax lives in completions/_ssoenv.
#

# Define __ssoenv_now: it sets __ssoenv_t to the epoch seconds. zsh/datetime
# gives EPOCHSECONDS with no process; only a zsh built without it needs `date`.
if \builtin zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null; then
    __ssoenv_now() { __ssoenv_t=${EPOCHSECONDS}; }
else
    __ssoenv_now() { __ssoenv_t=$(\command date +%s); }
fi

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
