# ssoenv shell integration for nushell (0.108 and later), printed by
# `ssoenv init nu`.
#
# It defines the `ssoenv` command (it loads the record that `ssoenv use` and
# `ssoenv logout` print with `--shell nu`), a pre_prompt hook that keeps this
# shell's credentials fresh, the `ssoenv_prompt` badge, and completions. On a
# normal prompt the hook starts no process: it compares integers kept in the
# environment with `date now`, and the credential file's modification time with
# a marker file's (`ls`, a builtin).
#
# Nushell cannot evaluate text, so ssoenv prints data: one JSON record whose
# null values are the variables to remove (ssoenv/shells/nu.py).

# =============================================================================
#
# Utilities.
#

# The marker: `ssoenv use` and `ssoenv hook-env` give a file of this shell's
# (named by the PID we pass as __SSOENV_SHELL_PID) the credential file's
# modification time, and export its path as __SSOENV_MARKER, so comparing the
# two sees another terminal's refresh. ssoenv picks and verifies the folder (a
# folder in /tmp may be someone else's). Nushell has no exit hook: ssoenv
# removes the markers of shells that are gone when it makes a new one.

# The epoch seconds, from nushell's own clock.
def __ssoenv_now []: nothing -> int {
    (date now | into int) // 1_000_000_000
}

# $value as an int when it is a plain non-negative integer (as ssoenv exports
# them), else null.
def __ssoenv_int [value: any]: nothing -> any {
    if ($value | describe) == 'string' and $value =~ '^[0-9]{1,18}$' {
        $value | into int
    } else {
        null
    }
}

# Run ssoenv with the arguments $args; its stdout is the result, its stderr goes to the
# terminal as it is written (login URLs and codes, questions, one-line errors),
# and stdin stays the terminal's. `complete` alone would hold stderr back until
# ssoenv ends, so stderr is appended to this shell's own (`e>>`, never a
# truncation of a file the user redirected it to).
def __ssoenv_run [pid: string, args: list<string>]: nothing -> record {
    with-env {__SSOENV_SHELL_PID: $pid} {
        ^@SSOENV_EXE@ ...$args e>> /dev/stderr | complete
    }
}

# Apply the record ssoenv printed: set its strings, remove its nulls.
def --env __ssoenv_apply [text: string] {
    if ($text | str trim) == '' {
        return
    }
    let record = ($text | from json)
    let removed = ($record | columns | where {|name| ($record | get $name) == null })
    load-env ($record | reject ...$removed)
    for name in $removed { hide-env -i $name }
}

# =============================================================================
#
# Hook configuration.
#

# True when the hook has work: the credentials are due a refresh, or their
# cache file changed or vanished (another terminal refreshed or logged out).
# Builtins only: this runs before every prompt while a profile is active.
def __ssoenv_due []: nothing -> bool {
    let now = (__ssoenv_now)
    let retry_at = (__ssoenv_int $env.__SSOENV_RETRY_AT?)
    if $retry_at != null and $now < $retry_at {
        return false # backing off after a failed refresh
    }
    let refresh_at = (__ssoenv_int $env.__SSOENV_REFRESH_AT?)
    if $refresh_at == null or $now >= $refresh_at {
        return true
    }
    let credentials = ($env.__SSOENV_CRED_FILE? | default '')
    if ($credentials | describe) != 'string' or $credentials == '' {
        return false
    }
    if not ($credentials | path exists) {
        return true
    }
    let marker = ($env.__SSOENV_MARKER? | default '')
    if ($marker | describe) != 'string' or $marker == '' or not ($marker | path exists) {
        return false
    }
    # Trust a marker only in a real folder (no link) owned by whoever owns the
    # credentials: a stranger's could force or hide refreshes. One `ls` for the
    # three (each call costs about 0.3 ms; the rest of the hook, 0.05 ms).
    let entries = (ls -lD ($marker | path dirname) $credentials $marker)
    if ($entries | length) != 3 or $entries.0.type != 'dir' or $entries.0.user != $entries.1.user {
        return false
    }
    $entries.1.modified > $entries.2.modified
}

# Run `ssoenv hook-env` (never logs in, short timeouts) and apply what it prints.
def --env __ssoenv_hook_env [] {
    let now = (__ssoenv_now)
    # Arm a back-off first; hook-env disarms it on success. A crash or a
    # Ctrl-C therefore cannot make every following prompt start ssoenv again.
    $env.__SSOENV_RETRY_AT = ($now + 60 | into string)
    let result = (__ssoenv_run ($nu.pid | into string) [hook-env --shell nu])
    if $result.exit_code == 0 {
        __ssoenv_apply $result.stdout
    }
    if ($env.SSOENV_PROFILE? | is-empty) or '__SSOENV_RETRY_AT' in $env {
        return
    }
    # Success. If a refresh is somehow still due (credentials living under a
    # minute), wait a minute rather than run on every prompt.
    let refresh_at = (__ssoenv_int $env.__SSOENV_REFRESH_AT?)
    if $refresh_at == null or $refresh_at <= $now {
        $env.__SSOENV_RETRY_AT = ($now + 60 | into string)
    }
}

# Before each prompt: refresh or pick up credentials when due. The exit code
# of the user's last command stays what it was.
def --env __ssoenv_precmd [] {
    if ($env.SSOENV_PROFILE? | is-empty) or not (__ssoenv_due) {
        return
    }
    let last = $env.LAST_EXIT_CODE?
    __ssoenv_hook_env
    if $last != null { $env.LAST_EXIT_CODE = $last }
}

# True for the closure this script registers (found by its source text).
def __ssoenv_is_hook [hook: any]: nothing -> bool {
    ($hook | describe) == 'closure' and (view source $hook) =~ '__ssoenv_precmd'
}

# Run the hook first, so the prompt (and other hooks) see fresh values.
# Sourcing this file again replaces the hook instead of adding it twice.
$env.config.hooks.pre_prompt = (
    $env.config.hooks.pre_prompt?
    | default []
    | where {|hook| not (__ssoenv_is_hook $hook) }
    | prepend {|| __ssoenv_precmd }
)

# Warn when the hook is no longer registered (a later line of config.nu set
# $env.config.hooks.pre_prompt); SSOENV_DOCTOR=0 silences this.
def __ssoenv_doctor [] {
    if ($env.SSOENV_DOCTOR? | default '') == '0' {
        return
    }
    let hooks = ($env.config.hooks.pre_prompt? | default [])
    if ($hooks | any {|hook| __ssoenv_is_hook $hook }) {
        return
    }
    print -e (
        'ssoenv: the prompt hook is not in $env.config.hooks.pre_prompt, so credentials will not refresh;'
        + "\n  source ssoenv's script after the lines that set $env.config.hooks in config.nu (SSOENV_DOCTOR=0 hides this)"
    )
}

# =============================================================================
#
# Completions (completions/ssoenv.nu).
#

@SSOENV_COMPLETIONS@

# =============================================================================
#
# Commands for the user.
#

# AWS IAM Identity Center role credentials in this shell. `use` and `logout`
# change this shell (they load the record ssoenv prints); any other subcommand,
# or --shell/--help, runs the program as is.
def --env --wrapped ssoenv [...args: string@__ssoenv_complete] {
    # The subcommand is the first word that is not an option (ssoenv's own
    # options take no value).
    let at = ($args | enumerate | where {|arg| not ($arg.item | str starts-with '-') } | get 0?.index)
    let before_dashdash = ($args | take until {|arg| $arg == '--' })
    let prints = ($before_dashdash | any {|arg| $arg =~ '^(--shell(=.*)?|-s.*|--help|-h)$' })
    if $at == null or ($args | get $at) not-in [use logout] or $prints {
        ^@SSOENV_EXE@ ...$args
        return
    }
    let result = (
        __ssoenv_run ($nu.pid | into string) [...($args | take ($at + 1)) --shell nu ...($args | skip ($at + 1))]
    )
    # 9 is "partly done": a logout that ended this machine's session but not
    # every item; its record still clears the shell.
    if $result.exit_code in [0 9] {
        __ssoenv_apply $result.stdout
        __ssoenv_doctor
    }
    $env.LAST_EXIT_CODE = $result.exit_code
    if $result.exit_code != 0 {
        # ssoenv said what went wrong on stderr; this stops a script as a
        # failing external command would.
        error make --unspanned {msg: $"ssoenv exited with status ($result.exit_code)"}
    }
}

# ssoenv_prompt: the badge for a prompt: "dev 42m", "dev 1h05m", "dev 42m!"
# (keys still valid, a login is needed), "dev 42m~" (the last refresh failed
# for a reason that may pass; it retries), "dev expired", or "".
def ssoenv_prompt []: nothing -> string {
    let profile = ($env.SSOENV_PROFILE? | default '')
    if ($profile | describe) != 'string' or $profile == '' {
        return ''
    }
    # A profile name comes from a config file: no control character of it may
    # reach the terminal (ESC sequences retitle or repaint it).
    # (The test for printable ASCII first: the Unicode classes cost 0.4 ms.)
    let name = if $profile =~ '^[ -~]*$' {
        $profile
    } else {
        $profile | str replace -ar '[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]' '?'
    }
    let expires = (__ssoenv_int $env.SSOENV_EXPIRES?)
    if $expires == null {
        return $name
    }
    let now = (__ssoenv_now)
    if $expires <= $now {
        return $"($name) expired"
    }
    let left = ($expires - $now) // 60
    let time = if $left >= 60 {
        $"($left // 60)h($left mod 60 | fill -a right -c '0' -w 2)m"
    } else {
        $"($left)m"
    }
    let session = (__ssoenv_int $env.SSOENV_SESSION_EXPIRES?)
    let mark = if $session != null and $session <= $now {
        '!'
    } else if ($env.SSOENV_RETRYING? | is-not-empty) {
        '~'
    } else {
        ''
    }
    $"($name) ($time)($mark)"
}

# =============================================================================
#
# To initialize ssoenv, write this script once where nushell loads scripts at
# start-up (run it again after upgrading ssoenv):
#
#   ssoenv init nu | save -f ($nu.user-autoload-dirs | first | path join ssoenv.nu)
#
# Then `ssoenv use PROFILE`; `ssoenv_prompt` gives a badge for
# $env.PROMPT_COMMAND_RIGHT.
