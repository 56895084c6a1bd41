#!/usr/bin/env bash
# %% [markdown]
# # 01 — Teacher and student baselines
# What an attacker gets with no defense at all: for each dataset the teacher's
# test accuracy, and the accuracy and fidelity of the students trained on the
# attacker's budget of queries — soft-label KD and label-only — beside a
# reference trained on the same inputs' true labels.
# Look for: the soft-label student close to the reference (the teacher's
# answers are as good as honest labels), fidelity above accuracy (students
# copy the teacher's mistakes too), and small spread across seeds.
# Run: bash Notebooks-as-scripts/01-baselines.sh   (QUICK=1 for one seed, short training)
source "$(dirname "$0")/lib.sh"

# %% Each dataset with its own recipe (digits: 64-256-128-10 teacher, 400
# queries; Fashion-MNIST: 784-512-256-10 teacher, 20,000 queries), over seeds.
if [[ "$mode" == quick ]]; then
    PART=digits sweep Notebooks-as-scripts/sweeps/01-digits.yaml seeds=0 teacher.training.epochs=10 student.training.epochs=15
    PART=fashion-mnist sweep Notebooks-as-scripts/sweeps/01-fashion-mnist.yaml seeds=0 teacher.training.epochs=2 student.training.epochs=8 attack.budget=1000
else
    PART=digits sweep Notebooks-as-scripts/sweeps/01-digits.yaml
    PART=fashion-mnist sweep Notebooks-as-scripts/sweeps/01-fashion-mnist.yaml
fi

# %% [markdown]
# Each run folder holds settings.json and config.yaml (resolved settings and
# environment), metrics.jsonl (per-epoch curves), results.json and the
# checkpoints; results.sqlite has the per-epoch curves of every run.
publish
