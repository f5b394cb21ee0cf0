#!/usr/bin/env python3
"""A whole PPO-ptx iteration, ours against PyTorch on the same cores, side by side: alternating rounds, medians, the
ratio of best to best, our Spark share and our scaling from one executor core (partition) to all of them.

Ours: `bin/instructgpt bench --ppo` (the stage itself in Spark local mode, random config-S models) with 1 and with
`--cores` partitions, and `--cores` one-partition runs at once (independent copies of the work: the machine's ceiling
for our scaling from one partition to `--cores`). PyTorch (bench/torch_ppo_reference.py, its OpenBLAS at its best kernels): one process on one
core; one process with intra-op threads = cores; `--cores` processes each on its share of the iteration.

    mvn -B -DskipTests package
    python3 bench/compare_ppo.py            # 3 rounds (about 10 minutes on 2 cores)

Before each run it measures the cores the machine gives `--cores` busy processes at that moment (fixed loops, all at
once against one alone; "cores free before"): rounds in which a shared machine gave much less than `--cores` are
told apart from slow code.
"""
import argparse
import concurrent.futures
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

from compare import HERE, ROOT, TORCH_PYTHON, result_line, torch_env

PARTS = ["iteration", "generation", "scoring", "training"]


def ours(partitions, extra):
    cmd = [os.path.join(ROOT, "bin", "instructgpt"), "bench", "--ppo",
           "--set", f"instructgpt.train.partitions={partitions}"]
    for kv in extra:
        cmd += ["--set", kv]
    r = result_line(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout, " ".join(cmd))
    return dict(r["seconds"], rollout=r["rollout_tokens_per_sec"])


def ours_copies(n, extra):
    """n one-partition runs at once, each a whole PPO run of its own (nothing shared, nothing synchronised): what the
    machine gives n independent copies of the work, the ceiling for our scaling from one partition to n. Seconds per
    iteration of their summed throughput."""
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        rs = list(pool.map(lambda _: ours(1, extra), range(n)))
    return {"iteration": 1 / sum(1 / r["iteration"] for r in rs), "rollout": sum(r["rollout"] for r in rs)}


def torch(threads, processes):
    cmd = [TORCH_PYTHON, os.path.join(HERE, "torch_ppo_reference.py"), "--threads", str(threads),
           "--processes", str(processes)]
    r = result_line(subprocess.run(cmd, env=torch_env(1), capture_output=True, text=True, check=True).stdout,
                    "torch_ppo_reference.py")
    return dict(r["seconds"], rollout=r["rollout_tokens_per_sec"], blas=r["blas"])


def _spin(work, out):
    start = time.perf_counter()
    x = 0
    for i in range(work):
        x += i
    out.put(time.perf_counter() - start)


def cores_available(n, work=4_000_000):
    """What the machine gives n busy processes at this moment, in cores: n fixed loops at once against one alone.
    A shared machine sometimes gives two vCPUs little more than one core's time; this tells such rounds apart."""
    def run(k):
        q = multiprocessing.Queue()
        ps = [multiprocessing.Process(target=_spin, args=(work, q)) for _ in range(k)]
        for p in ps:
            p.start()
        times = [q.get() for _ in ps]
        for p in ps:
            p.join()
        return times
    # The fastest loop alone is the least disturbed one: against it, n loops at once read at most about n.
    alone = min(run(1)[0] for _ in range(3))
    return sum(alone / t for t in run(n))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cores", type=int, default=os.cpu_count())
    ap.add_argument("--set", action="append", default=[], dest="extra", help="a setting for our runs (repeatable)")
    a = ap.parse_args()
    n = a.cores
    runs = {"ours, 1 partition": lambda: ours(1, a.extra),
            f"ours, {n} partitions": lambda: ours(n, a.extra),
            f"ours, 1 partition x{n} runs": lambda: ours_copies(n, a.extra),
            "torch, 1 thread": lambda: torch(1, 1),
            f"torch, intra-op x{n}": lambda: torch(n, 1),
            f"torch, {n} processes": lambda: torch(1, n)}
    names = list(runs)
    seen = {nm: [] for nm in names}
    for rnd in range(a.rounds):
        order = names[rnd % len(names):] + names[:rnd % len(names)]
        for nm in order:
            cores = cores_available(n)
            start = time.time()
            r = runs[nm]()
            r["cores"] = cores
            seen[nm].append(r)
            print(f"round {rnd + 1} {nm:22} " + ", ".join(f"{k} {r[k]:.2f}" for k in PARTS + ["spark"] if k in r)
                  + f", rollout {r['rollout']:.0f} tok/s ({time.time() - start:.0f} s; {cores:.2f} cores free before)",
                  flush=True)

    def med(nm, k):
        return statistics.median(r[k] for r in seen[nm])

    blas = next((r["blas"] for rs in seen.values() for r in rs if "blas" in r), "n/a")
    print()
    print(f"{a.rounds} alternating rounds, medians, seconds per iteration; {n} cores; PyTorch's BLAS: {blas}")
    print("| part | " + " | ".join(names) + " |")
    print("| --- |" + " ---: |" * len(names))
    for k in PARTS + ["spark"]:
        print(f"| {k} | " + " | ".join(f"{med(nm, k):.2f}" if k in seen[nm][0] else "-" for nm in names) + " |")
    print("| rollout tok/s | " + " | ".join(f"{med(nm, 'rollout'):,.0f}" for nm in names) + " |")
    print("| cores free before | " + " | ".join(f"{med(nm, 'cores'):.2f}" for nm in names) + " |")
    copies = f"ours, 1 partition x{n} runs"
    # n independent runs are not one PPO run: they bound our scaling, they do not compete with PyTorch.
    ours_best = min(med(nm, "iteration") for nm in names if nm.startswith("ours") and nm != copies)
    torch_best = min(med(nm, "iteration") for nm in names if nm.startswith("torch"))
    both = f"ours, {n} partitions"
    print()
    print(f"iteration: ours best {ours_best:.2f} s, PyTorch best {torch_best:.2f} s: {torch_best / ours_best:.2f}x; "
          f"Spark's share at {n} partitions {100 * med(both, 'spark') / med(both, 'iteration'):.0f}%; "
          f"1 -> {n} partitions {med('ours, 1 partition', 'iteration') / med(both, 'iteration'):.2f}x, "
          f"{n} independent one-partition runs {med('ours, 1 partition', 'iteration') / med(copies, 'iteration'):.2f}x "
          f"(what the machine gives {n} copies of the work)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
