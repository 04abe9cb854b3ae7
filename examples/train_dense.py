"""Training with gradients: the seed notebooks' Dense layer, an optimizer, and a loop.

Run: python examples/train_dense.py
"""

import gradcli as gc

# The seed notebooks' layer and loss; each step: gradients on a tape, then the optimizer's update
layer = gc.layers.Dense(2, activation="relu", seed=1)
x = gc.constant([[1.0, 2.0, 3.0]])
optimizer = gc.optimizers.Adam(learning_rate=0.01)
for step in range(1, 51):
    with gc.GradientTape() as tape:
        loss = gc.reduce_mean(layer(x) ** 2)
    grads = tape.gradient(loss, layer.trainable_variables)
    optimizer.apply_gradients(zip(grads, layer.trainable_variables))
    if step == 1 or step % 10 == 0:
        print(f"step {step:2d}  loss {float(loss):.6f}")
print("steps taken:", int(optimizer.iterations))

# minimize(): a zero-argument loss function; SGD with momentum, a decaying rate, clipped gradients
w = gc.Variable(5.0, name="w")
schedule = gc.optimizers.schedules.ExponentialDecay(0.1, decay_steps=50, decay_rate=0.5)
sgd = gc.optimizers.SGD(learning_rate=schedule, momentum=0.5, clipnorm=1.0)
for _ in range(100):
    sgd.minimize(lambda: (w - 1.0) ** 2, [w])
rate = float(sgd.learning_rate)  # the schedule at the step count
print(f"w = {float(w):.6f} after {int(sgd.iterations)} steps, learning rate now {rate:.6f}")

# Float32 variables are updated in float32 arithmetic, step for step as Keras does
v = gc.Variable(10.0, dtype=gc.float32)
gc.optimizers.RMSprop(learning_rate=0.1).minimize(lambda: v**2 / 2.0, [v])
print(v)
