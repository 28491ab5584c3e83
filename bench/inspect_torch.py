"""makemore inspect --json against PyTorch autograd on the same weights and batch.

Usage:
  python3 bench/inspect_torch.py CHECKPOINT WORDS_FILE INSPECT_JSON

CHECKPOINT is a model.safetensors written by makemore train, read here without the
safetensors package (an 8-byte little-endian header length, the JSON header, raw
little-endian float32 data). WORDS_FILE is the file given to
`makemore inspect --words WORDS_FILE --json`, whose output is INSPECT_JSON: the batch is
every (context, next) example of its words in file order, rebuilt here from the
checkpoint's vocabulary. The network is rebuilt from the checkpoint's metadata (mlp of
any n_layer, with or without biases, batchnorm and output batchnorm; wavenet with or
without batchnorm; tanh, relu, gelu),
run forward in training mode (batch statistics, variance with n-1) in float64, and
backward with autograd; the statistics are computed as inspect defines them.

Each statistic is compared as |go - torch| / max(|torch|, floor): floor is 0 for every
statistic but the means, whose floor is 1e-2 x the std of the same values: a mean that
cancels to below a hundredth of its values' spread is compared at that scale instead.
Several are exactly 0 in exact arithmetic (the gradients of C, of W2 in lecture 4's model
and of every layer followed by a Linear and batchnorm: the batchnorm gradient sums to 0
over the batch), where makemore's float32 sums leave about 1e-10 and PyTorch's float64
ones 1e-20, and no relative difference of the two means anything; the floor makes the
tolerance on them |go - torch| <= 1e-6 x std, a few float32 roundings of the values. Prints every row and the largest difference; exits 1 above 1e-4.
"""
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

TOLERANCE = 1e-4
EPS = 1e-5
SAT = 0.97


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n :]
    tensors = {}
    for name, h in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        assert h["dtype"] == "F32", (name, h["dtype"])
        lo, hi = h["data_offsets"]
        a = np.frombuffer(data[lo:hi], dtype="<f4").reshape(h["shape"])
        tensors[name] = torch.from_numpy(a.astype(np.float64))
    return tensors, meta


def build_batch(words_path, vocab, block):
    stoi = {c: i + 1 for i, c in enumerate(vocab)}
    xs, ys = [], []
    with open(words_path, encoding="utf-8") as f:
        for line in f:
            w = line.strip()
            if not w:
                continue
            ctx = [0] * block
            for t in [stoi[c] for c in w] + [0]:
                xs.append(list(ctx))
                ys.append(t)
                ctx = ctx[1:] + [t]
    return torch.tensor(xs), torch.tensor(ys)


def batchnorm(x, gain, bias):
    dims = tuple(range(x.dim() - 1))  # batch, and positions for a wavenet's 3-D input
    mean = x.mean(dims, keepdim=True)
    var = x.var(dims, keepdim=True, unbiased=True)
    return gain * (x - mean) / torch.sqrt(var + EPS) + bias


def activate(kind, x):
    if kind == "relu":
        return torch.relu(x)
    if kind == "gelu":
        return F.gelu(x, approximate="tanh")
    return torch.tanh(x)


def saturated(kind, pre, h):
    if kind == "relu":
        return h == 0
    if kind == "gelu":
        return pre < -math.atanh(SAT)
    return h.abs() > SAT


def forward(t, meta, X, Y):
    """Returns the loss and [(name, pre-activation, activation)] per hidden layer."""
    kind = meta.get("activation", "tanh")
    layers = int(meta.get("n_layer", "1"))
    bias = meta.get("bias", "true") == "true"
    norm = meta.get("batchnorm", "true") == "true"

    def hidden_pre(z, k, num):
        if bias:
            z = z + t[f"b{k}"]
        return batchnorm(z, t[f"bngain{num}"], t[f"bnbias{num}"]) if norm else z

    hidden = []
    x = t["C"][X]  # B, T, E
    if meta.get("model", "mlp") == "wavenet":
        for k in range(1, layers + 1):
            B, T, C = x.shape
            x = x.reshape(B, T // 2, 2 * C)
            if x.shape[1] == 1:
                x = x.squeeze(1)
            pre = hidden_pre(x @ t[f"W{k}"], k, str(k))
            x = activate(kind, pre)
            x.retain_grad()
            hidden.append((f"h{k}", pre, x))
        logits = x @ t[f"W{layers + 1}"] + t[f"b{layers + 1}"]
    else:
        x = x.reshape(x.shape[0], -1)
        for k in range(1, layers + 1):
            num = "" if layers == 1 else str(k)
            pre = hidden_pre(x @ t[f"W{k}"], k, num)
            x = activate(kind, pre)
            x.retain_grad()
            hidden.append((f"h{num}", pre, x))
        out = str(layers + 1)
        if meta.get("output_bn", "false") == "true":
            logits = batchnorm(x @ t["W" + out], t["bngain" + out], t["bnbias" + out])
        else:
            logits = x @ t["W" + out] + t["b" + out]
    return F.cross_entropy(logits, Y), kind, hidden


def stats(t, meta, X, Y):
    params = [n for n, v in t.items() if not n.startswith(("bnmean", "bnvar"))]
    for n in params:
        t[n].requires_grad_(True)
    loss, kind, hidden = forward(t, meta, X, Y)
    loss.backward()
    layers = []
    for name, pre, h in hidden:
        layers.append({
            "name": name,
            "act_mean": h.mean().item(),
            "act_std": h.std().item(),
            "saturation_pct": 100 * saturated(kind, pre, h).double().mean().item(),
            "grad_mean": h.grad.mean().item(),
            "grad_std": h.grad.std().item(),
        })
    ps = []
    for n in params:
        p = t[n]
        if p.dim() != 2:
            continue
        ps.append({
            "name": n,
            "shape": list(p.shape),
            "grad_mean": p.grad.mean().item(),
            "grad_std": p.grad.std().item(),
            "data_std": p.std().item(),
            "grad_data_ratio": (p.grad.std() / p.std()).item(),
        })
    return {"loss": loss.item(), "layers": layers, "params": ps}


def compare(go, ref):
    """Yields (where, go value, torch value, relative difference)."""
    def rel(a, b, floor=0.0):
        d = abs(a - b)
        return 0.0 if d == 0 else d / max(abs(b), floor)

    yield "loss", go["loss"], ref["loss"], rel(go["loss"], ref["loss"])
    for kind, std_of in (("layers", {"act_mean": "act_std", "grad_mean": "grad_std"}),
                         ("params", {"grad_mean": "grad_std"})):
        if [r["name"] for r in go[kind]] != [r["name"] for r in ref[kind]]:
            raise SystemExit(f"{kind}: makemore has {[r['name'] for r in go[kind]]}, PyTorch {[r['name'] for r in ref[kind]]}")
        for g, r in zip(go[kind], ref[kind]):
            if kind == "params" and g["shape"] != r["shape"]:
                raise SystemExit(f"{g['name']}: shape {g['shape']} in makemore, {r['shape']} in PyTorch")
            for key, v in r.items():
                if key in ("name", "shape"):
                    continue
                floor = 1e-2 * r[std_of[key]] if key in std_of else 0.0
                yield f"{g['name']}.{key}", g[key], v, rel(g[key], v, floor)


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    ck, words, js = sys.argv[1:]
    torch.set_grad_enabled(True)
    t, meta = read_safetensors(ck)
    X, Y = build_batch(words, meta["vocab"], int(meta["block_size"]))
    with open(js) as f:
        go = json.load(f)
    ref = stats(t, meta, X, Y)
    worst, strict = ("", 0.0), 0.0
    print(f"{'statistic':<28} {'makemore':>14} {'PyTorch':>14} {'rel diff':>9}")
    for where, a, b, d in compare(go, ref):
        print(f"{where:<28} {a:>14.6e} {b:>14.6e} {d:>9.2e}")
        if d > worst[1] or not math.isfinite(d):
            worst = (where, d)
        if not where.endswith("_mean"):
            strict = max(strict, d)
    print(f"max relative difference {worst[1]:.2e} ({worst[0]}) over {len(Y)} examples; tolerance {TOLERANCE:g}")
    print(f"max relative difference of the statistics other than means: {strict:.2e}")
    if not worst[1] <= TOLERANCE:
        sys.exit(1)


if __name__ == "__main__":
    main()
