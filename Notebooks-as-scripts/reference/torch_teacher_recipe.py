# PyTorch reference of distill-lab's default text-teacher recipe (one suite per batch) on the same
# sequences, to compare loss curves step by step (a training bug would show as a gap):
#   distill-lab text teacher --print-data 20000 --json > seqs.jsonl
#   python3 torch_teacher_recipe.py seqs.jsonl 300 1      (sequences, steps, threads)
# needs torch and the model of ../shared/bench/torch_tiny_gpt.py (TORCH_TINY_GPT_DIR to point elsewhere).
import json, math, os, random, sys, time, torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, os.environ.get("TORCH_TINY_GPT_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/bench")))
from torch_tiny_gpt import TinyGPT
path, steps = sys.argv[1], int(sys.argv[2]); threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
torch.set_num_threads(threads); torch.manual_seed(0); random.seed(0)
groups = {}
for line in open(path):
    r = json.loads(line); groups.setdefault(r["suite"], []).append(r)
names = sorted(groups); sizes = [len(groups[n]) for n in names]
model = TinyGPT(256, 256, 128, 4, 4)
for n, p in model.named_parameters():
    if n.endswith("proj.weight") or n.endswith("out.weight"): nn.init.normal_(p, std=0.02 / math.sqrt(8))
decay = [p for n, p in model.named_parameters() if p.dim() == 2]; nodecay = [p for n, p in model.named_parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": nodecay, "weight_decay": 0}], lr=3e-3, betas=(0.9, 0.95), eps=1e-8)
def lr(s, warm=50, hi=3e-3, lo=3e-4):
    if s < warm: return hi * (s + 1) / warm
    return lo + 0.5 * (hi - lo) * (1 + math.cos(math.pi * min(1, (s - warm) / max(1, steps - warm))))
orders = {n: [] for n in names}; t0 = time.time(); tokens = 0
for s in range(steps):
    g = random.choices(names, weights=sizes)[0]
    batch = []
    for _ in range(32):
        if not orders[g]: orders[g] = random.sample(range(len(groups[g])), len(groups[g]))
        batch.append(groups[g][orders[g].pop()])
    T = min(256, (max(len(b["tokens"]) - 1 for b in batch) + 15) // 16 * 16)
    x = torch.zeros(32, T, dtype=torch.long); y = torch.zeros(32, T, dtype=torch.long); m = torch.zeros(32, T)
    for i, b in enumerate(batch):
        t = b["tokens"][:T + 1]; n = len(t) - 1
        x[i, :n] = torch.tensor(t[:-1]); y[i, :n] = torch.tensor(t[1:]); m[i, :n] = torch.tensor(b["lossMask"][1:n + 1])
    for pg in opt.param_groups: pg["lr"] = lr(s)
    logits = model(x)
    l = (F.cross_entropy(logits.reshape(-1, 256), y.reshape(-1), reduction="none") * m.reshape(-1)).sum() / m.sum()
    opt.zero_grad(); l.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
    tokens += 32 * T
    if (s + 1) % 25 == 0: print(f"step {s+1} loss {l.item():.4f} {tokens/(time.time()-t0):.0f} tok/s", flush=True)
