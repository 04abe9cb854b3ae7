"""`gradcli minimize` as a user runs it: CliRunner for each output, option and bad input."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from click.testing import CliRunner

from gradcli.commands.group import cli

ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"


def gradcli(*args):
    return CliRunner().invoke(cli, ["minimize", *args], catch_exceptions=False)


def minimize_json(*args) -> dict:
    result = gradcli(*args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_rosenbrock_table_shows_the_answer_the_check_the_hessian_and_the_plot():
    result = gradcli(ROSENBROCK, "--x", "-1.2", "--y", "1")
    assert result.exit_code == 0 and result.stderr == ""
    text = result.stdout
    assert "Minimum of (1 - x)**2 + 100*(y - x**2)**2" in text
    rows = dict(line.split(None, 1) for line in text.splitlines()[3:12] if line.strip())
    assert float(rows["x"]) == pytest.approx(1.0, abs=1e-9)
    assert float(rows["y"]) == pytest.approx(1.0, abs=1e-9)
    assert rows["reason"].strip() == "converged"
    assert "method         newton (the default for 2 scalar inputs)" in text
    assert "eigenvalues [0.3993607676, 1001.600639]: minimum" in text
    assert "all gradients agree with sympy" in text
    assert "f(step) = the target at each step" in text and "f'(step)" in text


def test_json_has_every_field_and_the_check():
    data = minimize_json(ROSENBROCK, "--x", "-1.2", "--y", "1", "--method", "bfgs", "--check")
    assert data["method"] == "bfgs" and data["method_is_default"] is False
    assert data["reason"] == "converged" and data["goal"] == "minimize"
    assert data["point"]["x"] == pytest.approx(1.0) and data["point"]["y"] == pytest.approx(1.0)
    assert data["value"] < 1e-12 and data["gradient_norm"] <= 1e-6
    assert data["point_kind"] == "minimum" and len(data["hessian_eigenvalues"]) == 2
    assert data["check"]["x"]["agrees"] and data["check"]["y"]["method"] == "symbolic"
    assert minimize_json("x**2", "--x", "1")["check"] is None  # json: no check unless asked


def test_plain_is_name_equals_value_lines():
    result = gradcli("(x - 3)**2", "--x", "0", "--plain")
    assert result.stdout.splitlines() == [
        "x = 3.0",
        "minimum = 0.0",
        "gradient norm = 0.0",
        "steps = 1",
        "reason = converged",
        "method = newton",
        "point = minimum",
    ]


def test_csv_is_a_header_and_one_row_with_each_element():
    result = gradcli("sum((v - [1, 2])**2)", "--v", "[0, 0]", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["v[0]", "v[1]", "minimum", "gradient_norm", "steps", "reason", "method"]
    assert [float(c) for c in rows[1][:2]] == [1.0, 2.0] and rows[1][-2:] == ["converged", "newton"]


def test_trace_writes_every_step_from_the_start(tmp_path):
    path = tmp_path / "steps.csv"
    result = gradcli("x**2 + y**2", "--x", "1", "--y", "2", "--method", "gd", "--lr", "0.25",
                     "--steps", "3", "--trace", str(path), "--plain")  # fmt: skip
    assert result.exit_code == 0
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["step", "target", "gradient_norm", "x", "y"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2", "3"]
    # gd with lr 0.25 halves each coordinate: x = 1, 0.5, 0.25, 0.125
    assert [float(r[3]) for r in rows[1:]] == [1.0, 0.5, 0.25, 0.125]
    assert float(rows[1][1]) == 5.0 and float(rows[1][2]) == pytest.approx(np.sqrt(20))


def test_image_with_a_contour_plot_for_two_inputs(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "path.png"
    result = gradcli(ROSENBROCK, "--x", "-1.2", "--y", "1", "-o", str(path), "--plain")
    assert result.exit_code == 0 and f"wrote {path}" in result.stderr
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_maximize_and_bounds_through_the_command_line():
    top = minimize_json("sin(x)", "--x", "1", "--maximize")
    assert top["goal"] == "maximize" and top["point_kind"] == "maximum"
    assert top["point"]["x"] == pytest.approx(np.pi / 2) and top["value"] == pytest.approx(1.0)
    bounded = minimize_json("(x - 3)**2", "--x", "0", "--bound", "x=-1:2")
    assert bounded["point"]["x"] == 2.0 and bounded["at_bounds"] == ["x"]
    assert bounded["reason"] == "converged" and bounded["gradient_norm"] == 2.0
    open_above = minimize_json("(x - 3)**2", "--x", "0", "--bound", "x=4:")
    assert open_above["point"]["x"] == 4.0


def test_stopping_reasons_and_exit_codes():
    assert minimize_json("x**2", "--x", "1", "--method", "gd", "--steps", "5")["reason"] == (
        "step limit"
    )
    diverged = gradcli("x**4", "--x", "3", "--method", "gd", "--lr", "1", "--plain")
    assert diverged.exit_code == 1 and "reason = diverged: non-finite values" in diverged.stdout
    stuck = gradcli("abs(x)", "--x", "0.05", "--method", "gd", "--lr", "0.1", "--plain")
    assert stuck.exit_code == 0 and "reason = no progress" in stuck.stdout


def test_declarations_work_as_in_grad_frozen_const_and_files(tmp_path):
    (tmp_path / "a.csv").write_text("1,2,3\n")
    data = minimize_json(
        "sum((w - a)**2) + k * b", "--w", "zeros(3)", "--const", f"a=@{tmp_path / 'a.csv'}",
        "--frozen", "b=2", "--const", "k=0.5",
    )  # fmt: skip
    assert data["point"] == {"w": [1.0, 2.0, 3.0]} and data["value"] == 1.0


@pytest.mark.parametrize(
    "args, message",
    [
        (["[x, x]", "--x", "1"], "minimize needs a scalar target"),
        (["x**2", "--const", "x=1"], "no trainable input"),
        (["x**2", "--x", "1", "--method", "adam", "--momentum", "0.5"], "--momentum is an option"),
        (["x**2", "--x", "1", "--method", "newton", "--lr", "0.1"], "--lr is an option of gd"),
        (["x**2", "--x", "1", "--lr", "0.1"], "choose the method"),
        (["x**2", "--x", "1", "--method", "gd", "--beta1", "0.5"], "--beta1 is an option of adam"),
        (["x**2", "--x", "1", "--bound", "x=3:1"], "lower bound must be below"),
        (["x**2", "--x", "1", "--bound", "x=nan:1"], "each bound is one number"),
        (["x**2", "--x", "1", "--bound", "x"], "takes NAME=VALUE"),
        (["x**2", "--x", "1", "--bound", "x=0"], "write NAME=LO:HI"),
        (["x**2", "--x", "1", "--bound", "xx=0:1"], "did you mean 'x'"),
        (["x**2", "--x", "1", "--bound", "x=0:1", "--bound", "x=0:2"], "given twice"),
        (["x**2", "--x", "1", "--target", "a", "--target", "b"], "needs one target"),
        (["x**2", "--x", "1", "--tol", "nan"], "--tol takes a number"),
        (["x**2", "--x", "1", "--wrt", "y"], "'y' is not an input"),
        (["x**2", "--x", "1", "--json", "--plain"], "choose one output format"),
        (["x**2", "--x", "1", "-o", "path.pdf"], "write a .png or an .svg"),
        (["dense([[1.0]], 2)", "--x", "1"], "creates variables"),
        (["x**2", "--x", "1", "--no-auto-watch"], "--watch them"),
        (["x**2 + ", "--x", "1"], "syntax error"),
    ],
)
def test_bad_input_is_one_paragraph_and_exit_2(args, message):
    result = gradcli(*args)
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_progress_bar_runs_on_a_terminal_and_only_there():
    pty = pytest.importorskip("pty")
    import os
    import subprocess
    import sys

    command = [sys.executable, "-m", "gradcli", "minimize", "x**2", "--x", "1", "--method", "gd"]
    primary, secondary = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    done = subprocess.run(command, stdout=secondary, stderr=secondary, env=env, timeout=120)
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal is closed once everything is read
            break
        if not chunk:
            break
        shown += chunk
    os.close(primary)
    assert done.returncode == 0 and b"minimizing" in shown and b"Minimum of x**2" in shown
    piped = subprocess.run(command, capture_output=True, env=env, timeout=120)
    assert b"minimizing" not in piped.stdout + piped.stderr


# ---------------------------------------------------------------- fuzzing, as test_fuzz does

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.commands.test_fuzz import (  # noqa: E402
    FUZZ,
    OPTION_WORDS,
    VALUE,
    declarations,
    folder,  # noqa: F401  (the fixture the fuzzed runs start in)
    programs,
    run_checked,
)

MINIMIZE_WORDS = [
    ["--method", "gd"], ["--method", "adam"], ["--method", "newton"], ["--method", "bfgs"],
    ["--lr", "0.1"], ["--lr", "1e300"], ["--lr", "nan"], ["--momentum", "0.9"],
    ["--momentum", "1"], ["--beta1", "0.5"], ["--tol", "0"], ["--tol", "1e-300"],
    ["--maximize"], ["--bound", "x=0:1"], ["--bound", "x=1:0"], ["--bound", "x=:"],
    ["--bound", "y=-inf:inf"], ["--bound", "nosuch=0:1"], ["--bound", "x"], ["--steps", "0"],
    ["--trace", "out.txt"], ["-o", "out.png"], ["--format", "csv"], ["--plain"],
]  # fmt: skip


@settings(FUZZ, max_examples=100)
@given(
    words=st.tuples(
        programs(),
        declarations(VALUE),
        st.lists(st.sampled_from([*OPTION_WORDS["program"], *MINIMIZE_WORDS]), max_size=3),
    ).map(lambda t: ["minimize", t[0], *t[1], *sum(t[2], [])])
)
def test_no_minimize_command_line_breaks_gradcli(words, folder, monkeypatch):  # noqa: F811
    # small limits keep each run short, as test_fuzz's guards do
    run_checked([*words, "--steps", "20", "--max-elements", "10000"], folder, monkeypatch)
