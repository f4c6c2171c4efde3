"""One module per command, named as the command (`exec.py` is `ssoenv exec`,
`hook_env.py` the hidden `ssoenv hook-env` the prompt hook runs). Each module's
`run(...)` takes the parsed arguments, does the command and returns its exit
code or None for 0; the typer layer (ssoenv.cli) and the fast paths (ssoenv.main)
both call it. Free of the CLI framework; heavy modules (the engine, and with it
`requests`) are imported inside the functions that need them. stdout carries
only shell code or data; people read stderr (ssoenv.runtime.say)."""
