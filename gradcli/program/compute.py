"""The one place that computes the derivative a command asks for (`records.Derivative`).

`compute(request, derivative)` runs the program for that kind and answers with a plain record
that has `.evaluation` and `.checks` (empty until the cross-check fills them in):

- gradient, order 1 (`gradcli grad`): a `Report` of `run.evaluate`'s gradients;
- gradient, order N (`grad --order N`): a `Report` of `derivatives.derivatives_of_order`;
- jacobian: a `Report` whose results hold Jacobians (`derivatives.jacobian`);
- hessian: a `HessianResult` (`derivatives.hessian`);
- tape: a `TapeView`, the recording step by step (`recording.record`);
- jvp (`gradcli jvp`): a `JvpResult`, one forward pass (`forward_mode.jvp`);
- with `mode` "forward" or "both" (`--mode`), gradients and Jacobians by forward passes
  (`forward_mode`), and the `Cost` of each mode in the report.

Each kind's module is imported when that kind is asked for: `gradcli grad` loads only its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .records import Derivative, HessianResult, JvpResult, Report, Request

if TYPE_CHECKING:
    from .steps import TapeView

__all__ = ["compute"]


def compute(
    request: Request, derivative: Derivative
) -> Report | HessianResult | TapeView | JvpResult:
    """The program run for `derivative`: a `Report`, a `HessianResult`, a `TapeView` or a
    `JvpResult`."""
    if derivative.kind == "jvp":
        from .forward_mode import jvp

        return jvp(request)
    if derivative.mode is not None and derivative.kind in ("gradient", "jacobian"):
        from .modes import by_mode

        return by_mode(request, derivative)
    if derivative.kind == "tape":
        from .recording import record

        return record(request, derivative.mode or "reverse")
    if derivative.kind == "hessian":
        from .derivatives import hessian

        return hessian(request)
    if derivative.kind == "jacobian":
        from .derivatives import jacobian

        return jacobian(request)
    if derivative.order > 1:
        from .derivatives import derivatives_of_order

        return Report(derivatives_of_order(request, derivative.order))
    from .run import evaluate

    return Report(evaluate(request))
