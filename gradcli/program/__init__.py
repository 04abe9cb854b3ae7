"""gradcli.program: running a parsed program, and the plain records of what it answered.

Holds the request and result records that flow to the checks and the renderers (`records`),
the run on one `GradientTape` (`run`), the tape-less forward run the checks compare against
(`forward`), derivatives of any order, Jacobians and Hessians by nested tapes (`derivatives`),
and the step-by-step recording that `gradcli tape` shows (`recording`).

Knows the language and the engine. It must not know sympy, rich or click: its results are plain
records (no tapes, no tensors) that a check or a renderer reads.
"""
