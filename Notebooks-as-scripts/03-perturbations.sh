#!/usr/bin/env bash
# %% [markdown]
# # 03 — Output perturbations: the utility/protection trade-off
# Each response defense costs honest users something (top-1 accuracy, L1/KL
# distortion) and costs the thief something (student accuracy against the
# same attack on the undefended teacher). Published behaviour to look for:
# reverse sigmoid (β = 1, γ = 0.2) collapses the soft-label student while the
# label-only student keeps its accuracy; rounding to 2 decimals barely changes
# the student; label-only responses cost little at a large budget; the Pareto
# front in the trade-off plot names the settings worth considering.
# Run: bash Notebooks-as-scripts/03-perturbations.sh   (QUICK=1 for the reduced run)
source "$(dirname "$0")/lib.sh"

# %% The sweep: defenses × seeds at the default budget.
if [[ "$mode" == quick ]]; then
    sweep Notebooks-as-scripts/sweeps/03-perturbations.yaml seeds=0 teacher.training.epochs=10 student.training.epochs=15
else
    sweep Notebooks-as-scripts/sweeps/03-perturbations.yaml
fi
publish
