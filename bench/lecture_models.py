"""Lecture 3's deep network (part3) and lecture 5's WaveNet (part5) in PyTorch, in the
lectures' own style: small layer classes, autograd, plain SGD.

Usage:
  python3 bench/lecture_models.py {part3|part5} NAMES_FILE THREADS time [STEPS] [REPEATS]
      Prints one line: the median µs per training step over REPEATS timed runs of STEPS
      steps each (defaults 2000 and 5), after a 500-step warm-up.
  python3 bench/lecture_models.py {part3|part5} NAMES_FILE THREADS train [STEPS]
      Trains the full schedule (default 200,000 steps; lr 0.1, then 0.01 from 75% of the
      steps), then prints the parameter count and train/val/test losses in eval mode twice:
      with the BatchNorm running statistics, and with every BatchNorm calibrated over the
      whole training split (layer by layer, as lecture 4 calibrates its one BatchNorm).

Two things decide PyTorch's speed here more than the model does: Debian's python3-torch
calls whatever libblas.so.3 is installed, which is the netlib reference BLAS unless an optimised
one (libopenblas0) is; and with THREADS 2 on a busy machine, OpenMP's idle thread spin-waits
(set OMP_WAIT_POLICY=PASSIVE there, or a step can take over ten times as long).

part3: Embedding(V, 10) -> flatten -> Linear(30, 100) -> BN -> tanh -> 4 x [Linear(100, 100)
       -> BN -> tanh] -> Linear(100, V) -> BN(V); no Linear biases; last BN's gamma x 0.1.
part5: Embedding(V, 24) -> 3 x [FlattenConsecutive(2) -> Linear(., 128, no bias) -> BN -> tanh]
       -> Linear(128, V) with bias; last Linear's weight x 0.1. Block size 8.
"""
import sys
import time

import torch
import torch.nn.functional as F

from lecture_loop import load_splits, print_step_time  # shared with the lecture-4 loop

BATCH_SIZE = 32
EPS = 1e-5
MOMENTUM = 0.1


# ---------------------------------------------------------------- layers (lecture style)


class Linear:
    def __init__(self, fan_in, fan_out, bias=True, generator=None):
        self.weight = torch.randn((fan_in, fan_out), generator=generator) / fan_in**0.5
        self.bias = torch.zeros(fan_out) if bias else None
        self.training = True

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out = self.out + self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:
    def __init__(self, dim, eps=EPS, momentum=MOMENTUM):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        # trained by backprop
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        # buffers, updated with a running "momentum update"
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    @staticmethod
    def reduce_dims(x):
        # 2-D: over the batch; 3-D: over the batch and the positions
        return 0 if x.ndim == 2 else (0, 1)

    def __call__(self, x):
        if self.training:
            dims = self.reduce_dims(x)
            xmean = x.mean(dims, keepdim=True)
            xvar = x.var(dims, keepdim=True)  # unbiased (n - 1), as in the lectures
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
        self.out = self.gamma * xhat + self.beta
        if self.training:
            with torch.no_grad():
                m = self.momentum
                self.running_mean = (1 - m) * self.running_mean + m * xmean.reshape(-1)
                self.running_var = (1 - m) * self.running_var + m * xvar.reshape(-1)
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class Tanh:
    def __init__(self):
        self.training = True

    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

    def parameters(self):
        return []


class Embedding:
    def __init__(self, num_embeddings, embedding_dim, generator=None):
        self.weight = torch.randn((num_embeddings, embedding_dim), generator=generator)
        self.training = True

    def __call__(self, ix):
        self.out = self.weight[ix]
        return self.out

    def parameters(self):
        return [self.weight]


class FlattenConsecutive:
    """(B, T, C) -> (B, T/n, C*n); a middle dimension of 1 is dropped."""

    def __init__(self, n):
        self.n = n
        self.training = True

    def __call__(self, x):
        B, T, C = x.shape
        x = x.view(B, T // self.n, C * self.n)
        if x.shape[1] == 1:
            x = x.squeeze(1)
        self.out = x
        return self.out

    def parameters(self):
        return []


class Sequential:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        self.out = x
        return self.out

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def train(self, mode=True):
        for layer in self.layers:
            layer.training = mode


# ---------------------------------------------------------------- models


def part3(vocab_size):
    """Lecture 3's deep network; its generator drives the init and the minibatches."""
    g = torch.Generator().manual_seed(2147483647)
    n_embd, n_hidden, block_size = 10, 100, 3
    layers = [Embedding(vocab_size, n_embd, generator=g), FlattenConsecutive(block_size)]
    fan_in = n_embd * block_size
    for _ in range(5):
        layers += [Linear(fan_in, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh()]
        fan_in = n_hidden
    layers += [Linear(n_hidden, vocab_size, bias=False, generator=g), BatchNorm1d(vocab_size)]
    model = Sequential(layers)
    with torch.no_grad():
        layers[-1].gamma *= 0.1  # last layer: less confident
    return model, block_size, g


def part5(vocab_size):
    """Lecture 5's hierarchical WaveNet; it seeds torch's global generator."""
    torch.manual_seed(42)
    n_embd, n_hidden, block_size = 24, 128, 8
    model = Sequential([
        Embedding(vocab_size, n_embd),
        FlattenConsecutive(2), Linear(n_embd * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
        FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
        FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
        Linear(n_hidden, vocab_size),
    ])
    with torch.no_grad():
        model.layers[-1].weight *= 0.1  # last layer: less confident
    return model, block_size, None


MODELS = {"part3": part3, "part5": part5}


# ---------------------------------------------------------------- data


def vocab_of(path):
    words = open(path).read().splitlines()
    return len(set("".join(words))) + 1


# ---------------------------------------------------------------- training


def make_step(model, Xtr, Ytr, g, lr_at):
    parameters = model.parameters()

    def step(i):
        ix = torch.randint(0, Xtr.shape[0], (BATCH_SIZE,), generator=g)
        Xb, Yb = Xtr[ix], Ytr[ix]
        logits = model(Xb)
        loss = F.cross_entropy(logits, Yb)
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = lr_at(i)
        for p in parameters:
            p.data += -lr * p.grad
        return loss

    return step


@torch.no_grad()
def split_loss(model, X, Y, chunk=8192):
    """Mean cross-entropy over a whole split, in chunks (eval mode: no batch statistics)."""
    total = 0.0
    for s in range(0, X.shape[0], chunk):
        logits = model(X[s:s + chunk])
        total += F.cross_entropy(logits, Y[s:s + chunk], reduction="sum").item()
    return total / X.shape[0]


@torch.no_grad()
def calibrate(model, X):
    """Sets every BatchNorm's statistics to the mean and (unbiased) variance of its input
    over all of X, layer by layer in eval mode, so each layer sees the calibrated ones
    before it."""
    x = X
    for layer in model.layers:
        if isinstance(layer, BatchNorm1d):
            dims = BatchNorm1d.reduce_dims(x)
            layer.running_mean = x.mean(dims).reshape(-1)
            layer.running_var = x.var(dims).reshape(-1)
        x = layer(x)


def run_time(model, splits, g, steps, repeats):
    Xtr, Ytr = splits["train"]
    step = make_step(model, Xtr, Ytr, g, lambda i: 0.1)
    print_step_time(step, steps, repeats)


def run_train(name, model, splits, g, steps):
    Xtr, Ytr = splits["train"]
    decay_at = steps * 3 // 4
    step = make_step(model, Xtr, Ytr, g, lambda i: 0.1 if i < decay_at else 0.01)
    nparams = sum(p.nelement() for p in model.parameters())
    print(f"{name}: {nparams} parameters, {steps} steps (lr 0.1, 0.01 from step {decay_at}), "
          f"{torch.get_num_threads()} threads", flush=True)
    t0 = time.perf_counter()
    for i in range(steps):
        loss = step(i)
        if i % 10000 == 0 or i == steps - 1:
            print(f"{i:7d}/{steps:7d}: {loss.item():.4f}  ({time.perf_counter() - t0:.0f} s)", flush=True)
    train_s = time.perf_counter() - t0
    model.train(False)
    print(f"training took {train_s:.1f} s ({train_s / steps * 1e6:.0f} µs/step)")
    print(f"{'batchnorm':<22} {'train':>8} {'val':>8} {'test':>8}")
    for label in ("running stats", "calibrated on train"):
        if label != "running stats":
            calibrate(model, Xtr)
        losses = [split_loss(model, *splits[s]) for s in ("train", "val", "test")]
        print(f"{label:<22} " + " ".join(f"{v:8.4f}" for v in losses))
    print(f"parameters: {nparams}")
    print(f"wall time: {time.perf_counter() - t0:.1f} s")


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in MODELS or sys.argv[4] not in ("time", "train"):
        sys.exit(__doc__)
    name, path, threads, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    torch.set_num_threads(threads)
    model, block_size, g = MODELS[name](vocab_of(path))
    splits, _ = load_splits(path, block_size)
    for p in model.parameters():
        p.requires_grad = True
    if mode == "time":
        steps = int(sys.argv[5]) if len(sys.argv) > 5 else 2000
        repeats = int(sys.argv[6]) if len(sys.argv) > 6 else 5
        run_time(model, splits, g, steps, repeats)
    else:
        steps = int(sys.argv[5]) if len(sys.argv) > 5 else 200000
        run_train(name, model, splits, g, steps)


if __name__ == "__main__":
    main()
