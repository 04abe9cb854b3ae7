"""gradcli.symbolic: everything sympy. The only part that imports it, and only when a step runs.

Holds sympy's import (`sympy_import`); the program translated into sympy through each primitive's
own sympy form (`translate`), and its expressions measured, evaluated at the point and shown
(`expressions`); the cross-check of every derivative the tape computed (`check`, one entry point:
sympy's side in `expected`, symengine's fast path for gradients in `fast`, finite differences in
`finite`, a directional derivative's in `directional`); the formulas of `gradcli diff` and `check`
(`formula`, run in workers by `homework`; where `abs`, `sign` or `where` switch, the derivative
where it exists and where not: `classical`); `diff --steps`' derivations, rule by rule, of the
expression as written (`derivation`, over `written`'s tree; in a worker: `derivation_worker`); the
tangent lines, Taylor polynomials and critical points of `tangent`, `taylor` and `critical`
(`calculus`); the local rules the tape shows (`rules`); `gc.explain`'s check, finite differences
of a Python tape's record replayed (`replay`); the catalogue of `gradcli functions`
(`catalog`); both's rule texts derived once into a generated module (`rule_cache`, `rule_texts`);
and sympy's work in workers with deadlines (`workers`).

Knows the program, the language and the engine. It must not know rich or click: it answers
with plain records (`program.records.Check`, ...) that a renderer reads.
"""
