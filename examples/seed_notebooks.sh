#!/usr/bin/env bash
# The seed notebooks' cells as command lines. Run: bash examples/seed_notebooks.sh
set -euo pipefail

# dy/dx of x**2 at 3
gradcli grad "x**2" --x 3 --plain

# a matrix product and a mean squared error: gradients for w and b (x is a constant)
gradcli grad "y = x @ w + b; loss = mean(y**2)" \
    --const x="[[1, 2, 3]]" --w "[[0.5, -1.0], [0.25, 0.75], [-0.5, 0.2]]" --b "zeros(2)" --plain

# a Dense layer creates dense/kernel and dense/bias, watched like declared variables
gradcli grad "y = dense(x, 2, activation=relu); loss = mean(y**2)" --const x="[[1, 2, 3]]" \
    --seed 1 --wrt dense/kernel --wrt dense/bias --plain

# trainable, frozen (trainable=False) and constant inputs: only x0 is watched
gradcli grad "y = x0**2 + x1**2 + x2**2" --x0 3 --frozen x1=3 --const x2=3 --plain

# watching a constant
gradcli grad "x**2" --const x=3 --watch x --plain

# watch_accessed_variables=False: only the watched x1 gets a gradient (sigmoid(10))
gradcli grad "y0 = sin(x0); y1 = softplus(x1); y = y0 + y1; ys = sum(y)" \
    --x0 0 --x1 10 --no-auto-watch --watch x1 --plain

# a persistent tape: several targets from one recording
gradcli grad "y = x*x; z = y*y" --x 3 --target z --target y --plain

# assign_add is stateful: the tape does not differentiate through it, so dy/dx0 is None
gradcli grad "x3 = assign_add(x1, x0); y = x3**2" --x0 3 --x1 0 --wrt x0 --plain

# a program from a file
gradcli grad @examples/mlp.grad --const x="[[1, 2, 3], [4, 5, 6]]" --seed 1 --wrt dense_1/bias --plain
