"""Tensors, variables, and `apply`: the one door through which every primitive runs.

`apply(op, *args)` computes the numpy forward, wraps the answer in a `Tensor`, and offers the step
to each recording tape. Gradient rules call the same primitives, so a backward pass run under an
outer tape is itself recorded (nested tapes give higher derivatives). When no tape could record
(the usual first-order backward pass), `apply` runs in *raw* mode: rules then see plain numpy
values, and the same rule code costs numpy's price, not ours.
"""

from __future__ import annotations

import operator
import threading
from itertools import count
from typing import Any

import numpy as np

from gradcli.errors import ArgumentError, IndexOutOfRangeError, ShapeError

DEFAULT_FLOAT = np.dtype(np.float64)

# Every tensor and variable gets a number of its own, never reused (Python's `id()` is reused once
# an object dies): tapes key their record by it, so they need not keep alive the values that no
# gradient rule reads. TensorFlow's tape keys by a tensor id for the same reason.
_new_id = count().__next__


class _State(threading.local):
    """The engine's mutable state, in one place, and per thread, as TensorFlow's tapes are: a tape
    records what its own thread computes, never another thread's operations."""

    def __init__(self):
        self.recording: list = []  # tapes that are open and not paused, innermost last
        self.raw = False  # True while a backward pass runs with no tape able to record it
        # lists that collect the variables read while a `custom_gradient` function runs, innermost
        # last (TensorFlow's VariableWatcher): they become its `grad_fn`'s `variables=`
        self.variable_reads: list[list] = []


STATE = _State()


def apply(op, *args, **kwargs):
    """Run primitive `op` on `args`; record it on every open tape that watches one of its inputs."""
    state = STATE  # one lookup of the thread's state for the whole call
    if state.raw:
        return op.forward(*args, **kwargs)
    inputs = args  # the common case, all tensors already: no list to build
    for a in args:
        if type(a) is not Tensor:
            inputs = [a if type(a) is Tensor else _lift(a, args, op) for a in args]
            break
    try:
        value = op.forward(*[t._value for t in inputs], **kwargs)
    except ValueError as error:
        raise _shape_error(op, inputs, error) from None
    except IndexError as error:  # getitem: numpy's words, and the shape they are about
        why = "a 0-d value has no axes to index" if not np.ndim(inputs[0]._value) else error
        raise IndexOutOfRangeError(
            f"{why} (the value indexed has shape {inputs[0].shape})"
        ) from None
    out = Tensor(value)
    recording = state.recording
    if recording and (op.differentiable or op.recorded_without_gradient):
        for tape in recording:
            tape._record(op, inputs, out, kwargs)
    return out


def _shape_error(op, inputs, error: Exception) -> ShapeError:
    shapes = " and ".join(str(t.shape) for t in inputs)
    return ShapeError(f"{op.name} cannot combine shapes {shapes}: {error}")


def _dtype_hint(args) -> np.dtype | None:
    """The dtype a Python number or list should take beside these arguments (TensorFlow's rule)."""
    for a in args:
        if isinstance(a, (Tensor, Variable)) and a.dtype.kind == "f":
            return a.dtype
    return None


def _lift(a, args, op) -> Tensor:
    if type(a) is float:  # the usual constant (`y * 0.5`): what to_numpy gives, without asarray
        dtype = _dtype_hint(args)
        return Tensor((DEFAULT_FLOAT if dtype is None else dtype).type(a))
    if isinstance(a, Variable):
        # read without telling the tapes where the op says so (stop_gradient: `Op.watches_reads`)
        return a._read() if op.watches_reads else Tensor(a._value)
    if isinstance(a, Tensor):
        return a
    return Tensor(to_numpy(a, _dtype_hint(args)))


def to_numpy(value: Any, dtype=None):
    """A value as gradcli stores it: a numpy scalar for 0-d, else an array.

    Python floats and float lists become float64 (or `dtype`); Python ints stay integer unless a
    float `dtype` is asked for, as `tf.convert_to_tensor` does.
    """
    if isinstance(value, Variable):
        value = value._value
    elif isinstance(value, Tensor):
        value = value._value
    if isinstance(value, (np.ndarray, np.generic)):
        array = value if dtype is None else value.astype(dtype, copy=False)
    else:
        array = np.asarray(value)
        if array.dtype == object:
            raise ArgumentError(f"cannot make a tensor of {type(value).__name__} {value!r:.60}")
        if dtype is not None and (array.dtype.kind in "biuf"):
            array = array.astype(dtype)
        elif array.dtype.kind == "f":
            array = array.astype(DEFAULT_FLOAT, copy=False)
    if isinstance(array, np.ndarray) and array.ndim == 0:
        return array[()]
    return array


class _Operators:
    """Python operators, shared by tensors and variables; each one is a registered primitive."""

    __slots__ = ()
    __array_ufunc__ = None  # numpy defers to our reflected operators: ndarray @ tensor works
    __hash__ = None  # as in TensorFlow 2: `==` is elementwise, so tensors are not hashable

    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.subtract(self, other)

    def __rsub__(self, other):
        return _ops.subtract(other, self)

    def __mul__(self, other):
        return _ops.multiply(self, other)

    def __rmul__(self, other):
        return _ops.multiply(other, self)

    def __truediv__(self, other):
        return _ops.divide(self, other)

    def __rtruediv__(self, other):
        return _ops.divide(other, self)

    def __pow__(self, other):
        return _ops.power(self, other)

    def __rpow__(self, other):
        return _ops.power(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __getitem__(self, index):
        return _ops.getitem(self, _static_index(index))

    def __lt__(self, other):
        return _ops.less(self, other)

    def __le__(self, other):
        return _ops.less_equal(self, other)

    def __gt__(self, other):
        return _ops.greater(self, other)

    def __ge__(self, other):
        return _ops.greater_equal(self, other)

    def __eq__(self, other):
        return _ops.equal(self, other)

    def __ne__(self, other):
        return _ops.not_equal(self, other)

    @property
    def T(self):
        return _ops.transpose(self)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._value.shape

    @property
    def dtype(self) -> np.dtype:
        return self._value.dtype

    @property
    def ndim(self) -> int:
        return self._value.ndim

    def numpy(self):
        """The value as numpy: a numpy scalar for a 0-d tensor, else an array (do not mutate it)."""
        return self._value

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._value, dtype=dtype)

    def __format__(self, spec: str) -> str:
        return format(self._value, spec) if spec else str(self)

    def __float__(self) -> float:
        return float(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __index__(self) -> int:
        """A 0-d integer tensor where Python or numpy wants an integer (a shape, a size, a list
        index), as TensorFlow's tensors do; a float one is refused, as TensorFlow refuses it."""
        value = self._value
        if np.ndim(value) == 0 and np.result_type(value).kind in "iu":
            return int(value)
        raise ArgumentError(
            f"only a 0-d integer tensor can stand for an integer (a shape or a size), not one of "
            f"shape {self.shape} and dtype {self.dtype}"
            + (f": write int(t) for {float(value)!r}" if np.ndim(value) == 0 else "")
        )

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def _static_index(index):
    """Indices are data, not differentiable inputs: tensors in them become numpy."""
    if isinstance(index, tuple):
        return tuple(_static_index(i) for i in index)
    if isinstance(index, (Tensor, Variable)):
        return np.asarray(index._value)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def record_key(value) -> int:
    """The number a tape keys `value` by in its record (a tensor's, a variable's, or the
    stand-in's that the record keeps for a value no rule reads): equal for the same value only,
    never reused. What a view of the record (`program.api_view`) labels values by."""
    return value._id


def _numpy_text(value) -> str:
    if np.ndim(value) == 0:
        return repr(np.asarray(value).item())  # 6.0, as TensorFlow prints it (numpy says 6.)
    return np.array2string(np.asarray(value), separator=", ", threshold=20)


class Tensor(_Operators):
    """An immutable value, possibly recorded on a tape."""

    __slots__ = ("_value", "_id", "__weakref__")

    def __init__(self, value):
        self._value = value
        self._id = _new_id()

    def __reduce__(self):  # a copy (copy, deepcopy, pickle) is a new tensor, with an id of its own
        return Tensor, (self._value,)

    def __repr__(self) -> str:
        return f"<gc.Tensor shape={self.shape} dtype={self.dtype} numpy={_numpy_text(self._value)}>"

    def __str__(self) -> str:
        return f"gc.Tensor({_numpy_text(self._value)}, shape={self.shape}, dtype={self.dtype})"


class Variable(_Operators):
    """A mutable value, like `tf.Variable`: each read is a fresh tensor, watched when trainable.

    Assignments replace the stored array (never mutate it), so every tensor read earlier keeps the
    value it had when the tape recorded it.
    """

    def __init__(self, initial_value, trainable: bool = True, name: str | None = None, dtype=None):
        self._value = to_numpy(initial_value, dtype)
        self._id = _new_id()
        self.trainable = bool(trainable)
        self._name = name or "Variable"

    def __reduce__(self):  # a copy is a new variable, with an id of its own
        return type(self), (self._value, self.trainable, self._name)

    @property
    def name(self) -> str:
        """TensorFlow's spelling: the given name and an output index, `'x0:0'`."""
        return f"{self._name}:0"

    def _read(self) -> Tensor:
        value = Tensor(self._value)
        state = STATE
        for tape in state.recording:
            tape._on_read(self, value)
        for reads in state.variable_reads:
            reads.append(self)
        return value

    def read_value(self) -> Tensor:
        return self._read()

    def value(self) -> Tensor:
        return self._read()

    def assign(self, value) -> Variable:
        """Stateful: the tape does not differentiate through an assignment (as in TensorFlow)."""
        if isinstance(value, Variable):
            value = value._read()  # TensorFlow reads (and so watches) a variable used as a value
        new = to_numpy(value, self.dtype)
        if np.shape(new) != self.shape:
            raise ShapeError(
                f"cannot assign a value of shape {np.shape(new)} to {self._name} "
                f"of shape {self.shape}"
            )
        self._value = new
        return self

    def assign_add(self, delta) -> Variable:
        return self.assign(self._value + to_numpy(_read(delta), self.dtype))

    def assign_sub(self, delta) -> Variable:
        return self.assign(self._value - to_numpy(_read(delta), self.dtype))

    def __repr__(self) -> str:
        return (
            f"<gc.Variable '{self.name}' shape={self.shape} dtype={self.dtype}, "
            f"numpy={_numpy_text(self._value)}>"
        )


def _read(value):
    return value._read() if isinstance(value, Variable) else value


def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    """A tensor that tapes do not watch unless asked (`tape.watch`).

    As `tf.constant`: with `shape`, a single value fills it and a value of the same size is
    reshaped to it; `name` is accepted and, as in TensorFlow's eager mode, not kept.
    """
    value = to_numpy(value, dtype)
    if shape is not None:
        shape = static_shape(shape)
        if np.size(value) == 1:
            value = to_numpy(np.full(shape, np.ravel(value)[0], dtype=np.result_type(value)))
        elif np.size(value) == int(np.prod(shape, dtype=int)):
            value = to_numpy(np.reshape(value, shape))
        else:
            raise ShapeError(
                f"constant: a value of shape {np.shape(value)} ({np.size(value)} elements) "
                f"cannot fill shape {shape}"
            )
    return Tensor(value)


def static_shape(shape) -> tuple[int, ...]:
    """A shape as TensorFlow takes one: an integer, a list or tuple of integers and 0-d integer
    tensors, or a 1-D integer tensor; a float anywhere in it is refused."""
    if isinstance(shape, (Tensor, Variable)) and np.ndim(shape._value) == 1:
        shape = list(shape._value) if shape.dtype.kind in "iu" else [Tensor(shape._value[0])]
    items = shape if isinstance(shape, (list, tuple)) else [shape]
    try:
        return tuple(operator.index(n) for n in items)
    except ArgumentError:
        raise
    except TypeError:
        raise ArgumentError(f"a shape is whole numbers, not {shape!r:.60}") from None


def convert_to_tensor(value, dtype=None) -> Tensor:
    """`value` as a tensor: tensors pass through, variables are read, the rest is converted."""
    if isinstance(value, Tensor) and dtype is None:
        return value
    if isinstance(value, Variable):
        return value._read() if dtype is None else constant(value._value, dtype)
    return Tensor(to_numpy(value, dtype))


from . import primitives as _ops  # noqa: E402  (the primitives need Tensor and apply defined first)
