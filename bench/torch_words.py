"""What makemore.py's models share in the PyTorch benchmarks, kept in one place so that
bench/transformer_torch.py and bench/recurrent_torch.py differ only in their models: the
words and their sequences, makemore.py's AdamW, the thread settings, and the time, train
and eval commands. Each script passes in the model it runs; a model is built as
make_model(vocab_size, block_size) and called as model(idx, targets) -> (logits, loss), as
every makemore.py model is.

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
import torch.nn.functional as F

from inspect_torch import read_safetensors  # float64 tensors and the metadata of our checkpoints

BATCH_SIZE = 32
LR, WEIGHT_DECAY = 5e-4, 0.01  # makemore.py's defaults
BETAS, EPS = (0.9, 0.99), 1e-8
SEED = 3407  # makemore.py's default --seed
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


# ---------------------------------------------------------------- optimizer and loss


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


# ---------------------------------------------------------------- threads and BLAS


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


# ---------------------------------------------------------------- commands


def cmd_time(argv, make_model):
    """time WORDS THREADS [STEPS] [REPEATS]: prints the median µs per training step."""
    path, threads = argv[0], int(argv[1])
    steps = int(argv[2]) if len(argv) > 2 else 200
    repeats = int(argv[3]) if len(argv) > 3 else 5
    set_threads(threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {blas()}", file=sys.stderr)
    words = read_words(path)
    chars, block_size = vocab_of(words)
    X, Y = sequences(words, chars, block_size)
    torch.manual_seed(SEED)
    model = make_model(len(chars) + 1, block_size)
    opt = adamw(model, LR, WEIGHT_DECAY)

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


def cmd_train(argv, make_model, prog, eval_at):
    """train TRAIN VAL [options]: trains, printing "step val_loss" at each --eval-at step.
    eval_at is the default of --eval-at, a comma-separated list of steps."""
    p = argparse.ArgumentParser(prog=prog)
    p.add_argument("train")
    p.add_argument("val")
    p.add_argument("--steps", type=int)
    p.add_argument("--lr", type=float, default=LR)
    p.add_argument("--wd", type=float, default=WEIGHT_DECAY)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--cosine", action="store_true")
    p.add_argument("--eval-at", default=eval_at)
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
    model = make_model(len(chars) + 1, block_size)
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


def cmd_eval(argv, load_checkpoint):
    """eval CHECKPOINT WORDS: prints the per-character mean cross-entropy of WORDS with %.6f.
    load_checkpoint(path) returns the model holding the checkpoint's weights, its vocabulary
    and its block size."""
    ckpt, path = argv
    model, chars, block_size = load_checkpoint(ckpt)
    X, Y = sequences(read_words(path), chars, block_size)
    print(f"{mean_loss(model, X, Y):.6f}")


# ---------------------------------------------------------------- our checkpoints


def read_checkpoint(path, kind_ok, what):
    """Our checkpoint's float64 tensors, metadata, vocabulary and sizes; exits unless the
    model it names (metadata "model", or "format" in files that predate it) passes kind_ok,
    naming what it should have been."""
    tensors, meta = read_safetensors(path)
    kind = meta.get("model", meta.get("format", ""))
    if not kind_ok(kind):
        sys.exit(f"{path}: model {kind!r} is not {what}")
    V, T = int(meta["vocab_size"]), int(meta["block_size"])
    chars = list(meta["vocab"])
    if len(chars) != V - 1:
        sys.exit(f"{path}: vocab has {len(chars)} characters but vocab_size is {V}")
    return tensors, meta, chars, V, T


def load_weights(model, tensors, names, path):
    """Copies our tensors into model's parameters. names maps each of model's state_dict
    names to (our name, whether ours is the transpose): our Linear's .W is [in × out],
    torch's weight [out × in]. Our tensors the model has no use for are named on stderr."""
    state = model.state_dict()
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
