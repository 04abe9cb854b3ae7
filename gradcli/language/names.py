"""The names of the language: every spelling of every primitive (`SPELLINGS`), the constants,
the functions that are not primitives, the meaning of Python's builtins `max`, `min` and `log`
with several values, and what a message says about a name that does not exist.

The walker (`walker.py`) resolves names with these tables; declared values (`values.py`) and the
analysis (`analysis.py`) read them too.
"""

from __future__ import annotations

from keyword import iskeyword

from gradcli.engine.primitives import constant_spellings, spellings
from gradcli.errors import UnknownNameError, did_you_mean

__all__ = [
    "CONSTANTS",
    "LANGUAGE_FUNCTIONS",
    "LOG_WITH_BASE",
    "SEVERAL_VALUES",
    "SPELLINGS",
    "STATEFUL",
    "WRITE_INSTEAD",
    "undeclarable",
    "unknown_function",
    "unknown_name",
]

STATEFUL = ("assign", "assign_add", "assign_sub")
LANGUAGE_FUNCTIONS = ("dense", *STATEFUL)  # not primitives: they make or change variables
# Python's builtins read as Python reads them: `max(a, b, ...)` and `min(a, b, ...)` with several
# values are the elementwise maximum and minimum (`max(x)`, `max(x, axis=k)` reduce), and
# `log(x, b)` is the logarithm to base b, as `math.log(x, b)`. The library spellings keep their
# library's meaning: `np.max(x, 0)` and `tf.reduce_max(x, 0)` reduce over axis 0.
SEVERAL_VALUES = {"max": "maximum", "min": "minimum"}
LOG_WITH_BASE = ("log", "ln", "math.log")
SPELLINGS = spellings()
CONSTANTS = constant_spellings()


def undeclarable(name: str) -> str | None:
    """Why `name` cannot be an input's name (None when it can): a program could not refer to it
    (not an identifier, a Python keyword), or it would hide a function or constant of the
    language."""
    if not name.isidentifier() or not name.isascii() or name.startswith("__"):
        return (
            f"'{name}' is not a valid input name: use letters, digits and _, "
            "not starting with a digit"
        )
    if name in ("True", "False"):
        return f"'{name}' is a constant of the language"
    if iskeyword(name):
        return f"'{name}' is a Python keyword, which a program cannot use as a name"
    if name in SPELLINGS or name in LANGUAGE_FUNCTIONS or name in CONSTANTS:
        return (
            f"'{name}' is a function or constant of the language; "
            "declare the input under another name"
        )
    return None


def unknown_name(name: str, known: list) -> UnknownNameError:
    hint = did_you_mean(name, known + list(CONSTANTS) + [n for n in SPELLINGS if "." not in n])
    declare = "" if "." in name else f"; declare it as an input, e.g. --{name} 3"
    return UnknownNameError(f"'{name}' is not defined{hint}{declare}")


# Names other tools and textbooks use for what the language spells otherwise, or writes out: an
# unknown function's message says what to write instead, not only the closest spelling.
WRITE_INSTEAD = {
    **dict.fromkeys(("logistic", "expit", "sigm"), "sigmoid(x)"),
    **dict.fromkeys(("logsoftmax", "log_soft_max"), "log_softmax(x)"),
    "soft_max": "softmax(x)",
    **dict.fromkeys(("sgn", "signum"), "sign(x)"),
    **dict.fromkeys(("heaviside", "step", "unit_step"), "1.0*(x > 0) (its gradient is 0)"),
    "lg": "log10(x) (or log2(x))",
    "exp10": "10**x",
    "exp2": "2**x",
    "cbrt": "x**(1/3) (for x > 0)",
    "sqr": "square(x) or x**2",
    "fabs": "abs(x) or |x|",
    "cosec": "csc(x)",
    **dict.fromkeys(("cotan", "cotg", "ctg"), "cot(x)"),
    "tg": "tan(x)",
    "arctg": "arctan(x)",
    "arcctg": "arccot(x)",
    **dict.fromkeys(("swish", "silu"), "x*sigmoid(x)"),
    "softsign": "x/(1 + abs(x))",
    **dict.fromkeys(("hardtanh", "hard_tanh"), "clip(x, -1, 1)"),
    **dict.fromkeys(("log_sum_exp", "logaddexp"), "logsumexp(x) (of a list: logsumexp([a, b]))"),
    **dict.fromkeys(("mse", "mean_squared_error"), "mean((y - t)**2)"),
    **dict.fromkeys(
        ("binary_crossentropy", "binary_cross_entropy", "bce"),
        "-mean(t*log(p) + (1 - t)*log(1 - p))",
    ),
    **dict.fromkeys(
        ("cross_entropy", "categorical_crossentropy", "softmax_cross_entropy"),
        "-sum(t*log_softmax(z))",
    ),
}


def unknown_function(name: str) -> UnknownNameError:
    bare = name.rsplit(".", 1)[-1]
    advice = WRITE_INSTEAD.get(bare) or WRITE_INSTEAD.get(bare.lower())
    if advice is None and bare != bare.lower() and bare.lower() in SPELLINGS:
        advice = f"{bare.lower()}(x) (names are lower case)"
    if advice is not None:
        return UnknownNameError(
            f"unknown function '{name}': write {advice} (gradcli functions lists them all)"
        )
    pool = [n for n in SPELLINGS if ("." in n) == ("." in name)] + list(LANGUAGE_FUNCTIONS)
    hint = did_you_mean(name, pool)
    return UnknownNameError(f"unknown function '{name}'{hint} (gradcli functions lists them all)")
