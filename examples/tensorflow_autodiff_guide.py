"""The first seed notebook (TensorFlow's autodiff guide), cell by cell, with gradcli's Python API.

Run: python examples/tensorflow_autodiff_guide.py
"""

import gradcli as gc

# In [3]: dy/dx of x**2 at 3
x = gc.Variable(3.0)
with gc.GradientTape() as tape:
    y = x**2
print("dy/dx:", tape.gradient(y, x).numpy())

# In [4]: a matrix product and a mean squared error; gradients for a list (or dict) of sources
w = gc.Variable(gc.random.normal((3, 2), seed=1), name="w")
b = gc.Variable(gc.zeros(2), name="b")
x = [[1.0, 2.0, 3.0]]
with gc.GradientTape(persistent=True) as tape:
    y = x @ w + b
    loss = gc.reduce_mean(y**2)
[dl_dw, dl_db] = tape.gradient(loss, [w, b])
print("dl/dw shape:", dl_dw.shape)
grad = tape.gradient(loss, {"w": w, "b": b})
print("dl/db from a dict of sources:", grad["b"].shape)

# In [5]: gradients with respect to a layer's trainable variables
layer = gc.layers.Dense(2, activation="relu", seed=1)
x = gc.constant([[1.0, 2.0, 3.0]])
with gc.GradientTape() as tape:
    y = layer(x)
    loss = gc.reduce_mean(y**2)
grad = tape.gradient(loss, layer.trainable_variables)
for var, g in zip(layer.trainable_variables, grad):
    print(f"{var.name}, shape: {g.shape}")

# In [6]: only trainable variables are watched; a variable plus a tensor is a tensor
x0 = gc.Variable(3.0, name="x0")
x1 = gc.Variable(3.0, name="x1", trainable=False)
x2 = gc.Variable(2.0, name="x2") + 1.0
x3 = gc.constant(3.0)
with gc.GradientTape() as tape:
    y = (x0**2) + (x1**2) + (x2**2)
for g in tape.gradient(y, [x0, x1, x2, x3]):
    print(g)
print([var.name for var in tape.watched_variables()])

# In [8]: watch_accessed_variables=False watches only what is asked
x0 = gc.Variable(0.0)
x1 = gc.Variable(10.0)
with gc.GradientTape(watch_accessed_variables=False) as tape:
    tape.watch(x1)
    y0 = gc.math.sin(x0)
    y1 = gc.nn.softplus(x1)
    y = y0 + y1
    ys = gc.reduce_sum(y)
grad = tape.gradient(ys, {"x0": x0, "x1": x1})
print("dy/dx0:", grad["x0"])
print("dy/dx1:", grad["x1"].numpy())

# In [18]: a stateful assign_add is not differentiated
x0 = gc.Variable(3.0)
x1 = gc.Variable(0.0)
with gc.GradientTape() as tape:
    x3 = x1.assign_add(x0)
    y = x3**2
print(tape.gradient(y, x0))
