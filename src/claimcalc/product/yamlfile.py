"""The YAML pass of loading a product: safe C loader, exact decimals, key marks.

Kept apart from :mod:`claimcalc.product.load` so that a product served from the
cache never imports PyYAML.
"""

from __future__ import annotations

from decimal import Decimal

import yaml

from claimcalc.errors import KeyPath, Problem, ProductFileError

_BaseLoader: type[yaml.SafeLoader]
try:
    _BaseLoader = yaml.CSafeLoader  # type: ignore[assignment]  # same interface, C parser
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


class _DecimalLoader(_BaseLoader):  # type: ignore[valid-type, misc]
    """Safe loader that reads YAML floats as exact :class:`Decimal`."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    return Decimal(text)


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


class Marks:
    """Line/column (1-based) of every key path in a YAML document."""

    def __init__(self) -> None:
        self.marks: dict[KeyPath, tuple[int, int]] = {}
        self.duplicates: list[tuple[KeyPath, tuple[int, int]]] = []

    def walk(self, node: yaml.Node, path: KeyPath = ()) -> None:
        self.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
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
            raise ProductFileError([Problem(file, 1, 1, "", "empty file")])
        # Before construction: constructing flattens merge keys in place.
        marks = Marks()
        marks.walk(node)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        text_ = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise ProductFileError(
            [Problem(file, line, column, "", f"invalid YAML: {text_}")]
        ) from None
    except yaml.YAMLError as exc:
        raise ProductFileError([Problem(file, 1, 1, "", f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    return data, marks
