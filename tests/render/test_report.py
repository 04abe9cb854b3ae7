"""The renderers: exact JSON shape, plain and table golden text, and what they never do."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import numpy as np
import pytest

from gradcli import record
from gradcli.language.parser import parse
from gradcli.program.records import (
    Check,
    Declaration,
    Evaluation,
    InputInfo,
    Report,
    Request,
    TargetResult,
)
from gradcli.program.run import evaluate
from gradcli.render import report as render
from gradcli.render.report import format_number, format_value, jsonable, to_json, to_plain, to_table

FROZEN_REASON = "frozen variable (trainable=False): not watched (add --watch w[b])"
INT_REASON = "integer dtype: gradients flow only through floating-point values"
BOX_CHARS = re.compile("[\u2500-\u257f]")  # ─│╭╮╰╯┃━ and the rest of the box-drawing block
ANSI = re.compile("\x1b\\[")


def small_report(*, agrees: bool = False, notes: tuple = ("checked at [1, 2]",)) -> Report:
    """A variable, a frozen variable named `w[b]`, an int constant; one target; a cross-check."""
    evaluation = Evaluation(
        inputs={
            "x": InputInfo("x", "variable", np.asarray(3.0), watched=True),
            "w[b]": InputInfo("w[b]", "frozen", np.asarray([1.0, 2.0]), watched=False),
            "n": InputInfo("n", "constant", np.asarray(2), watched=False),
        },
        statements=(("y", np.asarray(9.0)),),
        sources=("x", "w[b]", "n"),
        watched=("x",),
        results=(
            TargetResult(
                "y",
                np.asarray(9.0),
                {"x": np.asarray(6.0), "w[b]": None, "n": None},
                {"w[b]": FROZEN_REASON, "n": INT_REASON},
            ),
        ),
    )
    checks = {
        "x": Check("symbolic", "2*x", 6.0, 0.0, True),
        "w[b]": Check(
            "finite-difference", None, np.asarray([0.0, 0.0]), 1.7763568394002505e-15, agrees
        ),
    }
    return Report(evaluation, (checks,), notes)


def two_target_report(checks: tuple = (None, None)) -> Report:
    """Two targets over sources a (a vector) and b (scalar); b is unconnected to the first."""
    evaluation = Evaluation(
        inputs={
            "a": InputInfo("a", "variable", np.asarray([1.0, 2.0]), watched=True),
            "b": InputInfo("b", "variable", np.asarray(0.5), watched=True),
        },
        statements=(("s", np.asarray(3.0)), ("t", np.asarray([[1.0, 2.0], [3.0, 4.0]]))),
        sources=("a", "b"),
        watched=("a", "b"),
        results=(
            TargetResult(
                "s",
                np.asarray(3.0),
                {"a": np.asarray([1.0, 1.0]), "b": None},
                {"b": "not connected to the target"},
            ),
            TargetResult(
                "t",
                np.asarray([[1.0, 2.0], [3.0, 4.0]]),
                {"a": np.asarray([0.25, -3.0]), "b": np.asarray(2.0)},
                {},
            ),
        ),
    )
    return Report(evaluation, checks)


def realistic(program: str = "x**2", **values) -> Report:
    declarations = tuple(
        Declaration(name, "variable", np.asarray(v)) for name, v in (values or {"x": 3.0}).items()
    )
    return Report(evaluate(Request(parse(program), declarations)))


# ---------------------------------------------------------------- JSON


def test_json_has_exactly_the_documented_shape():
    data = json.loads(to_json(small_report()))
    assert data == {
        "inputs": {
            "x": {"kind": "variable", "shape": [], "value": 3.0},
            "w[b]": {"kind": "frozen", "shape": [2], "value": [1.0, 2.0]},
            "n": {"kind": "constant", "shape": [], "value": 2},
        },
        "watched": ["x"],
        "results": [
            {
                "target": "y",
                "value": 9.0,
                "shape": [],
                "gradients": {"x": 6.0, "w[b]": None, "n": None},
                "reasons": {"w[b]": FROZEN_REASON, "n": INT_REASON},
                "check": {
                    "x": {
                        "method": "symbolic",
                        "expression": "2*x",
                        "expected": 6.0,
                        "max_abs_err": 0.0,
                        "agrees": True,
                        "defined": True,
                    },
                    "w[b]": {
                        "method": "finite-difference",
                        "expression": None,
                        "expected": [0.0, 0.0],
                        "max_abs_err": 1.7763568394002505e-15,
                        "agrees": False,
                        "defined": True,
                    },
                },
            }
        ],
    }
    # key order: top level as documented, inputs in declaration order, sources in source order
    assert list(data) == ["inputs", "watched", "results"]
    assert list(data["inputs"]) == ["x", "w[b]", "n"]
    result = data["results"][0]
    assert list(result) == ["target", "value", "shape", "gradients", "reasons", "check"]
    assert list(result["gradients"]) == ["x", "w[b]", "n"]
    assert list(result["check"]) == ["x", "w[b]"]
    # types: an int dtype stays an int, a float stays a float
    assert type(data["inputs"]["n"]["value"]) is int
    assert type(data["inputs"]["x"]["value"]) is float


def test_json_check_is_null_when_no_check_ran_and_output_is_indented():
    text = to_json(two_target_report())
    data = json.loads(text)
    assert [r["check"] for r in data["results"]] == [None, None]
    assert text.startswith('{\n  "inputs": {\n    "a": {\n      "kind": "variable",')
    assert text.endswith("}\n")
    assert '"value": [[1.0, 2.0], [3.0, 4.0]]' in text  # arrays stay on one line
    assert data["results"][1]["value"] == [[1.0, 2.0], [3.0, 4.0]]  # nested lists
    assert data["results"][1]["shape"] == [2, 2]
    assert data["results"][0]["reasons"] == {"b": "not connected to the target"}
    assert data["results"][1]["reasons"] == {}


def test_json_sources_follow_source_order_even_when_dicts_do_not():
    report = two_target_report()
    result = report.evaluation.results[1]
    shuffled = TargetResult(result.target, result.value, {"b": np.asarray(2.0), "a": None}, {})
    evaluation = record.replace(report.evaluation, results=(shuffled,))
    data = json.loads(to_json(Report(evaluation)))
    assert list(data["results"][0]["gradients"]) == ["a", "b"]


def test_json_non_finite_numbers_are_strings_and_stay_valid():
    evaluation = Evaluation(
        inputs={"x": InputInfo("x", "variable", np.asarray([np.nan, np.inf, -np.inf]), True)},
        statements=(),
        sources=("x",),
        watched=("x",),
        results=(TargetResult("y", np.asarray(np.nan), {"x": np.asarray([[np.inf, 1.0]])}, {}),),
    )
    checks = ({"x": Check("symbolic", "1/x", np.asarray([[np.inf, 1.0]]), math.nan, False)},)
    text = to_json(Report(evaluation, checks))
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    assert data["inputs"]["x"]["value"] == ["nan", "inf", "-inf"]
    assert data["results"][0]["value"] == "nan"
    assert data["results"][0]["gradients"]["x"] == [["inf", 1.0]]
    assert data["results"][0]["check"]["x"]["max_abs_err"] == "nan"
    json.dumps(data, allow_nan=False)  # nothing non-finite left


def test_jsonable_dtypes():
    assert jsonable(np.asarray([1, 2], dtype=np.int32)) == [1, 2]
    assert jsonable(np.asarray([True, False])) == [True, False]
    assert jsonable(np.float32(0.1)) == 0.1  # the float32's own shortest decimal
    assert jsonable(np.asarray([0.1, np.nan], dtype=np.float32)) == [0.1, "nan"]
    assert jsonable(np.zeros((2, 0))) == [[], []]
    assert jsonable(None) is None
    assert jsonable(-0.0) == 0.0 and math.copysign(1, jsonable(-0.0)) == -1


def test_json_of_a_real_evaluation():
    data = json.loads(to_json(realistic()))
    assert data["inputs"] == {"x": {"kind": "variable", "shape": [], "value": 3.0}}
    assert data["watched"] == ["x"]
    assert data["results"][0]["gradients"] == {"x": 6.0}
    assert data["results"][0]["value"] == 9.0
    assert data["results"][0]["check"] is None


# ---------------------------------------------------------------- plain


def test_plain_scalar_is_its_shortest_repr():
    assert to_plain(realistic()) == "6.0\n"


def test_plain_one_line_per_source_and_a_block_per_target():
    assert to_plain(small_report()) == "6.0\nNone\nNone\n"
    assert to_plain(two_target_report()) == "[1.0,1.0]\nNone\n\n[0.25,-3.0]\n2.0\n"


def test_plain_values():
    assert format_value(np.asarray(6.0), "plain") == "6.0"
    assert format_value(np.asarray(0.1) + 0.2, "plain") == "0.30000000000000004"
    assert format_value(np.asarray(1e-20), "plain") == "1e-20"
    assert format_value(np.asarray(np.nan), "plain") == "nan"
    assert format_value(np.asarray(-np.inf), "plain") == "-inf"
    assert format_value(np.asarray(3), "plain") == "3"
    assert format_value(np.asarray([[1.0, 2.0], [3.0, 4.0]]), "plain") == "[[1.0,2.0],[3.0,4.0]]"
    assert format_value(np.asarray([1.0, np.nan, np.inf]), "plain") == '[1.0,"nan","inf"]'
    assert format_value(None, "plain") == "None"
    # an array line is valid JSON, and numpy reads it back
    line = format_value(np.asarray([1.0, np.nan]), "plain")
    assert np.array_equal(np.asarray(json.loads(line), dtype=float), [1.0, np.nan], equal_nan=True)


def test_format_value_rejects_an_unknown_style():
    with pytest.raises(ValueError, match="unknown style"):
        format_value(1.0, "csv")


# ---------------------------------------------------------------- tables

SMALL_TABLE = """\
Inputs
name  kind      trainable  watched  shape  value
-----------------------------------------------------
x     variable  yes        yes      ()     3.0
w[b]  frozen    no         no       (2,)   [1.0, 2.0]
n     constant  no         no       ()     2

Target: y = 9.0
Gradients
source  shape  gradient  note
------------------------------------------------------------------------------------------
x       ()     6.0
w[b]    (2,)   None      frozen variable (trainable=False): not watched (add --watch w[b])
n       ()     None      integer dtype: gradients flow only through floating-point values

Watched variables: x

Cross-check
source  method             derivative  expected    max abs err  agrees
----------------------------------------------------------------------
x       symbolic           2*x         6.0         0.0          yes
w[b]    finite-difference  -           [0.0, 0.0]  1.8e-15      NO
1 gradient disagrees: w[b]

checked at [1, 2]
"""


def test_table_golden_without_color():
    assert to_table(small_report(), color=False, width=100) == SMALL_TABLE


def test_table_golden_two_targets_no_check():
    assert (
        to_table(two_target_report(), color=False, width=100)
        == """\
Inputs
name  kind      trainable  watched  shape  value
-----------------------------------------------------
a     variable  yes        yes      (2,)   [1.0, 2.0]
b     variable  yes        yes      ()     0.5

Target: s = 3.0
Gradients
source  shape  gradient    note
------------------------------------------------------
a       (2,)   [1.0, 1.0]
b       ()     None        not connected to the target

Target: t, shape (2, 2) =
  [[1.0, 2.0],
   [3.0, 4.0]]
Gradients
source  shape  gradient
---------------------------
a       (2,)   [0.25, -3.0]
b       ()     2.0

Watched variables: a, b
"""
    )


def test_table_agreement_summary_and_per_target_titles():
    agree = to_table(small_report(agrees=True, notes=()), color=False, width=100)
    assert agree.endswith(
        "w[b]    finite-difference  -           [0.0, 0.0]  1.8e-15      yes\n"
        "all gradients agree with sympy and finite differences\n"
    )
    symbolic = {"a": Check("symbolic", "1", np.asarray([1.0, 1.0]), 0.0, True)}
    wrong = {"b": Check("symbolic", "2", 2.0, 0.5, False)}
    text = to_table(two_target_report((symbolic, wrong)), color=False, width=100)
    assert "Cross-check: s\n" in text and "Cross-check: t\n" in text
    assert text.endswith("1 gradient disagrees: b (target t)\n")


def test_table_user_text_with_brackets_survives_in_both_modes():
    report = small_report()
    checks = {"x": Check("symbolic", "Subs([x], [bold]y[/bold])", 6.0, 0.0, True)}
    report = Report(report.evaluation, (checks,), ("[red]not markup[/red]",))
    for color in (False, True):
        text = ANSI.sub("", re.sub("\x1b\\[[0-9;]*m", "", to_table(report, color=color, width=120)))
        assert "w[b]" in text
        assert "add --watch w[b])" in text
        assert "Subs([x], [bold]y[/bold])" in text
        assert "[red]not markup[/red]" in text


def test_table_without_color_has_no_ansi_and_no_box_drawing():
    text = to_table(small_report(), color=False, width=100)
    assert not ANSI.search(text)
    assert not BOX_CHARS.search(text)
    assert text.isascii()
    assert all(line == line.rstrip() for line in text.splitlines())


def test_table_with_color_has_styles_and_marks():
    text = to_table(small_report(), color=True, width=100)
    assert ANSI.search(text)
    assert "✓" in text and "✗" in text and "─" in text


def test_table_summarises_a_large_array():
    values = np.linspace(-1.2, 3.4, 1000)
    report = realistic("reduce_sum(sin(x))", x=values)
    text = to_table(report, color=False, width=100)
    assert len(text.splitlines()) < 25 and len(text) < 2000
    assert "  [-1.2, -1.195395395, -1.190790791, ..., 3.390790791,\n" in text  # wrapped at a space
    assert "  3.395395395, 3.4]\n" in text
    assert "  (min -1.2, max 3.4)\n" in text
    assert "(1000,)" in text
    many_axes = format_value(np.ones((4, 5, 6, 7)), "table")
    assert many_axes == "[1.0, 1.0, 1.0, ..., 1.0, 1.0, 1.0]\n(min 1.0, max 1.0)"
    assert format_value(np.arange(100.0), "table", ascii=False).count("…") == 1
    assert format_value(np.ones((6, 6, 6)), "table").count("\n") == 1  # flattened
    assert format_value(np.ones((2, 3, 4)), "table").count("\n") == 7  # whole, and a summary
    assert format_value(np.zeros((1000, 1000)), "table").count("\n") == 7


def test_table_numbers():
    assert format_number(6.0) == "6.0"
    assert format_number(0.1 + 0.2) == "0.3"
    assert format_number(1e-05) == "1e-05"
    assert format_number(123456789.0) == "123456789.0"  # 10 significant digits: all of it
    assert format_number(math.pi) == "3.141592654"  # homework needs 10, trailing zeros dropped
    assert format_number(1234567890123.0) == "1.23456789e+12"
    assert format_number(1 / 3, 6) == "0.333333"
    assert format_number(1.7763568394002505e-15, 2) == "1.8e-15"
    assert format_number(0.0, 2) == "0.0"
    assert format_number(1e16) == "1e+16"
    assert format_number(np.float32(0.1)) == "0.1"
    assert format_number(-math.inf) == "-inf"
    assert format_number(np.int64(7)) == "7"
    assert format_number(np.bool_(True)) == "True"
    nonfinite = format_value(np.asarray([np.nan] * 10), "table")
    assert nonfinite.endswith("(10 non-finite)")


def test_importing_render_does_not_import_rich():
    code = (
        "import gradcli.render.report, gradcli.render.tables, sys; "
        "assert 'rich' not in sys.modules, 'rich was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_module_exports():
    assert set(render.__all__) >= {"to_json", "to_plain", "to_table", "format_value", "jsonable"}
