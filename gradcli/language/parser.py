"""The gradcli language: a hand-written recursive-descent parser over `tokens.tokenize`.

Text in, `syntax.Program` (or one `Expr`) out. Nothing here evaluates anything, and nothing uses
eval/exec/compile/ast: only the small grammar below parses, so every other piece of Python is
rejected by construction, with a message that says what was expected and a caret under the token.
The way back, from a tree to text, is the `unparse` module.

    program    := statement ((NEWLINE | ';') statement)*        (empty statements are fine)
    statement  := NAME '=' expr | expr
    expr       := unary (binop unary)*        comparisons < +,- < *,/,@ ; comparisons don't chain
    unary      := ('-' | '+') unary | postfix ('**' unary)?
    postfix    := atom ('(' args ')' | '[' index ']')*          only a name chain can be called
    atom       := NUMBER | STRING | True | False | NAME ('.' NAME)* | '(' tuple-or-group ')' | list
"""

from __future__ import annotations

from gradcli.errors import LimitError, ParseError, Span
from gradcli.imports import collector_paused

from . import refusals
from .limits import DEFAULT_LIMITS, Limits
from .syntax import (
    Assign,
    Binary,
    Bool,
    Call,
    Compare,
    Expr,
    ExprStatement,
    Keyword,
    ListExpr,
    Name,
    Number,
    Program,
    Slice,
    String,
    Subscript,
    TupleExpr,
    Unary,
    replace,
)
from .tokens import NOT_OURS, Token, describe, tokenize

__all__ = ["BINARY_PRECEDENCE", "parse", "parse_expression"]

# How tightly each binary operator binds (higher binds tighter); `unparse` reads it too.
BINARY_PRECEDENCE = {op: 1 for op in ("<", "<=", ">", ">=", "==", "!=")}
BINARY_PRECEDENCE.update({"+": 2, "-": 2, "*": 3, "/": 3, "@": 3})
# what, after a name or a number, makes it more than a plain operand: a call, an index, a dot, a
# power (only operator tokens have these texts)
_GO_ON = frozenset(("(", "[", ".", "**"))


class _Parser:
    """One pass over the tokens; `depth` counts every recursion so Python's limit is never hit."""

    def __init__(self, text: str, limits: Limits):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.tok = self.tokens[0]  # the current token, always self.tokens[self.pos]
        self.depth = 0
        self.max_depth = limits.max_depth

    # --- token helpers -------------------------------------------------------------------------

    def advance(self) -> Token:
        tok = self.tok
        self.pos += tok.kind != "end"  # on the last token, 'end', stay
        self.tok = self.tokens[self.pos]
        return tok

    def at(self, *ops: str) -> bool:
        tok = self.tok
        return tok.kind == "op" and tok.text in ops

    def error(self, message: str, span: Span) -> ParseError:
        return ParseError(message, span=span, source=self.text)

    def enter(self, tok: Token) -> None:
        """Count one level of nesting; refuse before Python's recursion limit is near."""
        self.depth += 1
        if self.depth > self.max_depth:
            message = f"nesting deeper than {self.max_depth} levels (raise it with --max-depth)"
            raise self.error(message, tok.span)

    # --- statements ----------------------------------------------------------------------------

    def program(self) -> Program:
        statements = []
        while True:
            while self.tok.text == ";" or self.tok.kind == "newline":  # only an op's text is ';'
                self.advance()
            if self.tok.kind == "end":
                break
            statements.append(self.statement())
            if not (self.tok.text == ";" or self.tok.kind in ("newline", "end")):
                raise refusals.unexpected_after_expression(
                    self, "expected an operator, ';' or a newline"
                )
        if not statements:
            message = "empty program: write an expression, e.g. x**2"
            raise self.error(message, self.tok.span)
        return Program(tuple(statements), self.text)

    def single_expression(self) -> Expr:
        while self.tok.kind == "newline":
            self.advance()
        if self.tok.kind == "end" or self.at(";"):
            message = "empty value: write an expression, e.g. [[1, 2], [3, 4]]"
            raise self.error(message, self.tok.span)
        value = self.expression()
        if self.at("="):
            raise self.error("expected a single expression, not an assignment", self.tok.span)
        more_lines = self.tok.kind == "newline"
        while self.tok.kind == "newline":
            self.advance()
        if self.at(";") or (more_lines and self.tok.kind != "end"):
            raise self.error("expected a single expression, not several statements", self.tok.span)
        if self.tok.kind != "end":
            raise refusals.unexpected_after_expression(
                self, "expected an operator or the end of the value"
            )
        return value

    def statement(self) -> Assign | ExprStatement:
        if self.at("@"):
            raise self.error(f"decorators are {NOT_OURS}", self.tok.span)
        target = self.expression()
        if (tok := self.tok).kind != "op" or tok.text != "=":  # `name = ...` is most statements
            if self.at(",") and refusals.assignment_follows(self.tokens, self.pos):
                message = "tuple unpacking is not supported; assign one name per statement"
                raise self.error(message, self.tok.span)
            return ExprStatement(target, target.span)
        if type(target) is not Name or "." in target.name:
            refusals.check_target(self, target)
        self.advance()
        value = self.expression()
        if self.at("="):
            message = "chained assignment is not supported; assign one name per statement"
            raise self.error(message, self.tok.span)
        return Assign(target.name, target.span, value, Span(target.span.start, value.span.end))

    # --- expressions ---------------------------------------------------------------------------

    def expression(self) -> Expr:
        """Binary operators by precedence climbing with explicit stacks: a 30,000-term sum is a
        loop, not 30,000 nested calls. Equal precedence reduces first, so chains are left-assoc."""
        first = self.unary()
        if (op := self.tok).text not in BINARY_PRECEDENCE or op.kind != "op":
            return first  # a lone operand: most expressions (arguments, the left of '=')
        operands, ops = [first], []
        compared = False
        while op.text in BINARY_PRECEDENCE and op.kind == "op":
            self.pos += 1  # advance() without its test: an operator is never the last token
            self.tok = self.tokens[self.pos]
            level = BINARY_PRECEDENCE[op.text]
            if level == 1 and compared:
                message = "chained comparisons are not supported; use parentheses"
                raise self.error(message, op.span)
            compared = compared or level == 1
            while ops and ops[-1][1] >= level:
                self.reduce(operands, ops)
            ops.append((op, level))
            operands.append(self.unary())
            op = self.tok
        while ops:
            self.reduce(operands, ops)
        return operands[0]

    @staticmethod
    def reduce(operands: list[Expr], ops: list[tuple[Token, int]]) -> None:
        right, left = operands.pop(), operands.pop()
        op, level = ops.pop()
        node_type = Compare if level == 1 else Binary
        # the left operand ends before the right one starts: its span from the one's start to
        # the other's end (what Span.cover gives, without its min and max)
        span, op_span = Span(left.span.start, right.span.end), Span(op.start, op.end)
        operands.append(node_type(op.text, left, right, span, op_span))

    def unary(self) -> Expr:
        """Prefix +/- and '**'; the exponent is unary-level, so -x**2 is -(x**2) and x**-2 works."""
        tok = self.tok
        if tok.kind == "op" and (tok.text == "-" or tok.text == "+"):
            self.advance()
            self.enter(tok)
            operand = self.unary()
            self.depth -= 1
            return Unary(tok.text, operand, Span(tok.start, operand.span.end))
        if (tok.kind == "name" or tok.kind == "num") and self.tokens[
            self.pos + 1
        ].text not in _GO_ON:
            # a name or number that nothing is applied to (most operands): made here, without
            # postfix's and atom's steps; a name or number is never the last token
            self.pos += 1
            self.tok = self.tokens[self.pos]
            if tok.kind == "name" and tok.text != "True" and tok.text != "False":
                return Name(tok.text, Span(tok.start, tok.end))  # operand()'s, one call less
            return self.operand(tok)
        base = self.postfix()
        if self.tok.text != "**" or self.tok.kind != "op":
            return base
        op = self.advance()
        self.enter(op)
        exponent = self.unary()
        self.depth -= 1
        return Binary("**", base, exponent, base.span.cover(exponent.span), op.span)

    def postfix(self) -> Expr:
        callable_name = self.tok.kind == "name"  # not `(f)(x)` nor `f(x)(y)`: only a name chain
        node = self.atom()
        while True:
            if (tok := self.tok).kind != "op" or tok.text not in ("(", "[", "."):  # most: none
                return node
            if tok.text == "(":
                if not (callable_name and isinstance(node, Name)):
                    message = "only a function name can be called (to multiply, write '*')"
                    if self.tokens[self.pos - 1].kind == "num":  # `3 (4)`; `3(4)` multiplies
                        message = f"to multiply, write {node.text}*(...) or {node.text}(...)"
                        message += " with no space"
                    raise self.error(message, self.tok.span)
                node = self.call(node)
            elif tok.text == "[":
                node = self.subscript(node)
            else:
                message = f"attribute access on values is {NOT_OURS}"
                raise self.error(message, self.tok.span)
            callable_name = False

    def atom(self) -> Expr:
        tok = self.tok
        if tok.kind == "num" or (tok.kind == "name" and tok.text in ("True", "False")):
            self.advance()
            return self.operand(tok)
        if tok.kind == "str":
            self.advance()
            return String(tok.value, tok.span)
        if tok.kind == "name":
            return self.dotted_name()
        if self.at("("):
            return self.group()
        if self.at("["):
            open_ = self.advance()
            self.enter(open_)
            items, _, close = self.sequence("]", self.expression, "an expression")
            self.depth -= 1
            return ListExpr(tuple(items), Span(open_.start, close.end))
        raise refusals.expected_expression(self)

    @staticmethod
    def operand(tok: Token) -> Number | Bool | Name:
        """A number, True/False or a plain name, from its one token."""
        if tok.kind == "num":
            digits = tok.text.replace("_", "")
            return Number(float(digits), digits.isdigit(), tok.text, Span(tok.start, tok.end))
        if tok.text == "True" or tok.text == "False":
            return Bool(tok.text == "True", Span(tok.start, tok.end))
        return Name(tok.text, Span(tok.start, tok.end))

    def dotted_name(self) -> Name:
        """`tf.math.sin` is one Name; the walker decides which spellings exist."""
        first = self.advance()
        if self.tok.text != "." or self.tok.kind != "op":
            return Name(first.text, Span(first.start, first.end))  # most names: not dotted
        parts, end = [first.text], first.end
        while self.tok.text == "." and self.tok.kind == "op":
            self.advance()
            part = self.tok
            if part.kind != "name" or part.text in ("True", "False"):
                raise self.error(f"expected a name after '.', found {describe(part)}", part.span)
            self.advance()
            parts.append(part.text)
            end = part.end
        return Name(".".join(parts), Span(first.start, end))

    def group(self) -> Expr:
        """`()` and `(a,)` are tuples; `(a)` is `a` with its span widened over the parentheses."""
        open_ = self.advance()
        self.enter(open_)
        items, had_comma, close = self.sequence(")", self.expression, "an expression")
        self.depth -= 1
        span = Span(open_.start, close.end)
        if len(items) == 1 and not had_comma:
            return replace(items[0], span=span)
        return TupleExpr(tuple(items), span)

    def sequence(self, closer: str, item, what: str) -> tuple[list, bool, Token]:
        """Comma-separated items up to `closer` (a trailing comma is fine); returns the closer."""
        items, had_comma = [], False
        # the current token's text tested directly (only operators have these texts): this runs
        # for every argument of every call
        while self.tok.text != closer:
            if self.tok.text == ",":
                raise self.error(f"unexpected ',': expected {what} or '{closer}'", self.tok.span)
            items.append(item())
            if self.tok.text == ",":
                had_comma = True
                self.advance()
            elif self.tok.text != closer:
                message = f"unexpected {describe(self.tok)}: expected ',' or '{closer}'"
                raise self.error(message, self.tok.span)
        return items, had_comma, self.advance()

    def call(self, func: Name) -> Call:
        open_ = self.advance()
        self.enter(open_)
        args: list[Expr] = []
        keywords: list[Keyword] = []

        def argument() -> None:
            tok, following = self.tok, self.tokens[self.pos + 1]
            if tok.kind == "name" and following.kind == "op" and following.text == "=":
                if tok.text in ("True", "False"):
                    raise self.error(f"{tok.text} cannot be a keyword argument name", tok.span)
                if any(k.name == tok.text for k in keywords):
                    raise self.error(f"keyword argument '{tok.text}' is given twice", tok.span)
                self.advance(), self.advance()
                value = self.expression()
                keywords.append(Keyword(tok.text, value, Span(tok.start, value.span.end)))
                return
            value = self.expression()
            if self.at("="):
                message = "only a plain name can be a keyword argument; to compare, write '=='"
                raise self.error(message, self.tok.span)
            if keywords:
                raise self.error("positional argument follows keyword argument", value.span)
            args.append(value)

        _, _, close = self.sequence(")", argument, "an argument")
        self.depth -= 1
        return Call(func, tuple(args), tuple(keywords), Span(func.span.start, close.end))

    def subscript(self, value: Expr) -> Subscript:
        open_ = self.advance()
        self.enter(open_)
        if self.at("]"):
            raise self.error("unexpected ']': expected an index", self.tok.span)
        items, _, close = self.sequence("]", self.index_item, "an index")
        self.depth -= 1
        return Subscript(value, tuple(items), value.span.cover(close.span))

    def index_item(self) -> Expr | Slice:
        """An index, or a slice `start:stop:step` with every part optional."""
        start_at = self.tok.start
        start = None if self.at(":") else self.expression()
        if not self.at(":"):
            return start
        end = self.advance().end
        stop = None if self.at(":", ",", "]") else self.expression()
        end = stop.span.end if stop else end
        step = None
        if self.at(":"):
            end = self.advance().end
            if not self.at(",", "]"):
                step = self.expression()
                end = step.span.end
        return Slice(start, stop, step, Span(start_at, end))


def _run(text: str, limits: Limits, method):
    if len(text) > limits.max_program_chars:
        raise LimitError(
            f"the text is {len(text):,} characters long, more than the limit of "
            f"{limits.max_program_chars:,} (raise it with --max-program-chars)"
        )
    # A parse makes a few objects per character and no garbage: a collection during it (one per
    # 700 objects) scans the growing tree for nothing, a sixth of a long program's parse. The
    # command line also freezes the tree (gradcli.imports), so no later collection scans it.
    with collector_paused():
        parser = _Parser(text, limits)
        try:
            return method(parser)
        except RecursionError:
            # Only reachable when --max-depth is raised far beyond Python's own recursion limit.
            message = "nesting too deep for Python's recursion limit (lower --max-depth)"
            raise parser.error(message, parser.tok.span) from None


def parse(text: str, limits: Limits = DEFAULT_LIMITS) -> Program:
    """Parse a whole program: statements separated by newlines or ';'.

    Raises `ParseError` (with a span into `text`) or `LimitError`; never anything else.
    """
    return _run(text, limits, _Parser.program)


def parse_expression(text: str, limits: Limits = DEFAULT_LIMITS) -> Expr:
    """Parse exactly one expression, e.g. a declared value `[[1, 2], [3, 4]]` or `zeros(3)`."""
    return _run(text, limits, _Parser.single_expression)
