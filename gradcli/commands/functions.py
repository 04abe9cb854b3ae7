"""`gradcli functions`: the language's functions, read from the primitive registry.

The entries (signature, aliases, namespaces, spellings, domain, doc, convention, and the
derivative rule derived from the sympy form) are `symbolic.catalog`'s; their table, plain lines,
markdown (the README's function table) and JSON are `render.catalog`'s.
"""

from __future__ import annotations

import sys

from gradcli.errors import ExitCode

from .group import cli
from .homework import choose_format, write
from .options import JSON_FLAG, LABELS_FLAG, PLAIN_FLAG, format_option, require_plain_for_labels
from .output import use_color

FUNCTIONS_EPILOG = """\b
Examples:
  gradcli functions                       # a table
  gradcli functions --format plain        # sin(x) -> cos(x), one per line
  gradcli functions --plain --labels      # sin: sin(x) -> cos(x)
  gradcli functions --format markdown     # the README's function table
"""


@cli.command(epilog=FUNCTIONS_EPILOG)
@format_option("table", "json", "plain", "markdown")
@JSON_FLAG
@PLAIN_FLAG
@LABELS_FLAG
def functions(fmt, as_json, as_plain, labels):
    """Every function of the language, from the primitive registry: aliases, namespaces, the
    domain its tests sample from, the derivative rule (derived from its sympy form) and a one-line
    description."""
    fmt = choose_format(fmt, {"json": as_json, "plain": as_plain}, "table")
    require_plain_for_labels(labels, fmt)
    from gradcli.render import catalog
    from gradcli.symbolic.catalog import entries

    found = entries()
    if fmt == "json":
        write(catalog.to_json(found))
    elif fmt == "plain":
        write(catalog.to_plain(found, labels=labels))
    elif fmt == "markdown":
        write(catalog.to_markdown(found))
    else:
        write(catalog.to_table(found, color=use_color()))
    sys.exit(ExitCode.OK)
