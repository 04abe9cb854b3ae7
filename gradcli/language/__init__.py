"""gradcli.language: the small language of the command line, parsed and never `eval`ed.

Holds the tokenizer (`tokens`), the immutable syntax tree with a source span on every node
(`syntax`), the parser (`parser`), what it says when it refuses, a student's notation said as
typed (`refusals`), and its way back to text (`unparse`), the language's names and what a
message says of an unknown one (`names`), the walker that resolves names and calls and hands each
operation to a backend (`walker`), what a program says without running it (`analysis`: its
inputs, their sampling intervals, whether it is elementwise), declared values and `@FILE` inputs
(`values`, `files`), and every bound on what a user can make gradcli allocate or compute
(`limits`).

Knows the engine's registry (names, signatures, domains), nothing of running a program on a
tape, of sympy, of output, or of the command line.
"""
