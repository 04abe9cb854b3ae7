"""Cross-checks of Jacobians, Hessians and N-th derivatives: sympy first, finite differences else.

As grad's check (`check.py`), whose tolerances, comparison and sympy helpers these share:

- sympy, when the program has at most `max_symbolic_elements` input elements: the program
  translated through each primitive's sympy form, differentiated (`diff` element by element for a
  Jacobian, `sympy.hessian` for a Hessian, `diff(f, x, N)` for order N), evaluated at the point.
  sympy runs in a worker with a deadline; past it, or when the translation fails, finite
  differences instead.
- finite differences: central differences of one order lower, computed by gradcli itself:
  the forward values for a Jacobian, the tape's gradient for a Hessian, the tape's (N-1)-th
  derivative for order N. A source of at most MAX_ELEMENTWISE elements is moved one element at a
  time (every entry is compared); a larger one along 3 random directions. What the tape does not
  differentiate through (stop_gradient, assignment deltas, --stop statements) is held at the base
  run's values, as in grad's check.

sympy is imported only when a check runs.
"""

from __future__ import annotations

import warnings

import numpy as np

from gradcli.errors import GradcliError
from gradcli.program.forward import ForwardRun, input_elements, run_forward
from gradcli.program.records import Check, Evaluation, Request
from gradcli.record import replace

from .check import (
    Expected,
    compare,
    machine_eps,
    source_value,
    symbolic_check,
    tolerances,
    unit_vector,
)
from .sympy_import import import_sympy
from .translate import (
    MAX_DEPTH,
    MAX_TREE,
    NoSympyForm,
    at_point,
    display_form,
    is_intermediate,
    measure,
    text,
    to_float,
    translate,
)
from .workers import Late, start_worker

__all__ = ["check_hessian", "check_jacobians", "check_order"]

MAX_ELEMENTWISE = 32  # a source this small is moved one element at a time
DIRECTIONS = 3  # random directions for a larger source
MAX_SYMBOLIC_DERIVATIVES = 1024  # partial derivatives asked of sympy in one check


# ---------------------------------------------------------------- shared


def _keys(request: Request, evaluation: Evaluation) -> dict:
    """(index, target label or None, source) -> the tape's answer, for every answer not None."""
    return {
        (index, result.target if request.targets else None, source): np.asarray(value)
        for index, result in enumerate(evaluation.results)
        for source, value in result.gradients.items()
        if value is not None
    }


def _with_sympy(compute, timeout: float) -> dict:
    """`compute()` run in a worker (see `workers.start_worker`): its dict, or {} when late."""
    import_sympy()  # imported here, so that a forked worker does not import it again

    def produce(interrupt):
        yield compute()

    worker = start_worker(produce)
    try:
        return worker.receive(timeout)
    except Late:
        return {}
    finally:
        worker.close()


def _translations(request: Request, forward: ForwardRun):
    """A cache: source -> the translation in which it is a symbol (an intermediate statement
    gets a translation of its own), or the exception the translation raised."""
    made: dict = {}

    def get(source: str):
        intermediate = source if is_intermediate(request, forward, source) else None
        if intermediate not in made:
            try:
                made[intermediate] = translate(request, forward, intermediate=intermediate)
            except Exception as error:  # noqa: BLE001 - every failure means: check numerically
                made[intermediate] = error
        found = made[intermediate]
        if isinstance(found, Exception):
            raise found
        return found

    return get


def _small(sp, expr) -> None:
    nodes, depth = measure(expr, MAX_TREE)
    if nodes > MAX_TREE or depth > MAX_DEPTH:
        raise NoSympyForm("the target's expression is too large or too deep for sympy")


def _shown(sp, derivative) -> str:
    return text(sp, display_form(sp, derivative))


def _directions(x0: np.ndarray, rng) -> tuple[list, str]:
    if x0.size <= MAX_ELEMENTWISE:
        basis = np.eye(x0.size).reshape((x0.size, *x0.shape))
        what = "central differences" if x0.size == 1 else "central differences, each element"
        return list(basis), what
    directions = [unit_vector(rng.standard_normal(x0.shape)) for _ in range(DIRECTIONS)]
    return directions, f"along {DIRECTIONS} random directions"


def _held(request: Request, base: ForwardRun) -> dict:
    return {label: value for label, value in base.statements if label in request.stop}


def _steps(x0: np.ndarray, request: Request):
    eps = machine_eps(request, x0.dtype)
    finite = np.abs(x0[np.isfinite(x0)])
    return eps, eps ** (1 / 3) * max(1.0, float(np.max(finite, initial=0.0)))


def _finite_check(request, got, estimates, along, noise, what, elementwise, shape) -> Check:
    rtol, atol = tolerances(request, got, "finite-difference")
    estimates, along = np.array(estimates, dtype=np.float64), np.array(along, dtype=np.float64)
    error, agrees = compare(estimates, along, rtol, atol + noise, lenient=True)
    if elementwise:  # estimates[k] is the column of source element k: the estimated answer
        expected = np.moveaxis(estimates, 0, -1).reshape(shape)
        expected = float(expected) if expected.ndim == 0 else expected
    else:
        expected = estimates
    return Check("finite-difference", None if elementwise else what, expected, error, agrees)


# ---------------------------------------------------------------- jacobian


def check_jacobians(
    request: Request,
    evaluation: Evaluation,
    *,
    timeout: float = 5.0,
    max_symbolic_elements: int = 32,
) -> tuple:
    """Per result, a dict source -> Check of its Jacobian (those not None)."""
    with np.errstate(all="ignore"):
        wanted = _keys(request, evaluation)
        checks: list[dict] = [{} for _ in evaluation.results]
        if not wanted:
            return tuple(checks)
        base = run_forward(request)
        expected: dict = {}
        count = sum(value.size for value in wanted.values())
        if (
            input_elements(request, base) <= max_symbolic_elements
            and count <= MAX_SYMBOLIC_DERIVATIVES
        ):
            expected = _with_sympy(lambda: _sympy_jacobians(request, base, list(wanted)), timeout)
        for key, jacobian in wanted.items():
            index, target, source = key
            if isinstance(expected.get(key), Expected):
                checks[index][source] = symbolic_check(request, expected[key], jacobian)
                continue
            found = _finite_jacobian(request, base, target, source, jacobian)
            if found is not None:
                checks[index][source] = found
        return tuple(checks)


def _sympy_jacobians(request: Request, forward: ForwardRun, wanted: list) -> dict:
    sp = import_sympy()
    translation_of = _translations(request, forward)
    out: dict = {}
    for key in wanted:
        _, target, source = key
        try:
            translation = translation_of(source)
            values_t = translation.value(target)
            symbols = translation.symbols.get(source)
            if symbols is None:
                raise NoSympyForm(f"'{source}' is not a symbol of the translation")
            shape = values_t.shape + symbols.shape
            values, unsigned = np.empty(shape), np.zeros(shape, dtype=bool)
            derivative = None
            for ti in np.ndindex(values_t.shape):
                _small(sp, values_t[ti])
                for si in np.ndindex(symbols.shape):
                    derivative = sp.diff(values_t[ti], symbols[si])
                    point = at_point(sp, derivative, translation.point)
                    values[ti + si], unsigned[ti + si] = to_float(sp, point)
            if values.size == 1 and derivative is not None:
                shown = _shown(sp, derivative)
            else:
                shown = f"{values.size} partial derivatives"
            out[key] = Expected(values, unsigned, shown)
        except Exception as error:  # noqa: BLE001 - sympy raises many kinds: check numerically
            out[key] = f"{type(error).__name__}: {error}"[:200]
    return out


def _finite_jacobian(request, base, target, source, jacobian) -> Check | None:
    x0 = source_value(request, base, source)
    if x0 is None or x0.dtype.kind != "f" or x0.size == 0:
        return None
    eps, h = _steps(x0, request)
    directions, what = _directions(x0, np.random.default_rng(0))
    held = _held(request, base)
    estimates, along, noise = [], [], 0.0
    try:
        for d in directions:
            plus, minus = (x0 + h * d).astype(x0.dtype), (x0 - h * d).astype(x0.dtype)
            step = plus.astype(np.float64) - minus.astype(np.float64)
            f_plus = _value_at(request, base, target, {**held, source: plus})
            f_minus = _value_at(request, base, target, {**held, source: minus})
            estimates.append((f_plus - f_minus) / (2 * h))
            along.append(np.tensordot(jacobian, step, axes=x0.ndim) / (2 * h))
            scale = float(np.max(np.abs(f_plus) + np.abs(f_minus), initial=0.0))
            noise = max(noise, 10 * eps * scale / (2 * h))
    except GradcliError:
        return None  # the moved program fails: not checked
    elementwise = x0.size <= MAX_ELEMENTWISE
    return _finite_check(
        request, jacobian, estimates, along, noise, what, elementwise, jacobian.shape
    )


def _value_at(request: Request, base: ForwardRun, target, overrides: dict) -> np.ndarray:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        run = run_forward(request, overrides, frozen=base.recorded, priors=base.priors)
        value = run.named(target) if target is not None else run.last
        return np.asarray(value, dtype=np.float64)


# ---------------------------------------------------------------- grad --order N


def check_order(
    request: Request,
    evaluation: Evaluation,
    *,
    timeout: float = 5.0,
    max_symbolic_elements: int = 32,
) -> tuple:
    """Per result, a dict source -> Check of its N-th derivative (N = `evaluation.order`)."""
    from gradcli.program.derivatives import derivatives_of_order

    order = evaluation.order
    with np.errstate(all="ignore"):
        wanted = _keys(request, evaluation)
        checks: list[dict] = [{} for _ in evaluation.results]
        if not wanted:
            return tuple(checks)
        base = run_forward(request)
        expected: dict = {}
        if input_elements(request, base) <= max_symbolic_elements:
            expected = _with_sympy(
                lambda: _sympy_orders(request, base, list(wanted), order), timeout
            )
        held = _held(request, base)
        lower: dict = {}  # (source, sign) -> the (N-1)-th derivatives, per result
        for key, value in wanted.items():
            index, _, source = key
            if isinstance(expected.get(key), Expected):
                checks[index][source] = symbolic_check(request, expected[key], value)
                continue
            x0 = source_value(request, base, source)
            if x0 is None or x0.dtype.kind != "f":
                continue
            eps, h = _steps(x0, request)
            try:
                for sign in (1, -1):
                    if (source, sign) not in lower:
                        moved = (x0 + sign * h).astype(x0.dtype)
                        at = replace(request, wrt=(source,))
                        lower[source, sign] = derivatives_of_order(
                            at, order - 1, {**held, source: moved}, base.recorded
                        ).results
            except GradcliError:
                continue
            plus = lower[source, 1][index].gradients[source]
            minus = lower[source, -1][index].gradients[source]
            if plus is None or minus is None:
                continue
            step = float((x0 + h).astype(x0.dtype)) - float((x0 - h).astype(x0.dtype))
            estimate = (float(plus) - float(minus)) / (2 * h)
            noise = 10 * eps * (abs(float(plus)) + abs(float(minus))) / (2 * h)
            along = float(value) * step / (2 * h)
            checks[index][source] = _finite_check(
                request, value, [estimate], [along], noise, "central differences", True, ()
            )
        return tuple(checks)


def _sympy_orders(request: Request, forward: ForwardRun, wanted: list, order: int) -> dict:
    sp = import_sympy()
    translation_of = _translations(request, forward)
    out: dict = {}
    for key in wanted:
        _, target, source = key
        try:
            translation = translation_of(source)
            total = sp.Add(*translation.value(target).flat)
            _small(sp, total)
            symbols = translation.symbols.get(source)
            if symbols is None or symbols.shape != ():
                raise NoSympyForm(f"'{source}' is not a scalar symbol of the translation")
            derivative = sp.diff(total, symbols[()], order)
            value, unsigned = to_float(sp, at_point(sp, derivative, translation.point))
            out[key] = Expected(np.array(value), np.array(unsigned), _shown(sp, derivative))
        except Exception as error:  # noqa: BLE001 - sympy raises many kinds: check numerically
            out[key] = f"{type(error).__name__}: {error}"[:200]
    return out


# ---------------------------------------------------------------- hessian


def check_hessian(
    request: Request,
    result,
    *,
    timeout: float = 5.0,
    max_symbolic_elements: int = 32,
) -> dict:
    """source a -> source b -> Check of the block d2f/da db, for every block not None. sympy's
    `hessian` when every source is an input (declared or created) and the inputs are small."""
    with np.errstate(all="ignore"):
        names = [a for a, row in result.blocks.items() if any(v is not None for v in row.values())]
        checks: dict = {a: {} for a in result.blocks}
        if not names:
            return checks
        base = run_forward(request)
        target = result.target.target if request.targets else None
        expected: dict = {}
        symbolic = not any(is_intermediate(request, base, name) for name in names)
        if symbolic and input_elements(request, base) <= max_symbolic_elements:
            expected = _with_sympy(lambda: _sympy_hessian(request, base, target, names), timeout)
        missing = []
        for a in names:
            for b in names:
                block = result.blocks[a][b]
                if block is None:
                    continue
                if isinstance(expected.get((a, b)), Expected):
                    checks[a][b] = symbolic_check(request, expected[a, b], block)
                else:
                    missing.append(b)
        for b in dict.fromkeys(missing):
            for a, check in _finite_hessian_column(request, base, result, names, b).items():
                if not isinstance(expected.get((a, b)), Expected):
                    checks[a][b] = check
        return checks


def _sympy_hessian(request: Request, forward: ForwardRun, target, names: list) -> dict:
    sp = import_sympy()
    try:
        translation = translate(request, forward)
        total = sp.Add(*translation.value(target).flat)
        _small(sp, total)
        symbols = [translation.symbols[name] for name in names]
    except Exception as error:  # noqa: BLE001 - sympy raises many kinds: check numerically
        return {"error": f"{type(error).__name__}: {error}"[:200]}
    flat = [symbol for array in symbols for symbol in array.flat]
    hessian = sp.hessian(total, flat)
    size = len(flat)
    values, unsigned = np.empty((size, size)), np.zeros((size, size), dtype=bool)
    out: dict = {}
    for r in range(size):
        for c in range(size):
            try:
                values[r, c], unsigned[r, c] = to_float(
                    sp, at_point(sp, hessian[r, c], translation.point)
                )
            except Exception:  # noqa: BLE001 - an entry that is not a number: not checked
                values[r, c], unsigned[r, c] = np.nan, True
    starts = np.cumsum([0] + [array.size for array in symbols])
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            rows = slice(starts[i], starts[i + 1])
            columns = slice(starts[j], starts[j + 1])
            shape = symbols[i].shape + symbols[j].shape
            block = values[rows, columns].reshape(shape)
            if np.isnan(block).any() and not np.isnan(block).all():
                out[a, b] = "an entry of sympy's Hessian is not a number"
                continue
            one = symbols[i].size == 1 and symbols[j].size == 1
            shown = _shown(sp, hessian[starts[i], starts[j]]) if one else None
            expression = shown if one else f"{block.size} second derivatives"
            out[a, b] = Expected(block, unsigned[rows, columns].reshape(shape), expression)
    return out


def _finite_hessian_column(request, base, result, names: list, b: str) -> dict:
    """a -> Check of block (a, b), by central differences of the tape's gradient moving b."""
    from gradcli.program.derivatives import gradients_at

    x0 = source_value(request, base, b)
    if x0 is None or x0.dtype.kind != "f" or x0.size == 0 or is_intermediate(request, base, b):
        return {}  # an intermediate statement cannot be moved without cutting the others' paths
    eps, h = _steps(x0, request)
    directions, what = _directions(x0, np.random.default_rng(0))
    held = _held(request, base)
    estimates: dict = {a: [] for a in names}
    along: dict = {a: [] for a in names}
    noise: dict = {a: 0.0 for a in names}
    try:
        for d in directions:
            plus, minus = (x0 + h * d).astype(x0.dtype), (x0 - h * d).astype(x0.dtype)
            step = plus.astype(np.float64) - minus.astype(np.float64)
            g_plus = gradients_at(request, {**held, b: plus}, base.recorded)
            g_minus = gradients_at(request, {**held, b: minus}, base.recorded)
            for a in names:
                block = result.blocks[a][b]
                if block is None or g_plus.get(a) is None or g_minus.get(a) is None:
                    continue
                estimates[a].append((g_plus[a] - g_minus[a]) / (2 * h))
                along[a].append(np.tensordot(block, step, axes=x0.ndim) / (2 * h))
                scale = float(np.max(np.abs(g_plus[a]) + np.abs(g_minus[a]), initial=0.0))
                noise[a] = max(noise[a], 10 * eps * scale / (2 * h))
    except GradcliError:
        return {}
    elementwise = x0.size <= MAX_ELEMENTWISE
    checks = {}
    for a in names:
        block = result.blocks[a][b]
        if block is None or len(estimates[a]) != len(directions):
            continue
        checks[a] = _finite_check(
            request, block, estimates[a], along[a], noise[a], what, elementwise, block.shape
        )
    return checks
