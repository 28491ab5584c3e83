"""makemore.py's Transformer (karpathy/makemore, "exactly as GPT-2") and its AdamW in
PyTorch, to time a training step, to train on our split, and to check our checkpoints' loss.

Usage:
  python3 bench/transformer_torch.py time WORDS THREADS [STEPS] [REPEATS]
      Prints one line: the median µs per training step (forward, backward, AdamW step) over
      REPEATS timed runs of STEPS steps each (defaults 200 and 5), after a 50-step warm-up;
      batches of 32 words drawn uniformly with replacement. THREADS is both torch's and
      OpenBLAS's thread count (see set_threads). The BLAS in use goes to stderr.
  python3 bench/transformer_torch.py train TRAIN VAL [--steps N] [--lr 5e-4] [--wd 0.01]
          [--seed S] [--cosine] [--eval-at 1000,5000,10000] [--threads 1] [--words FILE]
      Trains on the words of TRAIN (as written by `go run ./bench/splitwords OUTDIR`) and,
      after each step count in --eval-at, prints "step val_loss": the per-character mean
      cross-entropy over every word of VAL (each word's n+1 predictions, <STOP> included).
      --steps defaults to the last --eval-at. --cosine decays the learning rate as
      lr·0.5·(1+cos(π·step/steps)), step counted from 0. The vocabulary and block size come
      from --words, or by default from TRAIN, VAL and a test.txt beside TRAIN if there is one,
      so that they are those of the whole words file, as our tool's are.
  python3 bench/transformer_torch.py eval CHECKPOINT WORDS
      Loads one of our transformer checkpoints (safetensors, read here without the package)
      into makemore.py's Transformer in float64 and prints the per-character mean
      cross-entropy of WORDS with %.6f.

Words are read as both makemore.py and our tool read them: one a line, surrounding white
space and blank lines dropped (our tool also drops a byte-order mark and puts each word in
Unicode normal form C, which this does too). Token 0 is <START> and <STOP>; the sorted
distinct characters are tokens 1..V-1. A word w1..wn is the sequence x = [0, w1..wn, 0...],
y = [w1..wn, 0, -1...] of block_size = longest word + 1 positions; -1 is left out of the loss.

See bench/lecture_models.py on Debian's python3-torch and its BLAS (libopenblas0-pthread), and
on OMP_WAIT_POLICY=PASSIVE for 2 threads on a busy machine.
"""
import argparse
import ctypes
import math
import os
import statistics
import sys
import time
import unicodedata

import torch
import torch.nn as nn
import torch.nn.functional as F

from inspect_torch import read_safetensors  # float64 tensors and the metadata of our checkpoints

BATCH_SIZE = 32
N_LAYER, N_HEAD, N_EMBD = 4, 4, 64  # makemore.py's defaults
BETAS, EPS = (0.9, 0.99), 1e-8
WARMUP = 50
EVAL_BATCH = 500


# ---------------------------------------------------------------- words and sequences


def read_words(path):
    """The words of a words file, one a line, stripped, NFC, blank lines dropped."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = text.removeprefix("\ufeff")
    words = (unicodedata.normalize("NFC", line.strip()) for line in text.splitlines())
    return [w for w in words if w]


def vocab_of(words):
    """The sorted distinct characters (tokens 1..V-1) and the block size, longest word + 1."""
    return sorted(set("".join(words))), max(len(w) for w in words) + 1


def sequences(words, chars, block_size):
    """The (x, y) pairs of makemore.py's CharDataset for every word, as [N, T] tensors."""
    stoi = {ch: i + 1 for i, ch in enumerate(chars)}
    X = torch.zeros((len(words), block_size), dtype=torch.long)
    Y = torch.full((len(words), block_size), -1, dtype=torch.long)
    for i, w in enumerate(words):
        if len(w) >= block_size:
            sys.exit(f"word {w!r} is longer than block_size - 1 = {block_size - 1}")
        try:
            ix = [stoi[ch] for ch in w]
        except KeyError as e:
            sys.exit(f"word {w!r}: character {e} is not in the vocabulary")
        n = len(ix)
        X[i, 1 : n + 1] = torch.tensor(ix)
        Y[i, :n] = torch.tensor(ix)
        Y[i, n] = 0
    return X, Y


# ---------------------------------------------------------------- the model (makemore.py's)


class GELU(nn.Module):
    """GELU, tanh approximation (makemore.py's NewGELU)."""

    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        mask = torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size)
        self.register_buffer("bias", mask)
        self.n_head, self.n_embd = n_head, n_embd

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q, k, v = (t.view(B, T, self.n_head, hs).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.ModuleDict(
            dict(c_fc=nn.Linear(n_embd, 4 * n_embd), c_proj=nn.Linear(4 * n_embd, n_embd), act=GELU())
        )

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        m = self.mlp
        return x + m.c_proj(m.act(m.c_fc(self.ln_2(x))))


class Transformer(nn.Module):
    """makemore.py's Transformer; its parameters are created in the same order, so the same
    torch seed gives the same initial weights."""

    def __init__(self, vocab_size, block_size, n_layer=N_LAYER, n_head=N_HEAD, n_embd=N_EMBD):
        super().__init__()
        assert n_embd % n_head == 0
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(vocab_size, n_embd),
                wpe=nn.Embedding(block_size, n_embd),
                h=nn.ModuleList([Block(n_embd, n_head, block_size) for _ in range(n_layer)]),
                ln_f=nn.LayerNorm(n_embd),
            )
        )
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)

    def forward(self, idx, targets=None):
        t = idx.shape[1]
        pos = torch.arange(0, t, dtype=torch.long).unsqueeze(0)
        tr = self.transformer
        x = tr.wte(idx) + tr.wpe(pos)
        for block in tr.h:
            x = block(x)
        logits = self.lm_head(tr.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


def adamw(model, lr, wd):
    """makemore.py's optimizer: AdamW on every parameter."""
    return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd, betas=BETAS, eps=EPS)


@torch.no_grad()
def mean_loss(model, X, Y):
    """Per-character mean cross-entropy over every unmasked position of (X, Y), in eval mode."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for i in range(0, X.shape[0], EVAL_BATCH):
        xb, yb = X[i : i + EVAL_BATCH], Y[i : i + EVAL_BATCH]
        logits, _ = model(xb)
        total += F.cross_entropy(
            logits.view(-1, logits.size(-1)), yb.view(-1), ignore_index=-1, reduction="sum"
        ).item()
        count += int((yb != -1).sum())
    model.train(was_training)
    return total / count


# ---------------------------------------------------------------- commands


def blas_libs():
    """The BLAS libraries loaded into this process."""
    try:
        with open("/proc/self/maps") as f:
            return sorted({l.split()[-1] for l in f if "blas" in l.lower() and "/" in l})
    except OSError:
        return []


def set_threads(n):
    """torch.set_num_threads(n), and the same for OpenBLAS: Debian's torch (BLAS_INFO=generic)
    does not tell the libblas.so.3 it calls how many threads to use, and OpenBLAS's pthread
    build otherwise runs one per core whatever torch's setting."""
    torch.set_num_threads(n)
    for path in blas_libs():
        lib = ctypes.CDLL(path)
        if hasattr(lib, "openblas_set_num_threads"):
            lib.openblas_set_num_threads(n)


def blas():
    """Which BLAS torch calls: its build's BLAS_INFO (Debian's is "generic": the libblas.so.3
    it links to), the libraries loaded, and OpenBLAS's own account of itself if it is one."""
    cfg = torch.__config__.show()
    info = next((w.strip(" ,") for w in cfg.split() if w.startswith("BLAS_INFO=")), "BLAS_INFO=?")
    libs = blas_libs()
    desc = f"{info}, loaded: {', '.join(libs) or '?'}"
    for path in libs:
        lib = ctypes.CDLL(path)
        if hasattr(lib, "openblas_get_config"):
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            desc += (f"; {lib.openblas_get_config().decode()}, core {lib.openblas_get_corename().decode()},"
                     f" {lib.openblas_get_num_threads()} threads")
            break
    return desc


def cmd_time(argv):
    path, threads = argv[0], int(argv[1])
    steps = int(argv[2]) if len(argv) > 2 else 200
    repeats = int(argv[3]) if len(argv) > 3 else 5
    set_threads(threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {blas()}", file=sys.stderr)
    words = read_words(path)
    chars, block_size = vocab_of(words)
    X, Y = sequences(words, chars, block_size)
    torch.manual_seed(3407)
    model = Transformer(len(chars) + 1, block_size)
    opt = adamw(model, 5e-4, 0.01)

    def step():
        ix = torch.randint(0, X.shape[0], (BATCH_SIZE,))
        _, loss = model(X[ix], Y[ix])
        model.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(WARMUP):
        step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - t0) / steps * 1e6)
    print(f"{statistics.median(times):.1f}")


def cmd_train(argv):
    p = argparse.ArgumentParser(prog="transformer_torch.py train")
    p.add_argument("train")
    p.add_argument("val")
    p.add_argument("--steps", type=int)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--wd", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=3407)
    p.add_argument("--cosine", action="store_true")
    p.add_argument("--eval-at", default="1000,5000,10000")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--words", help="the whole words file, for the vocabulary and block size")
    a = p.parse_args(argv)
    eval_at = sorted({int(s) for s in a.eval_at.split(",")})
    steps = a.steps if a.steps is not None else eval_at[-1]
    set_threads(a.threads)

    train_words, val_words = read_words(a.train), read_words(a.val)
    if a.words:
        all_words = read_words(a.words)
    else:
        all_words = train_words + val_words
        test = os.path.join(os.path.dirname(a.train), "test.txt")
        if os.path.exists(test) and os.path.abspath(test) not in map(os.path.abspath, (a.train, a.val)):
            all_words += read_words(test)
    chars, block_size = vocab_of(all_words)
    print(f"vocab_size {len(chars) + 1}, block_size {block_size}, {len(train_words)} train words, "
          f"{len(val_words)} val words", file=sys.stderr)
    Xtr, Ytr = sequences(train_words, chars, block_size)
    Xva, Yva = sequences(val_words, chars, block_size)

    torch.manual_seed(a.seed)
    model = Transformer(len(chars) + 1, block_size)
    print(f"parameters: {sum(p.numel() for p in model.parameters())}", file=sys.stderr)
    opt = adamw(model, a.lr, a.wd)
    pending = [s for s in eval_at if s <= steps]
    if 0 in pending:
        print(f"0 {mean_loss(model, Xva, Yva):.6f}", flush=True)
    for i in range(steps):
        if a.cosine:
            for g in opt.param_groups:
                g["lr"] = a.lr * 0.5 * (1.0 + math.cos(math.pi * i / steps))
        ix = torch.randint(0, Xtr.shape[0], (BATCH_SIZE,))
        _, loss = model(Xtr[ix], Ytr[ix])
        model.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i + 1 in pending:
            print(f"{i + 1} {mean_loss(model, Xva, Yva):.6f}", flush=True)


# ---------------------------------------------------------------- our checkpoints


def our_names(n_layer):
    """Our tensor name for each of makemore.py's parameters, and whether ours is the transpose
    (a Linear's .W is [in × out], torch's weight [out × in])."""
    names = {
        "transformer.wte.weight": ("wte", False),
        "transformer.wpe.weight": ("wpe", False),
        "transformer.ln_f.weight": ("ln_f.weight", False),
        "transformer.ln_f.bias": ("ln_f.bias", False),
        "lm_head.weight": ("lm_head.W", True),
    }
    for k in range(n_layer):
        ours, theirs = f"h{k}.", f"transformer.h.{k}."
        for ln in ("ln_1", "ln_2"):
            for p in ("weight", "bias"):
                names[f"{theirs}{ln}.{p}"] = (f"{ours}{ln}.{p}", False)
        for lin in ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"):
            names[f"{theirs}{lin}.weight"] = (f"{ours}{lin}.W", True)
            names[f"{theirs}{lin}.bias"] = (f"{ours}{lin}.b", False)
    return names


def load_checkpoint(path):
    """makemore.py's Transformer in float64 holding our checkpoint's weights, and its vocabulary."""
    tensors, meta = read_safetensors(path)
    kind = meta.get("model", meta.get("format", ""))
    if "transformer" not in kind:
        sys.exit(f"{path}: model {kind!r} is not a transformer")
    V, T = int(meta["vocab_size"]), int(meta["block_size"])
    C, nh, nl = int(meta["n_embd"]), int(meta["n_head"]), int(meta["n_layer"])
    chars = list(meta["vocab"])
    if len(chars) != V - 1:
        sys.exit(f"{path}: vocab has {len(chars)} characters but vocab_size is {V}")
    model = Transformer(V, T, n_layer=nl, n_head=nh, n_embd=C).double()
    state = model.state_dict()
    names = our_names(nl)
    for theirs, (ours, transpose) in names.items():
        if ours not in tensors:
            sys.exit(f"{path}: no tensor {ours}")
        t = tensors[ours]
        if transpose:
            t = t.T
        if tuple(t.shape) != tuple(state[theirs].shape):
            sys.exit(f"{path}: {ours} has shape {list(tensors[ours].shape)}; want that of {theirs} "
                     f"{list(state[theirs].shape)}{' transposed' if transpose else ''}")
        state[theirs].copy_(t)
    unused = set(tensors) - {ours for ours, _ in names.values()}
    unused = sorted(n for n in unused if not n.startswith("adamw."))
    if unused:
        print(f"{path}: ignoring tensors {', '.join(unused)}", file=sys.stderr)
    return model, chars, T


def cmd_eval(argv):
    ckpt, path = argv
    model, chars, block_size = load_checkpoint(ckpt)
    X, Y = sequences(read_words(path), chars, block_size)
    print(f"{mean_loss(model, X, Y):.6f}")


def main():
    commands = {"time": cmd_time, "train": cmd_train, "eval": cmd_eval}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
