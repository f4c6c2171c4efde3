"""Role chaining end to end, against the emulator's STS: ssoenv assumes the same
roles botocore assumes for the same profile, shares the AWS CLI's cache of
assumed-role credentials with botocore both ways, serves `use`, `exec`,
`credential-process`, `list` and the prompt hook for chained profiles, and says
in one line what is wrong with a broken chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.emulator import ANY_ISSUED, Emulator, Trust, sso_role_arn
from tests.helpers import eval_in_bash, run

DEV = "arn:aws:iam::222222222222:role/Dev"
DEPLOY = "arn:aws:iam::333333333333:role/Deploy"

CHAINS = f"""
[profile dev-role]
role_arn = {DEV}
source_profile = dev
external_id = ext-42
region = eu-west-1

[profile deploy]
role_arn = {DEPLOY}
source_profile = dev-role
region = us-west-2

[profile loop-a]
role_arn = {DEV}
source_profile = loop-b

[profile loop-b]
role_arn = {DEV}
source_profile = loop-a

[profile needs-mfa]
role_arn = {DEV}
source_profile = dev
mfa_serial = arn:aws:iam::111111111111:mfa/me
region = eu-west-1
"""


@pytest.fixture
def chained(aws_env: Path, emulator: Emulator) -> Emulator:
    """`deploy` <- `dev-role` <- `dev` (SSO), trusted as a real account would trust them."""
    aws_env.write_text(aws_env.read_text() + CHAINS)
    emulator.trust[DEV] = Trust(
        principals=(sso_role_arn("111111111111", "ReadOnly"),), external_id="ext-42"
    )
    emulator.trust[DEPLOY] = Trust(principals=(DEV,))
    assert run("login", "dev", "--no-browser").returncode == 0
    return emulator


BOTOCORE = """
import json, os, sys
import boto3
from botocore.utils import JSONFileCache
session = boto3.Session(profile_name=sys.argv[1])
if sys.argv[2] == "file-cache":  # as the AWS CLI sets it up
    provider = session._session.get_component("credential_provider").get_provider("assume-role")
    provider.cache = JSONFileCache(os.path.expanduser("~/.aws/cli/cache"))
creds = session.get_credentials().get_frozen_credentials()
print(json.dumps({"key": creds.access_key}))
"""


def botocore_key(profile: str, cache: str = "memory") -> str:
    done = subprocess.run(
        [sys.executable, "-c", BOTOCORE, profile, cache],
        capture_output=True,
        text=True,
        env=os.environ,
    )
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["key"])


def used(profile: str, env: dict[str, str] | None = None) -> dict[str, str]:
    done = run("use", profile, "--shell", "bash", env=env)
    assert done.returncode == 0, done.stderr
    return dict(line.split("=", 1) for line in eval_in_bash(done.stdout).splitlines())


def caller_arn(env: dict[str, str]) -> str:
    """GetCallerIdentity with the exported keys, by boto3, at the emulator."""
    import boto3

    client = boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=os.environ["AWS_ENDPOINT_URL_STS"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
    )
    return str(client.get_caller_identity()["Arn"])


def shape(calls: list[dict[str, str | None]]) -> list[tuple[object, ...]]:
    """What a chain asked STS for, with the generated session names' time left out."""
    return [
        (
            call["RoleArn"],
            (call["RoleSessionName"] or "").startswith("botocore-session-"),
            call["ExternalId"],
            call["DurationSeconds"],
        )
        for call in calls
    ]


def test_ssoenv_assumes_what_botocore_assumes(chained: Emulator) -> None:
    botocore_key("deploy")
    theirs = chained.assume_role_calls()
    assert [call["RoleArn"] for call in theirs] == [DEV, DEPLOY]
    env = used("deploy")
    ours = chained.assume_role_calls()[len(theirs) :]
    assert shape(ours) == shape(theirs)
    assert shape(ours) == [(DEV, True, "ext-42", None), (DEPLOY, True, None, None)]
    assert env["AWS_REGION"] == "us-west-2" and env["SSOENV_PROFILE"] == "deploy"
    # The keys are the Deploy role's: the emulator says who they belong to.
    assert caller_arn(env).startswith(
        "arn:aws:sts::333333333333:assumed-role/Deploy/botocore-session-"
    )


def test_the_aws_cli_cache_serves_both_ways(chained: Emulator) -> None:
    # botocore with the AWS CLI's file cache first: ssoenv then calls no STS at all.
    key = botocore_key("deploy", "file-cache")
    before = len(chained.assume_role_calls())
    assert used("deploy")["AWS_ACCESS_KEY_ID"] == key
    assert len(chained.assume_role_calls()) == before
    # And the reverse, from an empty cache.
    for cached in (Path.home() / ".aws" / "cli" / "cache").glob("*.json"):
        cached.unlink()
    ours = used("deploy")["AWS_ACCESS_KEY_ID"]
    before = len(chained.assume_role_calls())
    assert botocore_key("deploy", "file-cache") == ours
    assert len(chained.assume_role_calls()) == before


def test_a_warm_chain_touches_no_network(chained: Emulator) -> None:
    used("deploy")
    chained.reset_counts()
    again = used("deploy")
    assert sum(chained.calls.values()) == 0, chained.calls
    assert again["SSOENV_PROFILE"] == "deploy"


def test_exec_and_credential_process_serve_a_chain(chained: Emulator) -> None:
    key = used("deploy")["AWS_ACCESS_KEY_ID"]
    process = run("credential-process", "deploy")
    assert process.returncode == 0, process.stderr
    assert json.loads(process.stdout)["AccessKeyId"] == key
    shown = run(
        "exec",
        "deploy",
        "--",
        sys.executable,
        "-c",
        "import os; print(os.environ['AWS_ACCESS_KEY_ID'])",
    )
    assert shown.returncode == 0 and shown.stdout.strip() == key


def test_list_shows_the_chain(chained: Emulator) -> None:
    listed = run("list", "--json")
    assert listed.returncode == 0, listed.stderr
    row = next(r for r in json.loads(listed.stdout) if r["profile"] == "deploy")
    assert row["chain"] == ["deploy", "dev-role", "dev"]
    assert (row["account_id"], row["role_name"]) == ("333333333333", "Deploy")
    table = run("list").stdout
    assert "deploy \u2190 dev-role \u2190 dev" in table


def test_a_cycle_is_a_config_error_naming_it(chained: Emulator) -> None:
    done = run("use", "loop-a", "--shell", "bash")
    assert done.returncode == 3
    assert "loop-a -> loop-b -> loop-a" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_mfa_without_a_terminal_says_what_to_do(chained: Emulator) -> None:
    done = run("credential-process", "needs-mfa")
    assert done.returncode == 4
    assert "MFA" in done.stderr and "terminal" in done.stderr
    assert chained.assume_role_calls() == []


def test_access_denied_is_exit_6(chained: Emulator) -> None:
    chained.trust[DEV] = Trust(principals=("arn:aws:iam::999999999999:root",))
    done = run("use", "dev-role", "--shell", "bash")
    assert done.returncode == 6, done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_static_keys_from_the_credentials_file_start_a_chain(
    aws_env: Path, emulator: Emulator
) -> None:
    key, secret = emulator.add_user("111111111111", "me")
    credentials = Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"])
    credentials.write_text(f"[keys]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
    aws_env.write_text(
        aws_env.read_text()
        + f"\n[profile from-keys]\nrole_arn = {DEV}\nsource_profile = keys\nregion = eu-west-1\n"
    )
    emulator.trust[DEV] = Trust(principals=(ANY_ISSUED,))
    env = used("from-keys")
    assert emulator.assume_role_calls()[-1]["AccessKeyId"] == key
    assert caller_arn(env).startswith("arn:aws:sts::222222222222:assumed-role/Dev/")


def test_status_of_a_chained_shell_names_its_sso_session(chained: Emulator) -> None:
    env = used("deploy")
    shown = run("status", "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    found = json.loads(shown.stdout)
    assert found["profile"] == "deploy" and found["valid"] is True
    assert found["session_state"] == "logged-in"


def test_the_prompt_hook_refreshes_a_chain(chained: Emulator) -> None:
    env = used("deploy")
    for cached in (Path.home() / ".aws" / "cli" / "cache").glob("*.json"):
        cached.unlink()  # as if the credentials had run out
    env["__SSOENV_REFRESH_AT"] = "0"
    before = len(chained.assume_role_calls())
    hook = run("hook-env", "--shell", "bash", env=env)
    assert hook.returncode == 0, hook.stderr
    assert "export AWS_ACCESS_KEY_ID=" in hook.stdout
    assert [c["RoleArn"] for c in chained.assume_role_calls()[before:]] == [DEV, DEPLOY]


def test_logout_leaves_assumed_roles_as_aws_sso_logout_does(chained: Emulator) -> None:
    """The AWS CLI's assumed-role entries are not SSO entries: `ssoenv logout`, like
    `aws sso logout`, leaves them, and they serve the chain until they expire
    (credentials already issued cannot be revoked anyway)."""
    key = used("deploy")["AWS_ACCESS_KEY_ID"]
    cache = Path.home() / ".aws" / "cli" / "cache"
    entries = sorted(cache.glob("*.json"))
    assert len(entries) == 2  # dev-role's and deploy's
    done = run("logout", "--shell", "bash")
    assert done.returncode == 0, done.stderr
    assert sorted(cache.glob("*.json")) == entries
    chained.reset_counts()
    assert used("deploy")["AWS_ACCESS_KEY_ID"] == key
    assert sum(chained.calls.values()) == 0, chained.calls


@pytest.mark.shell  # a pseudo-terminal, where a person types the code
def test_mfa_at_a_terminal_asks_without_echo_and_again_after_a_typo(chained: Emulator) -> None:
    import pexpect

    chained.trust[DEV] = Trust(principals=(sso_role_arn("111111111111", "ReadOnly"),), mfa=True)
    child = pexpect.spawn(
        os.path.join(os.path.dirname(sys.executable), "ssoenv"),
        ["exec", "needs-mfa", "--", "true"],
        env=dict(os.environ),
        encoding="utf-8",
        timeout=30,
    )
    child.expect_exact("MFA code for arn:aws:iam::111111111111:mfa/me: ")
    child.sendline("12345")
    child.expect_exact("an MFA code is six digits")
    child.expect_exact("MFA code for arn:aws:iam::111111111111:mfa/me: ")
    child.sendline(chained.mfa_token_code)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert chained.mfa_token_code not in (child.before or "")  # not echoed
    call = chained.assume_role_calls()[-1]
    assert (call["SerialNumber"], call["TokenCode"]) == (
        "arn:aws:iam::111111111111:mfa/me",
        chained.mfa_token_code,
    )


def test_a_hostile_chain_is_shown_not_obeyed(chained: Emulator, aws_env: Path) -> None:
    """Profile names and a role ARN from the config reach the terminal (list's VIA
    column, use's line on stderr) as visible escapes, never as control bytes."""
    evil = "ev\x1b[2Jil"
    aws_env.write_text(
        aws_env.read_text()
        + f'\n[profile "{evil}"]\nrole_arn = {DEV}\nsource_profile = dev\n'
        + "external_id = ext-42\nregion = eu-west-1\n"
    )
    table = run("list")
    assert table.returncode == 0, table.stderr
    assert "\x1b" not in table.stdout and "ev\\x1b[2Jil \u2190 dev" in table.stdout
    done = run("use", evil, "--shell", "bash")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stderr and "ev\\x1b[2Jil" in done.stderr
    assert "\x1b" not in done.stdout  # the shell code is pure ASCII, escapes included
