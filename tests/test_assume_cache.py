"""The assumed-role cache is the AWS CLI's: the same file name as botocore's
AssumeRoleCredentialFetcher derives from the AssumeRole arguments, and a shape
each reads from the other (botocore's JSONFileCache is the oracle)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from botocore.credentials import AssumeRoleCredentialFetcher, Credentials
from botocore.utils import JSONFileCache

from ssoenv.cache import AssumeRoleCache
from ssoenv.model import AssumeRoleStep, RoleCredentials

ARN = "arn:aws:iam::222222222222:role/Dev"


def botocore_fetcher(step: AssumeRoleStep, cache: object) -> AssumeRoleCredentialFetcher:
    extra: dict[str, object] = {}
    if step.role_session_name is not None:
        extra["RoleSessionName"] = step.role_session_name
    if step.external_id is not None:
        extra["ExternalId"] = step.external_id
    if step.mfa_serial is not None:
        extra["SerialNumber"] = step.mfa_serial
    if step.duration_seconds is not None:
        extra["DurationSeconds"] = step.duration_seconds
    return AssumeRoleCredentialFetcher(
        client_creator=None,
        source_credentials=Credentials("AKIASOURCE", "source-secret"),
        role_arn=step.role_arn,
        extra_args=extra,
        cache=cache,
    )


STEPS = [
    AssumeRoleStep(profile="a", role_arn=ARN),
    AssumeRoleStep(profile="a", role_arn=ARN, role_session_name="me"),
    AssumeRoleStep(profile="a", role_arn=ARN, external_id="ext:1/x", duration_seconds=1800),
    AssumeRoleStep(
        profile="a", role_arn=ARN, mfa_serial="arn:aws:iam::1:mfa/me", role_session_name="ü"
    ),
]


@pytest.mark.parametrize("step", STEPS, ids=["plain", "session-name", "external-id", "mfa"])
def test_the_file_name_is_botocores(step: AssumeRoleStep, tmp_path: Path) -> None:
    fetcher = botocore_fetcher(step, {})
    assert AssumeRoleCache(tmp_path).path(step).name == fetcher._cache_key + ".json"


def test_botocore_reads_what_ssoenv_writes_and_the_reverse(tmp_path: Path) -> None:
    step = STEPS[2]
    ours = AssumeRoleCache(tmp_path)
    later = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=1)
    ours.save(
        step, RoleCredentials("ASIAOURS", "our-secret", "our-token", later, "222222222222"), None
    )
    fetcher = botocore_fetcher(step, JSONFileCache(working_dir=str(tmp_path)))
    # botocore takes the cached credentials without calling STS (it has no client).
    found = fetcher.fetch_credentials()
    assert (found["access_key"], found["secret_key"], found["token"]) == (
        "ASIAOURS",
        "our-secret",
        "our-token",
    )
    # And what botocore's JSONFileCache writes, ssoenv reads.
    JSONFileCache(working_dir=str(tmp_path))[fetcher._cache_key] = {
        "Credentials": {
            "AccessKeyId": "ASIATHEIRS",
            "SecretAccessKey": "their-secret",
            "SessionToken": "their-token",
            "Expiration": later,
        }
    }
    loaded = ours.load(step)
    assert loaded is not None
    assert (loaded.access_key_id, loaded.expiration) == ("ASIATHEIRS", later)
