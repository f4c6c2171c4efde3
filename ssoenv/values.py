"""`@frozen`: immutable value classes, declared like frozen dataclasses.

Why not `dataclasses`: importing it costs ~10 ms and creating each frozen class
~1 ms (it compiles generated code), which every `ssoenv use` paid, for some
fifteen classes. `typing.NamedTuple` is cheaper per class but `import typing`
costs ~5 ms, and a tuple equals any other tuple with the same items. A `@frozen`
class costs a few microseconds to create and nothing to import; type checkers see
a frozen dataclass (PEP 681), so constructor calls are checked as before.

    @frozen
    class Token:
        access_token: str = secret()      # required, never shown by repr()
        expires_at: datetime
        region: str | None = None         # optional

What it gives: `__init__` (positional or keyword arguments, in declaration
order), `__eq__` and `__hash__` over the fields (only with the same class),
`__repr__` without the secret fields, `__match_args__`, and instances that
refuse attribute assignment. `replace(obj, **changes)` makes a changed copy.
Field defaults must be immutable: they are shared by every instance.

Every immutable value in ssoenv is declared this way. The few mutable records
that `configure` and `populate` fill in as they go stay dataclasses.
"""

from __future__ import annotations

TYPE_CHECKING = False  # type checkers read this as True; Python never imports typing
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from typing_extensions import dataclass_transform

    T = TypeVar("T")
else:

    def dataclass_transform(**_options: object) -> object:
        return lambda decorator: decorator


_REQUIRED: Any = object()  # a field's "default" when it has none


class _Secret:
    """A field marker: the field is left out of repr() (tokens, keys, codes)."""

    def __init__(self, default: object) -> None:
        self.default = default


def secret(*, default: Any = _REQUIRED) -> Any:
    """Declare a field whose value repr() never shows; `default` as for any field."""
    return _Secret(default)


@dataclass_transform(frozen_default=True, field_specifiers=(secret,))
def frozen(cls: type[T]) -> type[T]:
    """Turn the annotated class attributes of `cls` into its fields (see module doc)."""
    # Not inspect.get_annotations: importing inspect costs ~6 ms. Only the names
    # matter (in declaration order); the annotations themselves are not evaluated,
    # except on Python 3.14+ in a module without `from __future__ import annotations`
    # (the class dict then holds no __annotations__, and getattr computes them).
    own = cls.__dict__.get("__annotations__")  # noqa: RUF063
    fields = tuple(own if own is not None else getattr(cls, "__annotations__", {}))
    if not fields:
        raise TypeError(f"{cls.__name__} declares no fields")
    defaults: dict[str, object] = {}
    hidden: set[str] = set()
    for name in fields:
        default = cls.__dict__.get(name, _REQUIRED)
        if isinstance(default, _Secret):
            hidden.add(name)
            default = default.default
        if default is not _REQUIRED:
            defaults[name] = default
        elif defaults:
            raise TypeError(f"{cls.__name__}.{name}: a required field follows an optional one")
        if name in cls.__dict__:
            delattr(cls, name)  # the instance holds every field; no class-level shadow
    shown = tuple(name for name in fields if name not in hidden)
    members = {
        "_value_fields": fields,
        "__match_args__": fields,
        "__init__": _make_init(cls.__name__, fields, defaults),
        "__repr__": lambda self: _repr(self, shown),
        "__eq__": _eq,
        "__hash__": _hash,
        "__setattr__": _refuse_change,
        "__delattr__": _refuse_change,
    }
    for name, member in members.items():
        setattr(cls, name, member)
    return cls


def replace(obj: T, **changes: object) -> T:
    """A copy of the @frozen value `obj` with some fields changed."""
    current = {name: getattr(obj, name) for name in _fields(obj)}
    return type(obj)(**{**current, **changes})


def fields(obj: object) -> tuple[str, ...]:
    """The names of a @frozen value's fields, in declaration order."""
    return _fields(obj)


def _fields(obj: object) -> tuple[str, ...]:
    fields: tuple[str, ...] = getattr(type(obj), "_value_fields")  # noqa: B009
    return fields


def _make_init(class_name: str, fields: tuple[str, ...], defaults: dict[str, object]) -> Any:
    known = frozenset(fields)
    count = len(fields)

    def __init__(self: object, *args: object, **kwargs: object) -> None:
        if not args and known.issuperset(kwargs):
            # The usual call, by keywords only: straight into the instance dict.
            values = self.__dict__
            values.update(defaults)
            values.update(kwargs)
            if len(values) == count:
                return
            values.clear()
        if len(args) > count:
            raise TypeError(f"{class_name}() takes {count} arguments, not {len(args)}")
        values = dict(defaults)
        values.update(zip(fields, args, strict=False))  # fewer args: defaults
        if not known.issuperset(kwargs) or (
            args and not kwargs.keys().isdisjoint(fields[: len(args)])
        ):
            bad = next(n for n in kwargs if n not in known or n in fields[: len(args)])
            raise TypeError(f"{class_name}() got an unexpected or repeated argument {bad!r}")
        values.update(kwargs)
        if len(values) != count:
            missing = next(name for name in fields if name not in values)
            raise TypeError(f"{class_name}() missing argument {missing!r}")
        # Straight into the instance dict: __setattr__ refuses every change, and one
        # update is several times cheaper than a setattr per field (`list` makes
        # tens of thousands of values on a large config).
        self.__dict__.update(values)

    return __init__


def _astuple(obj: object) -> tuple[object, ...]:
    return tuple(getattr(obj, name) for name in _fields(obj))


def _repr(obj: object, shown: tuple[str, ...]) -> str:
    items = ", ".join(f"{name}={getattr(obj, name)!r}" for name in shown)
    return f"{type(obj).__name__}({items})"


def _eq(self: object, other: object) -> object:
    if type(other) is not type(self):
        return NotImplemented
    return _astuple(self) == _astuple(other)


def _hash(self: object) -> int:
    return hash((type(self).__name__, *_astuple(self)))


def _refuse_change(self: object, name: str, *_value: object) -> None:
    raise AttributeError(f"{type(self).__name__} is immutable: cannot change {name!r}")
