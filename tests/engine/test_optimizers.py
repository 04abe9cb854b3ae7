"""`gc.optimizers`: each update rule against the rule written out by hand in numpy (bit for bit, in
float64 and in float32 arithmetic), Keras's own golden values, clipping, schedules, `iterations`,
`minimize`, the `None`-gradient warning, and a Dense layer that trains."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradcli as gc
from gradcli.errors import ArgumentError, ShapeError, ValueInputError

pytestmark = pytest.mark.usefixtures("clean_engine")

DTYPES = [np.float64, np.float32]
START = [0.0, -0.02, 0.005]  # near 0, so a last-bit change in an update shows in w


def gradients(dtype, steps: int = 4) -> list[np.ndarray]:
    """A fixed sequence of gradients of shape (3,), with mixed signs and magnitudes."""
    rng = np.random.default_rng(7)
    return [rng.normal(0.0, 2.0, size=3).astype(dtype) for _ in range(steps)]


def trained(optimizer, dtype, grads) -> list[np.ndarray]:
    """The variable's value after each step of `optimizer` fed `grads`."""
    w = gc.Variable(np.array(START, dtype=dtype), name="w")
    values = []
    for g in grads:
        optimizer.apply_gradients([(gc.constant(g), w)])
        values.append(np.array(w.numpy()))
    return values


def assert_same_bits(ours: list, expected: list, dtype) -> None:
    for step, (a, b) in enumerate(zip(ours, expected), start=1):
        assert a.dtype == np.dtype(dtype) and b.dtype == np.dtype(dtype), step
        assert np.array_equal(a, b), f"step {step}: {a!r} != {b!r}"


# ---------------------------------------------------------------- the rules, by hand


def sgd_by_hand(dtype, grads, lr, momentum=0.0, nesterov=False) -> list:
    d = np.dtype(dtype).type
    w, velocity, out = np.array(START, dtype=dtype), np.zeros(3, dtype=dtype), []
    for g in grads:
        if momentum == 0:
            w = w - g * d(lr)
        else:
            velocity = velocity * d(momentum) - g * d(lr)
            w = w + (velocity * d(momentum) - g * d(lr) if nesterov else velocity)
        out.append(w)
    return out


def adam_by_hand(dtype, grads, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    d = np.dtype(dtype).type
    w = np.array(START, dtype=dtype)
    m, v, v_hat, out = *(np.zeros(3, dtype) for _ in range(3)), []
    for t, g in enumerate(grads, start=1):
        alpha = d(lr) * np.sqrt(d(1) - d(beta_2) ** d(t)) / (d(1) - d(beta_1) ** d(t))
        m = m + (g - m) * d(1 - beta_1)
        v = v + (g * g - v) * d(1 - beta_2)
        v_hat = np.maximum(v_hat, v)
        w = w - (m * alpha) / (np.sqrt(v_hat if amsgrad else v) + d(epsilon))
        out.append(w)
    return out


def rmsprop_by_hand(dtype, grads, lr, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    d = np.dtype(dtype).type
    w = np.array(START, dtype=dtype)
    velocity, average, accumulated, out = *(np.zeros(3, dtype) for _ in range(3)), []
    for g in grads:
        velocity = d(rho) * velocity + d(1 - rho) * (g * g)
        if centered:
            average = d(rho) * average + d(1 - rho) * g
            denominator = velocity - average * average + d(epsilon)
        else:
            denominator = velocity + d(epsilon)
        increment = (d(lr) * g) / np.sqrt(denominator)
        if momentum > 0:
            accumulated = d(momentum) * accumulated + increment
            w = w - accumulated
        else:
            w = w - increment
        out.append(w)
    return out


def adagrad_by_hand(dtype, grads, lr, initial_accumulator_value=0.1, epsilon=1e-7):
    d = np.dtype(dtype).type
    w = np.array(START, dtype=dtype)
    accumulator = np.full(3, initial_accumulator_value, dtype=dtype)
    out = []
    for g in grads:
        accumulator = accumulator + g * g
        w = w - (d(lr) * g) / np.sqrt(accumulator + d(epsilon))
        out.append(w)
    return out


CASES = [
    ("SGD", lambda: gc.optimizers.SGD(0.1), lambda d, g: sgd_by_hand(d, g, 0.1)),
    (
        "SGD momentum",
        lambda: gc.optimizers.SGD(0.1, momentum=0.9),
        lambda d, g: sgd_by_hand(d, g, 0.1, momentum=0.9),
    ),
    (
        "SGD nesterov",
        lambda: gc.optimizers.SGD(0.05, momentum=0.7, nesterov=True),
        lambda d, g: sgd_by_hand(d, g, 0.05, momentum=0.7, nesterov=True),
    ),
    ("Adam", lambda: gc.optimizers.Adam(0.01), lambda d, g: adam_by_hand(d, g, 0.01)),
    (
        "Adam amsgrad",
        lambda: gc.optimizers.Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-3, amsgrad=True),
        lambda d, g: adam_by_hand(d, g, 0.01, 0.8, 0.99, 1e-3, amsgrad=True),
    ),
    ("RMSprop", lambda: gc.optimizers.RMSprop(0.01), lambda d, g: rmsprop_by_hand(d, g, 0.01)),
    (
        "RMSprop momentum centered",
        lambda: gc.optimizers.RMSprop(0.01, rho=0.8, momentum=0.5, centered=True),
        lambda d, g: rmsprop_by_hand(d, g, 0.01, rho=0.8, momentum=0.5, centered=True),
    ),
    (
        "RMSprop centered",
        lambda: gc.optimizers.RMSprop(0.02, centered=True, epsilon=1e-4),
        lambda d, g: rmsprop_by_hand(d, g, 0.02, epsilon=1e-4, centered=True),
    ),
    ("Adagrad", lambda: gc.optimizers.Adagrad(0.1), lambda d, g: adagrad_by_hand(d, g, 0.1)),
    (
        "Adagrad options",
        lambda: gc.optimizers.Adagrad(0.3, initial_accumulator_value=0.0, epsilon=1e-3),
        lambda d, g: adagrad_by_hand(d, g, 0.3, 0.0, 1e-3),
    ),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("name, make, by_hand", CASES, ids=[c[0] for c in CASES])
def test_each_step_is_the_update_rule_written_out_in_numpy(name, make, by_hand, dtype):
    grads = gradients(dtype)
    assert_same_bits(trained(make(), dtype, grads), by_hand(dtype, grads), dtype)


def test_float32_steps_differ_from_float64_ones_so_the_dtype_matters():
    ours32 = trained(gc.optimizers.Adam(0.01), np.float32, gradients(np.float32))[-1]
    ours64 = trained(gc.optimizers.Adam(0.01), np.float64, gradients(np.float64))[-1]
    assert ours32.dtype == np.float32 and ours64.dtype == np.float64
    assert np.allclose(ours32, ours64, rtol=1e-5) and not np.array_equal(ours32, ours64)


# Keras's own tests (keras/src/optimizers/*_test.py, `test_correctness_with_golden`): one step
# with gradient 0.01, then five with 0.1, 0.2, ..., 1.0, checked to 5e-4 as Keras checks them.
KERAS_GOLDEN = {
    "sgd": (lambda: gc.optimizers.SGD(nesterov=True), [[0.9999] * 10, [0.9959, 0.9919, 0.9879,
            0.9839, 0.9799, 0.9759, 0.9719, 0.9679, 0.9639, 0.9599]]),
    "adam": (lambda: gc.optimizers.Adam(amsgrad=True), [[0.999] * 10, [0.9955] * 10]),
    "rmsprop": (lambda: gc.optimizers.RMSprop(centered=True), [[0.9967] * 10, [0.9864] * 10]),
    "adagrad": (
        lambda: gc.optimizers.Adagrad(0.2, initial_accumulator_value=0.3, epsilon=1e-6),
        [[0.9963] * 10, [0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491,
                         0.4825]],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", KERAS_GOLDEN)
def test_keras_golden_values(name):
    make, (after_first, after_five) = KERAS_GOLDEN[name]
    optimizer = make()
    x = gc.Variable(np.ones(10, dtype=np.float32))
    optimizer.apply_gradients([(np.full(10, 0.01, dtype=np.float32), x)])
    np.testing.assert_allclose(x.numpy(), after_first, rtol=5e-4, atol=5e-4)
    for _ in range(4):
        optimizer.apply_gradients([(np.arange(1, 11, dtype=np.float32) / 10, x)])
    np.testing.assert_allclose(x.numpy(), after_five, rtol=5e-4, atol=5e-4)


def test_keras_rmsprop_docstring_example_in_float32():
    # keras.optimizers.RMSprop's docstring: var1 = 10.0, loss = var1**2 / 2, one minimize step
    optimizer = gc.optimizers.RMSprop(learning_rate=0.1)
    var1 = gc.Variable(10.0, dtype=gc.float32)
    optimizer.minimize(lambda: (var1**2) / 2.0, [var1])
    assert var1.dtype == np.float32 and f"{var1.numpy():.6f}" == "9.683772"


@settings(max_examples=60, deadline=None)
@given(
    arrays=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4).flatmap(
        lambda shape: st.tuples(
            *(hnp.arrays(np.float64, shape, elements=st.floats(-1e6, 1e6)) for _ in range(2))
        )
    ),
    lr=st.floats(1e-6, 10.0),
)
def test_one_sgd_step_is_v_minus_lr_times_g(arrays, lr):
    value, gradient = arrays
    v = gc.Variable(value)
    gc.optimizers.SGD(learning_rate=lr).apply_gradients([(gc.constant(gradient), v)])
    assert np.array_equal(np.asarray(v.numpy()), value - lr * gradient)


# ---------------------------------------------------------------- applying, minimize, iterations


def test_iterations_count_the_steps_and_apply_gradients_answers_them():
    x = gc.Variable(2.0)
    optimizer = gc.optimizers.Adam(0.1)
    assert int(optimizer.iterations) == 0 and optimizer.iterations.dtype == np.int64
    for step in range(1, 4):
        assert optimizer.apply_gradients([(gc.constant(1.0), x)]) is optimizer.iterations
        assert int(optimizer.iterations.numpy()) == step
    assert optimizer.apply_gradients([]) is optimizer.iterations  # nothing to apply: no step
    assert int(optimizer.iterations) == 3


def test_minimize_takes_a_zero_argument_loss_function_and_a_tape_gives_its_gradients():
    x = gc.Variable(3.0)
    optimizer = gc.optimizers.SGD(learning_rate=0.1)
    for _ in range(3):
        assert optimizer.minimize(lambda: x**2, [x]) is None
    expected = 3.0
    for _ in range(3):
        expected = expected - (2 * expected) * 0.1  # d(x**2)/dx = 2x
    assert x.numpy() == expected and int(optimizer.iterations) == 3
    frozen = gc.Variable(1.0, trainable=False)  # minimize watches what it is told to update
    gc.optimizers.SGD(0.5).minimize(lambda: frozen**2, lambda: [frozen])
    assert frozen.numpy() == 0.0
    y = gc.Variable(2.0)
    with gc.GradientTape() as tape:
        loss = y**2
    gc.optimizers.SGD(0.25).minimize(loss, [y], tape=tape)
    assert y.numpy() == 1.0
    with pytest.raises(ArgumentError, match="zero-argument function"):
        gc.optimizers.SGD().minimize(loss, [y])


def test_a_none_gradient_is_skipped_with_keras_warning_and_all_none_is_an_error():
    a, b = gc.Variable(1.0, name="a"), gc.Variable(5.0, name="b")
    optimizer = gc.optimizers.SGD(0.5)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['b:0'\]"):
        optimizer.apply_gradients(zip([gc.constant(2.0), None], [a, b]))
    assert (a.numpy(), b.numpy(), int(optimizer.iterations)) == (0.0, 5.0, 1)
    with pytest.warns(UserWarning, match="when minimizing the loss"):
        optimizer.minimize(lambda: a * 3.0, [a, b])  # the loss does not read b
    with pytest.raises(ValueInputError, match="No gradients provided for any variable"):
        optimizer.apply_gradients([(None, a), (None, b)])
    assert int(optimizer.iterations) == 2


def test_an_optimizer_keeps_the_variables_it_was_built_with_as_keras_3_does():
    a, b = gc.Variable(1.0), gc.Variable(2.0)
    optimizer = gc.optimizers.Adam()
    optimizer.apply_gradients([(1.0, a)])
    assert [v.name for v in optimizer.variables] == [
        "iteration:0",
        "learning_rate:0",
        "Variable_momentum:0",
        "Variable_velocity:0",
    ]
    with pytest.raises(ValueInputError, match="Unknown variable"):
        optimizer.apply_gradients([(1.0, b)])


def test_bad_pairs_shapes_and_variables_are_clear_errors():
    w = gc.Variable([1.0, 2.0], name="w")
    with pytest.raises(ShapeError, match=r"gradient for w:0 has shape \(3,\)"):
        gc.optimizers.SGD().apply_gradients([([1.0, 2.0, 3.0], w)])
    with pytest.raises(ArgumentError, match="gc.Variable"):
        gc.optimizers.SGD().apply_gradients([(1.0, gc.constant(1.0))])
    with pytest.raises(ArgumentError, match="floating-point"):
        gc.optimizers.SGD().apply_gradients([(1, gc.Variable(3))])
    with pytest.raises(ArgumentError, match="pairs"):
        gc.optimizers.SGD().apply_gradients([w])
    with pytest.raises(ValueInputError, match="momentum"):
        gc.optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueInputError, match="rho"):
        gc.optimizers.RMSprop(rho=-0.1)
    with pytest.raises(ValueInputError, match="epsilon` must be positive"):
        gc.optimizers.RMSprop(epsilon=0.0)
    with pytest.raises(ArgumentError, match="learning_rate"):
        gc.optimizers.Adam(learning_rate="fast")


def test_learning_rate_is_settable_and_the_next_step_uses_it():
    x = gc.Variable(1.0)
    optimizer = gc.optimizers.SGD(learning_rate=0.5)
    assert optimizer.learning_rate.numpy() == 0.5
    optimizer.learning_rate = 0.25
    optimizer.apply_gradients([(1.0, x)])
    assert x.numpy() == 0.75
    optimizer.learning_rate = lambda: 0.5  # a zero-argument function, as Keras allows
    optimizer.apply_gradients([(1.0, x)])
    assert x.numpy() == 0.25


# ---------------------------------------------------------------- clipping


def test_clipnorm_clips_each_gradient_to_that_norm():
    optimizer = gc.optimizers.SGD(learning_rate=1.0, clipnorm=1.0)
    a, b = gc.Variable([0.0, 0.0]), gc.Variable(0.0)
    optimizer.apply_gradients([([3.0, 4.0], a), (0.5, b)])
    np.testing.assert_array_equal(a.numpy(), [-3.0 / 5.0, -4.0 / 5.0])
    assert b.numpy() == -0.5  # within the bound: unchanged


def test_global_clipnorm_scales_all_gradients_together():
    optimizer = gc.optimizers.SGD(learning_rate=1.0, global_clipnorm=2.0)
    a, b = gc.Variable([0.0, 0.0]), gc.Variable(0.0)
    optimizer.apply_gradients([([3.0, 0.0], a), (4.0, b)])  # together: norm 5
    scale = 2.0 * min(1 / 5.0, 1 / 2.0)
    np.testing.assert_array_equal(a.numpy(), [-3.0 * scale, 0.0])
    assert b.numpy() == -4.0 * scale
    zero = gc.Variable(1.0)  # a zero gradient stays zero (1/0 is inf, the minimum is 1/c)
    gc.optimizers.SGD(1.0, global_clipnorm=2.0).apply_gradients([(0.0, zero)])
    assert zero.numpy() == 1.0


def test_clipvalue_clips_each_component():
    optimizer = gc.optimizers.SGD(learning_rate=1.0, clipvalue=0.5)
    a = gc.Variable([0.0, 0.0, 0.0], dtype=gc.float32)
    optimizer.apply_gradients([(gc.constant([3.0, -0.25, -7.0], dtype=gc.float32), a)])
    np.testing.assert_array_equal(a.numpy(), np.array([-0.5, 0.25, 0.5], dtype=np.float32))


def test_only_one_clipping_argument_at_a_time_as_keras_enforces():
    with pytest.raises(ValueInputError, match="Only one of `clipnorm`, `clipvalue` and"):
        gc.optimizers.Adam(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueInputError, match="global_clipnorm"):
        gc.optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(ValueInputError, match="clipvalue"):
        gc.optimizers.SGD(clipvalue=-1.0)


# ---------------------------------------------------------------- schedules


@pytest.mark.parametrize(
    "staircase, expected",
    [
        (False, [0.1, 0.1 * 0.5**0.25, 0.1 * 0.5**1.0, 0.1 * 0.5**2.5]),
        (True, [0.1, 0.1, 0.1 * 0.5, 0.1 * 0.5**2]),
    ],
)
def test_exponential_decay_at_a_few_steps(staircase, expected):
    schedule = gc.optimizers.schedules.ExponentialDecay(0.1, 4, 0.5, staircase=staircase)
    values = [float(schedule(step)) for step in (0, 1, 4, 10)]
    assert values == expected


def test_a_schedule_as_learning_rate_is_read_at_iterations_before_each_step():
    schedule = gc.optimizers.schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5)
    optimizer = gc.optimizers.SGD(learning_rate=schedule)
    x = gc.Variable(0.0)
    for _ in range(3):
        optimizer.apply_gradients([(1.0, x)])
    assert x.numpy() == -(1.0 + 0.5 + 0.25)  # steps 0, 1, 2
    assert float(optimizer.learning_rate) == 0.125  # at iterations = 3
    with pytest.raises(TypeError, match="not settable"):
        optimizer.learning_rate = 0.1
    with pytest.raises(ValueInputError, match="decay_steps` must be > 0"):
        gc.optimizers.schedules.ExponentialDecay(0.1, 0, 0.5)


def test_a_float32_variable_sees_the_schedule_rounded_once():
    schedule = gc.optimizers.schedules.ExponentialDecay(0.1, 3, 0.9)
    optimizer = gc.optimizers.SGD(learning_rate=schedule)
    x = gc.Variable(np.float32(1.0))
    optimizer.apply_gradients([(np.float32(1.0), x)])
    optimizer.apply_gradients([(np.float32(1.0), x)])
    rate = np.float32(0.1 * 0.9 ** (1 / 3))
    assert x.numpy() == (np.float32(1.0) - np.float32(0.1)) - rate


# ---------------------------------------------------------------- training


def test_the_seed_notebooks_dense_layer_trains_with_adam():
    layer = gc.layers.Dense(2, activation="relu", seed=1)
    x = gc.constant([[1.0, 2.0, 3.0]])
    optimizer = gc.optimizers.Adam(learning_rate=0.01)
    losses = []
    for _ in range(50):
        with gc.GradientTape() as tape:
            loss = gc.reduce_mean(layer(x) ** 2)
        grads = tape.gradient(loss, layer.trainable_variables)
        optimizer.apply_gradients(zip(grads, layer.trainable_variables))
        losses.append(float(loss))
    assert losses[0] > 1.0 and losses[-1] < 1e-3 * losses[0]
    assert all(b <= a for a, b in zip(losses, losses[1:]))
    assert int(optimizer.iterations) == 50


# Five steps in float32, recorded with Keras 3.15.1 (jax backend, CPU) by applying the same
# gradients, g = 2x + 0.5 sin(x) computed in float32 numpy from the variable's value, to
# x = [1, -2, 3] (float32): `keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)`, the same
# with `nesterov=True`, and `keras.optimizers.Adam(learning_rate=0.1)`. Ours matched bit for bit
# when recorded; the tolerance allows an ulp or two of another platform's float32 sin.
KERAS_3_15_FIVE_STEPS = {
    "sgd momentum": (lambda: gc.optimizers.SGD(0.1, momentum=0.9), [
        [0.7579264640808105, -1.554535150527954, 2.392943859100342],
        [0.35410410165786743, -0.792716383934021, 1.3339722156524658],
        [-0.09749436378479004, 0.08707690238952637, 0.065498948097229],
        [-0.47956711053848267, 0.8571270704269409, -1.0924993753433228],
        [-0.7044494152069092, 1.3409485816955566, -1.8718088865280151],
    ]),
    "sgd nesterov": (lambda: gc.optimizers.SGD(0.1, momentum=0.9, nesterov=True), [
        [0.5400602221488953, -1.1536167860031128, 1.8465936183929443],
        [0.08990997076034546, -0.26756352186203003, 0.561762809753418],
        [-0.23757168650627136, 0.4078832268714905, -0.48297297954559326],
        [-0.399446040391922, 0.7630476951599121, -1.0704982280731201],
        [-0.4097505509853363, 0.8183494806289673, -1.2169586420059204],
    ]),
    "adam": (lambda: gc.optimizers.Adam(0.1), [
        [0.900000810623169, -1.9000006914138794, 2.900000810623169],
        [0.8003836274147034, -1.8001317977905273, 2.8000752925872803],
        [0.7014797329902649, -1.7004923820495605, 2.700275182723999],
        [0.603693962097168, -1.6011953353881836, 2.6006569862365723],
        [0.507510781288147, -1.5023640394210815, 2.501278877258301],
    ]),
}  # fmt: skip


@pytest.mark.parametrize("name", KERAS_3_15_FIVE_STEPS)
def test_five_float32_steps_match_keras_3_15(name):
    make, recorded = KERAS_3_15_FIVE_STEPS[name]
    optimizer = make()
    x = gc.Variable(np.array([1.0, -2.0, 3.0], dtype=np.float32))
    for step, expected in enumerate(recorded):
        value = x.numpy()
        optimizer.apply_gradients([(2.0 * value + np.float32(0.5) * np.sin(value), x)])
        assert x.dtype == np.float32
        np.testing.assert_allclose(x.numpy(), expected, rtol=1e-6, atol=1e-7, err_msg=f"{step=}")


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_a_step_never_changes_an_array_read_before_it(name):
    # Adam computes each new value in an array of its own, in place; what a variable (or its
    # slot) held before the step, and the gradient given, must stay as they were (tensors are
    # immutable values)
    w = gc.Variable(np.array([0.5, -1.0, 2.0]))
    optimizer = getattr(gc.optimizers, name)(learning_rate=0.1)
    gradient = np.array([0.3, -0.2, 0.1])
    optimizer.apply_gradients([(gradient, w)])
    held = [v.numpy() for v in optimizer.variables] + [w.numpy(), w.read_value().numpy()]
    copies = [np.array(a, copy=True) for a in held]
    optimizer.apply_gradients([(gradient, w)])
    for before, now in zip(copies, held):
        np.testing.assert_array_equal(before, now)
    np.testing.assert_array_equal(gradient, [0.3, -0.2, 0.1])
    assert not np.array_equal(w.numpy(), copies[-1])
