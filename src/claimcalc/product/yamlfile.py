"""The YAML pass of loading a product: safe C loader, exact decimals, key marks.

Kept apart from :mod:`claimcalc.product.load` so that a product served from the
cache never imports PyYAML.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import yaml

from claimcalc.errors import KeyPath, Problem, ProductFileError, key_path
from claimcalc.i18n import _

#: The most nodes a document may have once its aliases are expanded. The
#: shipped products have a few thousand; a "billion laughs" file (aliases of
#: aliases) would have billions, and is refused when the walk passes this.
MAX_NODES = 200_000

_BaseLoader: type[yaml.SafeLoader]
try:
    _BaseLoader = yaml.CSafeLoader  # type: ignore[assignment]  # same interface, C parser
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


class _DecimalLoader(_BaseLoader):  # type: ignore[valid-type, misc]
    """Safe loader that reads YAML floats as exact :class:`Decimal`."""


def _decimal(text: str) -> Decimal | None:
    """A YAML float's exact value; ``None`` when it is not a finite number."""
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:
        return None  # .inf, .nan and their spellings
    return value if value.is_finite() else None


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node))
    value = _decimal(text)
    if value is None:  # the walk refuses these first: a safeguard
        raise yaml.constructor.ConstructorError(
            None, None, _("not a finite number: {text}").format(text=text), node.start_mark
        )
    return value


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


class _TooLarge(Exception):
    """The document expands (through aliases) to more than :data:`MAX_NODES`."""

    def __init__(self, node: yaml.Node, message: str) -> None:
        self.node = node
        self.message = message


def _check_size(node: yaml.Node, sizes: dict[int, int], open_: set[int]) -> int:
    """How many nodes ``node`` expands to, its aliases followed; each distinct
    node is counted once (``sizes``), so a billion laughs costs a few dozen
    steps. Raises :class:`_TooLarge` at the first value past the bound, or at
    a value an alias inside it refers back to."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_:
        raise _TooLarge(node, "too large: an alias refers to a value that contains it")
    open_.add(key)
    children: list[yaml.Node]
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        children = []
    total = 1
    for child in children:
        total += _check_size(child, sizes, open_)
        if total > MAX_NODES:
            message = _(
                "too large: more than {most:,} values once its aliases are expanded"
            ).format(most=MAX_NODES)
            raise _TooLarge(node, message)
    open_.discard(key)
    sizes[key] = total
    return total


class Marks:
    """Line/column (1-based) of every key path in a YAML document.

    The walk also finds numbers that are not finite (``.inf``, ``.nan``):
    :attr:`non_finite`. It follows aliases, so a document is walked only once
    :func:`_check_size` has bounded its expanded size.
    """

    def __init__(self) -> None:
        self.marks: dict[KeyPath, tuple[int, int]] = {}
        self.duplicates: list[tuple[KeyPath, tuple[int, int]]] = []
        self.non_finite: list[tuple[KeyPath, tuple[int, int], str]] = []

    def walk(self, node: yaml.Node, path: KeyPath = ()) -> None:
        self.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.ScalarNode):
            if node.tag == "tag:yaml.org,2002:float" and _decimal(str(node.value)) is None:
                mark = (node.start_mark.line + 1, node.start_mark.column + 1)
                self.non_finite.append((path, mark, str(node.value)))
        elif isinstance(node, yaml.MappingNode):
            seen: set[object] = set()
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # merged keys may be overridden: not duplicates
                key = key_node.value
                child = (*path, key)
                if key in seen:
                    mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                    self.duplicates.append((child, mark))
                    continue
                seen.add(key)
                self.marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                self.walk(value_node, child)
                # A problem *in* the value points at the value, not at its key.
                if isinstance(value_node, yaml.ScalarNode):
                    self.marks[child] = (
                        value_node.start_mark.line + 1,
                        value_node.start_mark.column + 1,
                    )
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, (*path, index))

    def locate(self, path: KeyPath) -> tuple[int, int]:
        for end in range(len(path), -1, -1):
            if path[:end] in self.marks:
                return self.marks[path[:end]]
        return (1, 1)


def parse_yaml(text: str, file: str) -> tuple[object, Marks]:
    """Parse one YAML document; raise :class:`ProductFileError` on syntax errors."""
    loader = _DecimalLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ProductFileError([Problem(file, 1, 1, "", _("empty file"))])
        # Before construction: constructing flattens merge keys in place.
        try:
            _check_size(node, {}, set())
        except _TooLarge as exc:
            mark = exc.node.start_mark
            raise ProductFileError(
                [Problem(file, mark.line + 1, mark.column + 1, "", exc.message)]
            ) from None
        marks = Marks()
        marks.walk(node)
        if marks.non_finite:
            raise ProductFileError(
                Problem(
                    file,
                    line,
                    column,
                    key_path(path),
                    _("not a finite number: {text}").format(text=text_),
                )
                for path, (line, column), text_ in marks.non_finite
            )
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        text_ = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise ProductFileError(
            [Problem(file, line, column, "", _("invalid YAML: {reason}").format(reason=text_))]
        ) from None
    except yaml.YAMLError as exc:
        raise ProductFileError(
            [Problem(file, 1, 1, "", _("invalid YAML: {reason}").format(reason=exc))]
        ) from None
    except RecursionError:
        message = _("too large: values nested too deeply")
        raise ProductFileError([Problem(file, 1, 1, "", message)]) from None
    finally:
        loader.dispose()
    return data, marks
