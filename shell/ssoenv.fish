# ssoenv shell integration for fish (3.1 and later), printed by `ssoenv init fish`.
#
# It defines the `ssoenv` function (it sources what `ssoenv use` and
# `ssoenv logout` print), a fish_prompt handler that keeps this shell's
# credentials fresh, the `ssoenv_prompt` badge, and completions. On a normal
# prompt the handler starts no process with fish 3.5 or later (`path mtime`
# stands in for a clock); older fish runs one `date`.

# =============================================================================
#
# Utilities.
#

# The marker: `ssoenv use` and `ssoenv hook-env` give a file of this shell's
# (named by the PID we pass as __SSOENV_SHELL_PID) the credential file's
# modification time, and export its path as __SSOENV_MARKER, so `test -nt`
# (fish 3.6) sees another terminal's refresh. ssoenv picks and verifies the
# folder (a folder in /tmp may be someone else's).

if contains -- path (builtin -n)
    # Print the current time in epoch seconds, with no process: fish has no
    # clock, but `path mtime --relative` is "now minus mtime", so mtime plus
    # that is now (fish's own data dir rarely changes).
    function __ssoenv_now
        set -l file $__fish_data_dir /
        set -l mtime (path mtime -- $file[1])
        set -l age (path mtime --relative -- $file[1])
        math $mtime + $age
    end
else
    # Print the current time in epoch seconds: one `date` (fish before 3.5).
    function __ssoenv_now
        command date +%s
    end
end

if test / -ef / 2>/dev/null
    # Succeed when the credential file this shell loaded vanished or is newer
    # than the marker: another terminal logged out or refreshed.
    function __ssoenv_cred_file_changed
        set -q __SSOENV_CRED_FILE; or return 1
        test -e "$__SSOENV_CRED_FILE"; or return 0
        # Trust a marker only in a folder of ours: a stranger's could force or hide refreshes.
        set -q __SSOENV_MARKER[1]; or return 1
        set -l folder (string replace -r '/[^/]*$' '' -- $__SSOENV_MARKER[1])
        test -O "$folder"; and not test -L "$folder"
        and test "$__SSOENV_CRED_FILE" -nt "$__SSOENV_MARKER[1]"
    end
else
    # Succeed when the credential file this shell loaded vanished (another
    # terminal logged out). fish before 3.6 has no `test -nt`: a refresh made
    # elsewhere reaches this shell at its own refresh time.
    function __ssoenv_cred_file_changed
        set -q __SSOENV_CRED_FILE; and not test -e "$__SSOENV_CRED_FILE"
    end
end

# Remove this shell's marker when it exits. Only its own: a child shell
# inherits the parent's __SSOENV_MARKER until its first refresh.
function __ssoenv_exit --on-event fish_exit
    string match -q -- "*/marker.$fish_pid" "$__SSOENV_MARKER"; or return 0
    test -e "$__SSOENV_MARKER"; and command rm -f -- $__SSOENV_MARKER
end

# Run ssoenv with $argv and source what it prints, only if it succeeded; return
# its exit status. A pipe, not a command substitution: fish gives the latter
# the terminal's stderr, ignoring the caller's `2>/dev/null`.
function __ssoenv_source
    __SSOENV_SHELL_PID=$fish_pid command @SSOENV_EXE@ $argv | read -lz code
    set -l exit_status $pipestatus[1]
    # 9 is "partly done": a logout that ended this machine's session but not
    # every item; its code still clears the shell.
    contains -- $exit_status 0 9; or return $exit_status
    printf '%s' $code | source
    return $exit_status
end

# Succeed when $argv[1] is a plain non-negative integer.
function __ssoenv_is_int
    string match -qr '^[0-9]+$' -- $argv[1]
end

# =============================================================================
#
# Hook configuration.
#

# Succeed when the hook has work: the credentials are due a refresh, or their
# cache file changed or vanished. Builtins only (from fish 3.5 on).
function __ssoenv_due
    set -l now (__ssoenv_now)
    if __ssoenv_is_int "$__SSOENV_RETRY_AT"; and test $now -lt $__SSOENV_RETRY_AT
        return 1 # backing off after a failed refresh
    end
    if not __ssoenv_is_int "$__SSOENV_REFRESH_AT"; or test $now -ge $__SSOENV_REFRESH_AT
        return 0
    end
    __ssoenv_cred_file_changed
end

# Run `ssoenv hook-env` (never logs in, short timeouts) and apply what it prints.
function __ssoenv_hook_env
    set -l now (__ssoenv_now)
    # Arm a back-off first; hook-env disarms it on success. A crash or a
    # Ctrl-C therefore cannot make every following prompt start ssoenv again.
    set -gx __SSOENV_RETRY_AT (math $now + 60)
    __ssoenv_source hook-env --shell fish
    set -q SSOENV_PROFILE; and not set -q __SSOENV_RETRY_AT; or return 0
    # Success. If a refresh is somehow still due (credentials living under a
    # minute), wait a minute rather than run on every prompt.
    if not __ssoenv_is_int "$__SSOENV_REFRESH_AT"; or test $__SSOENV_REFRESH_AT -le $now
        set -gx __SSOENV_RETRY_AT (math $now + 60)
    end
end

# Before each prompt: refresh or pick up credentials when due; keep $status.
# Other fish_prompt handlers (direnv's, for one) are left alone.
function __ssoenv_precmd --on-event fish_prompt
    set -l last_status $status
    if test -n "$SSOENV_PROFILE"; and __ssoenv_due
        __ssoenv_hook_env
    end
    return $last_status
end

# =============================================================================
#
# Commands for the user.
#

# ssoenv: `use` and `logout` change this shell (through source); any other
# subcommand, or --shell/--help, runs the program as is.
function ssoenv --description 'AWS IAM Identity Center role credentials in this shell'
    # The subcommand is the first word that is not an option (ssoenv's own
    # options take no value).
    set -l i 1
    while set -q argv[$i]; and string match -q -- '-*' $argv[$i]
        set i (math $i + 1)
    end
    if not set -q argv[$i]; or not contains -- $argv[$i] use logout
        command @SSOENV_EXE@ $argv
        return
    end
    for arg in $argv
        test "$arg" = --; and break
        if string match -qr -- '^(--shell(=.*)?|-s.*|--help|-h)$' $arg
            command @SSOENV_EXE@ $argv
            return
        end
    end
    set -l rest $argv
    set -e rest[1..$i]
    __ssoenv_source $argv[1..$i] --shell fish $rest
end

# ssoenv_prompt: the badge for a prompt: "dev 42m", "dev 1h05m", "dev 42m!"
# (keys still valid, a login is needed), "dev 42m~" (the last refresh failed
# for a reason that may pass; it retries), "dev expired", or nothing.
function ssoenv_prompt --description 'The ssoenv badge for a prompt, e.g. "dev 42m"'
    test -n "$SSOENV_PROFILE"; or return 0
    # A profile name comes from a config file: no control character of it may
    # reach the terminal (ESC sequences retitle or repaint it).
    set -l badge (string replace -ra '[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]' '?' -- $SSOENV_PROFILE)
    if __ssoenv_is_int "$SSOENV_EXPIRES"
        set -l now (__ssoenv_now)
        set -l left (math --scale 0 "($SSOENV_EXPIRES - $now) / 60")
        if test $SSOENV_EXPIRES -le $now
            set badge "$badge expired"
        else if test $left -ge 60
            set badge (printf '%s %dh%02dm' $badge (math --scale 0 "$left / 60") (math "$left % 60"))
        else
            set badge "$badge $left"m
        end
        if test $SSOENV_EXPIRES -gt $now; and __ssoenv_is_int "$SSOENV_SESSION_EXPIRES"
            and test $SSOENV_SESSION_EXPIRES -le $now
            set badge "$badge!"
        else if test $SSOENV_EXPIRES -gt $now; and test -n "$SSOENV_RETRYING"
            set badge "$badge~"
        end
    end
    printf '%s\n' $badge
end

# =============================================================================
#
# Completions (completions/ssoenv.fish).
#

@SSOENV_COMPLETIONS@

# =============================================================================
#
# To initialize ssoenv, add this to your configuration (usually
# ~/.config/fish/config.fish):
#
#   ssoenv init fish | source
#
# Then `ssoenv use PROFILE`; `ssoenv_prompt` gives a badge for fish_right_prompt.
