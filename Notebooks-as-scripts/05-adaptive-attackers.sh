#!/usr/bin/env bash
# %% [markdown]
# # 05 — Adaptive attackers against each defense
# Each defense against the attacker who knows it: training on the argmax
# (against argmax-preserving perturbations such as reverse sigmoid),
# averaging repeated queries (against zero-mean noise), and dropping answers
# an ensemble disagrees with (against keyed canaries).
# Look for: `argmax` undoing reverse sigmoid; averaging trading distinct
# queries for cleaner labels; the ensemble filter removing most canaries, so
# the ownership test loses its power.
# Run: bash Notebooks-as-scripts/05-adaptive-attackers.sh   (QUICK=1 for the reduced run)
source "$(dirname "$0")/lib.sh"

if [[ "$mode" == quick ]]; then
    sweep Notebooks-as-scripts/sweeps/05-adaptive-attackers.yaml seeds=0 'defense.responses=[reverse-sigmoid:beta=1,gamma=0.2]' teacher.training.epochs=10 student.training.epochs=15
else
    sweep Notebooks-as-scripts/sweeps/05-adaptive-attackers.yaml
fi

# %% [markdown]
# The report's trade-off has one panel per counter, each with its own Pareto front over the
# defenses: a defense that falls off a panel's front is one that counter undoes.
publish
