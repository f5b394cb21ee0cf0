#!/usr/bin/env python3
"""PyTorch reference for `instructgpt bench`: the same GPT-2 (configs S and M), the same training step (forward,
backward, AdamW) and the same KV-cache generation loop, timed the same way (median of repetitions).

Needs Debian's python3-torch (apt-get install python3-torch libopenblas0-pthread python3-threadpoolctl). Usage:
    python3 bench/torch_reference.py --threads 1 --configs S M
Thread counts: --threads sets PyTorch's intra-op threads; OpenBLAS's own threads follow OPENBLAS_NUM_THREADS, which
torch.set_num_threads does not bound. bench/compare.py runs this at every layout next to ours.
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {"S": dict(vocab=256, ctx=128, embd=128, layers=4, heads=4),
           "M": dict(vocab=256, ctx=128, embd=256, layers=8, heads=8)}


class Block(nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.h = h
        self.ln_1 = nn.LayerNorm(c, eps=1e-5)
        self.c_attn = nn.Linear(c, 3 * c)
        self.c_proj = nn.Linear(c, c)
        self.ln_2 = nn.LayerNorm(c, eps=1e-5)
        self.c_fc = nn.Linear(c, 4 * c)
        self.mlp_proj = nn.Linear(4 * c, c)

    def attn(self, x, cache):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        q, k, v = [z.view(b, t, self.h, c // self.h).transpose(1, 2) for z in (q, k, v)]
        if cache is not None:
            if cache[0] is not None:
                k = torch.cat([cache[0], k], dim=2)
                v = torch.cat([cache[1], v], dim=2)
            cache[0], cache[1] = k, v
        s = k.shape[2]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(k.shape[-1])
        mask = torch.ones(t, s, dtype=torch.bool).tril(diagonal=s - t)
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.c_proj(y)

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln_1(x), cache)
        return x + self.mlp(x)

    def cache_kv(self, x, cache):
        """Only the keys and values of these rows, into the cache (the later rows' attention needs nothing else)."""
        b, t, c = x.shape
        k, v = F.linear(self.ln_1(x), self.c_attn.weight[c:], self.c_attn.bias[c:]).split(c, dim=2)
        cache[0], cache[1] = [z.view(b, t, self.h, c // self.h).transpose(1, 2) for z in (k, v)]

    def mlp(self, x):
        return self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))

    def last_row(self, x, cache=None):
        """The block's output at the last position alone, the only one a score read there needs: keys and values at
        every row (and the cache's), the query, attention, projection and MLP at the last row (as our array engine's
        reward path does)."""
        b, t, c = x.shape
        hs = c // self.h
        h = self.ln_1(x)
        w, bias = self.c_attn.weight, self.c_attn.bias
        k, v = F.linear(h, w[c:], bias[c:]).split(c, dim=2)
        q = F.linear(h[:, -1:], w[:c], bias[:c]).view(b, 1, self.h, hs).transpose(1, 2)
        k, v = [z.view(b, t, self.h, hs).transpose(1, 2) for z in (k, v)]
        if cache is not None and cache[0] is not None:
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        att = ((q @ k.transpose(-2, -1)) / math.sqrt(hs)).softmax(dim=-1)
        x = x[:, -1:] + self.c_proj((att @ v).transpose(1, 2).reshape(b, 1, c))
        return x + self.mlp(x)


class GPT(nn.Module):
    def __init__(self, vocab, ctx, embd, layers, heads):
        super().__init__()
        self.wte = nn.Embedding(vocab, embd)
        self.wpe = nn.Embedding(ctx, embd)
        self.h = nn.ModuleList([Block(embd, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(embd, eps=1e-5)

    def hidden(self, idx, pos0=0, caches=None, top="all"):
        """The final layer norm's output at every position ({top} "all"), at the last position alone ("last_row": the
        top block computes only what that row needs), or nothing ("kv": the top block only caches its keys and
        values, all that later rows need of it)."""
        t = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(pos0, pos0 + t))
        caches = caches or [None] * len(self.h)
        for blk, cache in zip(self.h[:-1], caches):
            x = blk(x, cache)
        top_cache = caches[-1]
        if top == "kv":
            self.h[-1].cache_kv(x, top_cache)
            return None
        return self.ln_f(self.h[-1].last_row(x, top_cache) if top == "last_row" else self.h[-1](x, top_cache))

    def forward(self, idx, pos0=0, caches=None):
        return self.hidden(idx, pos0, caches) @ self.wte.weight.t()


class RewardModel(nn.Module):
    """GPT2ForSequenceClassification with one label: the transformer, a bias-free score head read at the last token.
    With {last_row} the top block runs only what the last row needs (Hugging Face's model runs all of it)."""

    def __init__(self, cfg, last_row=False):
        super().__init__()
        self.gpt = GPT(**cfg)
        self.score = nn.Linear(cfg["embd"], 1, bias=False)
        self.last_row = last_row

    def top(self):
        return "last_row" if self.last_row else "all"

    def forward(self, idx):
        return self.score(self.gpt.hidden(idx, top=self.top())[:, -1]).squeeze(-1)

    def shared_prompt(self, prompts, responses, k):
        """Scores of prompt + response, each prompt forwarded once: its keys and values cached, repeated for its k
        responses, which run from the prompt's length on; the backward flows through the cache into the prompt."""
        caches = [[None, None] for _ in self.gpt.h]
        self.gpt.hidden(prompts, 0, caches, "kv" if self.last_row else "all")
        for c in caches:
            c[0], c[1] = c[0].repeat_interleave(k, 0), c[1].repeat_interleave(k, 0)
        return self.score(self.gpt.hidden(responses, prompts.shape[1], caches, self.top())[:, -1]).squeeze(-1)


def kway_loss(scores, k):
    """The paper's loss per prompt: the mean over its C(K,2) ranked pairs of -log sigmoid(r_w - r_l) (rank = index)."""
    s = scores.view(-1, k)
    w, l = torch.triu_indices(k, k, offset=1)
    return -F.logsigmoid(s[:, w] - s[:, l]).mean(dim=1).sum()


@torch.no_grad()
def sample(model, prompt, new_tokens):
    """KV-cache sampling at temperature 1, no EOS: the prompt in one pass, then one token per pass."""
    caches = [[None, None] for _ in model.h]
    logits = model(prompt, 0, caches)[:, -1]
    for i in range(new_tokens):
        nxt = torch.multinomial(logits.softmax(-1), 1)
        if i == new_tokens - 1:
            break
        logits = model(nxt, prompt.shape[1] + i, caches)[:, -1]


def median_time(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        s = time.perf_counter()
        fn()
        times.append(time.perf_counter() - s)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--configs", nargs="+", default=["S", "M"])
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--sgemm", type=int, default=1024, help="size of the square sgemm timed first (0: none)")
    ap.add_argument("--reward-model", action=argparse.BooleanOptionalAction, default=True,
                    help="also time a reward-model step and labeling's sampling")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    result = {"torch": torch.__version__, "threads": a.threads, "blas": blas_info()}
    print(f"torch {torch.__version__}, {a.threads} intra-op thread(s), BLAS {result['blas']}")
    if a.sgemm:
        n = a.sgemm
        x = torch.rand(n, n)
        y = torch.rand(n, n)
        out = torch.empty(n, n)
        result["sgemm"] = 2.0 * n ** 3 / median_time(lambda: torch.mm(x, y, out=out), 2, 7) / 1e9
        print(f"sgemm {n}x{n}: {result['sgemm']:.1f} GFLOP/s")
    print(f"{'config':6} {'train tok/s':>14} {'generate tok/s':>16}")
    for name in a.configs:
        cfg = CONFIGS[name]
        model = GPT(**cfg)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)
        x = torch.randint(cfg["vocab"], (16, 128))

        def step():
            logits = model(x)
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, cfg["vocab"]), x[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        train = 16 * 128 / median_time(step, a.warmup, a.reps)
        prompt = torch.randint(cfg["vocab"], (16, 32))

        gen = 16 * 64 / median_time(lambda: sample(model, prompt, 64), 1, max(3, a.reps // 2))
        print(f"{name:6} {train:14.0f} {gen:16.0f}")
        result[name] = {"train": train, "generate": gen}
        if a.reward_model:
            result[name].update(reward_model(cfg, a))
            m = result[name]
            print(f"{name:6} reward-model step {m['rm']:.1f} comparisons/s (the top block whole: {m['rm_full']:.1f}), "
                  f"shared prompts {m['rm_prompt_whole']:.1f} (each sequence whole) and {m['rm_prompt_once']:.1f} "
                  f"(each prompt once); labeling {m['label']:.1f} responses/s")
    print("RESULT " + json.dumps(result))


def reward_model(cfg, a):
    """As instructgpt bench's RewardBenchmark: an RM step on 8 prompts x K 4 responses of 128 tokens (random tokens;
    and a 32-token prompt shared by its K responses of 96, PyTorch's best of forwarding every sequence whole and
    forwarding each prompt once), and labeling's sampling of 16 responses (32-token prompts, 48 new tokens,
    temperature 1, KV cache)."""
    prompts, k = 8, 4
    rm = RewardModel(cfg)
    opt = torch.optim.AdamW(rm.parameters(), lr=1e-5, betas=(0.9, 0.95), weight_decay=0.1)
    x = torch.randint(cfg["vocab"], (prompts * k, 128))
    p = torch.randint(cfg["vocab"], (prompts, 32))
    r = torch.randint(cfg["vocab"], (prompts * k, 96))
    whole = torch.cat([p.repeat_interleave(k, 0), r], dim=1)

    def step(scores):
        loss = kway_loss(scores(), k)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    # The top block at the last row alone is the same scores with less work (as ours computes them), so it is
    # PyTorch's best; the whole top block, as Hugging Face's model runs it, is timed for the record.
    rm.last_row = False
    full = prompts / median_time(lambda: step(lambda: rm(x)), a.warmup, a.reps)
    rm.last_row = True
    last_row = prompts / median_time(lambda: step(lambda: rm(x)), a.warmup, a.reps)
    whole_rate = prompts / median_time(lambda: step(lambda: rm(whole)), a.warmup, a.reps)
    once_rate = prompts / median_time(lambda: step(lambda: rm.shared_prompt(p, r, k)), a.warmup, a.reps)
    policy = GPT(**cfg)
    prompt = torch.randint(cfg["vocab"], (16, 32))

    return {"rm": last_row, "rm_full": full, "rm_prompt": max(whole_rate, once_rate), "rm_prompt_whole": whole_rate,
            "rm_prompt_once": once_rate,
            "label": 16 / median_time(lambda: sample(policy, prompt, 48), 1, max(3, a.reps // 2))}


def blas_info():
    """The BLAS PyTorch calls, its kernel architecture and thread count, as threadpoolctl reports them."""
    try:
        import threadpoolctl
    except ImportError:
        return "unknown (no threadpoolctl)"
    for lib in threadpoolctl.threadpool_info():
        if lib.get("user_api") == "blas":
            return f"{lib.get('internal_api')} {lib.get('version')} {lib.get('architecture')}, {lib.get('num_threads')} thread(s)"
    return "none found"


if __name__ == "__main__":
    main()
