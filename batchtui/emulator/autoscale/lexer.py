"""Tokens of an autoscale formula.

What the reference shows, and so what is read here:
- statements separated by `;`, free line breaks, and `//` comments to the end of the line
  ("Both comments and line breaks are acceptable in formula strings", Example 2);
- numbers such as `25`, `0.7`, `1.1`;
- names of user variables with or without a leading `$`, service variables with one
  (`$PendingTasks`), functions (`avg`), constants (`TimeInterval_Minute`, `taskcompletion`);
- string literals in double quotes (`time("Sat, 01 Jan 2022 10:00:00 GMT")`, Example 4);
- the operators of the Operations table, `=`, `?:`, `,`, `.` and parentheses.

Decided where the reference is silent (each would be a guess either way):
- a number may carry an exponent (`1e3`); it may not start or end with a dot (`.5`, `5.`);
- a string has no escapes and ends at the next `"` on the same line;
- `/* */` comments, single quotes and characters outside ASCII are syntax errors;
- names are case-sensitive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import Position, shown, syntax_error

# Longest first, so `<=` is one token and not `<` then `=`.
OPERATORS = ("<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "<", ">", "!", "?", ":", "=", ";", ",", ".",
             "(", ")")

_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"\$?[A-Za-z_][A-Za-z0-9_]*")
_SPACE = " \t\r\n"


@dataclass(frozen=True)
class Token:
    """One token: `kind` is "number", "string", "name", "op" or "end"; `text` as written
    (a string's text without its quotes)."""

    kind: str
    text: str
    position: Position


class _Cursor:
    """Walks the formula keeping the 1-based line and column of the current character."""

    def __init__(self, formula: str) -> None:
        self.text = formula
        self.at = 0
        self.line = 1
        self.line_start = 0

    def position(self) -> Position:
        return Position(self.line, self.at - self.line_start + 1)

    def advance(self, count: int) -> None:
        for _ in range(count):
            if self.text[self.at] == "\n":
                self.line += 1
                self.line_start = self.at + 1
            self.at += 1


def tokenize(formula: str) -> list[Token]:
    """The tokens of `formula`, ending with one "end" token.

    Raises FormulaError (AutoScalingFormulaSyntaxError) at the first character that starts no token.
    """
    cur = _Cursor(formula)
    tokens: list[Token] = []
    text = formula
    while cur.at < len(text):
        ch = text[cur.at]
        if ch in _SPACE:
            cur.advance(1)
            continue
        if text.startswith("//", cur.at):
            end = text.find("\n", cur.at)
            cur.advance((len(text) if end < 0 else end) - cur.at)
            continue
        where = cur.position()
        if "0" <= ch <= "9":
            m = _NUMBER.match(text, cur.at)
            assert m is not None
            tokens.append(Token("number", m.group(), where))
            cur.advance(m.end() - cur.at)
            continue
        m = _NAME.match(text, cur.at)
        if m is not None:
            tokens.append(Token("name", m.group(), where))
            cur.advance(m.end() - cur.at)
            continue
        if ch == '"':
            end = text.find('"', cur.at + 1)
            newline = text.find("\n", cur.at + 1)
            if end < 0 or 0 <= newline < end:
                raise syntax_error("Unterminated string literal", where)
            tokens.append(Token("string", text[cur.at + 1:end], where))
            cur.advance(end + 1 - cur.at)
            continue
        op = next((o for o in OPERATORS if text.startswith(o, cur.at)), None)
        if op is None:
            raise syntax_error(f"Unexpected character '{shown(ch)}'", where)
        tokens.append(Token("op", op, where))
        cur.advance(len(op))
    tokens.append(Token("end", "", cur.position()))
    return tokens
