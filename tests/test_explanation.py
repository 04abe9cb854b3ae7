"""`gc.explain(tape, target, sources)`: a tape recorded through the Python API, step by step.

The oracles: `tape.gradient` (the explained gradients are its own), `gradcli tape --json` on the
same program written in gradcli's language (the same steps, labels and numbers), the guide's
formulas for the custom gradients, and finite differences of the record (the cross-check's).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

import gradcli as gc
from gradcli.commands import cli
from gradcli.engine.tensor import STATE
from gradcli.errors import ArgumentError, GradcliError


@pytest.fixture(autouse=True)
def no_open_tape():
    """Each test leaves no tape recording (a failing explain must not leak one)."""
    yield
    assert not STATE.recording
    assert not STATE.raw


@gc.custom_gradient
def log1pexp(x):
    e = gc.exp(x)

    def grad(upstream):
        return upstream * (1 - 1 / (1 + e))

    return gc.math.log(1 + e), grad


@gc.custom_gradient
def clip_gradients(y):
    def backward(dy):
        return gc.clip_by_norm(dy, 0.5)

    return y, backward


def custom_steps(explanation):
    forward = [s for s in explanation.view.forward if s.custom is not None]
    backward = [s for s in explanation.view.backward if s.custom]
    return forward, backward


def as_float(tensor) -> float:
    return float(tensor.numpy())


# ---------------------------------------------------------------- custom gradients: one step


def test_log1pexp_is_one_step_whose_sent_gradient_is_the_tapes():
    x = gc.constant(100.0)
    with gc.GradientTape() as tape:
        tape.watch(x)
        y = 2.0 * log1pexp(x)
    explained = gc.explain(tape, y, x, names={"x": x, "y": y})
    gradient = as_float(tape.gradient(y, x))  # after explain: the tape was not used up
    forward, backward = custom_steps(explained)
    assert [s.op for s in explained.view.forward] == ["log1pexp", "multiply"]
    assert forward[0].inputs == ("x",) and forward[0].value == pytest.approx(100.0)
    # exp, add and log ran inside and were recorded: folded into the step, not steps
    assert forward[0].custom == ("exp", "add", "log")
    [step] = backward
    assert step.op == "log1pexp" and float(step.incoming) == 2.0
    [sent] = step.contributions
    assert sent.input == "x" and sent.rule.symbols == "custom gradient: log1pexp"
    assert float(sent.value) == gradient == pytest.approx(2.0)  # 2 * sigmoid(100)
    assert explained.gradients["x"] == gradient


def test_clipping_in_the_backward_pass_shows_the_clipped_gradient():
    v = gc.Variable(2.0, name="v")
    with gc.GradientTape() as tape:
        output = clip_gradients(v * v)
    explained = gc.explain(tape, output, v)
    gradient = as_float(tape.gradient(output, v))
    _, [step] = custom_steps(explained)
    assert float(step.incoming) == 1.0
    assert float(step.contributions[0].value) == 0.5  # the upstream 1 clipped to norm 0.5
    assert explained.gradients["v"] == gradient == 2.0  # 0.5 * d(v*v)/dv = 0.5 * 4
    assert "custom gradient: clip_gradients" in str(explained)
    line = "backward 2 #2 -> #1 0.5"
    assert line in explained.to_plain().splitlines()


def test_a_custom_gradient_reading_a_variable_sends_to_it_too():
    w = gc.Variable(2.0, name="w")

    @gc.custom_gradient
    def scaled(x):
        y = x * w

        def grad_fn(dy, variables):
            return 3 * dy * w, [5 * dy * x]  # not the true derivative: the rule is the user's

        return y, grad_fn

    x = gc.Variable(3.0, name="x")
    with gc.GradientTape(persistent=True) as tape:
        y = scaled(x) ** 2
    explained = gc.explain(tape, y, [x, w])
    gx, gw = (as_float(g) for g in tape.gradient(y, [x, w]))
    [forward], [step] = custom_steps(explained)
    assert forward.inputs == ("x", "w") and forward.custom == ("multiply",)
    sent = {c.input: float(c.value) for c in step.contributions}
    assert sent == {"x": gx, "w": gw} == {"x": 12 * 3 * 2, "w": 12 * 5 * 3}
    assert explained.gradients == {"x": gx, "w": gw}
    # the gradient goes through the user's rule: checked against nothing, and said so
    checks = explained.view.checks[0]
    assert {c.method for c in checks.values()} == {"not checked"}
    assert "custom gradient scaled" in checks["x"].expression


def test_a_custom_gradient_under_nested_tapes_explains_the_second_derivative():
    x = gc.constant(0.0)
    with gc.GradientTape() as outer:
        outer.watch(x)
        with gc.GradientTape() as inner:
            inner.watch(x)
            y = log1pexp(x)
        first = gc.explain(inner, y, x)
        dy_dx = inner.gradient(y, x)
    second = gc.explain(outer, dy_dx, x)
    assert first.gradients["sources[0]"] == as_float(dy_dx) == 0.5  # sigmoid(0)
    assert second.gradients["sources[0]"] == as_float(outer.gradient(dy_dx, x)) == 0.25
    # the outer tape recorded grad_fn's operations: the second derivative goes through them,
    # not through the custom step, and finite differences of the record agree
    assert "log1pexp" in [s.op for s in second.view.forward]
    assert all(step.incoming is None for step in custom_steps(second)[1])
    assert second.agrees and second.view.checks[0]["sources[0]"].method == "finite-difference"


def test_explaining_inside_an_outer_tape_records_nothing_on_it():
    x = gc.Variable(1.5, name="x")
    with gc.GradientTape(persistent=True) as outer:
        with gc.GradientTape() as inner:
            y = x**3
        before = outer.entry_count()
        explained = gc.explain(inner, y, x)
        assert outer.entry_count() == before
        dy = inner.gradient(y, x)
    assert explained.gradients["x"] == as_float(dy) == pytest.approx(3 * 1.5**2)
    assert as_float(outer.gradient(dy, x)) == pytest.approx(6 * 1.5)


# ---------------------------------------------------------------- persistence


def test_a_non_persistent_tape_explained_after_gradient_says_to_keep_it():
    x = gc.Variable(3.0)
    with gc.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(GradcliError, match=r"persistent=True") as raised:
        gc.explain(tape, y, x)
    assert isinstance(raised.value, RuntimeError)  # as the tape's own second gradient()
    assert "before tape.gradient" in str(raised.value)


def test_explain_leaves_a_non_persistent_tape_usable_once_and_a_persistent_one_always():
    x = gc.Variable(3.0)
    with gc.GradientTape() as tape:
        y = x * x * x
    assert gc.explain(tape, y, x).gradients["Variable"] == 27.0
    assert gc.explain(tape, y, x).gradients["Variable"] == 27.0  # looking twice: still there
    assert as_float(tape.gradient(y, x)) == 27.0
    with pytest.raises(RuntimeError):
        tape.gradient(y, x)  # the one gradient() was used: TensorFlow's rule, unchanged
    with gc.GradientTape(persistent=True) as kept:
        y = x * x * x
    assert as_float(kept.gradient(y, x)) == 27.0
    assert gc.explain(kept, y, x).gradients["Variable"] == 27.0


# ---------------------------------------------------------------- the oracle: gradcli tape


def cli_document(program: str, *declarations: str) -> dict:
    result = CliRunner().invoke(cli, ["tape", program, *declarations, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def comparable(document: dict) -> dict:
    """What a program and its Python spelling share: steps, labels, numbers (not source text)."""
    return {
        "forward": [(s["op"], s["inputs"], s["output"], s["value"]) for s in document["forward"]],
        "reads": document["reads"],
        "backward": [
            (
                s["op"],
                s["output"],
                s["incoming"],
                [
                    (c["input"], c["symbol"], c["rule"], c["local"], c["value"])
                    for c in s["contributions"]
                ],
            )
            for s in document["backward"]
        ],
        "sums": document["sums"],
        "gradients": document["gradients"],
        "watched": document["watched"],
        "target": document["target"],
    }


def test_an_ordinary_program_gives_the_steps_and_numbers_of_gradcli_tape():
    cli = cli_document("y = x*x + w; z = y*sin(x)", "--x", "3", "--w", "1")
    x, w = gc.Variable(3.0, name="x"), gc.Variable(1.0, name="w")
    with gc.GradientTape() as tape:
        y = x * x + w
        z = y * gc.sin(x)
    explained = gc.explain(tape, z, [x, w], names={"y": y, "z": z})
    assert comparable(explained.to_dict()) == comparable(cli)
    gx, gw = tape.gradient(z, [x, w])
    assert explained.gradients == {"x": as_float(gx), "w": as_float(gw)}


def test_a_program_with_literals_fan_out_and_arrays_matches_gradcli_tape():
    program = "h = tanh(x * 2.0); z = reduce_sum(h * x)"
    cli = cli_document(program, "--x", "[0.5, -1.0, 2.0]")
    x = gc.Variable([0.5, -1.0, 2.0], name="x")
    with gc.GradientTape() as tape:
        h = gc.tanh(x * 2.0)
        z = gc.reduce_sum(h * x)
    explained = gc.explain(tape, z, x, names={"h": h, "z": z})
    mine, theirs = comparable(explained.to_dict()), comparable(cli)
    assert mine == theirs
    assert [s["value"] for s in theirs["sums"]] == ["x"]  # x reaches z twice: summed
    np.testing.assert_array_equal(explained.gradients["x"], tape.gradient(z, x).numpy())


def test_the_json_document_has_gradcli_tapes_schema():
    cli = cli_document("y = exp(x) * x", "--x", "0.5")
    x = gc.Variable(0.5, name="x")
    with gc.GradientTape() as tape:
        y = gc.exp(x) * x
    document = json.loads(gc.explain(tape, y, x).to_json())
    assert document.keys() == cli.keys()
    assert document["program"] is None
    for mine, theirs in zip(document["forward"], cli["forward"]):
        assert mine.keys() == theirs.keys()
    for mine, theirs in zip(document["backward"], cli["backward"]):
        assert mine.keys() == theirs.keys()
        for c, d in zip(mine["contributions"], theirs["contributions"]):
            assert c.keys() == d.keys()
    assert document["check"]["x"]["agrees"] is True
    assert document["check"]["x"]["method"] == "finite-difference"
    # a custom step is marked, with what it folds, in the same schema
    v = gc.Variable(2.0, name="v")
    with gc.GradientTape() as tape:
        out = clip_gradients(v * v)
    custom = gc.explain(tape, out, v).to_dict()
    assert custom["forward"][1]["custom_gradient"] == {"inside": []}
    assert custom["backward"][0]["custom_gradient"] is True
    assert "custom_gradient" not in custom["forward"][0]


# ---------------------------------------------------------------- the check, labels, formats


def test_the_check_is_finite_differences_of_the_replayed_record():
    x = gc.Variable(0.7, name="x")
    c = gc.constant(1.3)
    with gc.GradientTape() as tape:
        tape.watch(c)
        y = gc.sin(x * c) + c * c
    explained = gc.explain(tape, y, [x, c], names={"c": c})
    checks = explained.view.checks[0]
    assert checks["x"].expected == pytest.approx(1.3 * math.cos(0.91), rel=1e-8)
    assert checks["c"].expected == pytest.approx(0.7 * math.cos(0.91) + 2.6, rel=1e-8)
    assert explained.agrees and "all gradients agree with finite differences" in str(explained)


def test_large_values_no_rule_reads_are_not_kept_and_the_check_still_replays():
    x = gc.Variable(np.linspace(-1, 1, 200).reshape(2, 100), name="x")
    with gc.GradientTape() as tape:
        z = gc.reduce_sum(gc.exp(x) + x)  # add keeps neither input: exp's answer is not kept
    explained = gc.explain(tape, z, x)
    shown = {s.op: s for s in explained.view.forward}
    assert shown["add"].value is None and "shape (2, 100)" in shown["add"].why
    assert shown["exp"].value is not None  # exp's rule reads its answer: kept
    assert "not kept" in str(explained)
    assert explained.agrees
    np.testing.assert_allclose(explained.gradients["x"], np.exp(x.numpy()) + 1)


def test_labels_follow_names_variables_sources_and_constants():
    a, b = gc.Variable(1.0), gc.Variable(2.0)  # both named "Variable", as in TensorFlow
    t = gc.constant(3.0)
    with gc.GradientTape() as tape:
        tape.watch(t)
        y = a * b * t + 4.0
    explained = gc.explain(tape, y, [a, b, t])
    steps = explained.view.forward
    assert steps[0].inputs == ("Variable", "Variable_1")
    assert steps[1].inputs == ("#1", "sources[2]")
    assert steps[2].inputs == ("#2", "4.0")
    assert explained.view.target.target == "#3"
    assert "Watched variables: Variable, Variable_1" in str(explained)


def test_unconnected_and_unwatched_sources_get_none_with_a_reason():
    x, frozen = gc.Variable(2.0, name="x"), gc.Variable(5.0, name="f", trainable=False)
    other = gc.Variable(1.0, name="other")
    with gc.GradientTape() as tape:
        y = x * frozen
    explained = gc.explain(tape, y, [x, frozen, other])
    assert explained.gradients == {"x": 5.0, "f": None, "other": None}
    reasons = explained.view.target.reasons
    assert "frozen" in reasons["f"] and "tape.watch" in reasons["f"]
    assert reasons["other"] == "not watched (add tape.watch(...))"


def test_formats_table_plain_and_repr():
    x = gc.Variable(3.0, name="x")
    with gc.GradientTape() as tape:
        y = x * x
    explained = gc.explain(tape, y, x, names={"y": y})
    assert explained.to_plain().splitlines() == [
        "forward 1 y = multiply(x, x) = 9.0",
        "backward 1 y -> x 3.0",
        "backward 1 y -> x 3.0",
        "sum x = 3.0 + 3.0 = 6.0",
        "gradient x 6.0",
    ]
    table = str(explained)
    assert "\x1b[" not in table and "multiply: d/da (a*b) = b" in table
    assert "\x1b[" in explained.to_table(color=True)
    assert repr(explained) == '<gc.TapeExplanation of y: 1 steps, {"x": 6.0}>'


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda tape, y, x: gc.explain("tape", y, x), "takes a gc.GradientTape"),
        (lambda tape, y, x: gc.explain(tape, [y, y], x), "one target"),
        (lambda tape, y, x: gc.explain(tape, y, [3.0]), "sources are tensors"),
    ],
)
def test_bad_arguments_are_gradcli_errors(call, message):
    x = gc.Variable(3.0)
    with gc.GradientTape() as tape:
        y = x * x
    with pytest.raises(ArgumentError, match=message):
        call(tape, y, x)


def test_a_custom_function_with_two_outputs_is_one_step_per_output_and_sums_its_input():
    @gc.custom_gradient
    def pair(x):
        def grad_fn(da, db):
            return da * 2 + db * 3

        return (x * 2, x * 3), grad_fn

    x = gc.Variable(1.0, name="x")
    with gc.GradientTape() as tape:
        a, b = pair(x)
        y = a * b
    explained = gc.explain(tape, y, x)
    forward, backward = custom_steps(explained)
    assert [s.source for s in forward] == ["pair(x)[0]", "pair(x)[1]"]
    assert [float(c.value) for s in backward for c in s.contributions] == [6.0, 6.0]
    [total] = explained.view.sums  # the one read of x gets both: summed, as the tape adds them
    assert total.label == "x" and float(total.total) == as_float(tape.gradient(y, x)) == 12.0
