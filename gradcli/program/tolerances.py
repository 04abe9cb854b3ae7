"""How close two derivatives must be to agree: tolerances by dtype, and the comparison itself.

The cross-check compares the tape's derivatives with sympy's or with finite differences; the
Hessian's symmetry compares two of the tape's own blocks. Both use these numbers, from the dtype
(the least precise of the request's and the derivative's):

- symbolic: float64 rtol 1e-7, atol 1e-9; float32 rtol 1e-4, atol 1e-5; float16 1e-2, 1e-3.
  A wrong rule is off by O(1) relative; rounding in a float64 program rarely exceeds 1e-12
  relative, so 1e-7 (about 5e8 ulps) leaves room for ill-conditioned programs and still catches
  every wrong rule. float32 gets the same margin over its eps (1.2e-7): about 800 ulps.
  atol covers derivatives that are 0 in exact arithmetic and come out as rounding residue.
- finite differences: float64 rtol 1e-5, atol 1e-7; float32 rtol 1e-2, atol 1e-3; float16 1e-1.
  With h = eps**(1/3) * max(1, |x|), truncation and rounding errors are both ~eps**(2/3)
  (4e-11 for float64, 2e-5 for float32) times the function's scale; the tolerances leave several
  orders of magnitude for steep third derivatives. On top, the rounding of the target itself:
  10 * eps * sum|f| / h, which is what a large function value costs a difference quotient.
"""

from __future__ import annotations

import numpy as np

from .records import Request

__all__ = ["compare", "machine_eps", "tolerances"]

_SYMBOLIC = {64: (1e-7, 1e-9), 32: (1e-4, 1e-5), 16: (1e-2, 1e-3)}
_FINITE = {64: (1e-5, 1e-7), 32: (1e-2, 1e-3), 16: (1e-1, 1e-1)}


def tolerances(request: Request, gradient: np.ndarray, method: str) -> tuple[float, float]:
    """(rtol, atol) for `method` ("symbolic" | "finite-difference") at the least precise dtype."""
    bits = min(_bits(request.dtype), _bits(gradient.dtype))
    table = _SYMBOLIC if method == "symbolic" else _FINITE
    return table[64 if bits >= 64 else 32 if bits >= 32 else 16]


def _bits(dtype) -> int:
    dtype = np.dtype(dtype)
    return np.finfo(dtype).bits if dtype.kind == "f" else 64


def machine_eps(request: Request, dtype) -> float:
    """The largest machine epsilon of the request's dtype and `dtype` (float64's if neither is
    a float)."""
    kinds = [np.dtype(d) for d in (request.dtype, dtype) if np.dtype(d).kind == "f"]
    return max((float(np.finfo(d).eps) for d in kinds), default=float(np.finfo(np.float64).eps))


def compare(
    expected, got, rtol: float, atol: float, unsigned=None, lenient: bool = False
) -> tuple[float, bool]:
    """(max_abs_err, agrees): finite pairs within atol + rtol * max|expected|; a non-finite
    expected value matches a non-finite tape value of the same kind (nan with nan, inf with inf
    of the same sign, or of either sign where `unsigned`); `lenient`: any non-finite with any."""
    expected = np.asarray(expected, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:  # a gradient must have its source's shape
        return float("inf"), False
    unsigned = np.zeros(expected.shape, bool) if unsigned is None else np.asarray(unsigned)
    finite_e, finite_g = np.isfinite(expected), np.isfinite(got)
    both = finite_e & finite_g
    error = float(np.max(np.abs(expected[both] - got[both]), initial=0.0))
    odd = ~both
    if lenient:
        same_kind = ~finite_e[odd] & ~finite_g[odd]
    else:
        e, g, loose = expected[odd], got[odd], unsigned[odd]
        same_kind = (np.isnan(e) & np.isnan(g)) | (
            np.isinf(e) & np.isinf(g) & (loose | (np.sign(e) == np.sign(g)))
        )
    if not np.all(same_kind):
        error = float("inf")
    scale = float(np.max(np.abs(expected[finite_e]), initial=0.0))
    return error, bool(np.all(same_kind) and error <= atol + rtol * scale)
