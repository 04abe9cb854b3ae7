"""Walks a parsed program: resolves names and calls, and hands each operation to a backend.

One walker serves every way of running a program: the numeric backend runs the primitives on a
tape (`program/backend.py`), the symbolic backend builds sympy expressions from the same
primitives' sympy forms (`symbolic/translate.py`). The walker owns the language's rules (what a
name may mean, which arguments are static) and tracks, for each value, which inputs it depends
on and whether only through a stateful assignment or `stop_gradient` (so a `None` gradient can
say why).
"""

from __future__ import annotations

from typing import Any, Protocol

from gradcli.engine.layers import ACTIVATIONS
from gradcli.engine.primitives import REGISTRY, Op, bind_params
from gradcli.errors import (
    ArgumentError,
    GradcliError,
    ValueInputError,
    did_you_mean,  # noqa: F401 (read from here by program.run and program.forward_mode)
)

from . import syntax as s
from .limits import MAX_DIMENSIONS
from .names import (  # noqa: F401 (the language's names, read from here by the other parts)
    CONSTANTS,
    LANGUAGE_FUNCTIONS,
    LOG_WITH_BASE,
    SEVERAL_VALUES,
    SPELLINGS,
    STATEFUL,
    undeclarable,
    unknown_function,
    unknown_name,
)

# each operator's primitive (read once: the operator loop runs for every operator of a program)
_OPERATOR_PRIMITIVES = {
    op: REGISTRY[name]
    for op, name in zip(
        ("+", "-", "*", "/", "**", "@", "<", "<=", ">", ">=", "==", "!="),
        ("add", "subtract", "multiply", "divide", "power", "matmul", "less", "less_equal")
        + ("greater", "greater_equal", "equal", "not_equal"),
    )
}
Deps = dict  # input name -> "" (a differentiable path) or the name of what breaks every path
_NO_DEPS: Deps = {}  # shared, as every Deps may be: none is changed once made (see merge)


class Backend(Protocol):
    def literal(self, value: float | bool) -> Any: ...
    def apply(self, op: Op, inputs: list, params: dict, node) -> Any: ...
    def pack(self, items: list, node) -> Any: ...
    def dense(
        self, x, units: int, activation: str | None, use_bias: bool, node
    ) -> tuple[Any, list]: ...
    def assign(self, kind: str, name: str, variable, delta, node) -> Any: ...
    def statement(self, label: str, node, run) -> Any: ...


def merge(*all_deps: Deps) -> Deps:
    """Union of dependencies: a differentiable path wins over a broken one. A Deps is never
    changed once made, so the union of one (with empty ones, or itself: `y*y`) is that Deps: a
    chain's statements name every statement before them, and copying made runs quadratic."""
    if len(all_deps) == 2:  # the operators' case, without the general one's list
        first, second = all_deps
        if not second or second is first:
            return first
        if not first:
            return second
    present = [deps for deps in all_deps if deps]
    if not present:
        return {}
    first = present[0]
    if len(present) == 1 or (len(present) == 2 and present[1] is first):
        return first
    merged: Deps = dict(first)
    for deps in present[1:]:
        if deps is first:
            continue
        for name, via in deps.items():
            if via == "" or name not in merged:
                merged[name] = via
    return merged


def broken_by(deps: Deps, what: str) -> Deps:
    return {name: via or what for name, via in deps.items()}


def statement_label(statement, source: str) -> str:
    if isinstance(statement, s.Assign):
        return statement.name
    return source[statement.span.start : statement.span.end].strip()


class Walker:
    """Evaluates a program's statements in order with a backend; `env` maps names to values."""

    statement_sources: set[str] | None = None  # may be sources (--wrt; None: all): in later Deps

    def __init__(self, program: s.Program, backend: Backend, env: dict, deps: dict):
        self.program = program
        self.backend = backend
        self.env = dict(env)  # name -> value
        self.deps = dict(deps)  # name -> Deps
        self.statements: list[tuple[str, Any, Deps]] = []

    def run(self) -> list[tuple[str, Any, Deps]]:
        try:
            for statement in self.program.statements:
                self._statement(statement)
        except GradcliError as error:
            raise error.with_source(self.program.source) from None
        return self.statements

    def _statement(self, statement) -> None:
        label = statement_label(statement, self.program.source)
        value, deps = self.backend.statement(label, statement, lambda: self.expr(statement.value))
        if isinstance(statement, s.Assign):
            self.env[name := statement.name] = value
            kept = self.statement_sources is None or name in self.statement_sources
            self.deps[name] = {**deps, name: ""} if kept and deps.get(name) != "" else deps
        self.statements.append((label, value, deps))

    # ------------------------------------------------------------ expressions

    def expr(self, node) -> tuple[Any, Deps]:
        try:  # one dict lookup on the node's type, not a chain of isinstance tests per node
            return _HANDLERS.get(type(node), Walker._other)(self, node)
        except GradcliError as error:
            if error.span is None:
                error.span = node.span
            raise

    def _literal(self, node) -> tuple[Any, Deps]:
        return self.backend.literal(node.value), _NO_DEPS

    def _unary(self, node) -> tuple[Any, Deps]:
        value, deps = self.expr(node.operand)
        if node.op == "+":
            return value, deps
        return self._apply(REGISTRY["negative"], [value], {}, node), deps

    def _sequence(self, node) -> tuple[Any, Deps]:
        items = [self.expr(item) for item in node.items]
        inner = getattr(items[0][0], "ndim", 0) if items else 0
        if isinstance(inner, int) and inner >= MAX_DIMENSIONS:
            raise ValueInputError(
                f"a list of values of {inner} dimensions would have {inner + 1}; "
                f"a value has at most {MAX_DIMENSIONS}"
            )
        return self.backend.pack([v for v, _ in items], node), merge(*(d for _, d in items))

    def _subscript(self, node) -> tuple[Any, Deps]:
        value, deps = self.expr(node.value)
        index = tuple(self._index_item(item) for item in node.index)
        return self._apply(REGISTRY["getitem"], [value], {"index": index}, node), deps

    def _other(self, node) -> tuple[Any, Deps]:
        if isinstance(node, s.String):
            raise ValueInputError("a string is only an argument, as in activation='relu'")
        raise ValueInputError(f"{type(node).__name__} is not an expression here")

    def _operator(self, node) -> tuple[Any, Deps]:
        # `x + x + ... + x` is a left spine as deep as it is long: walk it with a loop, not
        # recursion, so a long sum cannot exhaust Python's stack (other nesting is depth-limited)
        chain = [node]
        while type(chain[-1].left) in (s.Binary, s.Compare):
            chain.append(chain[-1].left)
        expr, apply = self.expr, self._apply  # bound once: this loop runs for every operator
        value, deps = expr(chain[-1].left)
        for link in reversed(chain):
            right, right_deps = expr(link.right)
            value = apply(_OPERATOR_PRIMITIVES[link.op], [value, right], {}, link)
            deps = {} if type(link) is s.Compare else merge(deps, right_deps)
        return value, deps

    def _apply(self, op: Op, inputs: list, params: dict, node):
        try:
            out = self.backend.apply(op, inputs, params, node)
        except GradcliError:
            raise
        except TypeError:  # numpy refuses some operations on booleans: '-', sign()
            what = f"'{node.op}'" if isinstance(node, (s.Binary, s.Unary)) else f"{op.name}()"
            if not any(getattr(getattr(v, "dtype", None), "kind", "") == "b" for v in inputs):
                raise
            raise ArgumentError(
                f"{what} does not take True/False (or a comparison's result); "
                "make numbers of them first, as in 1.0*(x < 1)"
            ) from None
        # a tensor's ndim is a Python property: its numpy value's, read directly (every operation)
        ndim = getattr(getattr(out, "_value", out), "ndim", 0)
        if isinstance(ndim, int) and ndim > MAX_DIMENSIONS:  # reshape, expand_dims, broadcast_to
            raise ValueInputError(
                f"the result would have {ndim} dimensions; a value has at most {MAX_DIMENSIONS}"
            )
        return out

    def _name(self, node: s.Name) -> tuple[Any, Deps]:
        name = node.name
        if name in self.env:
            return self.env[name], self.deps.get(name, _NO_DEPS)
        if name in CONSTANTS:
            return self.backend.literal(CONSTANTS[name]), {}
        if name in SPELLINGS or name in LANGUAGE_FUNCTIONS:
            raise ArgumentError(f"'{name}' is a function: call it, as in {name}(x)")
        raise unknown_name(name, list(self.env))

    # ------------------------------------------------------------ calls

    def _call(self, node: s.Call) -> tuple[Any, Deps]:
        name = node.func.name
        if name in self.env:
            raise ArgumentError(f"'{name}' is a value, not a function")
        if name == "dense":
            return self._dense(node)
        if name in STATEFUL:
            return self._assign(name, node)
        op = SPELLINGS.get(name)
        if op is None:
            error = unknown_function(name)
            error.span = node.func.span
            raise error
        if name in SEVERAL_VALUES and len(node.args) >= 2:
            return self._several_values(REGISTRY[SEVERAL_VALUES[name]], node)
        if name in LOG_WITH_BASE and len(node.args) == 2 and not node.keywords:
            (x, x_deps), (base, base_deps) = self.expr(node.args[0]), self.expr(node.args[1])
            log = REGISTRY["log"]
            value = self._apply(log, [x], {}, node), self._apply(log, [base], {}, node)
            return self._apply(REGISTRY["divide"], list(value), {}, node), merge(x_deps, base_deps)
        if op.variadic and node.args and isinstance(node.args[0], s.String):
            # TensorFlow's einsum("ij,jk->ik", a, b): the string first, then the tensors
            tensor_nodes, extra = node.args[1:], node.args[:1]
            if not tensor_nodes:
                raise ArgumentError(f"{op.name} needs at least one tensor after its equation")
        elif op.variadic:
            if not node.args or not isinstance(node.args[0], (s.ListExpr, s.TupleExpr)):
                raise ArgumentError(
                    f"{op.signature}: the first argument is a list, as in {op.name}([a, b])"
                )
            tensor_nodes, extra = node.args[0].items, node.args[1:]
            if not tensor_nodes:
                raise ArgumentError(
                    f"{op.signature}: needs at least one tensor, as in {op.name}([a, b])",
                    span=node.args[0].span,
                )
        else:
            if len(node.args) < op.arity:
                raise ArgumentError(
                    f"{op.signature} takes {op.arity} input(s), got {len(node.args)}"
                )
            tensor_nodes, extra = node.args[: op.arity], node.args[op.arity :]
        evaluated = [self.expr(n) for n in tensor_nodes]
        inputs = [v for v, _ in evaluated]
        # f(x), the usual call, has no static argument to read: only whether one is missing
        if extra or node.keywords:
            params = self._params(op, extra, node.keywords, inputs)
        else:
            params = bind_params(op, (), (), {}) if op.params else {}
        deps = evaluated[0][1] if len(evaluated) == 1 else merge(*(d for _, d in evaluated))
        if op.name == "stop_gradient":
            deps = broken_by(deps, "stop_gradient")
        elif not op.differentiable:
            deps = {}
        return self._apply(op, inputs, params, node), deps

    def _several_values(self, op: Op, node: s.Call) -> tuple[Any, Deps]:
        """`max(a, b, c)`: maximum(maximum(a, b), c), ties going to the earlier value."""
        name = node.func.name
        if node.keywords:
            raise ArgumentError(
                f"{name}(a, b, ...) with several values is the elementwise {op.name}, which "
                f"takes no '{node.keywords[0].name}'; to reduce over an axis, write "
                f"{name}(x, axis=k)",
                span=node.keywords[0].span,
            )
        value, deps = self.expr(node.args[0])
        for item in node.args[1:]:
            other, other_deps = self.expr(item)
            value, deps = self._apply(op, [value, other], {}, node), merge(deps, other_deps)
        return value, deps

    def _params(self, op: Op, positional, keywords, inputs: list) -> dict:
        """The static arguments, checked by kind (and against the inputs' dimensions), with the
        caret of an error on the argument at fault."""
        names = [n for n, _ in op.params]
        values = tuple(self.static(n) for n in positional)
        named = {k.name: self.static(k.value) for k in keywords}
        spans = {name: n.span for name, n in zip(names, positional)}
        spans.update({k.name: k.value.span for k in keywords})
        ndims = [getattr(value, "ndim", None) for value in inputs]  # the symbolic side has none
        known = bool(ndims) and all(isinstance(n, int) for n in ndims)
        return bind_params(op, names, values, named, spans=spans, ndims=ndims if known else None)

    def _dense(self, node: s.Call) -> tuple[Any, Deps]:
        signature = "dense(x, units, activation=None, use_bias=True)"
        names = ("x", "units", "activation", "use_bias")
        if len(node.args) > len(names):
            raise ArgumentError(f"{signature}: too many arguments")
        given = dict(zip(names, node.args))
        for keyword in node.keywords:
            if keyword.name not in names[1:] or keyword.name in given:
                raise ArgumentError(f"{signature}: unexpected keyword argument '{keyword.name}'")
            given[keyword.name] = keyword.value
        if "x" not in given or "units" not in given:
            raise ArgumentError(f"{signature}: expected an input and a number of units")
        units = self.static(given["units"])
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ArgumentError(f"{signature}: units must be a positive integer")
        activation = self.static(given["activation"]) if "activation" in given else None
        if activation not in (None, *ACTIVATIONS):
            raise ArgumentError(
                f"{signature}: activation is one of {', '.join(ACTIVATIONS)}, not {activation!r}"
            )
        use_bias = bool(self.static(given["use_bias"])) if "use_bias" in given else True
        x, deps = self.expr(given["x"])
        value, created = self.backend.dense(x, units, activation, use_bias, node)
        for name, variable in created:
            self.env[name] = variable
            self.deps[name] = {name: ""}
        return value, merge(deps, *({name: ""} for name, _ in created))

    def _assign(self, kind: str, node: s.Call) -> tuple[Any, Deps]:
        signature = f"{kind}(variable, value)"
        if len(node.args) != 2 or node.keywords:
            raise ArgumentError(f"{signature}: expected a variable and a value")
        target = node.args[0]
        if not isinstance(target, s.Name) or target.name not in self.env:
            raise ArgumentError(
                f"{signature}: the first argument must be a declared variable", span=target.span
            )
        delta, delta_deps = self.expr(node.args[1])
        value = self.backend.assign(kind, target.name, self.env[target.name], delta, node)
        deps = merge(self.deps.get(target.name, {}), broken_by(delta_deps, kind))
        self.deps[target.name] = deps
        return value, deps

    # ------------------------------------------------------------ static arguments

    def static(self, node) -> Any:
        """A compile-time argument: axis, keepdims, shape, units, activation."""
        if isinstance(node, s.Number):
            return _int(node) if node.is_int else node.value
        if isinstance(node, s.Unary) and isinstance(node.operand, s.Number):
            value = self.static(node.operand)
            return -value if node.op == "-" else value
        if isinstance(node, (s.Bool, s.String)):
            return node.value
        if isinstance(node, (s.TupleExpr, s.ListExpr)):
            return tuple(self.static(item) for item in node.items)
        if isinstance(node, s.Name) and node.name in SPELLINGS:
            return SPELLINGS[node.name].name  # activation=relu, activation=tf.nn.relu
        if isinstance(node, s.Name) and node.name == "None":
            return None
        raise ArgumentError(
            "expected a constant here: a number, a tuple of numbers, True/False "
            "or a name such as relu",
            span=node.span,
        )

    def _index_item(self, node):
        if isinstance(node, s.Slice):
            return slice(
                *(
                    None if part is None else self._index_int(part)
                    for part in (node.start, node.stop, node.step)
                )
            )
        return self._index_int(node)

    def _index_int(self, node) -> int:
        value = self.static(node)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ArgumentError("an index is a whole number or a slice such as 1:3", span=node.span)
        return value


# each expression node's type -> how the walker evaluates it (anything else: `Walker._other`)
_HANDLERS = {
    s.Number: Walker._literal,
    s.Bool: Walker._literal,
    s.Name: Walker._name,
    s.Unary: Walker._unary,
    s.Binary: Walker._operator,
    s.Compare: Walker._operator,
    s.Call: Walker._call,
    s.ListExpr: Walker._sequence,
    s.TupleExpr: Walker._sequence,
    s.Subscript: Walker._subscript,
}


def _int(node: s.Number) -> int:
    if abs(node.value) >= 2**62:
        raise ArgumentError(f"the integer {node.text[:20]} is too large here", span=node.span)
    return int(node.value)
