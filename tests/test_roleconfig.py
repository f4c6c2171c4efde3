"""Role chains in the config (ssoenv.roleconfig), resolved as botocore's
AssumeRoleProvider resolves them; botocore is the oracle for what is an error."""

from __future__ import annotations

from pathlib import Path

import botocore.exceptions
import botocore.session
import pytest

from ssoenv.awsini import parse_text
from ssoenv.config import load_config
from ssoenv.errors import ConfigError
from ssoenv.model import ChainedProfile, EnvironmentKeys, SsoProfile, StaticKeys
from ssoenv.roleconfig import resolve
from ssoenv.settings import Settings

ARN_TOP = "arn:aws:iam::222222222222:role/Top"

BASE = """\
[profile corp]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1

[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
"""

CHAINS = """
[profile dev]
role_arn = arn:aws:iam::222222222222:role/Dev
source_profile = corp
external_id = ext-1
duration_seconds = 1800

[profile deploy]
role_arn = arn:aws:iam::333333333333:role/Deploy
source_profile = dev
role_session_name = me
mfa_serial = arn:aws:iam::111111111111:mfa/me
region = us-west-2

[profile from-keys]
role_arn = arn:aws:iam::222222222222:role/Dev
source_profile = keys

[profile self]
role_arn = arn:aws:iam::222222222222:role/Dev
source_profile = self
aws_access_key_id = AKIASELF
aws_secret_access_key = self-secret

[profile from-env]
role_arn = arn:aws:iam::222222222222:role/Dev
credential_source = Environment

[profile loop-a]
role_arn = arn:aws:iam::222222222222:role/A
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::222222222222:role/B
source_profile = loop-a

[profile orphan]
role_arn = arn:aws:iam::222222222222:role/Dev
source_profile = nowhere

[profile both]
role_arn = arn:aws:iam::222222222222:role/Dev
source_profile = corp
credential_source = Environment
"""

CREDENTIALS = """\
[keys]
aws_access_key_id = AKIAKEYS
aws_secret_access_key = keys-secret
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text(BASE + CHAINS)
    credentials.write_text(CREDENTIALS)
    return config, credentials


def resolved(files: tuple[Path, Path], name: str) -> SsoProfile | ChainedProfile:
    config, credentials = files
    sections = parse_text(credentials.read_text(), str(credentials))
    return resolve(load_config(config), sections, name, Settings.from_environ({"HOME": "/"}))


def botocore_error(files: tuple[Path, Path], name: str) -> type[Exception] | None:
    """What botocore raises when it resolves `name` (before any network call)."""
    config, credentials = files
    session = botocore.session.Session(profile=name)
    session.set_config_variable("config_file", str(config))
    session.set_config_variable("credentials_file", str(credentials))
    try:
        session.get_credentials()
    except Exception as error:
        return type(error)
    return None


def test_a_chain_two_levels_deep_over_sso(files: tuple[Path, Path]) -> None:
    found = resolved(files, "deploy")
    assert isinstance(found, ChainedProfile)
    assert [step.role_arn for step in found.steps] == [
        "arn:aws:iam::222222222222:role/Dev",
        "arn:aws:iam::333333333333:role/Deploy",
    ]
    dev, deploy = found.steps
    assert (dev.external_id, dev.duration_seconds, dev.role_session_name) == ("ext-1", 1800, None)
    assert (deploy.role_session_name, deploy.mfa_serial) == (
        "me",
        "arn:aws:iam::111111111111:mfa/me",
    )
    assert isinstance(found.base, SsoProfile) and found.base.name == "corp"
    assert found.chain == ("deploy", "dev", "corp")
    assert found.region == "us-west-2"
    assert botocore_error(files, "deploy") is None


def test_static_keys_from_the_credentials_file(files: tuple[Path, Path]) -> None:
    found = resolved(files, "from-keys")
    assert isinstance(found, ChainedProfile) and isinstance(found.base, StaticKeys)
    assert (found.base.profile, found.base.access_key_id) == ("keys", "AKIAKEYS")
    assert botocore_error(files, "from-keys") is None


def test_a_profile_may_be_its_own_source_with_static_keys(files: tuple[Path, Path]) -> None:
    found = resolved(files, "self")
    assert isinstance(found, ChainedProfile) and isinstance(found.base, StaticKeys)
    assert found.base.access_key_id == "AKIASELF"
    assert botocore_error(files, "self") is None


def test_credential_source_environment(files: tuple[Path, Path]) -> None:
    found = resolved(files, "from-env")
    assert isinstance(found, ChainedProfile) and isinstance(found.base, EnvironmentKeys)


def test_an_sso_profile_is_not_a_chain(files: tuple[Path, Path]) -> None:
    assert isinstance(resolved(files, "corp"), SsoProfile)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("loop-a", ["cycle", "loop-a -> loop-b -> loop-a"]),
        ("orphan", ["'nowhere'", "does not exist"]),
        ("both", ["both source_profile and credential_source"]),
    ],
)
def test_broken_chains_are_config_errors_naming_the_profiles(
    files: tuple[Path, Path], name: str, words: list[str]
) -> None:
    with pytest.raises(ConfigError) as raised:
        resolved(files, name)
    assert raised.value.exit_code == 3
    for word in words:
        assert word in raised.value.message
    # botocore refuses each of them too.
    assert botocore_error(files, name) is not None
    assert issubclass(botocore_error(files, name), botocore.exceptions.BotoCoreError)  # type: ignore[arg-type]


def test_static_keys_win_and_the_credentials_file_wins(tmp_path: Path) -> None:
    """A source profile with static keys is used for its keys, not for its own
    role_arn; a credentials-file section of a config profile's name overrides its
    values (botocore's Session.full_config merge)."""
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text(
        BASE
        + "[profile keyed]\nrole_arn = arn:aws:iam::222222222222:role/Ignored\n"
        + "source_profile = corp\n"
        + "[profile top]\nrole_arn = arn:aws:iam::333333333333:role/FromConfig\n"
        + "source_profile = keyed\n"
    )
    credentials.write_text(
        "[keyed]\naws_access_key_id = AKIAKEYED\naws_secret_access_key = keyed-secret\n"
        "[top]\nrole_arn = arn:aws:iam::333333333333:role/FromCredentials\n"
    )
    found = resolved((config, credentials), "top")
    assert isinstance(found, ChainedProfile)
    assert [step.role_arn for step in found.steps] == [
        "arn:aws:iam::333333333333:role/FromCredentials"
    ]
    assert isinstance(found.base, StaticKeys)
    assert (found.base.profile, found.base.access_key_id) == ("keyed", "AKIAKEYED")
    assert botocore_error((config, credentials), "top") is None


def test_sts_region_is_the_top_profiles_else_the_environments(files: tuple[Path, Path]) -> None:
    """Differs from botocore, whose STS client takes the calling client's region
    (AWS_DEFAULT_REGION before the profile's): in a shell, AWS_REGION is often what
    the previous `ssoenv use` exported, so the profile's own region comes first."""
    config, credentials = files
    sections = parse_text(credentials.read_text(), str(credentials))
    shell = Settings.from_environ({"HOME": "/", "AWS_REGION": "eu-central-1"})
    deploy = resolve(load_config(config), sections, "deploy", shell)
    assert isinstance(deploy, ChainedProfile)
    assert (deploy.sts_url, deploy.sts_region) == (
        "https://sts.us-west-2.amazonaws.com/",
        "us-west-2",
    )
    from_env = resolve(load_config(config), sections, "from-env", shell)
    assert isinstance(from_env, ChainedProfile)
    assert from_env.sts_region == "eu-central-1"
    nowhere = resolve(
        load_config(config), sections, "from-env", Settings.from_environ({"HOME": "/"})
    )
    assert isinstance(nowhere, ChainedProfile)
    # No region anywhere: the global endpoint, signed for us-east-1, as botocore does.
    assert (nowhere.sts_url, nowhere.sts_region) == ("https://sts.amazonaws.com/", "us-east-1")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ("source_profile = corp\nduration_seconds = 1h\n", "is not a number of seconds"),
        ("credential_source = Ec2InstanceMetadata\n", "not supported by ssoenv"),
    ],
    ids=["duration-not-a-number", "credential-source-not-environment"],
)
def test_stricter_than_botocore_where_it_would_guess(
    tmp_path: Path, extra: str, words: str
) -> None:
    """botocore drops a duration_seconds it cannot read (and asks for an hour), and
    would fetch EC2 or ECS credentials; ssoenv says what is wrong instead."""
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text(
        BASE + "[profile odd]\nrole_arn = arn:aws:iam::222222222222:role/Dev\n" + extra
    )
    credentials.write_text("")
    with pytest.raises(ConfigError) as raised:
        resolved((config, credentials), "odd")
    assert raised.value.exit_code == 3
    assert words in raised.value.message and "[profile odd]" in raised.value.message
    assert raised.value.hint
    if "duration_seconds" in extra:
        assert botocore_error((config, credentials), "odd") is None  # botocore goes ahead


def test_a_source_with_static_keys_and_an_sso_role_gives_the_sso_role(tmp_path: Path) -> None:
    """botocore resolves such a source with its profile chain, where SSO comes
    before the static keys (ProfileProviderBuilder's order)."""
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text(BASE + f"\n[profile top]\nrole_arn = {ARN_TOP}\nsource_profile = corp\n")
    credentials.write_text("[corp]\naws_access_key_id = AKIAK\naws_secret_access_key = s\n")
    found = resolved((config, credentials), "top")
    assert isinstance(found, ChainedProfile) and isinstance(found.base, SsoProfile)
    assert [step.profile for step in found.steps] == ["top"]
