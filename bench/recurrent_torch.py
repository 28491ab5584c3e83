"""makemore.py's RNN, GRU, BoW and Bigram (karpathy/makemore), and an LSTM it never wrote,
in PyTorch with makemore.py's AdamW: to time a training step, to train on our split, and to
check our checkpoints' loss, as bench/transformer_torch.py does for the Transformer.

Usage:
  python3 bench/recurrent_torch.py time MODEL WORDS THREADS [STEPS] [REPEATS]
      Prints one line: the median µs per training step (forward, backward, AdamW step) over
      REPEATS timed runs of STEPS steps each (defaults 200 and 5), after a 50-step warm-up;
      batches of 32 words drawn uniformly with replacement. THREADS is both torch's and
      OpenBLAS's thread count (see torch_words.set_threads). The BLAS in use goes to stderr.
  python3 bench/recurrent_torch.py train MODEL TRAIN VAL [--steps N] [--lr 5e-4] [--wd 0.01]
          [--seed S] [--cosine] [--eval-at 5000,20000] [--threads 1] [--words FILE]
      Trains as `transformer_torch.py train` does (see there), printing "step val_loss"
      after each step count in --eval-at.
  python3 bench/recurrent_torch.py eval CHECKPOINT WORDS
      Loads one of our rnn, gru, lstm, bow or bigram checkpoints (the metadata key "model"
      says which) in float64 and prints the per-character mean cross-entropy of WORDS with
      %.6f.

MODEL is rnn, gru, lstm, bow or bigram. Sizes are makemore.py's defaults, n_embd C = 64 and
n_embd2 H = 64 (BoW's MLP width; the recurrent models' hidden state); a checkpoint's come
from its metadata (n_embd, and n_hidden for n_embd2). Initial weights are PyTorch's defaults
as in makemore.py: Linear weight and bias U(±1/√fan_in), Embedding N(0, 1), the RNN's start
state and the bigram's table zeros.

The LSTM is ours, not makemore.py's ("Did not implement an LSTM because its API is a bit
more annoying"), written the way its GRU is and with the equations of our Go model:
  xh = [x_t, h_{t−1}]; i = σ(xh·W_i + b_i); f = σ(xh·W_f + b_f); g = tanh(xh·W_g + b_g);
  o = σ(xh·W_o + b_o); c_t = f⊙c_{t−1} + i⊙g; h_t = o⊙tanh(c_t),
each gate a Linear(C+H, H) at PyTorch's default init but the forget gate's bias, 1 (so that
the cell state is kept, not halved, at the start of training); learned start states h0 and
c0, zeros at init.

Words, sequences, AdamW and the time/train/eval loops are bench/torch_words.py's, shared with
bench/transformer_torch.py.
"""
import sys
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

import torch_words as tw

N_EMBD, N_EMBD2 = 64, 64  # makemore.py's defaults


@dataclass
class ModelConfig:
    """makemore.py's ModelConfig, less the Transformer's fields."""

    block_size: int = None
    vocab_size: int = None
    n_embd: int = N_EMBD
    n_embd2: int = N_EMBD2


# makemore.py calls F.tanh and F.sigmoid; torch 1.13 warns that they are deprecated aliases
# of torch.tanh and torch.sigmoid, which are called here instead: the same operations.


# ---------------------------------------------------------------- BoW (makemore.py's)


class CausalBoW(nn.Module):
    """Each position the mean of positions 0..t."""

    def __init__(self, config):
        super().__init__()
        self.block_size = config.block_size
        self.register_buffer("bias", torch.tril(torch.ones(config.block_size, config.block_size))
                             .view(1, config.block_size, config.block_size))

    def forward(self, x):
        B, T, C = x.size()
        # makemore.py's zeros take the default dtype; x's here, so that eval can run in float64.
        att = torch.zeros((B, T, T), dtype=x.dtype, device=x.device)
        att = att.masked_fill(self.bias[:, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        return att @ x  # (B, T, T) x (B, T, C) -> (B, T, C)


class BoWBlock(nn.Module):
    """The causal mean, then an MLP, each added to its input."""

    def __init__(self, config):
        super().__init__()
        self.cbow = CausalBoW(config)
        self.mlp = nn.ModuleDict(dict(
            c_fc=nn.Linear(config.n_embd, config.n_embd2),
            c_proj=nn.Linear(config.n_embd2, config.n_embd),
        ))
        m = self.mlp
        self.mlpf = lambda x: m.c_proj(torch.tanh(m.c_fc(x)))

    def forward(self, x):
        x = x + self.cbow(x)
        x = x + self.mlpf(x)
        return x


class BoW(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.block_size = config.block_size
        self.vocab_size = config.vocab_size
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.block_size, config.n_embd)
        self.context_block = BoWBlock(config)
        self.lm_head = nn.Linear(config.n_embd, self.vocab_size)

    def forward(self, idx, targets=None):
        b, t = idx.size()
        assert t <= self.block_size, f"Cannot forward sequence of length {t}, block size is only {self.block_size}"
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device).unsqueeze(0)  # (1, t)
        x = self.wte(idx) + self.wpe(pos)
        x = self.context_block(x)
        logits = self.lm_head(x)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


# ---------------------------------------------------------------- RNN and GRU (makemore.py's)


class RNNCell(nn.Module):
    """h_t = tanh([x_t, h_{t−1}]·W + b)."""

    def __init__(self, config):
        super().__init__()
        self.xh_to_h = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)

    def forward(self, xt, hprev):
        xh = torch.cat([xt, hprev], dim=1)
        return torch.tanh(self.xh_to_h(xh))


class GRUCell(nn.Module):
    def __init__(self, config):
        super().__init__()
        # Created in makemore.py's order (z, r, hbar), so that a seed draws the same weights.
        self.xh_to_z = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)
        self.xh_to_r = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)
        self.xh_to_hbar = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)

    def forward(self, xt, hprev):
        # the reset gate wipes channels of the previous state before the candidate sees it
        xh = torch.cat([xt, hprev], dim=1)
        r = torch.sigmoid(self.xh_to_r(xh))
        hprev_reset = r * hprev
        xhr = torch.cat([xt, hprev_reset], dim=1)
        hbar = torch.tanh(self.xh_to_hbar(xhr))
        # the update gate decides, channel by channel, how much of the candidate to take
        z = torch.sigmoid(self.xh_to_z(xh))
        return (1 - z) * hprev + z * hbar


class RNN(nn.Module):
    def __init__(self, config, cell_type):
        super().__init__()
        self.block_size = config.block_size
        self.vocab_size = config.vocab_size
        self.start = nn.Parameter(torch.zeros(1, config.n_embd2))  # the starting hidden state
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        if cell_type == "rnn":
            self.cell = RNNCell(config)
        elif cell_type == "gru":
            self.cell = GRUCell(config)
        self.lm_head = nn.Linear(config.n_embd2, self.vocab_size)

    def forward(self, idx, targets=None):
        b, t = idx.size()
        emb = self.wte(idx)  # (b, t, n_embd), all at once
        hprev = self.start.expand((b, -1))
        hiddens = []
        for i in range(t):
            xt = emb[:, i, :]  # (b, n_embd)
            ht = self.cell(xt, hprev)  # (b, n_embd2)
            hprev = ht
            hiddens.append(ht)
        hidden = torch.stack(hiddens, 1)  # (b, t, n_embd2)
        logits = self.lm_head(hidden)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


# ---------------------------------------------------------------- LSTM (ours, in makemore.py's style)


class LSTMCell(nn.Module):
    """Written out rather than torch.nn.LSTMCell, whose gates are one [4H × C] and one
    [4H × H] matrix with two biases: these are our Go model's four Linear(C+H, H), one per
    gate, named as in our checkpoints."""

    def __init__(self, config):
        super().__init__()
        n = config.n_embd + config.n_embd2
        self.xh_to_i = nn.Linear(n, config.n_embd2)
        self.xh_to_f = nn.Linear(n, config.n_embd2)
        self.xh_to_g = nn.Linear(n, config.n_embd2)
        self.xh_to_o = nn.Linear(n, config.n_embd2)
        # Forget gate open at init (σ(1) ≈ 0.73 rather than σ(0) = 0.5), so that the cell
        # state and its gradient carry across the word from the first step.
        with torch.no_grad():
            self.xh_to_f.bias.fill_(1.0)

    def forward(self, xt, hprev, cprev):
        xh = torch.cat([xt, hprev], dim=1)
        i = torch.sigmoid(self.xh_to_i(xh))  # input gate: how much of g to write
        f = torch.sigmoid(self.xh_to_f(xh))  # forget gate: how much of c to keep
        g = torch.tanh(self.xh_to_g(xh))  # candidate cell values
        o = torch.sigmoid(self.xh_to_o(xh))  # output gate: how much of the cell to show
        ct = f * cprev + i * g
        ht = o * torch.tanh(ct)
        return ht, ct


class LSTM(nn.Module):
    """makemore.py's RNN wrapper with a second state: learned start states for h and c."""

    def __init__(self, config):
        super().__init__()
        self.block_size = config.block_size
        self.vocab_size = config.vocab_size
        self.start = nn.Parameter(torch.zeros(1, config.n_embd2))  # h0
        self.start_c = nn.Parameter(torch.zeros(1, config.n_embd2))  # c0
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.cell = LSTMCell(config)
        self.lm_head = nn.Linear(config.n_embd2, self.vocab_size)

    def forward(self, idx, targets=None):
        b, t = idx.size()
        emb = self.wte(idx)
        hprev, cprev = self.start.expand((b, -1)), self.start_c.expand((b, -1))
        hiddens = []
        for i in range(t):
            hprev, cprev = self.cell(emb[:, i, :], hprev, cprev)
            hiddens.append(hprev)
        logits = self.lm_head(torch.stack(hiddens, 1))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


# ---------------------------------------------------------------- Bigram (makemore.py's)


class Bigram(nn.Module):
    """A table of the next character's logits for each previous character."""

    def __init__(self, config):
        super().__init__()
        n = config.vocab_size
        self.logits = nn.Parameter(torch.zeros((n, n)))

    def forward(self, idx, targets=None):
        logits = self.logits[idx]
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


# ---------------------------------------------------------------- by name

MODELS = {
    "rnn": lambda config: RNN(config, "rnn"),
    "gru": lambda config: RNN(config, "gru"),
    "lstm": LSTM,
    "bow": BoW,
    "bigram": Bigram,
}


def maker(kind, n_embd=N_EMBD, n_embd2=N_EMBD2):
    """make_model(vocab_size, block_size) for torch_words' commands."""
    if kind not in MODELS:
        sys.exit(f"model {kind!r} is not one of {', '.join(MODELS)}\n\n{__doc__}")
    return lambda vocab_size, block_size: MODELS[kind](
        ModelConfig(block_size=block_size, vocab_size=vocab_size, n_embd=n_embd, n_embd2=n_embd2))


# ---------------------------------------------------------------- our checkpoints


def our_names(model):
    """Our tensor name for each of model's parameters, and whether ours is the transpose:
    a Linear's weight is our .W, [in × out] (torch's is [out × in]), its bias our .b; an
    Embedding's table is named after the module (wte, wpe); a bare parameter (start,
    start_c, logits) keeps its name."""
    names = {}
    for mname, module in model.named_modules():
        prefix = mname + "." if mname else ""
        for pname, _ in module.named_parameters(recurse=False):
            theirs = prefix + pname
            if isinstance(module, nn.Linear):
                names[theirs] = (prefix + {"weight": "W", "bias": "b"}[pname], pname == "weight")
            elif isinstance(module, nn.Embedding):
                names[theirs] = (mname, False)
            else:
                names[theirs] = (theirs, False)
    return names


def load_checkpoint(path):
    """The checkpoint's model in float64 holding its weights, its vocabulary and block size."""
    tensors, meta, chars, V, T = tw.read_checkpoint(path, lambda kind: kind in MODELS, "one of " + ", ".join(MODELS))
    kind = meta["model"]
    # A bigram has no widths; the others' are in the metadata as our Go model writes them.
    C, H = (1, 1) if kind == "bigram" else (int(meta["n_embd"]), int(meta["n_hidden"]))
    model = maker(kind, C, H)(V, T).double()
    tw.load_weights(model, tensors, our_names(model), path)
    return model, chars, T


def main():
    commands = {
        "time": lambda argv: tw.cmd_time(argv[1:], maker(argv[0])),
        "train": lambda argv: tw.cmd_train(argv[1:], maker(argv[0]), f"recurrent_torch.py train {argv[0]}", "5000,20000"),
        "eval": lambda argv: tw.cmd_eval(argv, load_checkpoint),
    }
    if len(sys.argv) < 3 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
