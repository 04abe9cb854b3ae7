"""gradcli.symbolic: everything sympy. The only part that imports it, and only when a step runs.

Holds the program translated into sympy through each primitive's own sympy form (`translate`),
the cross-check of every derivative the tape computed (symbolic where it can, finite
differences otherwise), the formulas of `gradcli diff` and `check` (`formula`), the local rules
the tape shows (`rules`), and sympy's work in workers with deadlines (`workers`).

Knows the program, the language and the engine. It must not know rich or click: it answers
with plain records (`program.records.Check`, ...) that a renderer reads.
"""
