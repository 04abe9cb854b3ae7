"""`gradcli tape`'s recording as data: `program.recording`, forward and backward, with the local
rules of `symbolic.rules` (the command's output is tested in tests/commands/test_tape.py)."""

from __future__ import annotations

import numpy as np
import pytest

from gradcli.engine.primitives import REGISTRY
from gradcli.engine.tape import GradientTape
from gradcli.language.parser import parse
from gradcli.program.recording import record
from gradcli.program.records import Declaration, Request
from gradcli.program.run import evaluate
from gradcli.symbolic.rules import explain, local_rule


def request(program: str, **declared) -> Request:
    options = {k: declared.pop(k) for k in ("stop", "wrt", "targets", "watch") if k in declared}
    declarations = []
    for name, value in declared.items():
        kind, value = value if isinstance(value, tuple) else ("variable", value)
        declarations.append(Declaration(name, kind, np.asarray(value, dtype=np.float64)))
    return Request(parse(program), tuple(declarations), **options)


def contributions(view) -> list:
    return [
        (step.step, c.input, None if c.value is None else float(c.value))
        for step in view.backward
        for c in step.contributions
    ]


# ---------------------------------------------------------------- the recording


def test_y_is_x_squared_then_z_is_y_squared_records_two_steps():
    view = record(request("y = x*x; z = y*y", x=3.0))
    assert [(s.step, s.op, s.source, s.inputs, s.output) for s in view.forward] == [
        (1, "multiply", "x*x", ("x", "x"), "y"),
        (2, "multiply", "y*y", ("y", "y"), "z"),
    ]
    assert all(step.recorded for step in view.forward)
    assert [float(s.value) for s in view.forward] == [9.0, 81.0]
    # each read of x is recorded too (an identity entry): folded into x, and counted
    assert view.reads == {"x": 2}


def test_the_backward_pass_gives_18_then_108():
    view = record(request("y = x*x; z = y*y", x=3.0))
    assert [s.step for s in view.backward] == [2, 1]  # last step first
    assert [float(s.incoming) for s in view.backward] == [1.0, 18.0]  # dz/dz, then dz/dy
    assert contributions(view) == [(2, "y", 9.0), (2, "y", 9.0), (1, "x", 54.0), (1, "x", 54.0)]
    sums = {s.label: (float(s.total), s.before, [step for step, _ in s.parts]) for s in view.sums}
    # dz/dy = 2y = 18 reaches step 1; dz/dx = 18 * 2x = 108 reaches the source x
    assert sums == {"y": (18.0, 1, [2, 2]), "x": (108.0, None, [1, 1])}
    assert float(view.target.gradients["x"]) == 108.0


def test_local_rules_and_the_chain_rule_made_visible():
    recorded = record(request("y = x*x; z = y*y", x=3.0))
    # the recording is numbers only: sympy's rule and local value come from `explain`
    assert recorded.backward[0].contributions[0].rule is None
    view = explain(recorded)
    first = view.backward[0].contributions
    assert [c.rule.symbols for c in first] == ["d/da (a*b) = b", "d/db (a*b) = a"]
    assert [c.symbol for c in first] == ["a", "b"]
    assert [float(c.local) for c in first] == [9.0, 9.0]  # b = y = 9 and a = y = 9
    assert "with respect to a" in first[0].rule.words


def test_fan_out_contributions_are_summed_on_a_line_of_their_own():
    view = record(request("y = x*x + x", x=3.0))
    (total,) = view.sums
    assert total.label == "x" and total.before is None
    # the tape adds them in the order of its walk: add (step 2) first, then multiply's two reads
    assert [(step, float(v)) for step, v in total.parts] == [(2, 1.0), (1, 3.0), (1, 3.0)]
    assert float(total.total) == 7.0 == float(view.target.gradients["x"])


def test_the_sums_are_the_gradients_the_engine_computed_bit_for_bit():
    req = request("y = sin(x*w) + x/w + w**3; z = y*y*x", x=0.7, w=-1.3)
    view = record(req)
    engine = evaluate(req).results[0].gradients
    totals = {s.label: s.total for s in view.sums if s.before is None}
    assert set(totals) == {"x", "w"}
    for name, total in totals.items():
        assert total.tobytes() == np.asarray(engine[name]).tobytes()


def test_broadcast_contributions_are_shown_in_the_inputs_shape():
    view = explain(record(request("y = x * [3., 4.]; z = sum(y)", x=2.0)))
    assert view.forward[0].inputs == ("x", "[3.0, 4.0]")  # a list of literals is a literal
    multiply = view.backward[1]
    assert multiply.incoming.tolist() == [1.0, 1.0]
    assert float(multiply.contributions[0].value) == 7.0  # summed down to x's shape ()
    assert multiply.contributions[1].value is None  # the literal needs no gradient
    assert not view.backward[0].contributions[0].rule.derived  # sum: a rule on whole arrays


def test_a_list_of_values_is_a_variadic_stack_step():
    view = record(request("z = sum([x, 2*x] * [1., 10.])", x=1.0))
    stack = [s for s in view.backward if s.op == "stack"][0]
    assert [float(c.value) for c in stack.contributions] == [1.0, 10.0]
    assert float(view.target.gradients["x"]) == 21.0


def test_operations_the_tape_does_not_record_say_why():
    program = "y = c*x + k*2 + stop_gradient(x*x) + (x > 1)"
    view = record(request(program, x=3.0, c=("constant", 2.0), k=("frozen", 1.0)))
    why = {s.source: s.why for s in view.forward if not s.recorded}
    assert why["k*2"].startswith("no input is watched: k is a frozen variable")
    assert "2.0 is a literal" in why["k*2"]
    assert why["stop_gradient(x*x)"].startswith("stop_gradient")
    assert why["(x > 1)"] == "greater has no gradient: the tape does not record it"
    recorded = {s.source for s in view.forward if s.recorded}
    assert "c*x" in recorded and "x*x" in recorded


def test_a_statement_under_stop_runs_with_recording_paused():
    view = record(request("y = x*x; z = y*x", x=3.0, stop=("y",)))
    assert view.forward[0].why == "statement y runs with recording paused (--stop y)"
    assert float(view.target.gradients["x"]) == 9.0  # y is a constant 9 for the tape


def test_a_recorded_step_off_the_path_gets_no_gradient():
    view = record(request("y = stop_gradient(x*x); z = y*x", x=3.0))
    square = [s for s in view.backward if s.step == 1][0]
    assert square.incoming is None and square.contributions == ()


def test_every_primitive_has_a_local_rule_and_elementwise_ones_come_from_sympy():
    for op in REGISTRY.values():
        for i in range(max(op.arity, 3)):
            grad = op.grads[0] if op.variadic else op.grads[i] if i < op.arity else None
            if i < op.arity or op.variadic:
                assert (local_rule(op, i) is None) == (grad is None)
    assert local_rule(REGISTRY["divide"], 1).symbols == "d/db (a/b) = -a/b**2"
    assert local_rule(REGISTRY["sin"], 0).symbols == "d/da sin(a) = cos(a)"
    relu = "d/da (a if a > 0 else 0) = 1 if a > 0 else 0"
    assert local_rule(REGISTRY["relu"], 0).symbols == relu
    assert local_rule(REGISTRY["sign"], 0).symbols == "d/da sign(a) = 0"  # TensorFlow's rule
    assert local_rule(REGISTRY["where"], 0) is None  # the condition gets no gradient
    assert local_rule(REGISTRY["stack"], 2).symbols == "d/dc stack(a, b, ...)"
    assert not local_rule(REGISTRY["matmul"], 0).derived


@pytest.mark.parametrize(
    "name", [n for n, op in REGISTRY.items() if op.public and op.kind == "elementwise"]
)
def test_the_derived_local_derivative_agrees_with_the_engines_rule(name):
    op = REGISTRY[name]
    low, high = op.domain[0]
    point = {"x": low + 0.37 * (high - low)}
    args = "x"
    if op.arity == 2:
        low2, high2 = op.domain[1]
        point["w"] = low2 + 0.61 * (high2 - low2)
        args = "x, w"
    elif op.arity == 3:
        return  # clip: its bounds are constants of the test programs elsewhere
    view = explain(record(request(f"{name}({args})", **point)))
    (step,) = view.backward
    for c in step.contributions:  # a local value is shown only when incoming x local = value
        assert c.local is not None, (name, c)


def test_the_observer_is_off_by_default():
    assert GradientTape()._observer is None
