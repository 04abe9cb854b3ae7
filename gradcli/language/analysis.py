"""What a parsed program says without running it: the homework commands' reading of EXPR.

- its inputs: the free names (read before any statement assigns them, and not functions or
  constants of the language), in order of appearance;
- the intervals they are sampled from: the registry's `domain` facts of the functions applied to
  them directly;
- whether it computes each point on its own (elementwise in some inputs), or mixes points (a
  reduction, a shape operation, '@', indexing, a list, a layer): `plot` and `grad --format csv`
  need the former.
"""

from __future__ import annotations

from collections.abc import Iterator

from gradcli.errors import UsageError

from . import syntax as s

DEFAULT_INTERVAL = (-3.0, 3.0)  # the registry's default domain: where inputs are sampled


def walk(node: s.Node | None) -> Iterator[s.Node]:
    """Every expression node under `node` (a statement's value), in no particular order."""
    stack = [node]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        yield node
        if isinstance(node, s.Unary):
            stack.append(node.operand)
        elif isinstance(node, (s.Binary, s.Compare)):
            stack += [node.left, node.right]
        elif isinstance(node, s.Call):
            stack += list(node.args) + [k.value for k in node.keywords]
        elif isinstance(node, (s.ListExpr, s.TupleExpr)):
            stack += list(node.items)
        elif isinstance(node, s.Subscript):
            stack += [node.value, *node.index]
        elif isinstance(node, s.Slice):
            stack += [node.start, node.stop, node.step]


def free_names(program: s.Program) -> list[str]:
    """The program's inputs: names read before a statement assigns them that are not functions
    or constants of the language, in order of appearance."""
    from .walker import CONSTANTS, LANGUAGE_FUNCTIONS, SPELLINGS

    known = set(CONSTANTS) | set(SPELLINGS) | set(LANGUAGE_FUNCTIONS) | {"None"}
    assigned: set[str] = set()
    found: list[str] = []
    for statement in program.statements:
        names = [n for n in walk(statement.value) if isinstance(n, s.Name)]
        for node in sorted(names, key=lambda n: n.span.start):
            name = node.name
            if name not in known and name not in assigned and name not in found:
                found.append(name)
        if isinstance(statement, s.Assign):
            assigned.add(statement.name)
    return found


def sample_intervals(program: s.Program, inputs: list[str]) -> dict[str, tuple[float, float]]:
    """Per input, the interval to sample from: the default, narrowed by the registry's domain of
    each function applied to the input directly (log(x): [0.2, 4]; x**0.5: [0.5, 3])."""
    from gradcli.engine.primitives import REGISTRY

    from .walker import SPELLINGS

    box = {name: DEFAULT_INTERVAL for name in inputs}

    def narrow(name: str, interval: tuple) -> None:
        lo, hi = max(box[name][0], interval[0]), min(box[name][1], interval[1])
        if lo < hi:
            box[name] = (lo, hi)

    for statement in program.statements:
        for node in walk(statement.value):
            if isinstance(node, s.Call) and node.args and isinstance(node.args[0], s.Name):
                op = SPELLINGS.get(node.func.name)
                name = node.args[0].name
                if op is not None and op.kind == "elementwise" and op.arity == 1 and name in box:
                    narrow(name, op.domain[0])
            elif isinstance(node, s.Binary) and node.op == "**" and isinstance(node.left, s.Name):
                if node.left.name in box and not _is_integer(node.right):
                    narrow(node.left.name, REGISTRY["power"].domain[0])
    return box


def _is_integer(node) -> bool:
    if isinstance(node, s.Unary) and node.op in "+-":
        node = node.operand
    return isinstance(node, s.Number) and float(node.value).is_integer()


def mixing(program: s.Program, columns: list[str]) -> tuple[str, s.Span] | None:
    """The first operation that combines different elements of the `columns` inputs (a reduction,
    a shape operation, '@', indexing, a list, a layer), or None: the program is elementwise in
    them, so the gradient of its sum is each point's own derivative."""
    from .walker import LANGUAGE_FUNCTIONS, SEVERAL_VALUES, SPELLINGS, unknown_function

    tainted = set(columns)

    class Found(Exception):
        pass

    def fail(what: str, span: s.Span):
        raise Found(what, span)

    def visit(node) -> bool:
        if isinstance(node, s.Name):
            return node.name in tainted
        if isinstance(node, s.Unary):
            return visit(node.operand)
        if isinstance(node, (s.Binary, s.Compare)):
            chain = [node]  # a long sum is a deep left spine: walk it with a loop
            while isinstance(chain[-1].left, (s.Binary, s.Compare)):
                chain.append(chain[-1].left)
            depends = visit(chain[-1].left)
            for link in reversed(chain):
                depends = visit(link.right) or depends
                if depends and link.op == "@":
                    fail("'@'", link.op_span)
            return depends
        if isinstance(node, s.Call):
            name = node.func.name
            depends = any([visit(a) for a in node.args] + [visit(k.value) for k in node.keywords])
            op = SPELLINGS.get(name)
            if op is None and name not in LANGUAGE_FUNCTIONS:  # a typo, not a mixing function
                error = unknown_function(name)
                error.span, error.source = node.func.span, program.source
                raise error
            if depends and (name in LANGUAGE_FUNCTIONS or op is None):
                fail(f"{name}()", node.span)
            if name in SEVERAL_VALUES and len(node.args) >= 2:  # max(x, 0): elementwise
                return depends
            if depends and op.kind not in ("elementwise", "compare", "other"):
                fail(f"{name}()", node.span)
            return depends
        if isinstance(node, (s.ListExpr, s.TupleExpr)):
            if any([visit(item) for item in node.items]):
                fail("a list", node.span)
            return False
        if isinstance(node, s.Subscript):
            if visit(node.value):
                fail("indexing", node.span)
            return False
        return False

    try:
        for statement in program.statements:
            if visit(statement.value) and isinstance(statement, s.Assign):
                tainted.add(statement.name)
    except Found as found:
        return found.args[0], found.args[1]
    return None


def require_elementwise(program: s.Program, columns: list[str], why: str) -> None:
    """Refuse (exit 2, the caret under the culprit) a program that mixes the `columns`' points:
    `why` needs each point computed on its own."""
    found = mixing(program, columns)
    if found is not None:
        what, span = found
        names = ", ".join(columns)
        raise UsageError(
            f"{why} needs a program that computes each point on its own: {what} combines "
            f"different elements of {names}",
            span=span,
            source=program.source,
        )
