#!/usr/bin/env bash
# %% [markdown]
# # 06 — Query-stream detection: flagged attack streams against benign false alarms
# A PRADA detector watches the oracle. Each query strategy's stream is either
# flagged (and after how many queries) or not; three benign clients sending
# natural inputs measure the false-positive rate.
# Look for: Jacobian augmentation flagged within a few hundred queries; random
# natural queries and uniform noise not flagged (PRADA's known blind spot for
# natural queries; noise distances are near-normal); no benign alarms.
# Run: bash Notebooks-as-scripts/06-detection.sh   (QUICK=1 for the reduced run)
source "$(dirname "$0")/lib.sh"

if [[ "$mode" == quick ]]; then
    sweep Notebooks-as-scripts/sweeps/06-detection.yaml seeds=0 'attack.strategy=random|jacobian' teacher.training.epochs=10 student.training.epochs=15
else
    sweep Notebooks-as-scripts/sweeps/06-detection.yaml
fi

# %% [markdown]
# The detection plot puts each strategy at the queries PRADA needed to flag it (a top band for
# never) against the benign clients' false-positive rate.
publish
