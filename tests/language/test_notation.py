"""The notation students type, as properties of the tokenizer and parser (issue 12): each spelling
parses to exactly the tree of its Python spelling, so everything after the parser (the walker,
sympy's check, unparse) never sees the difference."""

from __future__ import annotations

import keyword
import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gradcli.errors import ParseError
from gradcli.language.parser import parse_expression
from gradcli.language.unparse import unparse
from gradcli.language.values import read_value

from .test_parser import _extend, _leaf, strip

TREES = st.recursive(_leaf(), _extend, max_leaves=15)
NUMBERS = st.integers(0, 10**6).map(str) | st.sampled_from(
    ["1.5", "0.25", ".5", "3.", "1e-3", "2.5E4", "1_000", "7"]
)
# a name after a number: not one that would read as an exponent (e, E), complex (j), hex (0x)
NAMES = st.from_regex(r"[a-df-ik-zA-DF-IK-Z][a-z0-9_]{0,3}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name) and name not in ("True", "False")
)
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def same(a: str, b: str) -> bool:
    return strip(parse_expression(a)) == strip(parse_expression(b))


def tree_text(tree) -> str:
    text = unparse(tree)
    assume("'" not in text and '"' not in text)  # strings may hold '**' or '|' themselves
    return text


@settings(max_examples=200, deadline=None, derandomize=True)
@given(TREES)
def test_caret_is_power(tree):
    text = tree_text(tree)
    assert strip(parse_expression(text.replace("**", "^"))) == strip(tree)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(TREES, st.sampled_from(["·", "×"]))
def test_multiplication_signs_are_star(tree, sign):
    text = tree_text(tree)
    assert same(re.sub(r"(?<!\*)\*(?!\*)", sign, text), text)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(NUMBERS, NAMES, TREES)
def test_implicit_multiplication_equals_explicit(number, name, tree):
    assume(not (number == "0" and name[0] in "xXoObB"))  # 0x1f is refused as hexadecimal
    assert same(f"{number}{name}", f"{number}*{name}")
    assert same(f"{number}π", f"{number}*pi")
    assert same(f"y - {number}{name}**2 / z", f"y - {number}*{name}**2 / z")
    text = tree_text(tree)
    assert same(f"{number}({text})", f"{number}*({text})")
    assert same(f"{number}|{text}|", f"{number}*abs({text})")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.integers(0, 10**9), st.sampled_from(["", "-", "+"]))
def test_superscripts_are_powers(exponent, sign):
    signs = {"": "", "-": "⁻", "+": "⁺"}
    written = f"x{signs[sign]}{str(exponent).translate(SUPERSCRIPT)}"
    assert same(written, f"x**{sign}{exponent}")
    assert same(f"2{written} + 1", f"2*x**{sign}{exponent} + 1")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(TREES, TREES)
def test_bars_are_abs_and_nest(first, second):
    a, b = tree_text(first), tree_text(second)
    assert same(f"|{a}|", f"abs({a})")
    assert same(f"||{a}| - |{b}||", f"abs(abs({a}) - abs({b}))")
    assert same(f"|{a} + |{b}||^2", f"abs({a} + abs({b}))**2")


@pytest.mark.parametrize(
    ("written", "python"),
    [("π", "pi"), ("2π", "2*pi"), ("x − 1", "x - 1"), ("x ÷ 2", "x / 2"), ("1e-3x", "1e-3*x"),
     ("2exp(x)", "2*exp(x)"), ("1/2x", "1/2*x"), ("x^2y", "x**2*y"), ("-x^2", "-(x**2)")],
)  # fmt: skip
def test_notation_by_example(written, python):
    assert same(written, python)


@pytest.mark.parametrize("text", ["2 x", "1e", "2E-x", "|x", "x|", "x | y", "||x|", "(|x)|"])
def test_notation_that_cannot_be_read_is_a_parse_error(text):
    with pytest.raises(ParseError):
        parse_expression(text)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.integers(-1000, 1000), st.integers(-1000, 1000), st.sampled_from("+-*/"))
def test_a_value_is_arithmetic_in_floats(a, b, op):
    with np.errstate(all="ignore"):
        expected = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[op](
            np.float64(a), np.float64(b)
        )
    got = read_value(f"{a} {op} ({b})")
    assert got == expected or (np.isnan(got) and np.isnan(expected))
