"""Forward mode on the command line: `gradcli jvp`, `--mode forward|reverse|both` for grad and
jacobian, and a Hessian-vector product by forward over reverse against `gradcli hessian`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import gradcli as gc
from gradcli.commands.group import cli


def gradcli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def as_json(*args):
    result = gradcli(*args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# ---------------------------------------------------------------- gradcli jvp


def test_jvp_defaults_to_the_first_inputs_unit_vector():
    result = gradcli("jvp", "x*y + sin(x)", "--x", "3", "--y", "1", "--plain")
    assert (result.exit_code, result.stderr) == (0, "")
    assert float(result.stdout) == pytest.approx(1 + np.cos(3.0), rel=1e-15)  # y + cos(x)


def test_jvp_along_a_given_tangent_is_the_gradient_dot_the_tangent():
    document = as_json("jvp", "x*y + sin(x)", "--x", "3", "--y", "1", "--tangent", "x=2")
    document_y = as_json("jvp", "x*y + sin(x)", "--x", "3", "--y", "1", "--tangent", "y=1")
    both = as_json(
        "jvp", "x*y + sin(x)", "--x", "3", "--y", "1", "--tangent", "x=2", "--tangent", "y=1"
    )
    assert document["tangents"] == {"x": 2.0, "y": 0.0}
    assert document["results"][0]["jvp"] == pytest.approx(2 * (1 + np.cos(3.0)))
    assert document_y["results"][0]["jvp"] == 3.0
    assert both["results"][0]["jvp"] == pytest.approx(2 * (1 + np.cos(3.0)) + 3.0)


def test_jvp_of_a_vector_target_is_the_jacobian_times_the_tangent():
    document = as_json(
        "jvp", "W @ x", "--const", "W=[[1,2],[3,4]]", "--x", "[1,1]", "--tangent", "x=[1,0]"
    )
    assert document["results"][0]["jvp"] == [1.0, 3.0]  # W's first column


def test_jvp_table_checks_against_sympy_and_says_so():
    result = gradcli("jvp", "x*y + sin(x)", "--x", "3", "--y", "1")
    assert result.exit_code == 0
    for line in ("Tangent", "Directional derivatives", "y + cos(x)", "agree with sympy"):
        assert line in result.stdout


def test_jvp_check_falls_back_to_finite_differences_and_can_disagree():
    # 40 input elements: past the symbolic limit, so the finite differences along the tangent
    result = gradcli("jvp", "sum(tanh(x))", "--x", "linspace(0, 1, 40)", "--check", "--json")
    check = json.loads(result.stdout)["results"][0]["check"]
    assert (result.exit_code, check["method"], check["agrees"]) == (0, "finite-difference", True)


def test_jvp_check_catches_a_wrong_forward_rule(monkeypatch):
    from gradcli.engine import forward

    wrong = forward.jvp_rule(gc.REGISTRY["sin"])
    monkeypatch.setitem(
        forward._RULES,
        gc.REGISTRY["sin"],
        lambda t, *rest: None if t[0] is None else wrong([t[0] * 2.0], *rest),
    )
    result = gradcli("jvp", "sin(x)", "--x", "1")
    assert result.exit_code == 1  # the check disagrees: grad's exit code
    assert "NO" in result.stdout


def test_jvp_unconnected_target_is_none_with_the_reason_or_zero():
    document = as_json(
        "jvp", "y = 2*c", "--x", "1", "--const", "c=3", "--tangent", "x=1", "--wrt", "x"
    )
    assert document["results"][0]["jvp"] is None
    assert "not connected" in document["results"][0]["reason"]
    zero = as_json(
        "jvp", "y = 2*c", "--x", "1", "--const", "c=3", "--wrt", "x", "--unconnected", "zero"
    )
    assert zero["results"][0]["jvp"] == 0.0


def test_jvp_plain_csv_and_several_targets():
    result = gradcli(
        "jvp",
        "y = x*x; z = y*x",
        "--x",
        "[1., 2.]",
        "--tangent",
        "x=[1, 1]",
        "--target",
        "y",
        "--target",
        "z",
        "--plain",
    )
    assert result.stdout == "[2.0,4.0]\n[3.0,12.0]\n"
    csv = gradcli("jvp", "x*x", "--x", "[1., 2.]", "--tangent", "x=[1, 1]", "--format", "csv")
    assert csv.stdout == "x,x*x,jvp(x*x)\n1.0,1.0,2.0\n2.0,4.0,4.0\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--tangent", "x=[1, 2, 3]"], "a tangent of shape (3,) for x of shape (2,)"),
        (["--tangent", "z=1"], "no source is named 'z'"),
        (["--tangent", "x"], "--tangent takes NAME=VALUE"),
        (["--tangent", "x=[1, oops]"], "--tangent x:"),
        (["--wrt", "y2"], "forward mode differentiates with respect to declared inputs"),
    ],
)
def test_jvp_bad_tangents_are_one_clear_message_and_exit_2(args, message):
    result = gradcli("jvp", "y2 = x * 2", "--x", "[1., 2.]", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- --mode


@pytest.mark.parametrize("mode", ["forward", "reverse", "both"])
def test_jacobian_by_every_mode_is_the_same_jacobian(mode):
    args = ("jacobian", "tanh(W @ x)", "--const", "W=[[1,2],[3,4],[5,6]]", "--x", "[0.1, -0.2]")
    default = as_json(*args)
    moded = as_json(*args, "--mode", mode)
    assert moded["results"] == default["results"]
    passes = {m["mode"]: m["passes"] for m in moded["modes"]}
    expected = {"forward": 2, "reverse": 3}  # input elements; output elements
    assert passes == (expected if mode == "both" else {mode: expected[mode]})
    assert all(m["max_abs_difference"] == 0.0 for m in moded["modes"])


def test_reverse_wins_with_many_inputs_and_forward_with_many_outputs():
    many_in = gradcli("jacobian", "sum(sin(x))", "--x", "linspace(0, 1, 100)", "--mode", "both")
    assert "reverse mode is cheaper here" in many_in.stdout
    many_out = gradcli(
        "jacobian", "sin(x * c)", "--x", "1", "--const", "c=linspace(0, 1, 100)", "--mode", "both"
    )
    assert "forward mode is cheaper here" in many_out.stdout
    costs = as_json(
        "jacobian", "sin(x * c)", "--x", "1", "--const", "c=linspace(0, 1, 100)", "--mode", "both"
    )["modes"]
    assert [(c["mode"], c["passes"]) for c in costs] == [("reverse", 100), ("forward", 1)]


def test_grad_by_forward_mode_keeps_grads_answers_and_reasons():
    args = ("grad", "x*y*c", "--x", "1", "--y", "2", "--const", "c=3")
    default, forward = as_json(*args), as_json(*args, "--mode", "forward")
    assert forward["results"] == default["results"]  # c: None, with the constant's reason
    assert forward["modes"][0]["passes"] == 2


def test_default_outputs_say_nothing_of_modes():
    assert "Modes" not in gradcli("grad", "x*x", "--x", "3").stdout
    assert "modes" not in as_json("jacobian", "x*x", "--x", "3")


def test_mode_with_order_is_refused():
    result = gradcli("grad", "x**3", "--x", "2", "--order", "2", "--mode", "forward")
    assert result.exit_code == 2 and "--mode computes first derivatives" in result.stderr


# ---------------------------------------------------------------- Hessian-vector products


def test_forward_over_reverse_hessian_vector_product_matches_the_hessian_command():
    program = "sum(x**3 * y) + sin(x[0] * y)"
    x, y = np.array([0.5, -1.0, 2.0]), 0.7
    document = as_json("hessian", program, "--x", "[0.5, -1.0, 2.0]", "--y", "0.7")
    blocks = document["hessian"]
    hxx, hxy = np.array(blocks["x"]["x"]), np.array(blocks["x"]["y"])
    v_x, v_y = np.array([1.0, 0.5, -2.0]), 0.25

    xs, ys = gc.constant(x), gc.constant(y)
    with gc.autodiff.ForwardAccumulator([xs, ys], [gc.constant(v_x), gc.constant(v_y)]) as acc:
        with gc.GradientTape() as tape:
            tape.watch([xs, ys])
            f = gc.reduce_sum(xs**3 * ys) + gc.sin(xs[0] * ys)
        gx, _ = tape.gradient(f, [xs, ys])
    hvp = acc.jvp(gx).numpy()
    np.testing.assert_allclose(hvp, hxx @ v_x + hxy * v_y, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- gradcli tape --mode forward


def test_tape_forward_mode_shows_each_steps_tangent_in_the_reverse_tables_order():
    result = gradcli("tape", "y = x*x; z = y*sin(x)", "--x", "3", "--mode", "forward")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Forward mode: 3 operations, each with its tangent" in out
    assert out.index("Forward mode") < out.index("Backward pass")  # both passes, forward first
    document = as_json("tape", "y = x*x; z = y*sin(x)", "--x", "3", "--mode", "forward")
    x = 3.0
    tangents = [step["tangent"] for step in document["forward"]]
    expected = [2 * x, np.cos(x), 2 * x * np.sin(x) + x * x * np.cos(x)]
    np.testing.assert_allclose(tangents, expected, rtol=1e-15)
    assert [s["step"] for s in document["forward"]] == [1, 2, 3]
    assert document["tangents"] == {"x": 1.0}
    assert tangents[-1] == pytest.approx(document["gradients"]["x"], rel=1e-15)


def test_tape_forward_mode_along_a_tangent_and_unrecorded_steps_have_none():
    document = as_json(
        "tape",
        "a = c*c; b = a*x + y",
        "--x",
        "2",
        "--y",
        "1",
        "--const",
        "c=3",
        "--mode",
        "forward",
        "--tangent",
        "x=1",
        "--tangent",
        "y=10",
    )
    assert [step["tangent"] for step in document["forward"]] == [None, 9.0, 19.0]
    plain = gradcli("tape", "x*x", "--x", "3", "--mode", "forward", "--plain").stdout
    assert plain.splitlines()[0] == "forward 1 #1 = multiply(x, x) = 9.0 tangent 6.0"


def test_tape_default_output_has_no_tangents_and_tangent_needs_forward_mode():
    document = as_json("tape", "x*x", "--x", "3")
    assert "tangent" not in document["forward"][0] and "mode" not in document
    result = gradcli("tape", "x*x", "--x", "3", "--tangent", "x=1")
    assert result.exit_code == 2 and "add --mode forward" in result.stderr


def test_modes_of_an_empty_source_say_so_without_dividing_by_zero():
    result = gradcli("jacobian", "sum(x)", "--x", "zeros(0)", "--mode", "both")
    assert result.exit_code == 0, result.stderr
    assert "forward mode is cheaper here: 0 operations against 2" in result.stdout
