"""`gc.explain`: what a GradientTape recorded, step by step, as `gradcli tape` shows a program;
TensorFlow's custom-gradient examples each shown as one step.

Run: python examples/explain_tape.py
"""

import gradcli as gc


@gc.custom_gradient
def log1pexp(x):
    e = gc.exp(x)

    def grad(upstream):  # d/dx log(1 + e^x) = 1 - 1/(1 + e^x), finite where e^x is inf
        return upstream * (1 - 1 / (1 + e))

    return gc.math.log(1 + e), grad


@gc.custom_gradient
def clip_gradients(y):
    def backward(dy):
        return gc.clip_by_norm(dy, 0.5)

    return y, backward


# An ordinary computation: the tables of `gradcli tape "y = x*x + w; z = y*sin(x)" --x 3 --w 1`
x, w = gc.Variable(3.0, name="x"), gc.Variable(1.0, name="w")
with gc.GradientTape() as tape:
    y = x * x + w
    z = y * gc.sin(x)
print(gc.explain(tape, z, [x, w], names={"y": y, "z": z}).to_table(width=100))
print("tape.gradient:", [float(g) for g in tape.gradient(z, [x, w])])  # explain used nothing up

# log1pexp is one step; exp, add and log ran inside it and are folded into it
x = gc.constant(100.0)
with gc.GradientTape() as tape:
    tape.watch(x)
    y = 2.0 * log1pexp(x)
explained = gc.explain(tape, y, x, names={"x": x, "y": y})
print()
print(explained.to_table(width=100))

# gradient clipping in the backward pass: the step sends 0.5, not the 1.0 that arrives
v = gc.Variable(2.0, name="v")
with gc.GradientTape() as tape:
    output = clip_gradients(v * v)
print()
print(gc.explain(tape, output, v, names={"output": output}).to_plain(), end="")

# a custom gradient that reads a variable: grad_fn(dy, variables=) sends to it too
w = gc.Variable(2.0, name="w")


@gc.custom_gradient
def scale(x):
    def grad_fn(dy, variables):
        return dy * w, [dy * x]

    return x * w, grad_fn


x = gc.Variable(3.0, name="x")
with gc.GradientTape() as tape:
    y = scale(x) ** 2
explained = gc.explain(tape, y, [x, w], names={"y": y})
print(explained.to_plain(), end="")
print("tape.gradient:", [float(g) for g in tape.gradient(y, [x, w])])
