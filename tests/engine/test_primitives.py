"""The registry of primitives, tested table by table: a new primitive is covered without a new test.

Every differentiable primitive's tape gradient is checked against finite differences of its numpy
forward, its second derivatives through nested tapes against finite differences of the first, and
its dtype and shape behaviour in float32; every scalar sympy form against the tape's first and
second derivatives; every "forward on sympy objects" claim by running the forward on symbols.
The named tests at the end pin TensorFlow's conventions at kinks, ties and overflow.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings

import numpy as np
import pytest
import sympy
from hypothesis import given

import gradcli as gc
from gradcli.engine import primitives as ops
from gradcli.engine.primitives import FORWARD_ON_OBJECTS, FUNCTIONS, REGISTRY
from gradcli.engine.tape import GradientTape

from .conftest import (
    DIFFERENTIABLE,
    SEEDS,
    assert_close,
    call,
    domain_of,
    draw,
    draw_values,
    examples,
    fd_directional,
    fd_gradient,
    input_specs,
    is_float,
    nested_tape_hvp,
    normal_like,
    tape_gradients,
)

pytestmark = pytest.mark.usefixtures("clean_engine")

SCALAR_FORMS = sorted(
    name
    for name, op in REGISTRY.items()
    if op.kind == "elementwise" and 1 <= op.arity <= 3 and callable(op.sympy) and op.differentiable
)
OBJECT_FORMS = sorted(name for name, op in REGISTRY.items() if op.sympy == FORWARD_ON_OBJECTS)
CALLABLE_FORMS = sorted(name for name, op in REGISTRY.items() if callable(op.sympy))
ARRAY_KINDS = ("reduction", "shape", "linalg")  # their forms take arrays; the others take scalars

# ---------------------------------------------------------------- gradients vs finite differences


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@examples(25)
@given(seed=SEEDS)
def test_tape_gradient_matches_finite_differences(name, seed):
    op, rng, args, params, sources = draw(name, seed)
    expected_out = np.asarray(op.forward(*args, **params))
    cotangent = np.asarray(rng.normal(size=expected_out.shape))
    out, grads = tape_gradients(op, args, params, cotangent, sources)
    assert_close(out.numpy(), expected_out, 0, 0, f"{name} forward through apply")

    for i, g in zip(sources, grads, strict=True):
        x = args[i]
        assert g is not None, f"{name}: no gradient for input {i}"
        assert g.shape == np.shape(x), f"{name}: gradient shape {g.shape} for input {np.shape(x)}"
        assert g.dtype == np.float64, f"{name}: gradient dtype {g.dtype} for a float64 input"

        def f(moved, i=i):
            return op.forward(*args[:i], moved, *args[i + 1 :], **params)

        expected = fd_gradient(f, x, cotangent)
        assert_close(g.numpy(), expected, 1e-6, 1e-7, f"{name} d/d(input {i}) {params}")


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@examples(8)
@given(seed=SEEDS)
def test_second_order_through_nested_tapes_matches_finite_differences(name, seed):
    """u . H v from an outer tape over the inner tape's gradient, vs d/dt of (v . gradient)."""
    op, rng, args, params, sources = draw(name, seed)
    cotangent = np.asarray(rng.normal(size=np.shape(op.forward(*args, **params))))
    v, u = normal_like(rng, args, sources), normal_like(rng, args, sources)

    tensors = [gc.constant(a) for a in args]
    watched = [tensors[i] for i in sources]
    hv = nested_tape_hvp(op, tensors, params, watched, cotangent, v)
    predicted = sum(float(np.sum(uk * h.numpy())) for uk, h in zip(u, hv, strict=True))

    def v_dot_gradient(t):
        moved = list(args)
        for i, uk in zip(sources, u, strict=True):
            moved[i] = args[i] + t * uk
        _, grads = tape_gradients(op, moved, params, cotangent, sources)
        return sum(float(np.sum(vk * g.numpy())) for vk, g in zip(v, grads, strict=True))

    expected = fd_directional(v_dot_gradient)
    assert_close(predicted, expected, 1e-6, 1e-7, f"{name} second order {params}")


AXIS_OPS = sorted(n for n, op in REGISTRY.items() if op.kind == "reduction" and op.differentiable)


@pytest.mark.parametrize("name", AXIS_OPS)
@pytest.mark.parametrize("axis", [[0, 2], (2, 0), [-1], []])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_take_several_axes_as_a_list_or_tuple(name, axis, keepdims):
    op = REGISTRY[name]
    rng = np.random.default_rng(7)
    (x,) = draw_values(op, [(2, 3, 2)], rng)
    params = {"axis": axis, "keepdims": keepdims}
    numpy_params = {"axis": tuple(axis), "keepdims": keepdims}
    expected = np.asarray(op.forward(x, **numpy_params))
    cotangent = np.asarray(rng.normal(size=expected.shape))
    out, (g,) = tape_gradients(op, [x], params, cotangent, [0])
    assert_close(out.numpy(), expected, 0, 0, f"{name}(axis={axis})")
    fd = fd_gradient(lambda moved: op.forward(moved, **numpy_params), x, cotangent)
    assert_close(g.numpy(), fd, 1e-6, 1e-7, f"d {name}(axis={axis})")


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_float32_inputs_give_float32_values_and_gradients(name):
    for seed in range(4):
        op, rng, args, params, sources = draw(name, seed)
        args32 = [a.astype(np.float32) if is_float(a) else a for a in args]
        cotangent = np.asarray(rng.normal(size=np.shape(op.forward(*args, **params))), np.float32)
        out, grads = tape_gradients(op, args32, params, cotangent, sources)
        assert out.dtype == np.float32, f"{name}: float32 inputs gave a {out.dtype} value"
        for i, g in zip(sources, grads, strict=True):
            assert g.dtype == np.float32, f"{name}: float32 input {i} got a {g.dtype} gradient"
            assert g.shape == np.shape(args32[i])


# ---------------------------------------------------------------- sympy forms


def symbols_for(n: int) -> list:
    return [sympy.Symbol(f"x{i}", real=True) for i in range(n)]


@functools.cache
def sympy_derivatives(name: str):
    """(first, second): sympy's d/dx_i and d2/dx_i dx_j of the op's scalar form."""
    op = REGISTRY[name]
    xs = symbols_for(op.arity)
    form = op.sympy(sympy, *xs)
    first = [sympy.diff(form, a) for a in xs]
    second = [[sympy.diff(d, b) for b in xs] for d in first]
    return xs, first, second


def sympy_number(expression, xs, point) -> float | None:
    """The expression at `point` as a float, or None where sympy leaves it undefined."""
    value = expression.subs({x: sympy.Float(p, 30) for x, p in zip(xs, point, strict=True)}).evalf(
        30
    )
    try:
        number = complex(value)
    except TypeError:  # e.g. DiracDelta(0): no value
        return None
    if not math.isfinite(number.real) or abs(number.imag) > 1e-30:
        return None
    return number.real


def scalar_derivatives(op, point):
    """First derivatives and the Hessian of a scalar op at `point`, through nested tapes."""
    xs = [gc.constant(p) for p in point]
    with GradientTape(persistent=True) as outer:
        outer.watch(xs)
        with GradientTape() as inner:
            inner.watch(xs)
            y = call(op, xs, {})
        first = inner.gradient(y, xs)
    second = [outer.gradient(d, xs, unconnected_gradients="zero") for d in first]
    return [float(d) for d in first], [[float(d) for d in row] for row in second]


@pytest.mark.parametrize("name", SCALAR_FORMS)
@examples(6)
@given(seed=SEEDS)
def test_first_and_second_derivatives_agree_with_sympy(name, seed):
    op = REGISTRY[name]
    rng = np.random.default_rng(seed)
    point = [float(a) for a in draw_values(op, [()] * op.arity, rng)]
    first, second = scalar_derivatives(op, point)
    xs, sym_first, sym_second = sympy_derivatives(name)
    for i in range(op.arity):
        expected = sympy_number(sym_first[i], xs, point)
        assert expected is not None, f"{name}: sympy's d/dx{i} has no value at {point}"
        assert_close(first[i], expected, 1e-8, 0, f"{name} d/dx{i} at {point}")
        for j in range(op.arity):
            expected = sympy_number(sym_second[i][j], xs, point)
            assert expected is not None, f"{name}: sympy's d2/dx{i}dx{j} has no value at {point}"
            assert_close(second[i][j], expected, 1e-8, 0, f"{name} d2/dx{i}dx{j} at {point}")


@pytest.mark.parametrize("name", [n for n in SCALAR_FORMS if REGISTRY[n].convention])
def test_conventions_at_kinks_and_ties_agree_with_the_sympy_forms(name):
    """On the lattice {-1, 0, 1} (zeros and ties), wherever sympy's derivative has a value."""
    op = REGISTRY[name]
    xs, sym_first, _ = sympy_derivatives(name)
    lattice = [
        [v for v in (-1.0, 0.0, 1.0) if lo <= v <= hi]
        for lo, hi in (domain_of(op, i) for i in range(op.arity))
    ]
    compared = 0
    for point in itertools.product(*lattice):
        first, _ = scalar_derivatives(op, point)
        for i in range(op.arity):
            expected = sympy_number(sym_first[i], xs, point)
            if expected is not None:
                assert_close(first[i], expected, 1e-12, 0, f"{name} d/dx{i} at {point}")
                compared += 1
    assert compared, f"{name}: no lattice point to compare"


def symbolic_inputs(args):
    """Object arrays of sympy symbols in place of the float inputs, and the numbers they mean."""
    inputs, numbers = [], {}
    for i, a in enumerate(args):
        if not is_float(a):
            inputs.append(a)
            continue
        a = np.asarray(a)
        cells = [sympy.Symbol(f"x{i}_{k}", real=True) for k in range(a.size)]
        inputs.append(np.array(cells + [None], dtype=object)[:-1].reshape(a.shape))
        numbers.update({s: sympy.Float(float(v), 30) for s, v in zip(cells, a.flat, strict=True)})
    return inputs, numbers


def evaluated(result, numbers) -> np.ndarray:
    def number(e):
        return float(sympy.sympify(e).subs(numbers).evalf(30))

    return np.vectorize(number, otypes=[np.float64])(np.asarray(result, dtype=object))


@pytest.mark.parametrize("name", OBJECT_FORMS)
@examples(5)
@given(seed=SEEDS)
def test_forward_on_sympy_objects_evaluates_to_the_numeric_forward(name, seed):
    op = REGISTRY[name]
    rng = np.random.default_rng(seed)
    specs, params = input_specs(op, rng)
    args = draw_values(op, specs, rng)
    inputs, numbers = symbolic_inputs(args)
    symbolic = op.forward(*inputs, **params)
    numeric = np.asarray(op.forward(*args, **params))
    assert_close(evaluated(symbolic, numbers), numeric, 1e-12, 0, f"{name} on sympy objects")


@pytest.mark.parametrize("name", CALLABLE_FORMS)
@examples(5)
@given(seed=SEEDS)
def test_sympy_forms_evaluate_to_the_numeric_forward(name, seed):
    op = REGISTRY[name]
    rng = np.random.default_rng(seed)
    specs, params = input_specs(op, rng)
    if op.kind in ARRAY_KINDS:  # the form takes arrays (reductions over sympy Max/Min)
        args = draw_values(op, specs, rng)
        inputs, numbers = symbolic_inputs(args)
        symbolic = evaluated(op.sympy(sympy, *inputs, **params), numbers)
    else:  # the form takes scalars: a condition input stays a boolean
        specs = [np.array(rng.random() < 0.5) if isinstance(s, np.ndarray) else () for s in specs]
        args = draw_values(op, specs, rng)
        inputs = [
            sympy.Float(float(a), 30) if is_float(a) else sympy.sympify(bool(a)) for a in args
        ]
        symbolic = evaluated(op.sympy(sympy, *inputs, **params), {})
    numeric = np.asarray(op.forward(*args, **params), dtype=np.float64)
    assert_close(symbolic, numeric, 1e-12, 0, f"{name}'s sympy form")


def test_every_op_has_a_doc_and_public_differentiable_ones_a_sympy_form_or_a_note():
    for name, op in REGISTRY.items():
        assert op.doc and op.doc.strip(), f"{name} has no doc"
        assert FUNCTIONS[name].__doc__ == op.doc
        if op.public and op.differentiable and op.sympy is None:
            assert "sympy" in op.doc.lower(), f"{name}: no sympy form, and its doc does not say so"


# ---------------------------------------------------------------- names


def test_the_spellings_table_holds_the_tensorflow_and_numpy_names():
    table = ops.spellings()
    assert table["tf.nn.softplus"] is REGISTRY["softplus"]
    assert table["tf.math.sin"] is REGISTRY["sin"]
    assert table["tf.reduce_mean"] is REGISTRY["mean"]
    assert table["np.exp"] is REGISTRY["exp"]
    assert table["numpy.exp"] is REGISTRY["exp"]
    assert table["reduce_sum"] is REGISTRY["sum"]


def test_every_public_op_is_reachable_under_its_names_and_private_ones_are_not():
    table = ops.spellings()
    for name, op in REGISTRY.items():
        for spelling in (name, *op.aliases):
            if op.public:
                assert table[spelling] is op, spelling
                for namespace in op.namespaces:
                    assert table[f"{namespace}.{spelling}"] is op
                if "." not in spelling:
                    assert getattr(gc, spelling) is FUNCTIONS[name], f"gc.{spelling}"
            else:
                assert table.get(spelling) is not op, f"private {name} is reachable as {spelling}"
        assert FUNCTIONS[name].op is op and FUNCTIONS[name].__name__ == name


def test_the_math_and_nn_namespaces_follow_the_registry():
    for name, op in REGISTRY.items():
        if op.public and "tf.math" in op.namespaces:
            assert getattr(gc.math, name) is FUNCTIONS[name]
        if op.public and "tf.nn" in op.namespaces:
            assert getattr(gc.nn, name) is FUNCTIONS[name]


def test_registering_a_name_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        ops.primitive("sin", np.sin, (None,), None, "a second sine")
    assert FUNCTIONS["sin"].op is REGISTRY["sin"]


# ---------------------------------------------------------------- TensorFlow's conventions


def grad_at(function, *values, **params):
    """Gradients of sum(function(*values)) for each (float) value, as numpy."""
    xs = [gc.constant(v) for v in values]
    with GradientTape() as tape:
        tape.watch(xs)
        y = function(*xs, **params)
    grads = tape.gradient(y, xs)
    return grads[0].numpy() if len(grads) == 1 else [g.numpy() for g in grads]


@pytest.fixture
def strict_floats():
    """Any numpy floating-point event, and any warning, is an error."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


def test_relu_has_gradient_zero_at_zero():
    assert grad_at(gc.nn.relu, [-1.0, 0.0, 2.0]).tolist() == [0.0, 0.0, 1.0]


def test_abs_has_gradient_zero_at_zero():
    assert grad_at(gc.abs, [-2.0, 0.0, 2.0]).tolist() == [-1.0, 0.0, 1.0]


def test_sign_has_gradient_zero_everywhere():
    assert grad_at(gc.sign, [-2.0, 0.0, 3.0]).tolist() == [0.0, 0.0, 0.0]


def test_maximum_of_a_tie_gives_the_whole_gradient_to_the_first_argument():
    dx, dy = grad_at(gc.maximum, [1.0, 2.0, 3.0], [1.0, 5.0, 3.0])
    assert dx.tolist() == [1.0, 0.0, 1.0] and dy.tolist() == [0.0, 1.0, 0.0]


def test_minimum_of_a_tie_gives_the_whole_gradient_to_the_first_argument():
    dx, dy = grad_at(gc.minimum, [1.0, 2.0, 3.0], [1.0, 0.0, 3.0])
    assert dx.tolist() == [1.0, 0.0, 1.0] and dy.tolist() == [0.0, 1.0, 0.0]


def test_maximum_of_x_with_itself_sends_the_gradient_to_the_first_argument():
    x = gc.constant(2.0)
    with GradientTape() as tape:
        tape.watch(x)
        y = gc.maximum(x, x)
    assert float(tape.gradient(y, x)) == 1.0  # 1 (first) + 0 (second)


def test_reduce_max_splits_the_gradient_of_ties_evenly():
    assert grad_at(gc.reduce_max, [1.0, 3.0, 3.0]).tolist() == [0.0, 0.5, 0.5]
    assert grad_at(gc.reduce_min, [[2.0, 2.0], [1.0, 4.0]], axis=1).tolist() == [
        [0.5, 0.5],
        [1.0, 0.0],
    ]


def test_reduce_prod_gradient_is_exact_at_zeros():
    assert grad_at(gc.reduce_prod, [0.0, 2.0, 3.0]).tolist() == [6.0, 0.0, 0.0]
    assert grad_at(gc.reduce_prod, [0.0, 0.0, 3.0]).tolist() == [0.0, 0.0, 0.0]
    assert grad_at(gc.reduce_prod, [[0.0, 2.0], [4.0, 5.0]], axis=0).tolist() == [
        [4.0, 5.0],
        [0.0, 2.0],
    ]


def test_softplus_is_stable_for_large_inputs(strict_floats):
    assert float(gc.nn.softplus(gc.constant(1000.0))) == 1000.0
    assert float(grad_at(gc.nn.softplus, 1000.0)) == 1.0
    assert float(gc.nn.softplus(gc.constant(-1000.0))) == 0.0
    assert float(grad_at(gc.nn.softplus, -1000.0)) == 0.0


def test_sigmoid_saturates_without_overflow(strict_floats):
    assert float(gc.nn.sigmoid(gc.constant(-1000.0))) == 0.0
    assert float(gc.nn.sigmoid(gc.constant(1000.0))) == 1.0
    assert grad_at(gc.nn.sigmoid, [-1000.0, 0.0, 1000.0]).tolist() == [0.0, 0.25, 0.0]


def test_log1p_and_expm1_are_exact_for_tiny_inputs():
    assert float(gc.log1p(gc.constant(1e-20))) == 1e-20
    assert float(gc.expm1(gc.constant(1e-20))) == 1e-20
    assert float(grad_at(gc.log1p, 1e-20)) == 1.0 and float(grad_at(gc.expm1, 1e-20)) == 1.0


def test_tanh_gradient_is_finite_for_large_inputs(strict_floats):
    assert grad_at(gc.tanh, [-1000.0, 1000.0]).tolist() == [0.0, 0.0]


def test_power_exponent_gradient_is_zero_where_the_base_is_not_positive():
    dx, dy = grad_at(gc.pow, [-2.0, 0.0, 2.0], [2.0, 3.0, 3.0])
    assert dx.tolist() == [-4.0, 0.0, 12.0]
    assert dy[:2].tolist() == [0.0, 0.0] and dy[2] == pytest.approx(8 * math.log(2.0), rel=1e-15)


UNIT_OPS = sorted(name for name, op in REGISTRY.items() if op.unit_grads is not None)


@pytest.mark.parametrize("name", UNIT_OPS)
@pytest.mark.parametrize("seed", range(12))
def test_a_unit_share_gives_the_bits_of_the_rule_with_ones(name, seed):
    # `unit_grads` lets the walk skip the product with the default seed: every op declaring it
    # must give, for random (broadcast) inputs, the same bits, shapes and dtypes as an explicit
    # seed of ones, which goes through its rules
    op, _rng, args, params, sources = draw(name, seed)
    tensors = [gc.constant(a) for a in args]
    watched = [tensors[i] for i in sources]
    with GradientTape(persistent=True) as tape:
        tape.watch(watched)
        out = call(op, tensors, params)
    default = tape.gradient(out, watched)
    explicit = tape.gradient(out, watched, output_gradients=np.ones(out.shape, out.dtype))
    for got, want in zip(default, explicit):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got.numpy(), want.numpy())
