#!/usr/bin/env bash
# %% [markdown]
# # 02 — Student accuracy against the query budget (no defense)
# How many queries does a thief need? The undefended oracle answers a
# growing budget of random pool queries; the soft-label (KD) and label-only
# students are compared with the honest-label reference at each budget.
# Look for: the soft-label student ahead of label-only at small budgets
# (the probabilities carry more per query), the gap closing as the budget grows.
# Run: bash Notebooks-as-scripts/02-query-budget.sh   (QUICK=1 for the reduced run)
source "$(dirname "$0")/lib.sh"

# %% The sweep: budgets × seeds on the shipped digits.
if [[ "$mode" == quick ]]; then
    sweep Notebooks-as-scripts/sweeps/02-query-budget.yaml seeds=0 'attack.budget=50|200' teacher.training.epochs=10 student.training.epochs=15
else
    sweep Notebooks-as-scripts/sweeps/02-query-budget.yaml
fi

# %% [markdown]
# The budget plot in the report shows both students per budget with ±1 std over seeds, against
# the teacher's accuracy and the true-label reference student's (the grey lines).
publish
