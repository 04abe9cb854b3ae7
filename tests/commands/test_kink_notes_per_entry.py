"""A kink's note names only the operations between its source element and its entry (a
Jacobian's row, a gradient's target, a Hessian's first derivative), and says a zero entry 0."""

from __future__ import annotations

from click.testing import CliRunner

from gradcli.commands.group import cli


def notes(*args) -> list[str]:
    result = CliRunner().invoke(cli, [*args, "--plain"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [line for line in result.stderr.splitlines() if line.startswith("note:")]


def one(lines: list[str], start: str) -> str:
    (line,) = [line for line in lines if line.startswith(start)]
    return line


def test_each_jacobian_row_names_its_own_kinked_operations():
    lines = notes("jacobian", "[abs(x), relu(x - y)]", "--x", "0", "--y", "0")
    assert len(lines) == 3
    row = one(lines, "note: x = 0 is a kink of abs(x)")
    assert "(abs() at 0)" in row and "(abs'(0) = 0)" in row and "relu" not in row
    for start in ("note: x = 0 is a kink of relu(x - y)", "note: y = 0 is a kink of relu(x - y)"):
        row = one(lines, start)
        assert "(relu() at 0)" in row and "(relu'(0) = 0)" in row and "abs" not in row


def test_a_zero_entry_is_said_0_not_minus_0():
    lines = notes("jacobian", "[abs(x), relu(x - y)]", "--x", "0", "--y", "0")
    row = one(lines, "note: y = 0")
    assert "the Jacobian entry shown, 0," in row and "-0" not in row


def test_a_gradients_note_names_the_operations_its_source_feeds():
    lines = notes("grad", "abs(x) + relu(y)", "--x", "0", "--y", "0")
    assert "(abs() at 0)" in one(lines, "note: x = 0") and "relu" not in one(lines, "note: x = 0")
    assert "(relu() at 0)" in one(lines, "note: y = 0") and "abs" not in one(lines, "note: y = 0")


def test_operations_on_one_path_are_all_named():
    line = one(notes("grad", "abs(x) + relu(x)", "--x", "0"), "note: x = 0")
    assert "(abs() at 0, relu() at 0)" in line and "(abs'(0) = 0; relu'(0) = 0)" in line


def test_a_switch_is_named_only_in_its_own_row():
    lines = notes("jacobian", "[where(x > 0, x, -x), abs(y)]", "--x", "0", "--y", "0")
    switch = one(lines, "note: x = 0")
    assert "'>' between equal values" in switch and "abs" not in switch
    assert "'>'" not in one(lines, "note: y = 0")


def test_a_hessians_note_names_the_operations_of_its_derivative():
    lines = notes("hessian", "abs(x)*x + relu(y)*y", "--x", "0", "--y", "0")
    assert "(abs() at 0)" in one(lines, "note: x = 0") and "relu" not in one(lines, "note: x = 0")
    assert "(relu() at 0)" in one(lines, "note: y = 0") and "abs" not in one(lines, "note: y = 0")
