"""The second seed notebook (gradient tapes, models, controlling what is watched), with gradcli.

Run: python examples/getting_started_gradients.py
"""

import gradcli as gc

# Gradient tapes: record, then differentiate
x = gc.Variable(3.0)
with gc.GradientTape() as tape:
    y = x**2
print("dy/dx:", tape.gradient(y, x).numpy())

# Any tensor, any nested structure of sources
w = gc.Variable(gc.random.normal((3, 2), seed=0), name="w")
b = gc.Variable(gc.zeros(2), name="b")
x = [[1.0, 2.0, 3.0]]
with gc.GradientTape(persistent=True) as tape:
    y = x @ w + b
    loss = gc.reduce_mean(y**2)
[dl_dw, dl_db] = tape.gradient(loss, [w, b])
print(w.shape, dl_dw.shape)
print("dl/db:", tape.gradient(loss, {"w": w, "b": b})["b"].shape)

# Gradients with respect to a model's trainable variables
layer = gc.layers.Dense(2, activation="relu", seed=0)
x = gc.constant([[1.0, 2.0, 3.0]])
with gc.GradientTape() as tape:
    loss = gc.reduce_mean(layer(x) ** 2)
for var, g in zip(layer.trainable_variables, tape.gradient(loss, layer.trainable_variables)):
    print(f"{var.name}, shape: {g.shape}")

# Controlling what the tape watches
x0 = gc.Variable(3.0, name="x0")
x1 = gc.Variable(3.0, name="x1", trainable=False)
x2 = gc.Variable(2.0, name="x2") + 1.0
x3 = gc.constant(3.0)
with gc.GradientTape() as tape:
    y = (x0**2) + (x1**2) + (x2**2)
for g in tape.gradient(y, [x0, x1, x2, x3]):
    print(g)
print([var.name for var in tape.watched_variables()])

# Watching a constant
x = gc.constant(3.0)
with gc.GradientTape() as tape:
    tape.watch(x)
    y = x**2
print(tape.gradient(y, x).numpy())

# Higher orders: nested tapes
x = gc.Variable(2.0)
with gc.GradientTape() as outer:
    with gc.GradientTape() as inner:
        y = x**3
    dy_dx = inner.gradient(y, x)
d2y_dx2 = outer.gradient(dy_dx, x)
print("dy/dx:", dy_dx.numpy(), "d2y/dx2:", d2y_dx2.numpy())
