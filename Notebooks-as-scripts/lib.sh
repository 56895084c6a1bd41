# Shared plumbing of the numbered notebook scripts (sourced, not run).
#
#   QUICK=1          reduced run (one seed, short training) — what CI runs
#   DISTILL_LAB_BIN  use this binary instead of building one (tests set it)
#   OUT              where run folders go (default Notebooks-as-scripts/results/<script>/<mode>-<UTC time>)
#   REPUBLISH=1      let a full run replace its published results
#
# A full run publishes its collected table, report and runtime to
# Notebooks-as-scripts/published/<script>/; beside an earlier publication it
# writes published/<script>-<UTC time>/ instead (REPUBLISH=1 replaces it).
# Every script ends by printing its results table(s).
set -euo pipefail
notebooks=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$notebooks")
cd "$root"
script=$(basename "$0" .sh)
mode=$([[ "${QUICK:-0}" == 1 ]] && echo quick || echo full)
started=$(date +%s)

# The binary: given, or built once in release mode (installing what is missing).
if [[ -n "${DISTILL_LAB_BIN:-}" ]]; then
    bin=$DISTILL_LAB_BIN
else
    bash .ci/install-deps
    swift build -c release --product distill-lab >/dev/null
    bin=$root/.build/release/distill-lab
fi
out=${OUT:-$notebooks/results/$script/$mode-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$(dirname "$out")"

# sweep SWEEP_FILE [key=value …]: runs the sweep into $out (or $out/$PART when
# a study has several sweeps), collects it and writes the report.
sweep() {
    local file=$1; shift
    local dir=$out${PART:+/$PART}
    "$bin" sweep "$file" "$@" --output "$dir" --quiet
    "$bin" collect "$dir" --require-complete >/dev/null
    "$bin" report "$dir" >/dev/null
    echo "results: $dir/results.md, report: $dir/report/report.html"
}

# print_results: the study's results table(s), the notebook's last output.
print_results() {
    local parts=(.)
    [[ -e "$out/results.md" ]] || parts=($(cd "$out" && ls -d */ | tr -d /))
    for part in "${parts[@]}"; do
        echo
        [[ "$part" == . ]] || echo "## $part"
        cat "$out/$part"/results.md
    done
}

# publish: after a full run, copies the collected results and report beside
# the scripts; then prints the results table (both modes).
publish() {
    if [[ "$mode" == full ]]; then publish_full; fi
    print_results
}

publish_full() {
    local dest=$notebooks/published/$script
    if [[ -e "$dest" && "${REPUBLISH:-0}" != 1 ]]; then
        dest=$notebooks/published/$script-$(date -u +%Y%m%d-%H%M%S)
        echo "published results exist at $notebooks/published/$script; writing this run to $dest (REPUBLISH=1 replaces them)" >&2
    fi
    rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
    local parts=(.)
    [[ -e "$out/results.md" ]] || parts=($(cd "$out" && ls -d */ | tr -d /))
    for part in "${parts[@]}"; do
        mkdir -p "$dest.tmp/$part"
        cp "$out/$part"/results.md "$out/$part"/results.csv "$dest.tmp/$part"/
        cp "$out/$part"/report/report.html "$dest.tmp/$part"/
        cp "$out/$part"/report/*.svg "$dest.tmp/$part"/ 2>/dev/null || true  # a study may draw no plot
    done
    {
        echo "# $script — full run"
        echo
        echo "- command: \`bash Notebooks-as-scripts/$script.sh\`"
        echo "- commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)"
        echo "- finished: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "- runtime: $(( $(date +%s) - started )) s on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
        # Results depend on the BLAS kernels too: name them (from the first run's settings.json).
        local record
        record=$(find "$out" -name settings.json -not -path '*/_cache/*' -print -quit 2>/dev/null || true)
        if [[ -n "$record" ]]; then
            echo "- OpenBLAS kernels: $(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["environment"]; print(e.get("blasCore","?"), "(mode", e.get("blasMode","default") + "),", e.get("blasThreads","?"), "thread(s)")' "$record" 2>/dev/null || echo unknown)"
        fi
        for part in "${parts[@]}"; do echo; [[ "$part" == . ]] || echo "## $part"; echo; cat "$out/$part"/results.md; done
    } > "$dest.tmp/RUN.md"
    rm -rf "$dest" && mv "$dest.tmp" "$dest"
    echo "published: $dest"
}
