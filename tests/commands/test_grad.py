"""`gradcli grad` as a user runs it: CliRunner for each option and output, one real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import gradcli as gc
from gradcli.commands.group import cli
from gradcli.engine import primitives as ops


def gradcli(*args, input=None, env=None):
    runner = CliRunner()
    return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def grad_json(*args):
    result = gradcli("grad", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# ---------------------------------------------------------------- declarations and the program


def test_plain_output_of_the_first_example_is_exactly_six():
    result = gradcli("grad", "x**2", "--x", "3", "--plain")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "6.0\n", "")


def test_options_may_come_before_the_program():
    assert gradcli("grad", "--x", "3", "x**2", "--plain").stdout == "6.0\n"


@pytest.mark.parametrize("declaration", [["--x", "-3"], ["--x=-3"], ["--var", "x=-3"]])
def test_negative_values_in_every_spelling(declaration):
    assert gradcli("grad", "x**2", *declaration, "--plain").stdout == "-6.0\n"


def test_list_values_and_array_gradients_print_as_compact_json():
    assert gradcli("grad", "sum(x**2)", "--x", "[1, 2]", "--plain").stdout == "[2.0,4.0]\n"


def test_program_from_stdin_and_from_a_file(tmp_path: Path):
    assert gradcli("grad", "-", "--x", "3", "--plain", input="y = x*x\ny*2\n").stdout == "12.0\n"
    program = tmp_path / "square.grad"
    program.write_text("# the square\ny = x**2\n")
    assert gradcli("grad", f"@{program}", "--x", "3", "--plain").stdout == "6.0\n"


def test_an_input_named_like_an_option_is_declared_with_var():
    assert gradcli("grad", "seed * 2", "--var", "seed=3", "--plain").stdout == "2.0\n"
    result = gradcli("grad", "seed * 2", "--seed", "x")
    assert result.exit_code == 2
    assert "to declare an input named seed, write --var seed=VALUE" in result.stderr


def test_frozen_const_watch_and_no_auto_watch():
    doc = grad_json("x0**2 + x1**2 + c**2", "--x0", "3", "--frozen", "x1=3", "--const", "c=3")
    assert doc["results"][0]["gradients"] == {"x0": 6.0, "x1": None, "c": None}
    assert doc["watched"] == ["x0"]
    doc = grad_json("x0 * x1", "--x0", "2", "--x1", "5", "--no-auto-watch", "--watch", "x1")
    assert doc["results"][0]["gradients"] == {"x0": None, "x1": 2.0}
    assert doc["results"][0]["reasons"]["x0"].startswith("not watched: auto-watch is off")


def test_declarations_are_reported_in_the_order_typed():
    doc = grad_json("x @ w + b", "--const", "x=[[1, 2]]", "--w", "[[1], [2]]", "--b", "[0]")
    assert list(doc["inputs"]) == ["x", "w", "b"]
    assert list(doc["results"][0]["gradients"]) == ["x", "w", "b"]


def test_wrt_target_and_unconnected():
    doc = grad_json("y = x*x; z = y*y", "--x", "3", "--target", "z", "--target", "y", "--wrt", "x")
    assert [r["gradients"] for r in doc["results"]] == [{"x": 108.0}, {"x": 6.0}]
    doc = grad_json("y = 2*x", "--x", "1", "--u", "5", "--unconnected", "zero")
    assert doc["results"][0]["gradients"] == {"x": 2.0, "u": 0.0}


def test_several_targets_give_blocks_separated_by_a_blank_line():
    result = gradcli(
        "grad", "y = x*x; z = y*y", "--x", "3", "--target", "z", "--target", "y", "--plain"
    )
    assert result.stdout == "108.0\n\n6.0\n"


def test_seeded_random_values_are_reproducible():
    first = grad_json("sum(w**2)", "--w", "normal((2, 2))", "--seed", "7")
    again = grad_json("sum(w**2)", "--w", "normal((2, 2))", "--seed", "7")
    other = grad_json("sum(w**2)", "--w", "normal((2, 2))", "--seed", "8")
    assert first == again != other


def test_float32_dtype():
    doc = grad_json("x * 0.1", "--x", "1", "--dtype", "float32")
    assert doc["results"][0]["gradients"]["x"] == 0.1


def test_json_shape_and_non_finite_numbers():
    run = gradcli("grad", "y = log(x)", "--x", "[0, 1]", "--json")
    assert run.exit_code == 4  # not defined at x[0] = 0
    doc = json.loads(run.stdout)
    assert set(doc) == {"inputs", "watched", "results", "not_defined"}
    assert (
        doc["not_defined"] == "not defined at x = [0, 1]: log() gives -inf (input value [0., 1.])"
    )
    result = doc["results"][0]
    assert set(result) == {"target", "value", "shape", "gradients", "reasons", "check"}
    assert result["value"] == ["-inf", 0.0]
    assert result["gradients"]["x"] == ["inf", 1.0]
    assert doc["inputs"]["x"] == {"kind": "variable", "shape": [2], "value": [0.0, 1.0]}


def test_table_without_colour_has_no_box_characters_or_escapes():
    result = gradcli(
        "grad", "y = x*w[0]", "--x", "2", "--w", "[3]", "--no-check", env={"NO_COLOR": "1"}
    )
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout
    assert not set("─│╭╮╰╯┃━") & set(result.stdout)
    assert "Gradients" in result.stdout and "Watched variables: w, x" in result.stdout


# ---------------------------------------------------------------- the cross-check and exit codes


def test_table_runs_the_cross_check_and_json_does_not_unless_asked():
    table = gradcli("grad", "sin(x)", "--x", "1")
    assert table.exit_code == 0
    assert "cos(x)" in table.stdout
    assert grad_json("sin(x)", "--x", "1")["results"][0]["check"] is None
    doc = grad_json("sin(x)", "--x", "1", "--check")
    check = doc["results"][0]["check"]["x"]
    assert check["method"] == "symbolic" and check["agrees"] is True
    assert check["expression"] == "cos(x)"


def test_a_wrong_gradient_rule_makes_the_check_fail_with_exit_1():
    op = ops.REGISTRY["sin"]
    right = op.grads
    wrong = (lambda g, ans, x: g * ops.sin(x),)  # the true rule is g * cos(x)
    object.__setattr__(op, "grads", wrong)
    try:
        result = gradcli("grad", "sin(x)", "--x", "1", "--json", "--check")
    finally:
        object.__setattr__(op, "grads", right)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["results"][0]["check"]["x"]["agrees"] is False


@pytest.mark.parametrize(
    "args, message",
    [
        (["__import__('os').getcwd()", "--x", "1"], "names starting with '__' are not allowed"),
        (["x**", "--x", "1"], "expected an expression after '**'"),
        (["x + nosuch", "--x", "1"], "'nosuch' is not defined"),
        (["x", "--x", "[[1,2],[3]]"], "ragged list"),
        (["x**2"], "declare it as an input, e.g. --x 3"),
        ([], "missing PROGRAM"),
        (["x", "--x", "@/no/such/file.npy"], "no such file"),
        (["x + y", "--x", "[1, 2]", "--y", "[1, 2, 3]"], "shapes (2,) and (3,)"),
        (["x", "--x", "1", "--json", "--plain"], "choose one output format"),
    ],
)
def test_bad_input_exits_2_with_one_message_and_no_traceback(args, message):
    result = gradcli("grad", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""


def test_a_misspelt_command_suggests_the_right_one():
    result = gradcli("gard", "x")
    assert result.exit_code == 2
    assert "Did you mean 'grad'?" in result.stderr


def test_an_internal_error_asks_for_a_bug_report_and_exits_3(monkeypatch):
    from gradcli.program import run as evaluate

    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(evaluate, "evaluate", broken)
    result = gradcli("grad", "x", "--x", "1")
    assert result.exit_code == 3
    assert "internal error" in result.stderr and "Traceback" not in result.stderr
    result = gradcli("grad", "x", "--x", "1", "--traceback")
    assert result.exit_code == 3 and "RuntimeError: boom" in result.stderr


def test_version():
    result = gradcli("--version")
    assert result.exit_code == 0 and "gradcli, version" in result.stdout


# ---------------------------------------------------------------- the installed script


def installed_script() -> list[str]:
    beside = Path(sys.executable).with_name("gradcli")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("gradcli")
    return [found] if found else [sys.executable, "-m", "gradcli"]


def test_the_installed_script_runs_as_a_real_process():
    done = subprocess.run(
        [*installed_script(), "grad", "x**2", "--x", "3", "--plain"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "6.0\n", "")


# start-up time: what `gradcli grad` must not load (sympy 250 ms, rich 30 ms; the other commands'
# modules, and what only an error message or another format needs, a few ms each)
NOT_FOR_GRAD = [
    *(
        f"gradcli.commands.{m}"
        for m in ("tape", "jacobian", "hessian", "diff", "check", "homework")
    ),
    *("gradcli.commands.plot", "gradcli.commands.functions", "difflib", "shutil"),
    "gradcli.language.files",  # only an @FILE value reads a file
    "gradcli.engine.optimizers",  # the Python API's, imported on first use
    "gradcli.engine.custom_gradient",
]


@pytest.mark.parametrize(
    "flags, unwanted",
    [
        (["--plain", "--no-check"], ["sympy", "rich", *NOT_FOR_GRAD]),
        (["--no-check"], ["sympy", "json", *NOT_FOR_GRAD]),
        # the check of 2*x is symengine's (fast.py): sympy is not imported; its worker's pipe
        # is read without multiprocessing (with socket, tempfile and shutil, about 15 ms)
        ([], ["sympy", "multiprocessing", *NOT_FOR_GRAD]),
    ],
)
def test_grad_loads_only_what_its_output_needs(flags, unwanted):
    code = (
        "import sys\n"
        "from gradcli.commands.group import main\n"
        "try:\n"
        f"    main(['grad', 'x**2', '--x', '3', *{flags!r}])\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        f"loaded = [m for m in {unwanted!r} if m in sys.modules]\n"
        "assert not loaded, f'loaded {loaded}'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert "6.0" in done.stdout


@pytest.mark.parametrize(
    "program, value, message, caret",
    [
        ("x[0]", "-0.0", "a 0-d value has no axes to index (the value indexed has shape ())", 0),
        ("y = x*2; x[0] + y[5]", "[1, 2]", "index 5 is out of bounds for axis 0 with size 2", 16),
        ("x[0, 1]", "[1, 2]", "too many indices", 0),
        ("x[0]", "[]", "index 0 is out of bounds for axis 0 with size 0", 0),
    ],
)
def test_an_index_the_shape_does_not_have_is_bad_input_with_a_caret(program, value, message, caret):
    result = gradcli("grad", program, "--x", value)
    assert result.exit_code == 2
    first, line, marks = result.stderr.splitlines()
    assert first.startswith(f"bad index (column {caret + 1}): indexing: ") and message in first
    assert line == f"  {program}" and marks.index("^") == caret + 2


def test_an_index_out_of_range_in_the_api_is_an_index_error():
    with pytest.raises(IndexError, match=r"out of bounds.*shape \(2,\)"):
        gc.constant([1.0, 2.0])[5]


@pytest.mark.parametrize(
    "args, out",
    [
        (["--seed=3", "x**2", "--x", "3", "--plain"], "6.0\n"),
        (["--x", "3", "--plain", "--", "-x"], "-1.0\n"),  # after --, only the program
        (["-x**2", "--x=-3", "--wrt=x", "--plain"], "6.0\n"),
        (["x*y", "--plain", "--y", "-2", "--x", "--3"], "3.0\n-2.0\n"),  # --3: a value, 3
    ],
)
def test_options_declarations_and_the_program_mix_in_any_order(args, out):
    result = gradcli("grad", *args)
    assert (result.exit_code, result.stdout) == (0, out), result.stderr


def test_a_short_option_takes_an_attached_value(tmp_path):
    target = tmp_path / "plot.svg"
    result = gradcli("plot", "x**2", "--x", "-1:1", f"-o{target}")
    assert "PROGRAM" not in result.stderr  # -o/path is the option, not a second program
    assert (result.exit_code == 0 and target.exists()) or "matplotlib" in result.stderr


def test_the_derivative_of_an_input_by_itself_is_one():
    assert gradcli("grad", "x", "--x", "3", "--plain").stdout == "1.0\n"
    assert gradcli("grad", "y = x; y", "--x", "[1, 2]", "--plain").stdout == "[1.0,1.0]\n"


# ---------------------------------------------------------------- the check's time budget


@pytest.mark.parametrize(
    "command",
    [
        ["grad", "x**2", "--x", "3"],  # symbolic (symengine, then sympy)
        ["grad", "where(x > 0, x*x, -x)", "--x", "2"],  # finite differences
        ["grad", "x**3", "--x", "2", "--order", "2"],
        ["jacobian", "sin(x)", "--x", "[1, 2]"],
        ["hessian", "x**2*y", "--x", "1", "--y", "2"],
        ["tape", "x**2", "--x", "3"],
    ],
)
def test_a_check_over_its_budget_says_not_checked_and_exits_0(command):
    table = gradcli(*command, "--budget", "0")
    assert table.exit_code == 0, table.output
    assert "not checked" in table.output and "over the 0 s budget" in table.output
    assert "agree with" not in table.output  # nothing was compared: nothing claims to agree
    document = gradcli(*command, "--budget", "0", "--json", "--check")
    assert document.exit_code == 0, document.output
    found = json.loads(document.output)
    text = json.dumps(found)
    assert '"method": "not checked"' in text and '"expression": "over the 0 s budget"' in text
    assert '"agrees": true' not in text and '"agrees": false' not in text


def test_the_default_budget_checks_as_before():
    result = gradcli("grad", "where(x > 0, x*x, -x)", "--x", "2", "--json", "--check")
    check = json.loads(result.output)["results"][0]["check"]["x"]
    assert result.exit_code == 0 and check["method"] == "finite-difference" and check["agrees"]


def test_budget_takes_seconds_from_0_to_an_hour():
    for bad in ("-1", "nan", "soon", "4000"):
        result = gradcli("grad", "x**2", "--x", "3", "--budget", bad)
        assert result.exit_code == 2 and "--budget takes" in result.output
