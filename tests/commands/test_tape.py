"""`gradcli tape` as a user runs it: the recording as a table, JSON, plain lines and DOT (the
recording as data is tested in tests/program/test_recording.py)."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from gradcli.commands.group import cli


def gradcli(*args):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "100"}, catch_exceptions=False)


GOLDEN = """\
Inputs
name  kind      trainable  watched  shape  value
------------------------------------------------
x     variable  yes        yes      ()     3.0

Forward pass: 2 operations, 2 recorded on the tape
step  operation  source  inputs  output  value  recorded
--------------------------------------------------------
1     multiply   x*x     x, x    y       9.0    yes
2     multiply   y*y     y, y    z       81.0   yes
The tape also recorded 2 reads of x: each read of a watched variable is recorded (identity); the
tables name the variable instead.

Backward pass: the chain rule, last step first, starting from dz/dz = 1
step  operation  incoming  local rule                      input  contribution
-------------------------------------------------------------------------------------
2     z = y*y    1.0       multiply: d/da (a*b) = b        a = y  1.0 * 9.0 = 9.0
                           multiply: d/db (a*b) = a        b = y  1.0 * 9.0 = 9.0
sum   y                    fan-out: 2 contributions added         9.0 + 9.0 = 18.0
1     y = x*x    18.0      multiply: d/da (a*b) = b        a = x  18.0 * 3.0 = 54.0
                           multiply: d/db (a*b) = a        b = x  18.0 * 3.0 = 54.0
sum   x                    fan-out: 2 contributions added         54.0 + 54.0 = 108.0
a, b, ... are a step's inputs in order; contribution = incoming * local derivative; a value used
more than once gets the sum of its contributions

Target: z = 81.0
Gradients
source  shape  gradient
-----------------------
x       ()     108.0

Watched variables: x
"""


def test_golden_table_without_color():
    result = gradcli("tape", "y = x*x; z = y*y", "--x", "3", "--no-check")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == GOLDEN


def test_the_table_ends_with_grads_cross_check():
    result = gradcli("tape", "y = x*x + x", "--x", "3")
    assert result.exit_code == 0
    assert "fan-out: 3 contributions added" in result.stdout
    assert "1.0 + 3.0 + 3.0 = 7.0" in result.stdout
    assert result.stdout.rstrip().endswith("all gradients agree with sympy")


def test_json_is_the_same_recording_as_data():
    result = gradcli("tape", "y = x*x; z = y*y", "--x", "3", "--json")
    data = json.loads(result.stdout)
    assert [s["output"] for s in data["forward"]] == ["y", "z"]
    assert data["reads"] == {"x": 2}
    assert [c["value"] for s in data["backward"] for c in s["contributions"]] == [9, 9, 54, 54]
    assert {s["value"]: s["total"] for s in data["sums"]} == {"y": 18.0, "x": 108.0}
    assert data["gradients"] == {"x": 108.0} and data["check"] is None


def test_plain_lists_one_event_per_line():
    result = gradcli("tape", "y = x*x + x", "--x", "3", "--plain")
    assert result.stdout.splitlines() == [
        "forward 1 #1 = multiply(x, x) = 9.0",
        "forward 2 y = add(#1, x) = 12.0",
        "backward 2 y -> #1 1.0",
        "backward 2 y -> x 1.0",
        "backward 1 #1 -> x 3.0",
        "backward 1 #1 -> x 3.0",
        "sum x = 1.0 + 3.0 + 3.0 = 7.0",
        "gradient x 7.0",
    ]


def parse_dot(text: str) -> tuple[list, list]:
    """A strict reading of the DOT we write: (node ids in order, edges), checking structure."""
    lines = text.strip().splitlines()
    assert lines[0] == "digraph tape {" and lines[-1] == "}"
    without_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    assert without_strings.count("{") == without_strings.count("}") == 1
    assert without_strings.count('"') % 2 == 0
    nodes, edges = [], []
    for line in lines[1:-1]:
        line = line.strip()
        assert line.endswith(";"), line
        if line.startswith(("rankdir", "node ", "edge ")):
            continue
        edge = re.fullmatch(r'(\w+) -> (\w+)( \[label="[^"]*"\])?;', line)
        node = re.fullmatch(r'(\w+) \[shape=\w+, label="(?:[^"\\]|\\.)*"(, [\w=, ]+)?\];', line)
        assert edge or node, line
        if edge:
            edges.append((edge.group(1), edge.group(2)))
        else:
            assert not edges, "every node is declared before the edges"
            nodes.append(node.group(1))
    return nodes, edges


def test_dot_output_is_a_graph_with_every_node_declared_once():
    result = gradcli("tape", "y = x*x; z = sin(y) * c + x", "--x", "3", "--const", "c=2", "--dot")
    assert result.exit_code == 0
    nodes, edges = parse_dot(result.stdout)
    assert len(nodes) == len(set(nodes))
    declared = set(nodes)
    assert all(a in declared and b in declared for a, b in edges)
    # edges in execution order: step 1's edges come first, step 4's last
    steps = [b if b.startswith("s") else a for a, b in edges]
    assert steps == sorted(steps, key=lambda s: int(s[1:]))
    assert 'label="x\\nvalue 3.0\\ngrad ' in result.stdout
    assert "style=dashed" not in result.stdout  # every step here is recorded


def test_dot_shows_unrecorded_steps_dashed():
    result = gradcli("tape", "y = stop_gradient(x*x) * x", "--x", "3", "--dot")
    nodes, _ = parse_dot(result.stdout)
    assert "style=dashed" in result.stdout


def test_dot_and_another_format_is_a_usage_error():
    result = gradcli("tape", "x*x", "--x", "3", "--dot", "--json")
    assert result.exit_code == 2
    assert result.stderr.startswith("usage: choose one output format")


def test_one_target_only():
    result = gradcli("tape", "y = x*x; z = y*y", "--x", "3", "--target", "y", "--target", "z")
    assert result.exit_code == 2
    assert "give at most one --target" in result.stderr


def test_an_intermediate_source_and_a_chosen_target():
    result = gradcli("tape", "y = x*x; z = y*y", "--x", "3", "--wrt", "y", "--json")
    data = json.loads(result.stdout)
    assert data["gradients"] == {"y": 18.0}
    result = gradcli("tape", "y = x*x; z = y*y", "--x", "3", "--target", "y", "--json")
    assert json.loads(result.stdout)["gradients"] == {"x": 6.0}
