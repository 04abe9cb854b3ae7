"""gradcli.program: running a parsed program, and the plain records of what it answered.

Holds the request and result records that flow to the checks and the renderers (`records`);
the numeric backend the walker runs operations with (`backend`); the run on one `GradientTape`
(`run`); which derivative a command asks for and the one place that computes it (`compute`);
derivatives of any order, Jacobians and Hessians by nested tapes (`derivatives`); forward mode,
a program run inside a `ForwardAccumulator` (`forward_mode`), and `--mode`'s gradients and
Jacobians by either mode with what each cost (`modes`); the tape-less
forward run the checks compare against (`forward`) and their tolerances (`tolerances`); the
step-by-step recording that `gradcli tape` shows (`recorder` looks on, `recording` builds the
view, `steps` holds its records; `api_view` builds it from a Python tape's record, for
`gc.explain`); and the homework commands' numbers: a program at one point
(`point`), an answer compared with the tape's derivative (`comparison`), a plot's curve and its
extrema (`curve`), the critical points found numerically (`critical`); the kinks at a point
and their one-sided derivatives (`kinks`); and `gradcli minimize`'s
loop (`minimize`), its records (`minimum`), its target as a function of one flat vector
(`objective`) and each method's step (`steppers`).

Knows the language and the engine. It must not know sympy, rich or click: its results are plain
records (no tapes, no tensors) that a check or a renderer reads.
"""
