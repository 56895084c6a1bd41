#!/usr/bin/env bash
# %% [markdown]
# # 01 — Teacher and student baselines
# What an attacker gets with no defense at all: for each dataset the teacher's
# test accuracy, and the accuracy and fidelity of the three students trained
# on the attacker's budget of queries — soft-label KD, label-only, and a
# reference trained on the same inputs' true labels.
# Look for: the soft-label student close to the reference (the teacher's
# answers are as good as honest labels), fidelity above accuracy (students
# copy the teacher's mistakes too), and small spread across seeds.
# Run: bash Notebooks-as-scripts/01-baselines.sh   (QUICK=1 for one seed, short training)
set -euo pipefail
cd "$(dirname "$0")/.."

# %% Build once; install what is missing.
bash .ci/install-deps
swift build -c release --product distill-lab >/dev/null
bin=.build/release/distill-lab

stamp=$(date -u +%Y%m%d-%H%M%S)
out=Notebooks-as-scripts/results/01-baselines/$stamp
mkdir -p "$out"

if [[ "${QUICK:-0}" == 1 ]]; then
    seeds=(0); digits_args=(--teacher-epochs 20 --student-epochs 30)
    fmnist_args=(--teacher-epochs 2 --student-epochs 2 --budget 2000)
else
    seeds=(0 1 2); digits_args=(); fmnist_args=()
fi

# %% Digits (shipped), then Fashion-MNIST (Debian's package): one run per seed.
for seed in "${seeds[@]}"; do
    "$bin" train --quiet --seed "$seed" --output "$out" --run-name "digits-seed$seed" "${digits_args[@]}" | tee "$out/digits-seed$seed.txt"
    "$bin" train --quiet --dataset fashion-mnist --seed "$seed" --output "$out" --run-name "fashion-mnist-seed$seed" "${fmnist_args[@]}" | tee "$out/fashion-mnist-seed$seed.txt"
done

# %% [markdown]
# Each run folder holds settings.json (resolved settings and environment),
# metrics.jsonl (per-epoch curves), results.json and the checkpoints.
echo "results: $out"
