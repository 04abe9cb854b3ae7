"""`gradcli tape` at a kink (issue 12): the note grad gives (the one-sided derivatives, and that
the gradient shown is TensorFlow's convention), in the table, on stderr with --plain, and in
--json's "kinks"; none where the program is smooth."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gradcli.commands.group import cli


def gradcli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_tape_table_says_a_kink_as_grad_does():
    tape = gradcli("tape", "abs(x)", "--x", "0")
    grad = gradcli("grad", "abs(x)", "--x", "0")
    assert tape.exit_code == grad.exit_code == 0
    note = [line for line in grad.stdout.splitlines() if line.startswith("note: x = 0 is a kink")]
    assert note and note[0] in tape.stdout.splitlines()
    assert "from the left is -1, from the right 1" in " ".join(tape.stdout.split())


def test_tape_plain_writes_the_note_on_stderr_and_keeps_stdout():
    result = gradcli("tape", "relu(x)", "--x", "0", "--plain")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "gradient x 0.0"
    assert result.stderr.startswith("note: x = 0 is a kink (relu() at 0)")


def test_tape_json_carries_the_kinks_with_their_one_sided_derivatives():
    document = json.loads(gradcli("tape", "maximum(x, y)", "--x", "1", "--y", "1", "--json").stdout)
    kinks = {kink["source"]: kink for kink in document["kinks"]}
    assert set(kinks) == {"x", "y"}
    # d/dx max(x, 1) is 0 from the left and 1 from the right (one-sided differences: near)
    assert abs(kinks["x"]["left"]) < 1e-6 and abs(kinks["x"]["right"] - 1) < 1e-6
    # the gradient shown is the tape's: ties go to x
    assert kinks["x"]["gradient"] == document["gradients"]["x"] == 1.0
    assert kinks["y"]["gradient"] == document["gradients"]["y"] == 0.0


def test_a_smooth_tape_has_no_kinks():
    document = json.loads(gradcli("tape", "x**2", "--x", "0", "--json").stdout)
    assert "kinks" not in document
    assert "note:" not in gradcli("tape", "x**2", "--x", "0").stdout
