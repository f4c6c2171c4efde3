"""ssoenv.values.frozen: the value classes behave as the frozen dataclasses they
replaced (construction, equality, hashing, immutability, repr without secrets)."""

from __future__ import annotations

import pytest

from ssoenv.values import frozen, replace, secret


@frozen
class Pair:
    """Two fields, one secret, one optional."""

    key: str = secret()
    label: str
    note: str | None = None

    @property
    def shown(self) -> str:
        return f"{self.label}:{self.note}"


@frozen
class Twin:
    key: str
    label: str
    note: str | None = None


def test_positional_keyword_and_default_arguments() -> None:
    assert Pair("k", "a") == Pair(key="k", label="a") == Pair("k", label="a", note=None)
    assert Pair("k", "a", "n").note == "n"
    assert Pair("k", "a", "n").shown == "a:n"  # methods and properties stay


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        (("k",), {}, "missing argument 'label'"),
        (("k", "a", "n", "x"), {}, "takes 3 arguments, not 4"),
        (("k", "a"), {"key": "again"}, "unexpected or repeated argument 'key'"),
        (("k", "a"), {"colour": "red"}, "unexpected or repeated argument 'colour'"),
    ],
)
def test_wrong_arguments_are_refused(
    args: tuple[str, ...], kwargs: dict[str, str], error: str
) -> None:
    with pytest.raises(TypeError, match=error):
        Pair(*args, **kwargs)


def test_values_are_immutable() -> None:
    pair = Pair("k", "a")
    with pytest.raises(AttributeError, match="immutable"):
        pair.label = "b"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del pair.label
    assert pair.label == "a"


def test_equality_and_hash_follow_the_fields_and_the_class() -> None:
    assert Pair("k", "a") != Pair("k", "b")
    assert hash(Pair("k", "a")) == hash(Pair("k", "a"))
    assert len({Pair("k", "a"), Pair("k", "a"), Pair("k", "b")}) == 2
    # Same fields, but another kind of value; and not a tuple either.
    assert Pair("k", "a") != Twin("k", "a")  # type: ignore[comparison-overlap]
    assert Pair("k", "a") != ("k", "a", None)  # type: ignore[comparison-overlap]


def test_repr_leaves_secret_fields_out() -> None:
    assert repr(Pair("hunter2", "a")) == "Pair(label='a', note=None)"
    assert "hunter2" not in str(Pair("hunter2", "a"))
    assert repr(Twin("k", "a")) == "Twin(key='k', label='a', note=None)"


def test_replace_changes_only_what_it_names() -> None:
    pair = Pair("k", "a", "n")
    assert replace(pair, note="m") == Pair("k", "a", "m")
    assert pair.note == "n"
    with pytest.raises(TypeError):
        replace(pair, colour="red")


def test_pattern_matching_by_position() -> None:
    match Pair("k", "a"):
        case Pair(key, label, note):
            assert (key, label, note) == ("k", "a", None)
        case _:
            pytest.fail("no match")


def test_a_class_without_fields_is_a_declaration_error() -> None:
    with pytest.raises(TypeError, match="declares no fields"):

        @frozen
        class Empty:
            pass


def test_a_required_field_after_an_optional_one_is_a_declaration_error() -> None:
    with pytest.raises(TypeError, match="required field follows an optional one"):

        @frozen
        class Broken:
            first: str | None = None
            second: str  # type: ignore[misc]
