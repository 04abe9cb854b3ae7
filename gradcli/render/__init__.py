"""gradcli.render: a result, written for people (rich tables) or for scripts (JSON, plain, CSV).

Holds the grad report's outputs (`report`), the rich tables every output shares (`tables`), the
Jacobian and Hessian outputs (`calculus`), the tape's outputs (`tape`), and the plot. The only
part that imports rich (inside the functions that draw a table: start-up time) and matplotlib.

Reads only the plain records of `gradcli.program.records` and its siblings. It must not run a
program, touch a tape, ask sympy, or know click: what it is given is what it writes.
"""
