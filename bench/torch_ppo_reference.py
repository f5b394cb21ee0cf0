#!/usr/bin/env python3
"""PyTorch reference of one PPO-ptx iteration, for `instructgpt bench --ppo`: the same four models (config S by
default: a policy, its frozen reference, a value model and a frozen reward model, each GPT-2 shaped), the same batch,
lengths and PPO epochs, timed the same way (median of iterations after warm-up) and split the same way.

One iteration:
  generation  every prompt sampled at temperature 1 with a KV cache, `--rollout-batch` prompts at a time, `--new`
              tokens each (random weights rarely emit EOS, so both sides generate about the full length);
  scoring     per rollout batch, the policy's and the reference's log-probs of the sampled tokens, the value model's
              estimate at every position and the reward model's score at the last token; per-token KL rewards; GAE;
  training    `--epochs` passes over the episodes in minibatches of `--minibatch`, reshuffled every epoch; per
              minibatch one policy step (the clipped surrogate plus ptx x the LM loss of one pre-training block per
              episode) and one value step (the clipped value loss), each with AdamW.

Needs Debian's python3-torch. Usage (bench/compare.py --ppo runs it at every layout next to ours):
    python3 bench/torch_ppo_reference.py --threads 1
With --processes N the script's iteration is split as data parallelism would split it: each of N concurrent copies
runs 1/N of the episodes (generation and scoring) and 1/N of every minibatch, and the figure is the slowest copy's
(gradient averaging itself is not counted, in PyTorch's favour).
"""
import argparse
import json
import multiprocessing as mp
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_reference import CONFIGS, GPT, blas_info


class ScalarModel(nn.Module):
    """The reward or value model: the transformer and a bias-free scalar head at every position."""

    def __init__(self, cfg):
        super().__init__()
        self.gpt = GPT(**cfg)
        self.score = nn.Linear(cfg["embd"], 1, bias=False)

    def forward(self, idx):
        return self.score(self.gpt.hidden(idx)).squeeze(-1)

    def last(self, idx):
        """The score at the last position alone, the top block computing only what that row needs (as ours does)."""
        return self.score(self.gpt.hidden(idx, top="last_row")[:, -1]).squeeze(-1)


@torch.no_grad()
def generate(model, prompt, new_tokens):
    """KV-cache sampling at temperature 1: the prompt in one pass, then one token per pass; returns the new tokens."""
    caches = [[None, None] for _ in model.h]
    logits = model(prompt, 0, caches)[:, -1]
    out = []
    for i in range(new_tokens):
        nxt = torch.multinomial(logits.softmax(-1), 1)
        out.append(nxt)
        if i < new_tokens - 1:
            logits = model(nxt, prompt.shape[1] + i, caches)[:, -1]
    return torch.cat(out, dim=1)


def token_logprobs(model, seq, start):
    """log pi(token t | tokens < t) for the response tokens (positions start..end) of every row."""
    logits = model.hidden(seq)[:, start - 1:-1] @ model.wte.weight.t()  # the LM head at the response's rows only
    return torch.gather(logits.log_softmax(-1), 2, seq[:, start:].unsqueeze(-1)).squeeze(-1)


def gae(rewards, values, gamma=1.0, lam=0.95):
    adv = torch.zeros_like(rewards)
    last = torch.zeros(rewards.shape[0])
    n = rewards.shape[1]
    for t in reversed(range(n)):
        nxt = values[:, t + 1] if t + 1 < n else torch.zeros(rewards.shape[0])
        delta = rewards[:, t] + gamma * nxt - values[:, t]
        last = delta + gamma * lam * last
        adv[:, t] = last
    return adv, adv + values


def iteration(models, opts, a, cfg, episodes, minibatch, gen):
    policy, ref, value, rm = models
    popt, vopt = opts
    t0 = time.perf_counter()
    plen = a.prompt
    seqs = []
    for b in range(0, episodes, a.rollout_batch):
        n = min(a.rollout_batch, episodes - b)
        prompt = torch.randint(cfg["vocab"], (n, plen), generator=gen)
        seqs.append(torch.cat([prompt, generate(policy, prompt, a.new)], dim=1))
    t1 = time.perf_counter()
    logp, refp, vals, scores = [], [], [], []
    with torch.no_grad():
        for s in seqs:
            logp.append(token_logprobs(policy, s, plen))
            refp.append(token_logprobs(ref, s, plen))
            vals.append(value(s)[:, plen - 1:-1])
            scores.append(rm.last(s))
    seq, logp, refp, vals, scores = (torch.cat(x) for x in (seqs, logp, refp, vals, scores))
    rewards = -0.02 * (logp - refp)
    rewards[:, -1] += scores
    adv, ret = gae(rewards, vals)
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    t2 = time.perf_counter()
    ptx = torch.randint(cfg["vocab"], (episodes, cfg["ctx"]), generator=gen)
    for _ in range(a.epochs):
        order = torch.randperm(episodes, generator=gen)
        for m in range(0, episodes, minibatch):
            idx = order[m:m + minibatch]
            new = token_logprobs(policy, seq[idx], plen)
            ratio = torch.exp(new - logp[idx])
            pg = torch.max(-adv[idx] * ratio, -adv[idx] * ratio.clamp(1 - 0.2, 1 + 0.2)).mean()
            lm = policy(ptx[idx])
            lm_loss = F.cross_entropy(lm[:, :-1].reshape(-1, cfg["vocab"]), ptx[idx][:, 1:].reshape(-1))
            popt.zero_grad(set_to_none=True)
            (pg + a.ptx * lm_loss).backward()
            popt.step()
            v = value(seq[idx])[:, plen - 1:-1]
            vclip = vals[idx] + (v - vals[idx]).clamp(-0.2, 0.2)
            vloss = 0.5 * torch.max((v - ret[idx]) ** 2, (vclip - ret[idx]) ** 2).mean()
            vopt.zero_grad(set_to_none=True)
            vloss.backward()
            vopt.step()
    t3 = time.perf_counter()
    return {"generation": t1 - t0, "scoring": t2 - t1, "training": t3 - t2, "iteration": t3 - t0}


def run(a, episodes, minibatch, result=None):
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    cfg = dict(CONFIGS[a.config], vocab=259)
    policy, ref = GPT(**cfg), GPT(**cfg)
    value, rm = ScalarModel(cfg), ScalarModel(cfg)
    for m in (ref, rm):
        m.requires_grad_(False)
    opts = [torch.optim.AdamW(m.parameters(), lr=1e-5, betas=(0.9, 0.95), weight_decay=0.0) for m in (policy, value)]
    gen = torch.Generator().manual_seed(7)
    times = [iteration((policy, ref, value, rm), opts, a, cfg, episodes, minibatch, gen)
             for _ in range(a.warmup + a.iterations)][a.warmup:]
    med = {k: statistics.median(t[k] for t in times) for k in times[0]}
    if result is not None:
        result.put(med)
    return med


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--config", default="S")
    ap.add_argument("--episodes", type=int, default=64)
    ap.add_argument("--rollout-batch", type=int, default=32)
    ap.add_argument("--prompt", type=int, default=40, help="prompt tokens")
    ap.add_argument("--new", type=int, default=48, help="response tokens")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--minibatch", type=int, default=16)
    ap.add_argument("--ptx", type=float, default=1.0)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=3)
    a = ap.parse_args()
    p = a.processes
    if p == 1:
        med = run(a, a.episodes, a.minibatch)
    else:
        q = mp.get_context("fork").Queue()
        procs = [mp.get_context("fork").Process(target=run, args=(a, a.episodes // p, a.minibatch // p, q))
                 for _ in range(p)]
        for x in procs:
            x.start()
        meds = [q.get() for _ in procs]
        for x in procs:
            x.join()
        med = {k: max(m[k] for m in meds) for k in meds[0]}
    tokens = a.episodes * a.new
    result = {"torch": torch.__version__, "threads": a.threads, "processes": p, "blas": blas_info(),
              "config": a.config, "seconds": med, "rollout_tokens_per_sec": tokens / (med["generation"] + med["scoring"])}
    print(f"torch {torch.__version__}, {p} process(es) x {a.threads} thread(s), BLAS {result['blas']}")
    print(f"PPO iteration ({a.config}, {a.episodes} episodes, {a.prompt}+{a.new} tokens, {a.epochs} epochs of "
          f"minibatches of {a.minibatch}): {med['iteration']:.2f} s = generation {med['generation']:.2f} + scoring "
          f"{med['scoring']:.2f} + training {med['training']:.2f}; rollout {result['rollout_tokens_per_sec']:.0f} tok/s")
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
