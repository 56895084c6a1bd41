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
source "$(dirname "$0")/lib.sh"

# %% Each dataset runs with its own recipe (digits: 64-256-128-10 teacher,
# 400 queries; Fashion-MNIST: 784-512-256-10 teacher, 20,000 queries).
if [[ "$mode" == quick ]]; then
    seeds=(0); digits=(teacher.training.epochs=10 student.training.epochs=15)
    fashion=(teacher.training.epochs=1 student.training.epochs=1 attack.budget=1000)
else
    seeds=(0 1 2); digits=(); fashion=()
fi
mkdir -p "$out"
for seed in "${seeds[@]}"; do
    "$bin" train --quiet --output "$out" --run-name "digits-seed$seed" seed=$seed "${digits[@]}" > "$out/digits-seed$seed.txt"
    "$bin" train --quiet --dataset fashion-mnist --output "$out" --run-name "fashion-mnist-seed$seed" seed=$seed "${fashion[@]}" > "$out/fashion-mnist-seed$seed.txt"
done
cat "$out"/*-seed*.txt > "$out/results.md"
echo "results: $out/results.md"

# %% [markdown]
# Each run folder holds settings.json and config.yaml (resolved settings and
# environment), metrics.jsonl (per-epoch curves), results.json and the checkpoints.
if [[ "$mode" == full ]]; then
    dest=$notebooks/published/$script
    if [[ -e "$dest" && "${REPUBLISH:-0}" != 1 ]]; then echo "published results exist at $dest; REPUBLISH=1 replaces them" >&2; exit 1; fi
    rm -rf "$dest" && mkdir -p "$dest"
    { echo "# $script — full run"; echo; echo "- command: \`bash Notebooks-as-scripts/$script.sh\`";
      echo "- commit: $(git rev-parse HEAD)"; echo "- runtime: $(( $(date +%s) - started )) s on $(nproc) cores"; echo;
      for f in "$out"/*-seed*.txt; do echo '```'; cat "$f"; echo '```'; done; } > "$dest/RUN.md"
    echo "published: $dest"
fi
