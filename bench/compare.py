#!/usr/bin/env python3
"""Ours against PyTorch on the same cores, side by side: each at every layout, alternating rounds, medians, the ratio
of best to best, and the machine's sgemm peak as the fastest sgemm any of them measured.

Layouts (DESIGN.md 4b). Ours: one model replica, one replica per core in one JVM (`instructgpt.bench.replicas`), and
one JVM per core run concurrently, throughputs summed (as PyTorch's processes). PyTorch
(Debian's python3-torch, its OpenBLAS at its best kernels: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for it alone,
threadpoolctl shows the kernel architecture): one process on one core; one process with OpenBLAS threads = cores;
one process with intra-op threads = cores; one process per core run concurrently, throughputs summed.

    mvn -B -DskipTests package
    python3 bench/compare.py                        # 3 rounds, configs S and M (about 15 minutes on 2 cores)
    python3 bench/compare.py --before /tmp/before   # also a second checkout of ours (built), for before/after

Figures: training and generation tokens/s, a reward-model step (8 prompts x K 4 responses, the K-way loss) in
comparisons/s, on random responses and on responses sharing a 32-token prompt (PyTorch's best of forwarding each
response whole and forwarding each prompt once; its top block, as ours, only at the row the score is read at, and for
the record also at every row, as Hugging Face's model runs it), and labeling's sampling (16 responses of 48 new tokens) in responses/s. Prints the figures of every
run, then a Markdown table of medians; nothing here is a test.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TORCH_PYTHON = "/usr/bin/python3"


FIGURES = {"train": "training {} tok/s", "generate": "generation {} tok/s", "rm": "reward-model step {} comparisons/s",
           "rm_full": "reward-model step {}, the top block at every row (Hugging Face's way; PyTorch only), comparisons/s",
           "rm_prompt": "reward-model step {}, shared prompts, comparisons/s", "label": "labeling {} responses/s"}


def result_line(out, what):
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"{what} printed no RESULT line:\n{out}")


def parse_table(out, configs):
    """The figures of a checkout whose bench prints only its table (before the RESULT line existed)."""
    r = {}
    for line in out.splitlines():
        f = line.split()
        if line.startswith("sgemm peak"):
            r["sgemm_nd4j"] = float(line.split("ND4J/OpenBLAS ")[1].split(",")[0])
            r["sgemm_heapgemm"] = float(line.split("arrays ")[1].rstrip(")"))
        elif f and f[0] in configs and len(f) == 6:
            r[f[0]] = {"train": float(f[1]), "generate": float(f[4]), "flops_per_token": float(f[2]) * 1e9}
    return r


def ours(checkout, replicas, configs, extra):
    cmd = [os.path.join(checkout, "bin", "instructgpt"), "bench",
           "--set", f"instructgpt.bench.replicas={replicas}",
           "--set", "instructgpt.bench.configs=[" + ",".join(configs) + "]"]
    for kv in extra:
        cmd += ["--set", kv]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    r = result_line(out, " ".join(cmd)) if "RESULT " in out else parse_table(out, configs)
    r["sgemm"] = max(r.get("sgemm_nd4j", 0), r.get("sgemm_heapgemm", 0))
    return r


def ours_processes(checkout, n, configs, extra):
    """n JVMs at once, one replica each, each on the whole benchmark; throughputs summed (PyTorch's best layout)."""
    cmd = [os.path.join(checkout, "bin", "instructgpt"), "bench", "--set", "instructgpt.bench.replicas=1",
           "--set", "instructgpt.bench.configs=[" + ",".join(configs) + "]"]
    for kv in extra:
        cmd += ["--set", kv]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    results = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{err}")
        results.append(result_line(out, " ".join(cmd)))
    summed = {}
    for c in configs:
        summed[c] = {k: sum(r[c][k] for r in results) for k in FIGURES if k in results[0][c]}
        summed[c]["flops_per_token"] = results[0][c]["flops_per_token"]
    return summed


def torch_env(blas_threads):
    env = dict(os.environ)
    # The workplace pins OpenBLAS to its Haswell (AVX2) kernels for ND4J's older OpenBLAS; PyTorch's is current and
    # picks its AVX-512 kernels when left alone.
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    env["OPENBLAS_NUM_THREADS"] = str(blas_threads)
    env["OMP_NUM_THREADS"] = "1"
    return env


def torch_cmd(threads, configs, sgemm=True):
    return [TORCH_PYTHON, os.path.join(HERE, "torch_reference.py"), "--threads", str(threads),
            "--configs", *configs, "--sgemm", "1024" if sgemm else "0"]


def torch_one(threads, blas_threads, configs):
    out = subprocess.run(torch_cmd(threads, configs), env=torch_env(blas_threads), capture_output=True, text=True,
                         check=True).stdout
    return result_line(out, "torch_reference.py")


def torch_processes(n, configs):
    """n single-threaded processes at once, each on the whole benchmark; throughputs summed."""
    procs = [subprocess.Popen(torch_cmd(1, configs, sgemm=False), env=torch_env(1), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(n)]
    results = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"torch_reference.py failed:\n{err}")
        results.append(result_line(out, "torch_reference.py"))
    summed = {"blas": results[0]["blas"]}
    for c in configs:
        summed[c] = {k: sum(r[c][k] for r in results) for k in FIGURES if k in results[0][c]}
    return summed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--configs", nargs="+", default=["S", "M"])
    ap.add_argument("--cores", type=int, default=os.cpu_count())
    ap.add_argument("--before", help="a second checkout of ours, already built, measured in the same rounds")
    ap.add_argument("--set", action="append", default=[], dest="extra",
                    help="a setting for our runs, e.g. instructgpt.bench.engine=nd4j (repeatable)")
    ap.add_argument("--skip-torch", action="store_true")
    a = ap.parse_args()
    n = a.cores
    runs = {"ours, 1 replica": lambda: ours(ROOT, 1, a.configs, a.extra),
            f"ours, {n} replicas": lambda: ours(ROOT, n, a.configs, a.extra),
            f"ours, {n} processes": lambda: ours_processes(ROOT, n, a.configs, a.extra)}
    if a.before:
        runs["before, 1 replica"] = lambda: ours(a.before, 1, a.configs, a.extra)
        runs[f"before, {n} replicas"] = lambda: ours(a.before, n, a.configs, a.extra)
    if not a.skip_torch:
        runs["torch, 1 thread"] = lambda: torch_one(1, 1, a.configs)
        runs[f"torch, OpenBLAS x{n}"] = lambda: torch_one(1, n, a.configs)
        runs[f"torch, intra-op x{n}"] = lambda: torch_one(n, 1, a.configs)
        runs[f"torch, {n} processes"] = lambda: torch_processes(n, a.configs)
    names = list(runs)
    seen = {name: [] for name in names}
    for rnd in range(a.rounds):
        # Alternate: each round starts one further along, so no run always follows the same one.
        order = names[rnd % len(names):] + names[:rnd % len(names)]
        for name in order:
            start = time.time()
            r = runs[name]()
            seen[name].append(r)
            figures = ", ".join(f"{c} " + " ".join(f"{k} {v:.1f}" for k, v in r[c].items() if k in FIGURES)
                                for c in a.configs)
            print(f"round {rnd + 1} {name:24} {figures}"
                  + (f", sgemm {r['sgemm']:.1f}" if "sgemm" in r else "") + f" ({time.time() - start:.0f} s)", flush=True)

    def median(name, c, k):
        return statistics.median(r[c][k] for r in seen[name])

    sgemms = {name: statistics.median(r["sgemm"] for r in rs) for name, rs in seen.items() if rs and "sgemm" in rs[0]}
    one_core = [nm for nm in sgemms if "1 replica" in nm or "1 thread" in nm]
    peak = max(sgemms[nm] for nm in one_core)
    blas = next((r["blas"] for rs in seen.values() for r in rs if "blas" in r), "n/a")
    print()
    print(f"{a.rounds} alternating rounds, medians; {n} cores; PyTorch's BLAS: {blas}")
    print(f"sgemm 1024^2 on one core, GFLOP/s: " + ", ".join(f"{nm} {v:.1f}" for nm, v in sgemms.items() if nm in one_core)
          + f"; the machine's peak is the fastest: {peak:.1f}")
    print()
    header = "| figure | " + " | ".join(names) + " | ours best / torch best |"
    print(header)
    print("| --- |" + " ---: |" * (len(names) + 1))
    for k, label in FIGURES.items():
        for c in a.configs:
            have = [nm for nm in names if k in seen[nm][0].get(c, {})]
            if not have:
                continue
            vals = {nm: median(nm, c, k) for nm in have}
            ours_vals = [v for nm, v in vals.items() if nm.startswith("ours")]
            torch_vals = [v for nm, v in vals.items() if nm.startswith("torch")]
            ratio = f"{max(ours_vals) / max(torch_vals):.2f}x" if ours_vals and torch_vals else "-"
            print(f"| {label.format(c)} | " + " | ".join(f"{vals[nm]:,.1f}" if nm in vals else "-" for nm in names)
                  + f" | {ratio} |")
    if "M" in a.configs:
        flops = seen["ours, 1 replica"][0]["M"]["flops_per_token"]
        for nm in names:
            if nm.startswith("ours") or nm.startswith("before"):
                cores = 1 if "1 replica" in nm else n
                share = median(nm, "M", "train") * flops / (peak * 1e9 * cores)
                print(f"{nm}: M training at {100 * share:.0f}% of {cores} x the machine's one-core sgemm peak")
    return 0


if __name__ == "__main__":
    sys.exit(main())
