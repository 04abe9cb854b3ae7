"""gradcli.engine: automatic differentiation on a tape (reverse) and with accumulators (forward).

Holds tensors and variables (`tensor`), the registry of primitives, each declared once with its
forward, gradient rules, sympy form, names and doc (`primitives`), `GradientTape` (`tape`) and
its backward walk (`backward`), `ForwardAccumulator` and the forward rules (`forward`), nested
structures (`nest`), `Module`/`Dense` (`layers`), the `gc.*` namespaces (`namespaces`), and
training: the optimizers' update rules (`optimizers`), what they share (`base_optimizer`) and
learning-rate schedules (`schedules`). This is what `import gradcli as gc` exposes.

Knows numpy only. It must not import any other part of gradcli (only the shared `errors` and
`record`), nor sympy, rich or click: the language, the commands and the checks are built on it,
never the reverse.
"""
