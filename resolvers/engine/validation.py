"""Validation cached by a document's shape: its text with every literal value blanked.

Clients put tokens, ids and emails into the query text itself
(`auth_refresh(refresh_token: "…")`, as Directus's own examples do), so each request is a
new document, and graphql-core's thirty-odd rules took longer than executing it. Most
rules never read a literal's content: they answer the same for every document of one
shape, so they run once per shape. The few that do read it (a value's type, the merging
of same-named fields, @defer labels), and any rule not known to ignore it, run on every
document. Texts without literals are cached whole, errors included; texts with them
are not kept (a literal may be a password).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from cachetools import LRUCache
from graphql import (
    DocumentNode,
    FloatValueNode,
    GraphQLError,
    GraphQLSchema,
    IntValueNode,
    NameNode,
    Node,
    StringValueNode,
    specified_rules,
    validate,
)
from graphql.validation import (
    ASTValidationRule,
    DeferStreamDirectiveLabel,
    OverlappingFieldsCanBeMergedRule,
    ValuesOfCorrectTypeRule,
)

Rules = tuple[type[ASTValidationRule], ...]

# graphql-core's rules that read literal values; all its other rules read only names,
# structure and types.
_READ_LITERALS = frozenset(
    {ValuesOfCorrectTypeRule, OverlappingFieldsCanBeMergedRule, DeferStreamDirectiveLabel}
)
_LITERAL_FREE_SPECIFIED = frozenset(specified_rules) - _READ_LITERALS
_MARKERS: dict[type[Node], str] = {
    StringValueNode: "\x00s",
    IntValueNode: "\x00i",
    FloatValueNode: "\x00f",
}


def _literal_spans(node: Node, spans: list[tuple[int, int, str]]) -> bool:
    """Collects (start, end, marker) of every literal value; false when a node has no
    location (the document did not come from parsing this text)."""
    marker = _MARKERS.get(type(node))
    if marker is not None:
        if node.loc is None:
            return False
        spans.append((node.loc.start, node.loc.end, marker))
        return True
    for key in node.keys:
        if key == "loc":
            continue
        value = getattr(node, key, None)
        if isinstance(value, Node):
            if not isinstance(value, NameNode) and not _literal_spans(value, spans):
                return False
        elif isinstance(value, (tuple, list)):
            for item in value:
                if isinstance(item, Node) and not _literal_spans(item, spans):
                    return False
    return True


def document_shape(query: str, document: DocumentNode) -> str | None:
    """The query text with each literal value replaced by a marker of its kind; None
    when the literals cannot be located. Equal to the query when it has none."""
    spans: list[tuple[int, int, str]] = []
    if not _literal_spans(document, spans):
        return None
    if not spans:
        return query
    parts: list[str] = []
    position = 0
    for start, end, marker in sorted(spans):
        parts.append(query[position:start])
        parts.append(marker)
        position = end
    parts.append(query[position:])
    return "".join(parts)


@cache
def _reading_literals(rules: Rules, literal_free: frozenset[type[ASTValidationRule]]) -> Rules:
    return tuple(rule for rule in rules if rule not in literal_free)


class ShapeValidator:
    """Shared by every request of one app (the caches live here, not per request); keyed
    by schema too, as each caller's schema has its own verdicts."""

    def __init__(self, literal_free_rules: Iterable[type[ASTValidationRule]], maxsize: int) -> None:
        self.literal_free = _LITERAL_FREE_SPECIFIED | frozenset(literal_free_rules)
        # Whole documents: their errors, even none.
        self._documents: LRUCache[object, list[GraphQLError]] = LRUCache(maxsize)
        # Shapes that passed every literal-free rule.
        self._shapes: LRUCache[object, list[GraphQLError]] = LRUCache(maxsize)

    def values_decide(self, rules: Sequence[type[ASTValidationRule]]) -> bool:
        """Whether, of these rules, only graphql-core's known literal readers read values
        (so a shape's verdict plus the literals' own checks is the document's verdict)."""
        return set(_reading_literals(tuple(rules), self.literal_free)) <= _READ_LITERALS

    def validate(
        self,
        schema: GraphQLSchema,
        query: str | None,
        document: DocumentNode,
        rules: Sequence[type[ASTValidationRule]],
        shape: str | None = None,
    ) -> list[GraphQLError]:
        """`shape`: the query's shape when the caller has it (`templates.split_literals`,
        whose markers also carry each literal's length); else it is found here."""
        rule_set = tuple(rules)
        if query is None:
            return validate(schema, document, rule_set)
        known = self._documents.get((schema, query, rule_set))
        if known is not None:
            return known
        if shape is None:
            shape = document_shape(query, document)
        if shape is None:
            return validate(schema, document, rule_set)
        if shape == query:
            errors = validate(schema, document, rule_set)
            self._documents[schema, query, rule_set] = errors
            return errors
        if self._shapes.get((schema, shape, rule_set)) is not None:
            reading = _reading_literals(rule_set, self.literal_free)
            return validate(schema, document, reading) if reading else []
        errors = validate(schema, document, rule_set)
        if not errors:
            self._shapes[schema, shape, rule_set] = errors
        return errors
