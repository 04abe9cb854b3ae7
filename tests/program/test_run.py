"""The language evaluated on a tape: values, gradients, reasons for None, and every error."""

from __future__ import annotations

import time

import numpy as np
import pytest

from gradcli.errors import (
    ArgumentError,
    DeclarationError,
    GradcliError,
    LimitError,
    ShapeError,
    UnknownNameError,
)
from gradcli.language.limits import Limits
from gradcli.language.parser import parse
from gradcli.program.records import Declaration, Request
from gradcli.program.run import evaluate


def run(program: str, *declared, **options):
    declarations = tuple(
        Declaration(name, kind, np.asarray(value, dtype=options.get("dtype", np.float64)))
        for name, kind, value in declared
    )
    return evaluate(Request(parse(program), declarations, **options))


def grads(evaluation, i=0):
    return {
        k: (None if v is None else v.tolist()) for k, v in evaluation.results[i].gradients.items()
    }


def reasons(evaluation, i=0):
    return evaluation.results[i].reasons


# ---------------------------------------------------------------- the seed notebooks


def test_square_at_three_has_gradient_six():
    assert grads(run("x**2", ("x", "variable", 3.0))) == {"x": 6.0}


def test_matmul_and_mean_match_the_closed_form():
    w = [[0.5, -1.0], [0.25, 0.75], [-0.5, 0.2]]
    ev = run(
        "y = x @ w + b; loss = mean(y**2)",
        ("x", "constant", [[1, 2, 3]]),
        ("w", "variable", w),
        ("b", "variable", [0, 0]),
    )
    y = np.array([[1, 2, 3]]) @ np.array(w)
    g = grads(ev)
    np.testing.assert_allclose(g["w"], np.array([[1], [2], [3]]) @ y)
    np.testing.assert_allclose(g["b"], y[0])
    assert g["x"] is None
    assert reasons(ev)["x"] == "constant: not watched (add --watch x)"


def test_dense_creates_seeded_kernel_and_bias_that_are_watched():
    first = run(
        "y = dense(x, 2, activation=relu); loss = mean(y**2)",
        ("x", "constant", [[1, 2, 3]]),
        seed=1,
    )
    again = run(
        "y = dense(x, 2, activation=relu); loss = mean(y**2)",
        ("x", "constant", [[1, 2, 3]]),
        seed=1,
    )
    assert list(first.inputs) == ["x", "dense/kernel", "dense/bias"]
    assert first.watched == ("dense/kernel", "dense/bias")
    assert np.shape(grads(first)["dense/kernel"]) == (3, 2)
    assert grads(first) == grads(again)
    assert first.inputs["dense/kernel"].created


def test_two_dense_layers_are_named_like_keras():
    ev = run(
        "h = dense(x, 3, activation=tanh); y = dense(h, 1); loss = sum(y)",
        ("x", "constant", [[1, 2]]),
    )
    assert list(ev.inputs)[1:] == ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]


def test_trainable_frozen_and_constant_inputs():
    ev = run(
        "y = x0**2 + x1**2 + x2**2",
        ("x0", "variable", 3.0),
        ("x1", "frozen", 3.0),
        ("x2", "constant", 3.0),
        ("x3", "constant", 3.0),
    )
    assert grads(ev) == {"x0": 6.0, "x1": None, "x2": None, "x3": None}
    assert ev.watched == ("x0",)
    assert reasons(ev) == {
        "x1": "frozen variable (trainable=False): not watched (add --watch x1)",
        "x2": "constant: not watched (add --watch x2)",
        "x3": "not connected to the target",
    }


def test_watching_a_constant_gives_its_gradient():
    ev = run("x**2", ("x", "constant", 3.0), watch=("x",))
    assert grads(ev) == {"x": 6.0}
    assert ev.inputs["x"].watched


def test_no_auto_watch_watches_only_what_is_named():
    ev = run(
        "y0 = sin(x0); y1 = softplus(x1); y = y0 + y1; ys = sum(y)",
        ("x0", "variable", 0.0),
        ("x1", "variable", 10.0),
        auto_watch=False,
        watch=("x1",),
    )
    assert grads(ev)["x0"] is None
    assert grads(ev)["x1"] == pytest.approx(1 / (1 + np.exp(-10)), rel=1e-12)
    assert ev.watched == ("x1",)
    assert reasons(ev)["x0"] == "not watched: auto-watch is off (--no-auto-watch; add --watch x0)"


def test_assign_add_breaks_the_chain_as_in_tensorflow():
    ev = run("x3 = assign_add(x1, x0); y = x3**2", ("x0", "variable", 3.0), ("x1", "variable", 0.0))
    assert grads(ev) == {"x0": None, "x1": 6.0}
    assert reasons(ev)["x0"] == (
        "its only path runs through assign_add, which the tape does not differentiate"
    )
    assert ev.watched == ("x0", "x1")  # assign_add reads x0, as TensorFlow does


def test_several_targets_share_one_persistent_tape():
    ev = run("y = x*x; z = y*y", ("x", "variable", 3.0), targets=("z", "y"))
    assert [r.target for r in ev.results] == ["z", "y"]
    assert grads(ev, 0) == {"x": 108.0}
    assert grads(ev, 1) == {"x": 6.0}


def test_unconnected_zero_gives_zero_with_a_reason():
    ev = run("y = 2*x", ("x", "variable", 1.0), ("u", "variable", 5.0), unconnected="zero")
    assert grads(ev) == {"x": 2.0, "u": 0.0}
    assert reasons(ev) == {"u": "not connected to the target"}


# ---------------------------------------------------------------- more of the language


def test_gradient_with_respect_to_an_intermediate_statement():
    ev = run("y = x*x; z = y*y", ("x", "variable", 3.0), wrt=("y", "x"))
    assert grads(ev) == {"y": 18.0, "x": 108.0}


def test_stop_gradient_gives_a_reason_when_it_cuts_every_path():
    ev = run("z = stop_gradient(x*x) + 0*y", ("x", "variable", 3.0), ("y", "variable", 1.0))
    assert grads(ev) == {"x": None, "y": 0.0}
    assert reasons(ev) == {"x": "stopped by stop_gradient"}


def test_stop_recording_statement_gives_a_reason():
    ev = run("y = x*x; z = y + 1", ("x", "variable", 3.0), stop=("y",))
    assert grads(ev) == {"x": None}
    assert "recording paused" in reasons(ev)["x"]


def test_tf_and_numpy_spellings_reach_the_same_primitives():
    ev = run(
        "tf.reduce_sum(tf.nn.softplus(x)) + np.sum(tf.math.sin(x)) * math.pi",
        ("x", "variable", [0.0, 1.0]),
    )
    expected = 1 / (1 + np.exp(-np.array([0.0, 1.0]))) + np.cos([0.0, 1.0]) * np.pi
    np.testing.assert_allclose(grads(ev)["x"], expected)


def test_keyword_arguments_and_subscripts():
    ev = run(
        "m = mean(w, axis=0, keepdims=True); s = m[0, 1:]; t = sum(s)",
        ("w", "variable", [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
    )
    assert grads(ev)["w"] == [[0.0, 0.5, 0.5], [0.0, 0.5, 0.5]]


def test_where_with_a_comparison_and_lists_of_tensors():
    ev = run("v = [x, 2*x, x*x]; y = sum(where(v > 2, v, 0))", ("x", "variable", 1.5))
    assert grads(ev)["x"] == pytest.approx(2 + 3)


def test_comments_newlines_and_semicolons():
    ev = run("# a comment\ny = x * 2  # double\n\nz = y + 1;", ("x", "variable", 1.0))
    assert [label for label, _ in ev.statements] == ["y", "z"]
    assert grads(ev) == {"x": 2.0}


def test_a_bare_last_expression_is_the_target_and_is_labelled_by_its_text():
    ev = run("y = x + 1\ny * 3", ("x", "variable", 1.0))
    assert ev.results[0].target == "y * 3"


def test_float32_inputs_give_float32_gradients():
    ev = run("x * 1.5", ("x", "variable", 2.0), dtype=np.dtype(np.float32))
    assert ev.results[0].gradients["x"].dtype == np.float32


def test_non_finite_results_are_a_warning_naming_the_operation():
    ev = run("y = log(x - 5)", ("x", "variable", 3.0))
    assert ev.warnings == (
        "warning: log() produced nan from input values -2.0\n  y = log(x - 5)\n      ^^^^^^^^^^",
    )


# ---------------------------------------------------------------- errors


def error_of(program, *declared, **options) -> GradcliError:
    with pytest.raises(GradcliError) as caught:
        run(program, *declared, **options)
    return caught.value


def test_unknown_name_suggests_and_says_how_to_declare():
    error = error_of("x + yy", ("x", "variable", 1.0), ("y", "variable", 1.0))
    assert isinstance(error, UnknownNameError)
    assert str(error) == (
        "unknown name (column 5): 'yy' is not defined (did you mean 'y'?); declare it as an "
        "input, e.g. --yy 3\n  x + yy\n      ^^"
    )


def test_unknown_function_suggests_the_closest():
    error = error_of("sinn(x)", ("x", "variable", 1.0))
    assert str(error) == (
        "unknown name (column 1): unknown function 'sinn' (did you mean 'sin' or 'sinh' or "
        "'sign'?) (gradcli functions lists them all)\n  sinn(x)\n  ^^^^"
    )


def test_shape_mismatch_names_the_operator_and_both_shapes():
    error = error_of("x + y", ("x", "variable", [1.0, 2.0]), ("y", "variable", [1.0, 2.0, 3.0]))
    assert isinstance(error, ShapeError)
    assert str(error) == (
        "shape mismatch (column 3): '+' cannot combine shapes (2,) and (3,): they do not "
        "broadcast\n  x + y\n    ^"
    )


def test_matmul_mismatch_names_the_inner_dimensions():
    error = error_of("a @ b", ("a", "variable", [[1.0, 2.0]]), ("b", "variable", [[1.0, 2.0]]))
    assert str(error) == (
        "shape mismatch (column 3): '@' cannot combine shapes (1, 2) and (1, 2): the inner "
        "dimensions 2 and 1 differ\n  a @ b\n    ^"
    )


def test_wrong_arguments_name_the_signature():
    error = error_of("sum(x, axis=0, bogus=1)", ("x", "variable", [1.0]))
    assert isinstance(error, ArgumentError)
    assert "sum(x, axis=None, keepdims=False): unexpected keyword argument 'bogus'" in str(error)


def test_a_value_called_as_a_function_is_an_error():
    error = error_of("x(1)", ("x", "variable", 1.0))
    assert "'x' is a value, not a function" in str(error)


def test_a_function_used_as_a_value_is_an_error():
    error = error_of("sin + x", ("x", "variable", 1.0))
    assert "'sin' is a function: call it, as in sin(x)" in str(error)


def test_a_declared_name_that_shadows_a_function_is_refused():
    error = error_of("sin", ("sin", "variable", 1.0))
    assert isinstance(error, DeclarationError)
    assert "'sin' is a function or constant of the language" in str(error)


def test_a_statement_may_not_rename_an_input():
    error = error_of("x = x + 1", ("x", "variable", 1.0))
    assert isinstance(error, DeclarationError)
    assert str(error).endswith("x = x + 1\n  ^")


def test_assign_add_needs_a_variable():
    error = error_of("assign_add(c, 1.0)", ("c", "constant", 1.0))
    assert "'c' is not a variable" in str(error)


def test_unknown_target_and_wrt_suggest_names():
    error = error_of("y = x * 2", ("x", "variable", 1.0), targets=("yy",))
    assert "--target yy: no input or statement is named 'yy' (did you mean 'y'?)" in str(error)
    error = error_of("y = x * 2", ("x", "variable", 1.0), wrt=("xx",))
    assert "--wrt xx" in str(error)


def test_results_too_large_are_refused_before_numpy_allocates():
    start = time.perf_counter()
    error = error_of(
        "sum(a * b)",
        ("a", "variable", np.zeros((20000, 1))),
        ("b", "variable", np.zeros(20000)),
        limits=Limits(max_elements=10**8),
    )
    assert isinstance(error, LimitError)
    assert "400,000,000 elements" in str(error)
    assert time.perf_counter() - start < 20.0  # a hang guard (allocating first takes far longer)


def test_huge_powers_are_floats_and_do_not_hang():
    start = time.perf_counter()
    ev = run("9**9**9 * x", ("x", "variable", 1.0))
    assert np.isinf(ev.results[0].value)
    assert time.perf_counter() - start < 20.0  # a hang guard: exact 9**9**9 would never end
