"""The walker's dependencies (`walker.merge`): a union that shares what it can, so long programs
run in time linear in their length."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gradcli.language.parser import parse
from gradcli.language.walker import merge
from gradcli.program.records import Declaration, Request
from gradcli.program.run import evaluate

names = st.sampled_from("abcde")
deps_strategy = st.dictionaries(names, st.sampled_from(["", "stop_gradient", "assign"]))


def reference_merge(*all_deps):
    merged = {}
    for deps in all_deps:
        for name, via in deps.items():
            if name not in merged or via == "":
                merged[name] = via
    return merged


@given(st.lists(deps_strategy, max_size=4))
def test_merge_is_the_union_where_a_differentiable_path_wins(all_deps):
    assert merge(*all_deps) == reference_merge(*all_deps)


def test_a_union_of_one_deps_is_that_deps_not_a_copy():
    deps = {"x": "", "y1": ""}
    assert merge(deps) is deps
    assert merge(deps, {}) is deps and merge({}, deps, {}) is deps
    assert merge(deps, deps) is deps  # y*y
    assert merge(deps, {"x": ""}) is not deps  # a new dict: the inputs are never changed
    assert deps == {"x": "", "y1": ""}


def test_a_long_chain_of_statements_depends_on_every_statement_before_it():
    lines = ["y1 = sin(x)*1.0001 + x*x*0.001"]
    lines += [f"y{i} = sin(y{i - 1})*1.0001 + y{i - 1}*y{i - 1}*0.001" for i in range(2, 301)]
    request = Request(
        parse("\n".join(lines)),
        (Declaration("x", "variable", np.asarray(0.5)),),
        dtype=np.dtype("float64"),
        wrt=("x", "y150"),
    )
    (result,) = evaluate(request).results
    assert result.gradients["x"] is not None and result.gradients["y150"] is not None
