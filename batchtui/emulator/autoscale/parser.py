"""Parse an autoscale formula into a Program, with the checks Batch can make before running it.

Grammar (operators from the reference's Operations table; their precedence is not documented, so
C's is used, as the formulas in the reference read):

    formula    := statement (";" statement)*          -- empty statements are allowed
    statement  := [NAME "="] expr
    expr       := or ["?" expr ":" expr]              -- right-associative
    or         := and ("||" and)*
    and        := equality ("&&" equality)*
    equality   := relation (("==" | "!=") relation)*
    relation   := additive (("<" | "<=" | ">" | ">=") additive)*
    additive   := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("-" | "!") unary | postfix
    postfix    := primary ("." NAME ["(" args ")"])*
    primary    := NUMBER | STRING | NAME ["(" args ")"] | "(" expr ")"
    args       := [expr ("," expr)*]

Checked here (an AutoScalingFormulaSyntaxError, as pool create and enableautoscale refuse it):
tokens and grammar; the length (8192 characters, AutoScalingFormulaTooLong) and the number of
statements (100); function names and argument counts; methods only on read-only service
variables, with their argument counts; timestamp member names; no assignment to a read-only
service variable or a constant; nesting deeper than MAX_NESTING (ours, Batch publishes none).

Not checked here: a variable read before it is assigned. Batch reports that when the formula
runs, as AutoScalingFormulaEvaluationError (its SDK tests evaluate `$something_useless`).
"""

from __future__ import annotations

from .errors import TOO_LONG, FormulaError, Position, shown, syntax_error
from .lexer import Token, tokenize
from .names import (
    CONSTANTS,
    FUNCTIONS,
    MAX_FORMULA_LENGTH,
    MAX_STATEMENTS,
    METHODS,
    READ_ONLY_SET,
    TIMESTAMP_MEMBERS,
)
from .syntax import Call, Chain, Expr, Member, Method, Name, Number, Program, Statement, String, Ternary, Unary

# How deeply expressions may nest (parentheses, call arguments, `?:` branches, unary operators).
MAX_NESTING = 40

_LEVELS: tuple[tuple[str, ...], ...] = (("||",), ("&&",), ("==", "!="), ("<", "<=", ">", ">="), ("+", "-"), ("*", "/"))


def parse(formula: str) -> Program:
    """The Program of `formula`. Raises FormulaError (a syntax error, or the formula too long)."""
    if len(formula) > MAX_FORMULA_LENGTH:
        raise FormulaError(TOO_LONG, f"The formula has {len(formula)} characters; at most {MAX_FORMULA_LENGTH} "
                                     "are allowed")
    return _Parser(tokenize(formula)).program()


def _describe(tok: Token) -> str:
    if tok.kind == "end":
        return "end of formula"
    if tok.kind == "string":
        return f'string "{shown(tok.text)}"'
    return f"'{shown(tok.text)}'"


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.at = 0
        self.depth = 0

    # --- token helpers ---------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.at + ahead, len(self.tokens) - 1)]

    def next(self) -> Token:
        tok = self.tokens[self.at]
        if tok.kind != "end":
            self.at += 1
        return tok

    def is_op(self, *ops: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.text in ops

    def expect(self, op: str) -> Token:
        tok = self.next()
        if tok.kind != "op" or tok.text != op:
            raise syntax_error(f"Expected '{op}' but found {_describe(tok)}", tok.position)
        return tok

    def nest(self, position: Position) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise syntax_error(f"The expression is nested more than {MAX_NESTING} levels deep", position)

    # --- statements ------------------------------------------------------------------------

    def program(self) -> Program:
        statements: list[Statement] = []
        while self.peek().kind != "end":
            if self.is_op(";"):
                self.next()
                continue
            stmt = self.statement()
            statements.append(stmt)
            if len(statements) > MAX_STATEMENTS:
                raise syntax_error(f"The formula has more than {MAX_STATEMENTS} statements", stmt.position)
            tok = self.peek()
            if tok.kind != "end" and not self.is_op(";"):
                raise syntax_error(f"Expected ';' but found {_describe(tok)}", tok.position)
        return Program(tuple(statements))

    def statement(self) -> Statement:
        first = self.peek()
        if first.kind == "name" and self.peek(1).kind == "op" and self.peek(1).text == "=":
            self.at += 2
            _check_target(first)
            return Statement(first.text, self.expr(), first.position)
        return Statement(None, self.expr(), first.position)

    # --- expressions -----------------------------------------------------------------------

    def expr(self) -> Expr:
        self.nest(self.peek().position)
        try:
            cond = self.level(0)
            if not self.is_op("?"):
                return cond
            self.next()
            then = self.expr()
            self.expect(":")
            otherwise = self.expr()
            return Ternary(cond, then, otherwise, _position(cond))
        finally:
            self.depth -= 1

    def level(self, index: int) -> Expr:
        if index == len(_LEVELS):
            return self.unary()
        first = self.level(index + 1)
        ops: list[tuple[str, Position, Expr]] = []
        while self.is_op(*_LEVELS[index]):
            tok = self.next()
            ops.append((tok.text, tok.position, self.level(index + 1)))
        return Chain(first, tuple(ops), _position(first)) if ops else first

    def unary(self) -> Expr:
        if self.is_op("-", "!"):
            tok = self.next()
            self.nest(tok.position)
            try:
                return Unary(tok.text, self.unary(), tok.position)
            finally:
                self.depth -= 1
        return self.postfix()

    def postfix(self) -> Expr:
        node = self.primary()
        while self.is_op("."):
            self.next()
            tok = self.next()
            if tok.kind != "name" or tok.text.startswith("$"):
                raise syntax_error(f"Expected a method or member name after '.' but found {_describe(tok)}",
                                   tok.position)
            if self.is_op("("):
                paren = self.peek().position
                node = Method(_method_receiver(node, tok), tok.text, self.args(), _position(node), paren)
                _check_count(f"Method {tok.text}", len(node.args), METHODS[tok.text], tok.position)
            else:
                if tok.text not in TIMESTAMP_MEMBERS:
                    raise syntax_error(f"Unknown member '{shown(tok.text)}'; a timestamp has "
                                       + ", ".join(TIMESTAMP_MEMBERS), tok.position)
                node = Member(node, tok.text, _position(node))
        return node

    def primary(self) -> Expr:
        tok = self.next()
        if tok.kind == "number":
            return Number(float(tok.text), tok.position)
        if tok.kind == "string":
            return String(tok.text, tok.position)
        if tok.kind == "name":
            if self.is_op("("):
                if tok.text not in FUNCTIONS:
                    raise syntax_error(f"Unknown function '{shown(tok.text)}'", tok.position)
                call = Call(tok.text, self.args(), tok.position)
                _check_count(f"Function {tok.text}", len(call.args), FUNCTIONS[tok.text], tok.position)
                return call
            return Name(tok.text, tok.position)
        if tok.kind == "op" and tok.text == "(":
            inner = self.expr()
            self.expect(")")
            return inner
        raise syntax_error(f"Unexpected {_describe(tok)}", tok.position)

    def args(self) -> tuple[Expr, ...]:
        self.expect("(")
        args: list[Expr] = []
        if not self.is_op(")"):
            args.append(self.expr())
            while self.is_op(","):
                self.next()
                args.append(self.expr())
        self.expect(")")
        return tuple(args)


def _position(node: Expr) -> Position:
    return node.position


def _check_target(tok: Token) -> None:
    if tok.text in READ_ONLY_SET:
        raise syntax_error(f"{tok.text} is a read-only service-defined variable", tok.position)
    if tok.text in CONSTANTS:
        raise syntax_error(f"{tok.text} is a constant and cannot be assigned", tok.position)


def _method_receiver(node: Expr, method: Token) -> str:
    if method.text not in METHODS:
        raise syntax_error(f"Unknown method '{shown(method.text)}'", method.position)
    if not isinstance(node, Name) or node.name not in READ_ONLY_SET:
        raise syntax_error(f"Method {method.text} is only available on a read-only service-defined variable",
                           method.position)
    return node.name


def _check_count(what: str, count: int, allowed: tuple[int, int | None], position: Position) -> None:
    low, high = allowed
    if count < low or (high is not None and count > high):
        if high is None:
            wanted = f"at least {low}"
        elif low == high:
            wanted = str(low)
        else:
            wanted = f"{low} to {high}"
        plural = "" if low == 1 and high in (1, None) else "s"
        raise syntax_error(f"{what} takes {wanted} argument{plural}, not {count}", position)
