"""Forward mode with gradcli's Python API: TensorFlow's `tf.autodiff.ForwardAccumulator` cells.

Run: python examples/forward_mode.py
"""

import gradcli as gc

# A Jacobian-vector product: one forward pass, the tangent carried beside each value
x = gc.constant([[2.0, 3.0], [1.0, 4.0]])
targets = gc.constant([[1.0], [-1.0]])
kernel, bias = gc.Variable([[0.5], [-0.25]]), gc.Variable([0.1])
with gc.autodiff.ForwardAccumulator(primals=kernel, tangents=gc.constant([[1.0], [0.0]])) as acc:
    loss = gc.reduce_sum((x @ kernel + bias - targets) ** 2.0)
print("JVP of the loss along the kernel's first entry:", acc.jvp(loss).numpy())
print("bias is not a primal:", acc.jvp(bias))

# The same number by reverse mode: the gradient's first entry
with gc.GradientTape() as tape:
    loss = gc.reduce_sum((x @ kernel + bias - targets) ** 2.0)
print("gradient's first entry:", tape.gradient(loss, kernel).numpy()[0, 0])

# Hessian-vector products: forward over backward, then backward over forward
v = gc.Variable([1.0, 2.0])
with gc.autodiff.ForwardAccumulator(v, gc.constant([1.0, 0.0])) as acc:
    with gc.GradientTape() as tape:
        y = gc.reduce_sum(v**3.0)
    backward = tape.gradient(y, v)
print("gradient:", backward.numpy(), "Hessian-vector product:", acc.jvp(backward).numpy())

with gc.GradientTape() as tape:
    with gc.autodiff.ForwardAccumulator(v, gc.constant([1.0, 0.0])) as acc:
        y = gc.reduce_sum(v**3.0)
    jvp = acc.jvp(y)
print("reverse over forward:", tape.gradient(jvp, v).numpy())

# Nested accumulators: a second directional derivative
x = gc.constant(3.0)
with gc.autodiff.ForwardAccumulator(x, gc.constant(1.0)) as outer:
    with gc.autodiff.ForwardAccumulator(x, gc.constant(1.0)) as inner:
        y = x**3.0
    first = inner.jvp(y)
print("3 x**2 =", first.numpy(), "and 6 x =", outer.jvp(first).numpy())

# Nested structures, and unconnected targets as None or zeros
a, b = gc.constant(1.0), gc.constant([1.0, 2.0])
with gc.autodiff.ForwardAccumulator({"a": a, "b": b}, {"a": 2.0, "b": [1.0, 1.0]}) as acc:
    z = a * b
    other = gc.constant(5.0) * 2.0
print("d(a*b):", acc.jvp(z).numpy(), "unconnected:", acc.jvp(other))
print("with zeros:", acc.jvp(other, unconnected_gradients="zero").numpy())
