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

from .limits import DEFAULT_LIMITS, Limits
from .misreadings import after_a_value, misplaced_operator
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
from .tokens import NOT_OURS, Token, describe, shorten, tokenize

__all__ = ["BINARY_PRECEDENCE", "parse", "parse_expression"]

# How tightly each binary operator binds (higher binds tighter); `unparse` reads it too.
BINARY_PRECEDENCE = {op: 1 for op in ("<", "<=", ">", ">=", "==", "!=")}
BINARY_PRECEDENCE.update({"+": 2, "-": 2, "*": 3, "/": 3, "@": 3})


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

    def unexpected_after_expression(self, expected: str) -> ParseError:
        tok = self.tok
        if tok.kind == "op" and tok.text == ",":
            return self.error("a tuple needs parentheses, as in (1, 2)", tok.span)
        found = after_a_value(self.text, tok, self.tokens[self.pos - 1])  # 2 x, π x, xπ
        if found is not None:
            return found
        return self.error(f"unexpected {describe(tok)} after an expression: {expected}", tok.span)

    # --- statements ----------------------------------------------------------------------------

    def program(self) -> Program:
        statements = []
        while True:
            while self.at(";") or self.tok.kind == "newline":
                self.advance()
            if self.tok.kind == "end":
                break
            statements.append(self.statement())
            if not (self.at(";") or self.tok.kind in ("newline", "end")):
                raise self.unexpected_after_expression("expected an operator, ';' or a newline")
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
            raise self.unexpected_after_expression("expected an operator or the end of the value")
        return value

    def statement(self) -> Assign | ExprStatement:
        if self.at("@"):
            raise self.error(f"decorators are {NOT_OURS}", self.tok.span)
        target = self.expression()
        if self.at(",") and self.assignment_follows():
            message = "tuple unpacking is not supported; assign one name per statement"
            raise self.error(message, self.tok.span)
        if not self.at("="):
            return ExprStatement(target, target.span)
        self.check_target(target)
        self.advance()
        value = self.expression()
        if self.at("="):
            message = "chained assignment is not supported; assign one name per statement"
            raise self.error(message, self.tok.span)
        return Assign(target.name, target.span, value, target.span.cover(value.span))

    def assignment_follows(self) -> bool:
        """Whether an '=' outside brackets comes later in this statement (as in `a, b = 1, 2`)."""
        depth = 0
        for tok in self.tokens[self.pos :]:
            if tok.kind in ("newline", "end") or (tok.text == ";" and tok.kind == "op"):
                return False
            depth += (tok.text in "([") - (tok.text in ")]") if tok.kind == "op" else 0
            if depth == 0 and tok.kind == "op" and tok.text == "=":
                return True
        return False

    def check_target(self, target: Expr) -> None:
        if isinstance(target, Name) and "." not in target.name:
            return
        if isinstance(target, Name):
            what = f"the dotted name '{shorten(target.name)}'"
        elif isinstance(target, Subscript):
            what = "an element (values are immutable)"
        elif isinstance(target, Call):
            what = "a function call"
        elif isinstance(target, Number | String | Bool):
            what = "a literal"
        else:
            what = "an expression"
        message = f"cannot assign to {what}: the left of '=' must be a plain name"
        raise self.error(message, target.span)

    # --- expressions ---------------------------------------------------------------------------

    def expression(self) -> Expr:
        """Binary operators by precedence climbing with explicit stacks: a 30,000-term sum is a
        loop, not 30,000 nested calls. Equal precedence reduces first, so chains are left-assoc."""
        operands = [self.unary()]
        ops: list[tuple[Token, int]] = []
        compared = False
        while self.tok.kind == "op" and self.tok.text in BINARY_PRECEDENCE:
            op = self.advance()
            level = BINARY_PRECEDENCE[op.text]
            if level == 1 and compared:
                message = "chained comparisons are not supported; use parentheses"
                raise self.error(message, op.span)
            compared = compared or level == 1
            while ops and ops[-1][1] >= level:
                self.reduce(operands, ops)
            ops.append((op, level))
            operands.append(self.unary())
        while ops:
            self.reduce(operands, ops)
        return operands[0]

    @staticmethod
    def reduce(operands: list[Expr], ops: list[tuple[Token, int]]) -> None:
        right, left = operands.pop(), operands.pop()
        op, level = ops.pop()
        node_type = Compare if level == 1 else Binary
        operands.append(node_type(op.text, left, right, left.span.cover(right.span), op.span))

    def unary(self) -> Expr:
        """Prefix +/- and '**'; the exponent is unary-level, so -x**2 is -(x**2) and x**-2 works."""
        tok = self.tok
        if tok.kind == "op" and (tok.text == "-" or tok.text == "+"):
            self.advance()
            self.enter(tok)
            operand = self.unary()
            self.depth -= 1
            return Unary(tok.text, operand, Span(tok.start, operand.span.end))
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
        if tok.kind == "num":
            self.advance()
            digits = tok.text.replace("_", "")
            return Number(float(digits), digits.isdigit(), tok.text, tok.span)
        if tok.kind == "str":
            self.advance()
            return String(tok.value, tok.span)
        if tok.kind == "name" and tok.text in ("True", "False"):
            self.advance()
            return Bool(tok.text == "True", tok.span)
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
        raise self.expected_expression()

    def expected_expression(self) -> ParseError:
        tok = self.tok
        if tok.kind in ("newline", "end"):
            previous = self.tokens[self.pos - 1] if self.pos else tok
            return self.error(f"expected an expression after {describe(previous)}", tok.span)
        if tok.kind == "op" and tok.text in ("*", "**"):
            return misplaced_operator(
                self.text, tok, self.tokens[self.pos - 1] if self.pos else None
            )
        return self.error(f"unexpected {describe(tok)}: expected an expression", tok.span)

    def dotted_name(self) -> Name:
        """`tf.math.sin` is one Name; the walker decides which spellings exist."""
        first = self.advance()
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
        while not self.at(closer):
            if self.at(","):
                raise self.error(f"unexpected ',': expected {what} or '{closer}'", self.tok.span)
            items.append(item())
            if self.at(","):
                had_comma = True
                self.advance()
            elif not self.at(closer):
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
        return Call(func, tuple(args), tuple(keywords), func.span.cover(close.span))

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
