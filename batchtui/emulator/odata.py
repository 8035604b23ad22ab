"""The subset of OData ``$filter`` that Azure Batch list operations accept.

``compile_filter(text, fields)`` parses a filter once and returns a predicate
over Batch-shaped resource dicts. Grammar (keywords are case-insensitive)::

    expr    := and ('or' and)*
    and     := unary ('and' unary)*
    unary   := 'not' unary | '(' expr ')' | call | PATH op LITERAL
    call    := 'startswith' '(' PATH ',' STRING ')' [('eq'|'ne') ('true'|'false')]
    op      := eq | ne | lt | le | gt | ge
    LITERAL := 'str''ing' | -?INT | true | false | null | datetime'ISO' | ISO
"""
from __future__ import annotations

import operator
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

FIELD_TYPES = {"string", "int", "datetime"}

Predicate = Callable[[dict[str, Any]], bool]  # over a Batch-shaped resource document
Token = tuple[str, Any, int, str]  # kind, value, position, source text

_COMPARISONS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt,
                "le": operator.le, "gt": operator.gt, "ge": operator.ge}
_FUNCTIONS = ("startswith",)
_MAX_DEPTH = 100
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_INT64_DIGITS = 19


class FilterError(ValueError):
    """The filter is invalid or unsupported; str(e) is a user-facing sentence.

    ``position`` is the 0-based character offset of the problem, when known.
    """

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.position = position


def _always_true(_doc: dict[str, Any]) -> bool:
    return True


def compile_filter(text: str | None, fields: dict[str, str]) -> Predicate:
    """Compile *text* into a predicate; *fields* maps allowed paths to a FIELD_TYPES entry."""
    bad = {path: kind for path, kind in fields.items() if kind not in FIELD_TYPES}
    if bad:
        raise ValueError(f"unknown field types {bad}; expected one of {sorted(FIELD_TYPES)}")
    if text is None or not text.strip():
        return _always_true
    return _Parser(text, fields).parse()


# --- datetimes: compared as canonical UTC strings 'YYYY-MM-DDTHH:MM:SS.fffffff' (100 ns exact) ---

_DATETIME_RE = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,7}))?)?)?"
    r"\s*(?:[Zz]|([+-])(\d\d):?(\d\d))?")
_CANONICAL_UTC_RE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?Z")


def _utc_key(moment: datetime, fraction: str) -> str:
    moment = moment.astimezone(timezone.utc)
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
            f"{moment.minute:02d}:{moment.second:02d}.{fraction.ljust(7, '0')}")


def _parse_datetime(text: str) -> str | None:
    """Validate ISO-8601 *text* (no offset means UTC) and return its sort key, or None."""
    m = _DATETIME_RE.fullmatch(text.strip())
    if m is None:
        return None
    y, mo, d, h, mi, s, fraction, sign, offset_h, offset_m = m.groups()
    offset = timedelta(hours=int(offset_h or 0), minutes=int(offset_m or 0))
    try:
        return _utc_key(datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0),
                                 tzinfo=timezone(-offset if sign == "-" else offset)), fraction or "")
    except (ValueError, OverflowError):
        return None


def datetime_key(value: Any) -> str | None:
    """Sort key of a document's datetime value (None: not a datetime); the common '...Z' form takes a
    fast path. Keys compare as the times do: 'YYYY-MM-DDTHH:MM:SS.fffffff' in UTC."""
    if isinstance(value, str):
        m = _CANONICAL_UTC_RE.fullmatch(value)
        if m is None:
            return _parse_datetime(value)
        return f"{m.group(1)}.{(m.group(2) or '').ljust(7, '0')}"
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return _utc_key(moment, f"{value.microsecond:06d}")
    return None


# --- property access ---

def _case_insensitive(path: str) -> bool:
    last = path.rsplit("/", 1)[-1].lower()
    return last.endswith("state") or last.endswith("result")


def _resolver(path: str) -> Callable[[dict[str, Any]], Any]:
    keys = path.split("/")
    if len(keys) == 1:
        key = keys[0]
        return lambda doc: doc.get(key)

    def resolve(doc: Any) -> Any:
        for key in keys:
            if not isinstance(doc, dict):
                return None
            doc = doc.get(key)
        return doc
    return resolve


def _getter(path: str, kind: str) -> Callable[[dict[str, Any]], Any]:
    """Resolve *path* and normalise the value to the comparable form (None if absent/wrong type)."""
    resolve = _resolver(path)
    if kind == "string" and _case_insensitive(path):
        return lambda doc: v.casefold() if isinstance(v := resolve(doc), str) else None
    if kind == "string":
        return lambda doc: v if isinstance(v := resolve(doc), str) else None
    if kind == "int":
        return lambda doc: v if type(v := resolve(doc)) is int else None
    return lambda doc: datetime_key(resolve(doc))


# --- tokenizer ---

_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<datetime>(?i:datetime)'(?:[^']|'')*' | \d{4}-\d\d-\d\d[Tt][0-9:.]+(?:[Zz]|[+-]\d\d:\d\d)?)
  | (?P<int>-?\d+)
  | (?P<ident>[A-Za-z_]\w*(?:/[A-Za-z_]\w*)*)
  | (?P<punct>[(),])
""", re.VERBOSE)


def _tokenize(text: str) -> list[Token]:
    """Return (kind, value, position, source text) tuples, ending with an 'eof' token."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None and text[pos] == "'":
            raise FilterError(f"Unterminated string starting at position {pos}.", pos)
        if m is None:
            raise FilterError(f"Unexpected character {text[pos]!r} at position {pos}.", pos)
        kind, source = m.lastgroup or "", m.group()
        value: Any
        if kind in ("string", "datetime") and source.endswith("'"):
            value = source[source.index("'") + 1:-1].replace("''", "'")
        elif kind == "int":
            value = _integer(source, pos)
        else:
            value = source
        if kind != "ws":
            tokens.append((source if kind == "punct" else kind, value, pos, source))
        pos = m.end()
    tokens.append(("eof", None, len(text), ""))
    return tokens


def _integer(source: str, pos: int) -> int:
    """An integer literal: OData's Edm.Int64 at most (longer text is refused before it is converted)."""
    digits = source.lstrip("-")
    value = int(source) if len(digits.lstrip("0")) <= _INT64_DIGITS else None
    if value is None or not _INT64_MIN <= value <= _INT64_MAX:
        shown = source if len(source) <= 24 else f"{source[:20]}… ({len(digits)} digits)"
        raise FilterError(f"The number {shown} at position {pos} is out of range (a 64-bit integer).", pos)
    return value


def _found(token: Token) -> str:
    return "the end of the filter" if token[0] == "eof" else repr(token[3])


# --- parser: builds nested closures directly ---

class _Parser:
    def __init__(self, text: str, fields: dict[str, str]):
        self.fields = fields
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0

    def parse(self) -> Predicate:
        predicate = self.or_expr()
        token = self.peek()
        if token[0] == ")":
            raise FilterError(f"Unbalanced parentheses: unexpected ')' at position {token[2]}.", token[2])
        if token[0] != "eof":
            raise FilterError(f"Unexpected {_found(token)} at position {token[2]}; "
                              "expected 'and', 'or' or the end of the filter.", token[2])
        return predicate

    def peek(self) -> Token:
        return self.tokens[self.index]

    def next(self) -> Token:
        self.index += 1
        return self.tokens[self.index - 1]

    def keyword(self, *words: str) -> str | None:
        """Consume and return the next token (lower-cased) if it is one of *words*."""
        kind, value, _, _ = self.peek()
        if kind == "ident" and value.lower() in words:
            self.index += 1
            word: str = value.lower()
            return word
        return None

    def expect(self, kind: str, what: str) -> Token:
        token = self.next()
        if token[0] != kind:
            raise FilterError(f"Expected {what} at position {token[2]}, found {_found(token)}.", token[2])
        return token

    def or_expr(self) -> Predicate:
        terms = [self.and_expr()]
        while self.keyword("or"):
            terms.append(self.and_expr())
        return _combine(terms, use_or=True)

    def and_expr(self) -> Predicate:
        terms = [self.unary()]
        while self.keyword("and"):
            terms.append(self.unary())
        return _combine(terms, use_or=False)

    def unary(self) -> Predicate:
        token = kind, value, pos, _ = self.peek()
        if self.depth >= _MAX_DEPTH:
            raise FilterError(f"The filter is nested too deeply at position {pos}.", pos)
        self.depth += 1
        try:
            if self.keyword("not"):
                inner = self.unary()
                return lambda doc: not inner(doc)
            if kind == "(":
                self.next()
                inner = self.or_expr()
                close = self.next()
                if close[0] != ")":
                    raise FilterError(f"Missing ')' to close the '(' at position {pos}; found "
                                      f"{_found(close)} at position {close[2]}.", close[2])
                return inner
            if kind != "ident" or value.lower() in _RESERVED:
                raise FilterError(f"Expected a property name, 'not' or '(' at position {pos}, "
                                  f"found {_found(token)}.", pos)
            return self.call() if self.tokens[self.index + 1][0] == "(" else self.comparison()
        finally:
            self.depth -= 1

    def property(self) -> tuple[str, str, int]:
        _, path, pos, _ = self.expect("ident", "a property name")
        if path not in self.fields:
            hint = next((f" (did you mean '{f}'?)" for f in self.fields if f.lower() == path.lower()), "")
            raise FilterError(f"The property '{path}' at position {pos} is not supported in this filter"
                              f"{hint}; supported: {', '.join(self.fields) or 'none'}.", pos)
        return path, self.fields[path], pos

    def comparison(self) -> Predicate:
        path, kind, _ = self.property()
        op_token = self.peek()
        op = self.keyword(*_COMPARISONS)
        if op is None:
            raise FilterError(f"Expected a comparison operator (eq, ne, lt, le, gt, ge) after '{path}' "
                              f"at position {op_token[2]}, found {_found(op_token)}.", op_token[2])
        token = lit_kind, lit, pos, source = self.next()
        if lit_kind == "ident" and lit.lower() in ("true", "false", "null"):
            lit_kind = lit.lower()
        if lit_kind == "null":
            if op not in ("eq", "ne"):
                raise FilterError(f"null can only be compared with eq or ne (position {pos}).", pos)
            get = _getter(path, kind)
            return (lambda doc: get(doc) is None) if op == "eq" else (lambda doc: get(doc) is not None)
        if kind == "datetime" and lit_kind in ("string", "datetime"):
            value = _parse_datetime(lit)
            if value is None:
                raise FilterError(f"{source} at position {pos} is not a valid datetime for '{path}'; "
                                  "use ISO-8601 such as '2026-11-23T10:00:00Z'.", pos)
        elif (kind, lit_kind) in (("string", "string"), ("int", "int")):
            value = lit.casefold() if kind == "string" and _case_insensitive(path) else lit
        elif lit_kind in ("string", "int", "datetime", "true", "false"):
            raise FilterError(f"Cannot compare {kind} property '{path}' with {source} at position "
                              f"{pos}; expected {_EXAMPLES[kind]}.", pos)
        else:
            hint = " (strings must be in single quotes)" if lit_kind == "ident" else ""
            raise FilterError(f"Expected a value after '{op}' at position {pos}, "
                              f"found {_found(token)}{hint}.", pos)
        return _compare(_getter(path, kind), op, value)

    def call(self) -> Predicate:
        _, name, pos, _ = self.next()
        if name.lower() not in _FUNCTIONS:
            raise FilterError(f"Unknown function '{name}' at position {pos}; "
                              f"supported: {', '.join(_FUNCTIONS)}.", pos)
        self.expect("(", "'(' after startswith")
        path, kind, path_pos = self.property()
        if kind != "string":
            raise FilterError(f"startswith needs a string property, but '{path}' at position "
                              f"{path_pos} is {kind}.", path_pos)
        self.expect(",", "',' in startswith(property, 'prefix')")
        prefix = self.expect("string", "a quoted prefix such as 'abc'")[1]
        self.expect(")", "')' to close startswith")
        get = _getter(path, kind)
        if _case_insensitive(path):
            prefix = prefix.casefold()

        def predicate(doc: dict[str, Any]) -> bool:
            return (v := get(doc)) is not None and v.startswith(prefix)

        op = self.keyword("eq", "ne")
        if op is None:
            return predicate
        token = self.peek()
        wanted = self.keyword("true", "false")
        if wanted is None:
            raise FilterError(f"startswith(...) can only be compared with true or false; found "
                              f"{_found(token)} at position {token[2]}.", token[2])
        return predicate if (wanted == "true") == (op == "eq") else (lambda doc: not predicate(doc))


_RESERVED = {*_COMPARISONS, "and", "or", "not", "true", "false", "null"}
_EXAMPLES = {"string": "a quoted string such as 'abc'", "int": "an integer such as 42",
             "datetime": "a datetime such as datetime'2026-11-23T10:00:00Z'"}


def _compare(get: Callable[[dict[str, Any]], Any], op: str, value: Any) -> Predicate:
    """A missing value (None) never matches, except that ``ne`` is then true."""
    if op == "eq":
        return lambda doc: get(doc) == value
    if op == "ne":
        return lambda doc: get(doc) != value
    compare = _COMPARISONS[op]
    return lambda doc: (v := get(doc)) is not None and compare(v, value)


def _combine(terms: list[Predicate], use_or: bool) -> Predicate:
    """Join predicates with short-circuit ``and``/``or`` (two-term case unrolled for speed)."""
    if len(terms) == 1:
        return terms[0]
    if len(terms) == 2:
        first, second = terms
        if use_or:
            return lambda doc: first(doc) or second(doc)
        return lambda doc: first(doc) and second(doc)
    if use_or:
        return lambda doc: any(term(doc) for term in terms)
    return lambda doc: all(term(doc) for term in terms)


def time_floor(text: str | None, field: str) -> str | None:
    """The sort key of a lower bound the filter `text` puts on the datetime property `field` (None: it puts
    none that holds for every match): `field ge|gt|eq datetime'…'` as one of the terms of a filter made of
    `and`s only (no `or`, no `not`). Only ever a narrowing of the candidates: the filter still decides.
    Raises nothing (a filter that does not parse gives None; compile_filter says why)."""
    if not text:
        return None
    try:
        tokens = _tokenize(text)
    except FilterError:
        return None
    if any(kind == "ident" and str(value).lower() in ("or", "not") for kind, value, _, _ in tokens):
        return None
    triples = zip(tokens, tokens[1:], tokens[2:], strict=False)  # (the shorter lists end it)
    for (kind, value, _, _), (op_kind, op, _, _), (lit_kind, lit, _, _) in triples:
        if (kind == "ident" and value == field and op_kind == "ident" and str(op).lower() in ("ge", "gt", "eq")
                and lit_kind in ("datetime", "string")):
            return _parse_datetime(str(lit))
    return None
