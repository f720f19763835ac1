"""Documents that differ from a known one only in literal values, built without parsing.

`auth_refresh(refresh_token: "…")`, `users_by_id(id: "…")`: clients put the value into
the text, so each request is a new document, and parsing it plus the validation rules
that read literals cost more than the mutation's own work. When a document's text,
its string and number literals blanked, equals a document that parsed and validated
cleanly, the new one is that document with the new values in place: the nodes on the
path to each literal are copied, the rest is shared. Each new value is checked against
the input type its position expects, exactly as `ValuesOfCorrectType` would; anything
unusual (escapes, block strings, a value of the wrong type) takes the normal path.

A literal's length is part of the shape, so every node keeps its exact location and
errors point at the right line and column (their source text, which only a log would
print, shows the placeholders).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from cachetools import LRUCache
from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    Node,
    SelectionSetNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    parse,
    value_from_ast,
    visit,
)
from graphql.pyutils import Undefined

# One alternative per token kind that matters, tried left to right from each position:
# comments and names are kept, string and number literals become markers, and
# anything that could hide a token boundary the lexer would see differently (a block
# string, an escape, an unterminated string) rejects the text.
_TOKENS = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | (?P<block>""\")
    | (?P<string>"[^"\\\n\r\ud800-\udfff]*")
    | (?P<odd>")
    | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
    | (?P<number>-?[0-9](?:[0-9A-Za-z_.]|(?<=[eE])[+-])*)
    """,
    re.VERBOSE,
)
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERAL_NODES = (StringValueNode, IntValueNode, FloatValueNode)


@dataclass(frozen=True)
class Literals:
    """A document's text split into its shape and the literal tokens blanked in it."""

    shape: str
    spans: tuple[tuple[int, int], ...]
    raw: tuple[str, ...]


def split_literals(query: str) -> Literals | None:
    """None when the text holds something only the real lexer can judge; no spans when
    it has no literal."""
    if "\x00" in query:
        return None
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    raw: list[str] = []
    position = 0
    for match in _TOKENS.finditer(query):
        kind = match.lastgroup
        if kind in ("block", "odd"):
            return None
        if kind not in ("string", "number"):
            continue
        token = match.group()
        if kind == "string":
            marker = "s"
        elif _INT.fullmatch(token):
            marker = "i"
        elif _FLOAT.fullmatch(token):
            marker = "f"
        else:
            return None  # the lexer reports it
        start, end = match.span()
        parts.append(query[position:start])
        parts.append(f"\x00{marker}{end - start}\x00")
        position = end
        spans.append((start, end))
        raw.append(token)
    if not spans:
        return Literals(query, (), ())
    parts.append(query[position:])
    return Literals("".join(parts), tuple(spans), tuple(raw))


Path = tuple[tuple[str, int | None], ...]


@dataclass(frozen=True)
class _Slot:
    path: Path
    node: StringValueNode | IntValueNode | FloatValueNode
    input_type: GraphQLInputType


class _LiteralTypes(Visitor):
    """The input type expected at each literal, as ValuesOfCorrectType sees it."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.types: dict[int, GraphQLInputType | None] = {}

    def _record(self, node: Node, *_: Any) -> None:
        self.types[id(node)] = self.type_info.get_input_type()

    enter_string_value = enter_int_value = enter_float_value = _record


def _paths(node: Node, prefix: Path, found: list[tuple[Path, Node]]) -> None:
    if isinstance(node, _LITERAL_NODES):
        found.append((prefix, node))
        return
    for key in node.keys:
        if key == "loc":
            continue
        value = getattr(node, key, None)
        if isinstance(value, Node):
            _paths(value, (*prefix, (key, None)), found)
        elif isinstance(value, tuple | list):
            for index, item in enumerate(value):
                if isinstance(item, Node):
                    _paths(item, (*prefix, (key, index)), found)


def _literal_independent(document: DocumentNode) -> bool:
    """Whether the literal-reading rules other than ValuesOfCorrectType cannot change
    their verdict with the values: no two fields that may merge (same response name in
    one selection set, or any fragment), and no @defer/@stream labels."""
    independent = True

    class Check(Visitor):
        def enter(self, node: Node, *_: Any) -> Any:
            nonlocal independent
            fragment = FragmentSpreadNode | InlineFragmentNode | FragmentDefinitionNode
            labelled = isinstance(node, DirectiveNode) and node.name.value in ("defer", "stream")
            if isinstance(node, fragment) or labelled:
                independent = False
            elif isinstance(node, SelectionSetNode):
                keys = [
                    (selection.alias or selection.name).value
                    for selection in node.selections
                    if isinstance(selection, FieldNode)
                ]
                if len(keys) != len(set(keys)):
                    independent = False
            return Visitor.BREAK if not independent else None

    visit(document, Check())
    return independent


@dataclass(frozen=True)
class _Template:
    document: DocumentNode
    slots: tuple[_Slot, ...]


def _with_value(node: Node, path: Path, leaf: Node) -> Node:
    if not path:
        return leaf
    (key, index), rest = path[0], path[1:]
    child = getattr(node, key)
    changes: dict[str, Any]
    if index is None:
        changes = {key: _with_value(child, rest, leaf)}
    else:
        items = list(child)
        items[index] = _with_value(items[index], rest, leaf)
        changes = {key: tuple(items)}
    return replace(node, **changes)


def _value_node(slot: _Slot, raw: str) -> StringValueNode | IntValueNode | FloatValueNode | None:
    """The literal as the parser would build it, if it is the kind the template had."""
    old = slot.node
    if isinstance(old, StringValueNode):
        return replace(old, value=raw[1:-1]) if raw.startswith('"') else None
    if raw.startswith('"'):
        return None
    is_float = any(char in raw for char in ".eE")
    if isinstance(old, FloatValueNode) != is_float:
        return None
    return replace(old, value=raw)


def _placeholder(raw: str) -> str:
    """Same kind, length and sign: `[1.5-2.5]` is two floats, and must stay two."""
    if raw.startswith('"'):
        return '"' + "x" * (len(raw) - 2) + '"'
    sign = "-" if raw.startswith("-") else ""
    digits = len(raw) - len(sign)
    if _INT.fullmatch(raw):
        return sign + "1" * digits
    return sign + "1." + "0" * (digits - 2)  # a float has at least three characters


def _placeholder_text(literals: Literals) -> str:
    """The shape with each marker replaced by a neutral literal of the same kind and length."""
    parts = literals.shape.split("\x00")
    # split gives: text, marker, text, marker, ..., text
    for index, raw in zip(range(1, len(parts), 2), literals.raw, strict=True):
        parts[index] = _placeholder(raw)
    return "".join(parts)


class DocumentTemplates:
    """Shared by every request of one schema; keyed by shape, parse options and rules."""

    def __init__(self, maxsize: int) -> None:
        # None: a shape that can have no template (known, so it is not tried again).
        self._templates: LRUCache[object, _Template | None] = LRUCache(maxsize)

    def instantiate(self, literals: Literals, key: object) -> DocumentNode | None:
        """A validated document for the text, or None when it needs the normal path."""
        template = self._templates.get((literals.shape, key))
        if template is None:
            return None
        document: Node = template.document
        for slot, raw in zip(template.slots, literals.raw, strict=True):
            leaf = _value_node(slot, raw)
            if leaf is None or value_from_ast(leaf, slot.input_type) is Undefined:
                return None  # the normal path reports the error
            document = _with_value(document, slot.path, leaf)
        assert isinstance(document, DocumentNode)
        return document

    def remember(
        self, schema: GraphQLSchema, literals: Literals, options: Mapping[str, Any], key: object
    ) -> None:
        """Makes a template of the shape of a document that passed every rule.

        The template is parsed from the shape with placeholder values of the same kinds
        and lengths, not kept from the request: a password or token in the first text
        of a shape must not live on in memory (its tokens and source hang off every
        node's location)."""
        cache_key = (literals.shape, key)
        if not literals.spans or cache_key in self._templates:
            return  # a value the template refused took the normal path: nothing new
        template = self._make(schema, literals, options)
        self._templates[cache_key] = template

    def _make(
        self, schema: GraphQLSchema, literals: Literals, options: Mapping[str, Any]
    ) -> _Template | None:
        try:
            document = parse(_placeholder_text(literals), **options)
        except GraphQLError:
            return None  # the placeholders do not lex as the request did: no template
        if not _literal_independent(document):
            return None
        found: list[tuple[Path, Node]] = []
        _paths(document, (), found)
        found.sort(key=lambda item: item[1].loc.start if item[1].loc else -1)
        located = tuple((node.loc.start, node.loc.end) if node.loc else None for _, node in found)
        if located != literals.spans:
            return None  # the parser saw other literals than the splitter
        type_info = TypeInfo(schema)
        types = _LiteralTypes(type_info)
        visit(document, TypeInfoVisitor(type_info, types))
        slots: list[_Slot] = []
        for path, node in found:
            input_type = types.types.get(id(node))
            if input_type is None or not isinstance(node, _LITERAL_NODES):
                return None
            slots.append(_Slot(path, node, input_type))
        return _Template(document, tuple(slots))
