"""`gradcli diff EXPR --steps` and `gradcli check --steps`, through the command line."""

from __future__ import annotations

import json

import sympy as sp
from click.testing import CliRunner

from gradcli.commands.group import cli


def gradcli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def ok(*args) -> str:
    result = gradcli(*args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def bad(*args) -> str:
    result = gradcli(*args)
    assert result.exit_code == 2, result.stdout
    assert "Traceback" not in result.stderr
    return result.stderr


TREE = """\
d/dx x**2*sin(x)
+-- 1. Product rule: d/dx x**2*sin(x) = x**2*cos(x) + 2*x*sin(x)
|   (f*g)' = f'*g + f*g'
|   +-- 1.1. Power rule: d/dx x**2 = 2*x
|   `-- 1.2. Trigonometric rule: d/dx sin(x) = cos(x)
`-- 2. Simplify: x**2*cos(x) + 2*x*sin(x)
    nothing to simplify
answer: d/dx x**2*sin(x) = x**2*cos(x) + 2*x*sin(x)
"""


def test_pretty_is_a_numbered_tree_with_ascii_guides_in_a_pipe():
    assert ok("diff", "x**2*sin(x)", "--steps") == TREE


def test_plain_is_the_same_steps_indented_without_guides():
    lines = ok("diff", "sin(x**2)", "--steps", "--plain").splitlines()
    assert lines == [
        "d/dx sin(x**2)",
        "1. Chain rule: d/dx sin(x**2) = 2*x*cos(x**2)",
        "   d/dx f(u) = d/du f(u) * du/dx",
        "   let u = x**2",
        "   1.1. Trigonometric rule: d/du sin(u) = cos(u)",
        "   1.2. Power rule: d/dx x**2 = 2*x",
        "2. Simplify: 2*x*cos(x**2)",
        "   nothing to simplify",
        "answer: d/dx sin(x**2) = 2*x*cos(x**2)",
    ]


def test_latex_is_an_align_block_ending_with_sympys_latex_of_the_derivative():
    text = ok("diff", "x*exp(-x)", "--steps", "--format", "latex")
    lines = text.splitlines()
    assert lines[0] == r"\begin{align*}" and lines[-1] == r"\end{align*}"
    assert lines[1].startswith(r"\text{1. Product rule:} && \frac{d}{dx}\left[x e^{- x}\right]")
    x = sp.Symbol("x")
    answer = sp.latex(sp.simplify(sp.diff(x * sp.exp(-x), x)))
    assert lines[-2] == rf"\frac{{d}}{{dx}}\left[x e^{{- x}}\right] &&= {answer}"
    assert all(line.endswith(r"\\") for line in lines[1:-2])


def test_json_is_the_rule_tree_with_every_documented_field():
    document = json.loads(ok("diff", "abs(x**2 - 1)", "--steps", "--json"))
    assert document["expression"] == "abs(x**2 - 1)" and document["inputs"] == ["x"]
    (derivation,) = document["derivations"]
    assert derivation["wrt"] == "x"
    assert derivation["answer"] == "2*x*sign(x**2 - 1)"
    chain, simplify = derivation["steps"]
    assert set(chain) == {
        "number", "rule", "title", "wrt", "expression", "expression_latex", "derivative",
        "derivative_latex", "statement", "statement_latex", "let", "notes", "substeps",
    }  # fmt: skip
    assert (chain["number"], chain["rule"], chain["title"]) == ("1", "chain", "Chain rule")
    assert chain["let"] == {"name": "u", "expression": "x**2 - 1", "latex": "x^{2} - 1"}
    assert chain["notes"] == ["not differentiable where x**2 - 1 = 0: at x = -1, 1"]
    assert [s["number"] for s in chain["substeps"]] == ["1.1", "1.2"]
    assert [s["rule"] for s in chain["substeps"]] == ["absolute_value", "difference"]
    assert (simplify["number"], simplify["rule"]) == ("2", "simplify")


def test_wrt_gives_the_partial_derivatives_steps():
    text = ok("diff", "x*exp(x*y)", "--steps", "--wrt", "y", "--plain")
    assert text.splitlines()[0] == "d/dy x*exp(x*y)"
    assert "1. Constant multiple rule: d/dy x*exp(x*y) = x**2*exp(x*y)" in text
    assert text.splitlines()[-1] == "answer: d/dy x*exp(x*y) = x**2*exp(x*y)"


def test_every_input_without_wrt_one_derivation_each():
    document = json.loads(ok("diff", "x*y**2", "--steps", "--json"))
    assert [d["wrt"] for d in document["derivations"]] == ["x", "y"]
    assert [d["answer"] for d in document["derivations"]] == ["y**2", "2*x*y"]


def test_the_answer_is_what_diff_shows():
    for expression in ("x*exp(-x)", "softplus(x**2)", "x**x", "arctan(x**2)", "sinh(log(x))"):
        plain = ok("diff", expression, "--plain").strip()
        steps = ok("diff", expression, "--steps", "--plain").splitlines()[-1]
        assert steps.startswith("answer: d/dx ") and steps.endswith(f" = {plain}")


def test_steps_refuse_order_and_a_point_with_a_clear_message():
    assert "leave out --order" in bad("diff", "x**3", "--steps", "--order", "2")
    assert "leave out the point" in bad("diff", "x**3", "--steps", "--at", "x=2")


def test_tape_only_operations_are_refused_as_diff_refuses_them():
    message = bad("diff", "stop_gradient(x)*x", "--steps")
    assert "stop_gradient is a tape operation" in message


def test_diff_without_steps_is_unchanged():
    assert ok("diff", "x**2*sin(x)", "--plain") == "x**2*cos(x) + 2*x*sin(x)\n"


# ---------------------------------------------------------------- check --steps


def test_check_steps_show_the_derivation_when_the_answer_is_wrong():
    result = gradcli("check", "sin(x**2)", "--expect", "cos(x**2)", "--steps")
    assert result.exit_code == 1
    verdict, steps = result.stdout.split("\n\nhow to derive it:\n")
    assert verdict.startswith("wrong: cos(x**2) is not the derivative")
    assert steps.splitlines()[1] == "+-- 1. Chain rule: d/dx sin(x**2) = 2*x*cos(x**2)"


def test_check_steps_show_nothing_more_when_the_answer_is_right():
    with_steps = ok("check", "sin(x**2)", "--expect", "2*x*cos(x**2)", "--steps")
    assert with_steps == ok("check", "sin(x**2)", "--expect", "2*x*cos(x**2)")


def test_check_steps_in_json_wrong_and_right():
    result = gradcli("check", "x*y", "--expect", "x", "--wrt", "x", "--steps", "--json")
    assert result.exit_code == 1
    steps = json.loads(result.stdout)["steps"]
    assert steps["wrt"] == "x" and steps["answer"] == "y"
    assert steps["steps"][0]["rule"] == "constant_multiple"
    right = json.loads(ok("check", "x*y", "--expect", "y", "--wrt", "x", "--steps", "--json"))
    assert right["steps"] is None
    assert "steps" not in json.loads(ok("check", "x*y", "--expect", "y", "--wrt", "x", "--json"))
