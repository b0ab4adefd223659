"""Write :mod:`claimcalc.product.schema` (the pydantic models) from :mod:`claimcalc.product.model`.

model.py is the one hand-written declaration of the rule model; this writes
its pydantic form, which validates product YAML and gives ``claimcalc schema
product``. Run ``python -m claimcalc.product.generate`` after changing
model.py; ``tests/test_product_model.py`` fails while schema.py is not what
this writes (cog/sqlite-utils style: the output is checked in, so loading a
product costs what a hand-written module costs).

What is read from model.py, in its order: each class reachable from
``Product`` (docstring, bases, own fields), each field's type as written and
its ``Meta`` (default, alias, constraints, ``parse`` as a before-validator,
taking ``accepts`` in the JSON Schema, ``json_schema``, description), whole
numbers and booleans as strict types, each class's ``check`` method (run as a model
validator: it raises ValueError with the message the author sees), the
``Annotated`` type aliases (``Money``, ``Slug``…) and the unions of rule
classes: told apart by ``kind`` when every member has one, else by the one
key each member's first field is (conditions), with ``Meta(error=...)``.
"""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
import textwrap
import typing
from decimal import Decimal
from enum import Enum
from pathlib import Path
from types import UnionType
from typing import Annotated

from claimcalc.product import model
from claimcalc.product.model import REQUIRED, Meta, meta_of, rule_classes

SCHEMA_PATH = Path(__file__).with_name("schema.py")

_HEADER = '''\
"""The rule model as pydantic models: validates product YAML, gives ``claimcalc schema product``.

GENERATED from :mod:`claimcalc.product.model` by :mod:`claimcalc.product.generate`;
do not edit. Change model.py, then run ``python -m claimcalc.product.generate``
(tests/test_product_model.py fails while this file is not current).

Each model subclasses its namesake in model.py, listed first so that its
methods win over BaseModel's (``__str__`` of a condition).
"""

from __future__ import annotations

{imports}


class Frozen(BaseModel):
    # Python's re, as JSON Schema validators in Python: patterns end with
    # claimcalc.money.END, a lookahead, which pydantic's Rust engine lacks.
    model_config = ConfigDict(
        extra="forbid", frozen=True, defer_build=True, regex_engine="python-re"
    )
'''

_KEYED_UNION = """

# Union tags must not be keys of the document, or error locations would
# descend into the wrong key.
_{upper}_TAGS = {{{keys}}}


def _{lower}_tag(value: object) -> str | None:
    if isinstance(value, Mapping):
        return next((tag for key, tag in _{upper}_TAGS.items() if key in value), None)
    tag = type(value).__name__
    return tag if isinstance(value, BaseModel) and tag in _{upper}_TAGS.values() else None


{name} = Annotated[
    {members},
    Discriminator(
        _{lower}_tag,
        custom_error_type="{lower}",
        custom_error_message={error!r},
    ),
]
"""

# Imports the generated text may need, by the name it uses.
_IMPORTS = {
    "Mapping": "collections.abc",
    "Decimal": "decimal",
    "Annotated": "typing",
    "Any": "typing",
    "Literal": "typing",
    **dict.fromkeys(
        [
            "BaseModel",
            "BeforeValidator",
            "ConfigDict",
            "Discriminator",
            "Field",
            "PrivateAttr",
            "StrictBool",
            "StrictInt",
            "Tag",
            "WithJsonSchema",
            "model_validator",
        ],
        "pydantic",
    ),
}


def render() -> str:
    """schema.py's text, before formatting."""
    classes = rule_classes()
    body: list[str] = []
    enums: set[str] = set()
    for name, value in vars(model).items():
        if (
            isinstance(value, type)
            and issubclass(value, Enum)
            and value.__module__ == model.__name__
        ):
            enums.add(name)
        elif value in classes:
            body.append(_class(value, classes))
        elif _union_members(value, classes):
            body.append(_union(name, value, classes))
        elif typing.get_origin(value) is Annotated and meta_of(value) is not None:
            body.append(_alias(name, value))
    text = "\n".join(body)
    used = set(re.findall(r"\b\w+\b", text)) | {"BaseModel", "ConfigDict"}
    by_module: dict[str, list[str]] = {}
    for name, module in _IMPORTS.items():
        if name in used:
            by_module.setdefault(module, []).append(name)
    # isort's groups: standard library, pydantic, claimcalc
    lines = [
        f"from {m} import {', '.join(sorted(ns))}"
        for m, ns in sorted(by_module.items())
        if m != "pydantic"
    ]
    lines += ["", f"from pydantic import {', '.join(sorted(by_module['pydantic']))}", ""]
    lines.append("from claimcalc.product import model")
    if enums & used:
        lines.append(f"from claimcalc.product.model import {', '.join(sorted(enums & used))}")
    return _HEADER.format(imports="\n".join(lines)) + text


def generate() -> str:
    """schema.py's text as checked in: :func:`render`, formatted as the project formats."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(SCHEMA_PATH), "-"],
        input=render(),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def _union_members(value: object, classes: list[type]) -> tuple[type, ...]:
    union = typing.get_args(value)[0] if typing.get_origin(value) is Annotated else value
    if not isinstance(union, UnionType):
        return ()
    members = typing.get_args(union)
    return members if all(m in classes for m in members) else ()


def _union(name: str, value: object, classes: list[type]) -> str:
    members = _union_members(value, classes)
    if all("kind" in typing.get_type_hints(m) for m in members):
        joined = " | ".join(m.__name__ for m in members)
        return f'\n\n{name} = Annotated[{joined}, Field(discriminator="kind")]\n'
    meta = meta_of(value)
    assert meta is not None and meta.error, f"{name}: a union without kind needs Meta(error=...)"
    keys = {_first_key(m): m.__name__ for m in members}
    return _KEYED_UNION.format(
        name=name,
        upper=name.upper(),
        lower=name.lower(),
        keys=", ".join(f"{k!r}: {v!r}" for k, v in keys.items()),
        members=" | ".join(f"Annotated[{m.__name__}, Tag({m.__name__!r})]" for m in members),
        error=meta.error,
    )


def _first_key(cls: type) -> str:
    name = next(iter(inspect.get_annotations(cls)))
    meta = meta_of(typing.get_type_hints(cls, include_extras=True)[name])
    return meta.alias if meta is not None and meta.alias else name


def _alias(name: str, value: object) -> str:
    base = typing.get_args(value)[0]
    meta = meta_of(value)
    assert meta is not None
    base_text = "Any" if base is typing.Any else base.__name__
    extras = [*_validators(meta)]
    field = _field_arguments(meta)
    if field:
        extras.append(f"Field({', '.join(field)})")
    return f"\n{name} = Annotated[{base_text}, {', '.join(extras)}]\n"


def _class(cls: type, classes: list[type]) -> str:
    bases = [b.__name__ for b in cls.__bases__ if b in classes] or ["Frozen"]
    lines = [f"\n\nclass {cls.__name__}(model.{cls.__name__}, {', '.join(bases)}):"]
    if cls.__dict__.get("__doc__"):
        lines.append(f"    {_docstring(cls.__doc__ or '')}\n")
    hints = typing.get_type_hints(cls, include_extras=True)
    aliased = False
    for name, written in inspect.get_annotations(cls).items():
        type_text, own = _written_type(written)
        meta = meta_of(hints[name]) if own else None  # else the Meta is its type alias's
        aliased = aliased or bool(meta and meta.alias)
        lines.append("    " + _field(name, type_text, meta))
    config = ["populate_by_name=True"] if aliased else []
    if "EXACTLY_ONE" in cls.__dict__:
        keys = cls.__dict__["EXACTLY_ONE"]
        config.append(f"json_schema_extra=model.exactly_one_schema({keys!r})")
    if config:
        lines.append(f"\n    model_config = ConfigDict({', '.join(config)})")
    if "check" in cls.__dict__:
        lines.append(
            f"""
    @model_validator(mode="after")
    def _check(self) -> {cls.__name__}:
        self.check()
        return self"""
        )
    if len(lines) == 1:
        lines.append("    pass")
    return "\n".join(lines) + "\n"


def _docstring(doc: str) -> str:
    assert '"""' not in doc and "\n" not in doc, "one-line docstrings only"
    return f'"""{doc}"""'


def _written_type(written: str) -> tuple[str, bool]:
    """The type as written in model.py without its ``Annotated[..., Meta(...)]``, and
    whether the field has that ``Meta`` of its own."""
    node = ast.parse(written, mode="eval").body
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Annotated"
        and isinstance(node.slice, ast.Tuple)
    ):
        return _strict(ast.unparse(node.slice.elts[0])), True
    return _strict(ast.unparse(node)), False


def _strict(type_text: str) -> str:
    """Whole numbers and booleans strictly: pydantic would take ``"5"``, ``5.0`` or
    ``true`` for 5 and ``"yes"`` or ``1`` for true, which the JSON Schema (and
    the format) refuses."""
    return re.sub(r"\bbool\b", "StrictBool", re.sub(r"\bint\b", "StrictInt", type_text))


def _field(name: str, type_text: str, meta: Meta | None) -> str:
    if meta is None:
        return f"{name}: {type_text}"
    validators = _validators(meta)
    if validators:
        type_text = f"Annotated[{type_text}, {', '.join(validators)}]"
    arguments = _field_arguments(meta)
    if name.startswith("_"):
        return f"{name}: {type_text} = PrivateAttr({', '.join(arguments)})"
    if arguments == [f"default={_literal(meta.default)}"]:
        return f"{name}: {type_text} = {_literal(meta.default)}"
    if arguments:
        return f"{name}: {type_text} = Field({', '.join(arguments)})"
    return f"{name}: {type_text}"


def _validators(meta: Meta) -> list[str]:
    validators = []
    if meta.parse is not None and meta.accepts is not None:
        validators.append(
            f"BeforeValidator(model.{meta.parse.__name__}, json_schema_input_type={meta.accepts})"
        )
    elif meta.parse is not None:
        validators.append(f"BeforeValidator(model.{meta.parse.__name__})")
    if meta.json_schema is not None:
        name = next(n for n, v in vars(model).items() if v is meta.json_schema)
        validators.append(f"WithJsonSchema(model.{name})")
    return validators


def _field_arguments(meta: Meta) -> list[str]:
    arguments = []
    if meta.default is not REQUIRED:
        arguments.append(f"default={_literal(meta.default)}")
    if meta.default_factory is not None:
        arguments.append(f"default_factory={meta.default_factory.__name__}")
    for key in ("alias", "gt", "ge", "pattern", "min_length", "description"):
        value = getattr(meta, key)
        if value is not None:
            text = _string(value) if isinstance(value, str) else repr(value)
            arguments.append(f"{key}={text}")
    return arguments


def _string(text: str) -> str:
    """A string literal; a long one as adjacent literals, so that no line is too long."""
    if len(text) <= 72:
        return repr(text)
    return (
        "(" + " ".join(repr(part) for part in textwrap.wrap(text, 72, drop_whitespace=False)) + ")"
    )


def _literal(value: object) -> str:
    if isinstance(value, Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, Decimal):
        return f'Decimal("{value}")'
    return repr(value)


def main() -> None:
    SCHEMA_PATH.write_text(generate(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")


if __name__ == "__main__":
    main()
