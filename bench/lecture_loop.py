"""The lecture's training loop (Exercise 4: fused manual backward) in PyTorch, at the
default config (batch 32, n_embd 10, n_hidden 200, block 3).

Usage:
  python3 bench/lecture_loop.py NAMES_FILE THREADS [STEPS] [REPEATS]
      Prints one line: the median µs per step over REPEATS timed runs of STEPS steps each
      (defaults 5000 and 5), after a 500-step warm-up.
  python3 bench/lecture_loop.py NAMES_FILE THREADS train
      Trains the lecture's 200,000 steps (lr 0.1, then 0.01 from step 100,000), calibrates
      the batchnorm statistics over the whole training split as the lecture does, and prints
      the train/val/test losses: the reference figures in docs/models.md.
"""
import random
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def build(words, stoi, block_size):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


def load_splits(path, block_size):
    """The lecture's 80/10/10 split of the shuffled words (random.seed(42)) as
    (context, next) examples, and the vocabulary size."""
    words = open(path).read().splitlines()
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    random.seed(42)
    random.shuffle(words)
    n1 = int(0.8 * len(words))
    n2 = int(0.9 * len(words))
    return {
        "train": build(words[:n1], stoi, block_size),
        "val": build(words[n1:n2], stoi, block_size),
        "test": build(words[n2:], stoi, block_size),
    }, len(stoi)


def main():
    path, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    splits, vocab_size = load_splits(path, 3)
    with torch.no_grad():
        if sys.argv[3:4] == ["train"]:
            train(splits, vocab_size)
        else:
            steps = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
            repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 5
            step, _ = lecture(splits["train"], vocab_size)
            print_step_time(step, steps, repeats)


def train(splits, vocab_size, steps=200000):
    """The lecture's whole run, then its calibration and split_loss."""
    step, P = lecture(splits["train"], vocab_size)
    for i in range(steps):
        step(i)
    Xtr = splits["train"][0]
    hpreact = P["C"][Xtr].view(Xtr.shape[0], -1) @ P["W1"] + P["b1"]
    bnmean = hpreact.mean(0, keepdim=True)
    bnvar = hpreact.var(0, keepdim=True, unbiased=True)
    for name in ("train", "val", "test"):
        X, Y = splits[name]
        hpreact = P["C"][X].view(X.shape[0], -1) @ P["W1"] + P["b1"]
        hpreact = P["bngain"] * (hpreact - bnmean) * (bnvar + 1e-5) ** -0.5 + P["bnbias"]
        logits = torch.tanh(hpreact) @ P["W2"] + P["b2"]
        print(f"{name} {F.cross_entropy(logits, Y).item():.4f}")


def lecture(train_split, vocab_size):
    """The lecture's parameters and its training step with the hand-written backward pass:
    returns step(i), which trains on one minibatch and returns its loss, and the parameters
    by name."""
    Xtr, Ytr = train_split

    g = torch.Generator().manual_seed(2147483647)
    n_embd, n_hidden, block_size, batch_size = 10, 200, 3, 32
    C = torch.randn((vocab_size, n_embd), generator=g)
    W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (5 / 3) / ((n_embd * block_size) ** 0.5)
    b1 = torch.randn(n_hidden, generator=g) * 0.1
    W2 = torch.randn((n_hidden, vocab_size), generator=g) * 0.1
    b2 = torch.randn(vocab_size, generator=g) * 0.1
    bngain = torch.ones((1, n_hidden)) * 0.1 + 1.0
    bnbias = torch.zeros((1, n_hidden))
    parameters = [C, W1, b1, W2, b2, bngain, bnbias]
    n = batch_size

    def step(i):
        ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb = C[Xb]
        embcat = emb.view(emb.shape[0], -1)
        hprebn = embcat @ W1 + b1
        bnmean = hprebn.mean(0, keepdim=True)
        bnvar = hprebn.var(0, keepdim=True, unbiased=True)
        bnvar_inv = (bnvar + 1e-5) ** -0.5
        bnraw = (hprebn - bnmean) * bnvar_inv
        hpreact = bngain * bnraw + bnbias
        h = torch.tanh(hpreact)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Yb)
        dlogits = F.softmax(logits, 1)
        dlogits[range(n), Yb] -= 1
        dlogits /= n
        dh = dlogits @ W2.T
        dW2 = h.T @ dlogits
        db2 = dlogits.sum(0)
        dhpreact = (1.0 - h**2) * dh
        dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
        dbnbias = dhpreact.sum(0, keepdim=True)
        dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
        dembcat = dhprebn @ W1.T
        dW1 = embcat.T @ dhprebn
        db1 = dhprebn.sum(0)
        demb = dembcat.view(emb.shape)
        dC = torch.zeros_like(C)
        dC.index_add_(0, Xb.flatten(), demb.view(-1, n_embd))
        grads = [dC, dW1, db1, dW2, db2, dbngain, dbnbias]
        lr = 0.1 if i < 100000 else 0.01
        for p, grad in zip(parameters, grads):
            p.data += -lr * grad
        return loss

    names = ["C", "W1", "b1", "W2", "b2", "bngain", "bnbias"]
    return step, dict(zip(names, parameters))


def print_step_time(step, steps, repeats):
    """Prints the median µs per call of step(i) over repeats runs of steps calls, after 500."""
    for i in range(500):
        step(i)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for i in range(steps):
            step(i)
        times.append((time.perf_counter() - t0) / steps * 1e6)
    print(f"{statistics.median(times):.1f}")


if __name__ == "__main__":
    main()
