"""The classes of input that once ended in an internal error, at the language's level: static
arguments of the wrong kind (with the caret on the argument), values of too many dimensions from
every source, booleans where numpy takes none, and names no program can refer to."""

from __future__ import annotations

import numpy as np
import pytest

from gradcli.errors import ArgumentError, FileInputError, LimitError, ValueInputError
from gradcli.language.limits import MAX_DIMENSIONS, Limits
from gradcli.language.values import read_value
from gradcli.language.walker import SPELLINGS, undeclarable
from gradcli.program.records import Declaration, Request
from gradcli.program.run import run_program


def run(source: str, **inputs):
    from gradcli.language.parser import parse

    declarations = tuple(
        Declaration(name, "variable", np.asarray(value, dtype=float))
        for name, value in inputs.items()
    )
    return run_program(Request(program=parse(source), declarations=declarations))


def nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


# ---------------------------------------------------------------- static arguments


@pytest.mark.parametrize(
    ("source", "argument", "message"),
    [
        ("sum(x, axis=0.5)", "0.5", "axis is a whole number or a tuple of them, not 0.5"),
        ("sum(x, axis=True)", "True", "not True"),
        ("mean(x, axis=relu)", "relu", "not 'relu'"),
        ("max(x, axis='0')", "'0'", "not '0'"),
        ("prod(x, 0.5)", "0.5", "axis is a whole number"),
        ("squeeze(x, axis=0.5)", "0.5", "axis is a whole number"),
        ("concat([x, x], axis=0.5)", "0.5", "axis is a whole number, not 0.5"),
        ("stack([x, x], axis=relu)", "relu", "axis is a whole number, not 'relu'"),
        ("reshape(x, 2.5)", "2.5", "shape is a whole number or a tuple of them, not 2.5"),
        ("reshape(x, relu)", "relu", "shape is a whole number"),
        ("reshape(x, (-2,))", "(-2,)", "sizes below 0 other than one -1"),
        ("transpose(x, perm=1.5)", "1.5", "perm is None or a tuple of whole numbers"),
        ("transpose(x, perm=(0, 0))", "(0, 0)", "not an order of the axes 0 to 1"),
        ("expand_dims(x, 0.5)", "0.5", "axis is a whole number, not 0.5"),
        ("broadcast_to(x, 2.5)", "2.5", "shape is a whole number"),
        ("sum(x, keepdims=relu)", "relu", "keepdims is True or False, not 'relu'"),
        ("sum(x, axis=2)", "2", "axis 2 is out of range for an input of 2 dimensions"),
        ("sum(x, axis=(0, 0))", "(0, 0)", "repeats an axis"),
        ("stack([x, x], axis=-4)", "-4", "out of range for a result of 3 dimensions"),
    ],
)
def test_a_static_argument_of_the_wrong_kind_is_refused_with_a_caret_on_it(
    source, argument, message
):
    with pytest.raises(ArgumentError) as info:
        run(source, x=[[1.0, 2.0]])
    error = info.value
    assert message in error.message
    assert source[error.span.start : error.span.end] == argument


@pytest.mark.parametrize("source", ["stack([])", "concat([], axis=0)"])
def test_joining_no_tensors_says_so(source):
    with pytest.raises(ArgumentError, match="needs at least one tensor"):
        run(source)


# ---------------------------------------------------------------- booleans


@pytest.mark.parametrize("source", ["abs(-True)", "sign(True)", "-(x < 1)"])
def test_booleans_where_numpy_takes_none_are_refused(source):
    with pytest.raises(ArgumentError, match="does not take True/False"):
        run(source, x=0.5)


def test_booleans_made_numbers_are_fine():
    walker, _backend = run("y = -(1.0*(x < 1))", x=0.5)
    assert float(walker.env["y"]) == -1.0


# ---------------------------------------------------------------- dimensions


def test_a_list_literal_of_the_largest_number_of_dimensions_is_accepted():
    assert read_value(nested(MAX_DIMENSIONS)).ndim == MAX_DIMENSIONS


@pytest.mark.parametrize("depth", [MAX_DIMENSIONS + 1, 65, 70])
def test_a_list_literal_nested_past_the_dimensions_is_refused(depth):
    with pytest.raises(ValueInputError, match=f"at most {MAX_DIMENSIONS} dimensions"):
        read_value(nested(depth))


def test_a_constructor_of_too_many_dimensions_is_refused():
    with pytest.raises(ValueInputError, match=f"at most {MAX_DIMENSIONS} dimensions"):
        read_value("zeros((" + "1," * 70 + "))")


def test_a_npy_header_of_too_many_dimensions_is_refused(tmp_path):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + "1," * 70 + "), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    path = tmp_path / "deep.npy"
    path.write_bytes(
        b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + bytes(8)
    )
    with pytest.raises(FileInputError, match="70 dimensions"):
        read_value(f"@{path}")
    np.save(tmp_path / "fine.npy", np.zeros((1,) * MAX_DIMENSIONS))
    assert read_value(f"@{tmp_path / 'fine.npy'}").ndim == MAX_DIMENSIONS


def test_json_nested_past_the_dimensions_is_refused(tmp_path):
    (tmp_path / "deep.json").write_text(nested(MAX_DIMENSIONS + 1))
    with pytest.raises(FileInputError, match=f"at most {MAX_DIMENSIONS} dimensions"):
        read_value("@deep.json", base_dir=str(tmp_path))
    (tmp_path / "deeper.json").write_text(nested(100))
    with pytest.raises(LimitError, match="JSON nested more than"):
        read_value("@deeper.json", base_dir=str(tmp_path), limits=Limits())


@pytest.mark.parametrize(
    "source",
    [
        "sum(x) + " + nested(MAX_DIMENSIONS + 1),
        "sum([x, x])",  # x has the most dimensions already: a list of it has one more
        "sum(expand_dims(x, 0))",
        "sum(reshape(x, (" + "1," * (MAX_DIMENSIONS + 1) + ")))",
    ],
)
def test_a_program_cannot_make_a_value_of_too_many_dimensions(source):
    with pytest.raises(ValueInputError, match=f"at most {MAX_DIMENSIONS}"):
        run(source, x=np.ones((1,) * MAX_DIMENSIONS))


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("lambda", "Python keyword"),
        ("None", "Python keyword"),
        ("if", "Python keyword"),
        ("True", "constant of the language"),
        ("sum", "function or constant of the language"),
        ("reduce_sum", "function or constant of the language"),
        ("dense", "function or constant of the language"),
        ("pi", "function or constant of the language"),
        ("inf", "function or constant of the language"),
        ("nan", "function or constant of the language"),
        ("1a", "not a valid input name"),
        ("a-b", "not a valid input name"),
        ("x.y", "not a valid input name"),
        ("__x", "not a valid input name"),
        ("é", "not a valid input name"),
    ],
)
def test_a_name_no_program_can_refer_to_is_undeclarable(name, reason):
    assert reason in undeclarable(name)


@pytest.mark.parametrize("name", ["x", "x1", "_w", "learning_rate", "match", "zeros", "infinity"])
def test_ordinary_names_are_declarable(name):
    assert undeclarable(name) is None
    assert name not in SPELLINGS
