"""gradcli.commands: the command line, one module per command. The only part that imports click.

Holds the click group (`group`), the words turned into a `Request` (`arguments`), the options
the commands share (`options`), the one pipeline of every command that differentiates
(`pipeline`) and the writing of its result (`output`), what the homework commands share
(`homework`), and one module per command: `grad`, `tape`, `jacobian`, `jvp`, `hessian`,
`diff`, `check`, `plot`, `functions`, `tangent`, `taylor`, `critical`, `minimize`.

What it knows: the words a user types, and every part below it, which it calls in order:
`arguments` turns the words into a `Request`; the command runs it (`gradcli.program`), checks it
(`gradcli.symbolic`) and hands the report to a renderer (`gradcli.render`) through `output.emit`.
What it must not do: compute, check or draw anything itself. Errors become messages and exit
codes here and nowhere else (`group.Group.main`).
"""

from .group import cli, main

__all__ = ["cli", "main"]
