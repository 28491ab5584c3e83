"""makemore.py's Transformer (karpathy/makemore, "exactly as GPT-2") and its AdamW in
PyTorch, to time a training step, to train on our split, and to check our checkpoints' loss.

Usage:
  python3 bench/transformer_torch.py time WORDS THREADS [STEPS] [REPEATS]
      Prints one line: the median µs per training step (forward, backward, AdamW step) over
      REPEATS timed runs of STEPS steps each (defaults 200 and 5), after a 50-step warm-up;
      batches of 32 words drawn uniformly with replacement. THREADS is both torch's and
      OpenBLAS's thread count (see torch_words.set_threads). The BLAS in use goes to stderr.
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

The words, sequences, AdamW, thread settings and the time/train/eval loops are
bench/torch_words.py's, shared with bench/recurrent_torch.py; what is here is the model and
our checkpoints' names for its tensors.
"""
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import torch_words as tw

N_LAYER, N_HEAD, N_EMBD = 4, 4, 64  # makemore.py's defaults


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
    """makemore.py's Transformer in float64 holding our checkpoint's weights, its vocabulary
    and its block size."""
    tensors, meta, chars, V, T = tw.read_checkpoint(path, lambda kind: "transformer" in kind, "a transformer")
    C, nh, nl = int(meta["n_embd"]), int(meta["n_head"]), int(meta["n_layer"])
    model = Transformer(V, T, n_layer=nl, n_head=nh, n_embd=C).double()
    tw.load_weights(model, tensors, our_names(nl), path)
    return model, chars, T


def main():
    commands = {
        "time": lambda argv: tw.cmd_time(argv, Transformer),
        "train": lambda argv: tw.cmd_train(argv, Transformer, "transformer_torch.py train", "1000,5000,10000"),
        "eval": lambda argv: tw.cmd_eval(argv, load_checkpoint),
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
