"""gradcli.render: a result, written for people (rich tables) or for scripts (JSON, plain, CSV).

Holds the grad report's outputs and the value formatters every output shares (`report`), the rich
tables every table output shares (`tables`) and their fit to narrow terminals (`fitting`), the
Jacobian and Hessian outputs (`calculus`), the tape's outputs (`tape`), forward mode's (`forward`:
`gradcli jvp`, the tangents of `tape --mode forward`, `--mode`'s costs), and the homework commands'
outputs: `diff`'s formulas (`formulas`) and `--steps` derivations (`derivation`), `check`'s verdict
(`verdict`), `functions`' catalogue (`catalog`), the plots (`plot`),
`tangent`/`taylor`/`critical`'s outputs (`analysis`), `gradcli minimize`'s outputs (`minimize`) and
their numbers (`numbers`); what is not defined (`undefined`) and the notes at a kink (`kinks`). The
only part that imports rich (inside the functions that draw a table: start-up time) and matplotlib.

Reads only the plain records of `gradcli.program.records` and its siblings. It must not run a
program, touch a tape, ask sympy, or know click: what it is given is what it writes.
"""
