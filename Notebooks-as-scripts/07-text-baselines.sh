#!/usr/bin/env bash
# %% [markdown]
# # 07 — Text baselines: the tiny GPT teacher and its students, per suite
# The text track's baseline: a byte-level GPT teacher trained on the
# reasoning, tool-use and coding suites, served through the chat API; an
# attacker that spends its exchanges on its own pool of prompts; and three
# students of 2 layers, d 64: sequence-level KD on the sampled answers,
# token-level KD on the top-5 log-probs, and the honest reference trained on
# the true answers of the same prompts. Per suite: exact match, fidelity to
# the teacher, bits per byte on held-out Shakespeare, and the exchanges and
# tokens spent, at budgets of 100, 300, 1000 and 3000 exchanges.
# Look for: how close seq-kd comes to the reference (answers as good as the
# truth), whether the log-probs add anything, and fidelity above accuracy.
# Run: bash Notebooks-as-scripts/07-text-baselines.sh   (QUICK=1: a toy teacher, seconds)
source "$(dirname "$0")/lib.sh"

# %% The full recipe (Notebooks-as-scripts/experiments/text-full.yaml): the
# teacher is trained once into $out/_cache (about 100 minutes on 2 cores at
# 1 BLAS thread; a rerun with the same --output reuses it).
if [[ "$mode" == quick ]]; then
    settings=(teacher.steps=20 teacher.optimizer.warmupSteps=2 student.steps=10 student.optimizer.warmupSteps=2
              attack.budget=24 "attack.curve=[12]" attack.maxTokens=48 testExamples=4 perplexityBytes=4096
              "teacher.model={context: 256, channels: 32, heads: 2, layers: 1, vocabularySize: 256}"
              "student.model={context: 256, channels: 16, heads: 2, layers: 1, vocabularySize: 256}")
    "$bin" text train "${settings[@]}" --output "$out" --run-name text --quiet > "$out.table"
else
    "$bin" text train --config Notebooks-as-scripts/experiments/text-full.yaml --output "$out" --run-name text --quiet > "$out.table"
fi
mv "$out.table" "$out/results.md"

# %% [markdown]
# The run folder $out/text holds settings.json (resolved settings and
# environment), exchanges.jsonl (every exchange the oracle answered, per
# account), the students' weights and results.json.
if [[ "$mode" == full ]]; then
    dest=$notebooks/published/$script
    if [[ -e "$dest" && "${REPUBLISH:-0}" != 1 ]]; then dest=$dest-$(date -u +%Y%m%d-%H%M%S); fi
    rm -rf "$dest" && mkdir -p "$dest"
    cp "$out/results.md" "$out/text/results.json" "$out/text/settings.json" "$dest/"
    {
        echo "# $script — full run"; echo
        echo "- command: \`bash Notebooks-as-scripts/$script.sh\`"
        echo "- commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)"
        echo "- finished: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "- runtime: $(( $(date +%s) - started )) s on $(nproc) cores"
        echo; echo '```'; cat "$out/results.md"; echo '```'
    } > "$dest/RUN.md"
    echo "published: $dest"
fi
cat "$out/results.md"
