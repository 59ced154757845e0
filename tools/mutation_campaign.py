#!/usr/bin/env python3
"""Source-mutation campaign over model/*.cpp: how much do the checkers catch?

The registered mutants (include/memhp/mutants.h) were written by the people
who wrote the checks, so killing them says little about faults nobody
thought of. This script makes mutants mechanically instead: each one is a
single edit of one model/*.cpp line of the kinds an mm/ patch gets wrong,

  rel     a relational operator swapped (<  <=  >  >=  ==  !=)
  arith   + and - swapped in an expression
  logic   && and || swapped
  off1    an off-by-one: `+ 1` / `- 1` dropped, or one added to a range end
  call    a call statement dropped (a line `name(...);` or `k::name(...);`)
  bool    `true` and `false` swapped in a return or an assignment

and for each it rebuilds `memhp` in a private copy of the tree and runs the
project's own checkers, unchanged:

  memhp check --suite S  for S in ram x86 quick device (fixed seed, shrinking off)
  memhp explore          on every named configuration but the slowest
  memhp prove            every theorem
  memhp replay           every tests/kernel/*.trace (their `# expect:` lines are
                         what a real 6.1 kernel returned)

(the kernel traces first, then check, explore and prove: the cheap ones
first). A mutant is killed when any of them fails (or runs past its time limit); a
mutant that does not compile is stillborn and not counted. The score is
killed / (mutants - stillborn - equivalent), where equivalent mutants are the
ones listed, with the reason, in tools/mutation_equivalent.txt (triaged by
hand: nobody can tell an equivalent mutant from a weak checker automatically).
--unit-tests then runs the doctest tests on the survivors, for a second
score: what the checkers miss that a hand-written test pins.

This is a campaign, not a CI step: each mutant costs a rebuild (about a
minute on two cores) and the checkers (about half a minute).

  tools/mutation_campaign.py --list                 the mutants, numbered
  tools/mutation_campaign.py --count 150 --seed 1   run 150 of them
  tools/mutation_campaign.py --only 17,42           run these
Results go to $OUT (default: mutation-out/ in the checkout, ignored by git):
results.jsonl, one line per mutant, and summary.md.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITES = ["ram", "x86", "quick", "device"]
# Every named explorer configuration but these (tens of seconds each).
EXPLORE_SLOW = {"x86-4slot-noalloc-mom"}

REL_SWAPS = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}


def code_part(line):
    """The line with // comments and string literals blanked (same length)."""
    out, i, in_str = [], 0, None
    while i < len(line):
        c = line[i]
        if in_str:
            if c == "\\":
                out.append("  ")
                i += 2
                continue
            if c == in_str:
                in_str = None
            out.append(" ")
        elif c in "\"'":
            in_str = c
            out.append(" ")
        elif line.startswith("//", i):
            out.append(" " * (len(line) - i))
            break
        else:
            out.append(c)
        i += 1
    return "".join(out)


def sites(path):
    """Every mutation of one file: (line number, kind, old line, new line)."""
    lines = path.read_text().splitlines()
    out = []
    in_block_comment = False
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if in_block_comment:
            if "*/" in stripped:
                in_block_comment = False
            continue
        if stripped.startswith("/*"):
            in_block_comment = "*/" not in stripped
            continue
        if stripped.startswith("#") or stripped.startswith("//") or not stripped:
            continue
        code = code_part(line)
        # Templates and casts use < and >; only operators with spaces around.
        for m in re.finditer(r"(?<=\s)(<=|>=|==|!=|<|>)(?=\s)", code):
            new = REL_SWAPS[m.group(1)]
            out.append((n, "rel", line, line[: m.start()] + new + line[m.end():]))
        for m in re.finditer(r"(?<=\s)([+-])(?=\s)", code):
            new = "-" if m.group(1) == "+" else "+"
            out.append((n, "arith", line, line[: m.start()] + new + line[m.end():]))
        for m in re.finditer(r"(?<=\s)(&&|\|\|)(?=\s)", code):
            new = "||" if m.group(1) == "&&" else "&&"
            out.append((n, "logic", line, line[: m.start()] + new + line[m.end():]))
        for m in re.finditer(r"\s[+-] 1\b", code):
            out.append((n, "off1", line, line[: m.start()] + line[m.end():]))
        for m in re.finditer(r"\bend\b(?=[,)])", code):
            out.append((n, "off1", line, line[: m.end()] + " + 1" + line[m.end():]))
        if re.fullmatch(r"\s*(k::)?[a-z_][a-z0-9_]*\(.*\);\s*", code) and not re.match(
            r"\s*(return|if|for|while)\b", code
        ):
            indent = line[: len(line) - len(line.lstrip())]
            out.append((n, "call", line, indent + "/* mutant: dropped */ ;"))
        for m in re.finditer(r"\b(true|false)\b", code):
            if re.search(r"\breturn\b|=", code):
                new = "false" if m.group(1) == "true" else "true"
                out.append((n, "bool", line, line[: m.start()] + new + line[m.end():]))
    return out


# --proven: the single-source kernels that model/ runs and smt/ proves.
PROVEN_GLOB = ("include/memhp/proven", "*.h")


def all_mutants(proven=False):
    muts = []
    where, pattern = PROVEN_GLOB if proven else ("model", "*.cpp")
    for path in sorted((ROOT / where).glob(pattern)):
        if proven and path.name == "domain.h":
            continue  # the domains are the two readings, not the kernel; the smt tests hold them together
        for n, kind, old, new in sites(path):
            muts.append({"file": str(path.relative_to(ROOT)), "line": n, "kind": kind, "old": old, "new": new})
    # One mutant per key: the same edit twice in one file is one mutant.
    seen = set()
    muts = [m for m in muts if not (mutant_key(m) in seen or seen.add(mutant_key(m)))]
    for i, m in enumerate(muts):
        m["id"] = i
    return muts


def run(cmd, cwd, timeout):
    t = time.time()
    # Objects of unchanged files come from ccache, whatever the tree's path.
    env = dict(os.environ, CCACHE_BASEDIR=str(cwd), CCACHE_NOHASHDIR="1")
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, text=True)
        return p.returncode, p.stdout[-2000:], time.time() - t
    except subprocess.TimeoutExpired:
        return "timeout", "", time.time() - t


def explore_configs(memhp):
    """The named configurations of the unmutated build, in its order."""
    p = subprocess.run([memhp, "explore", "--list"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return [l.split()[0] for l in p.stdout.splitlines() if l.strip() and l.split()[0] not in EXPLORE_SLOW]


def checkers(memhp, tree, configs, proven=False):
    """(name, argv, time limit) of every checker, as a user runs them, the
    cheap ones first: most mutants die in the first second. With --proven,
    `memhp prove` alone: an edit of a proven kernel must fail the proofs by
    itself, with smt/ untouched."""
    if proven:
        return [("prove", [memhp, "prove"], 600)]
    out = []
    for t in sorted((tree / "tests" / "kernel").glob("*.trace")):
        out.append((f"kernel {t.stem}", [memhp, "replay", str(t)], 120))
    for s in SUITES:
        # Coverage stays on: a premise that never occurs fails a default run.
        out.append((f"check {s}", [memhp, "check", "--suite", s, "--cases", "1000", "--steps", "60", "--seed", "1",
                                   "--no-store", "--shrink-seconds", "0"], 300))
    for c in configs:
        out.append((f"explore {c}", [memhp, "explore", "--config", c, "--first"], 300))
    out.append(("prove", [memhp, "prove"], 600))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--count", type=int, default=150, help="how many mutants to run (a seeded sample)")
    ap.add_argument("--seed", type=int, default=1, help="the sample's seed")
    ap.add_argument("--only", help="comma-separated mutant ids to run")
    ap.add_argument("--out", default=os.environ.get("OUT", str(ROOT / "mutation-out")))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="build parallelism")
    ap.add_argument("--summary", action="store_true",
                    help="only write $OUT/summary.md from $OUT/results.jsonl (and tools/mutation_equivalent.txt)")
    ap.add_argument("--unit-tests", action="store_true",
                    help="then run the doctest unit tests (all but the slow suite) on every survivor in "
                         "$OUT/results.jsonl that has not met them yet")
    ap.add_argument("--resume", action="store_true",
                    help="keep $OUT/results.jsonl and run only the chosen mutants it does not have yet")
    ap.add_argument("--proven", action="store_true",
                    help="mutate include/memhp/proven/*.h (the kernels model/ runs and smt/ proves) instead, "
                         "and judge by `memhp prove` alone")
    ap.add_argument("--rejudge", action="store_true",
                    help="with --resume: run the survivors in $OUT/results.jsonl again (after a gap was closed)")
    args = ap.parse_args()

    muts = all_mutants(args.proven)
    if args.list:
        for m in muts:
            print(f"{m['id']:5} {m['kind']:6} {m['file']}:{m['line']}: {m['new'].strip()}")
        print(f"{len(muts)} mutants", file=sys.stderr)
        return 0
    if args.summary:
        out = Path(args.out)
        write_summary(out, [json.loads(l) for l in (out / "results.jsonl").read_text().splitlines() if l.strip()])
        return 0
    if args.only:
        chosen = [muts[int(i)] for i in args.only.split(",")]
    else:
        # The sample is the mutants with the lowest hash of (seed, file, edit):
        # a mutant's place in it does not move when other lines of model/
        # change, so a campaign can be resumed after a gap is closed.
        rank = lambda m: hashlib.sha1(f"{args.seed}:{mutant_key(m)}".encode()).hexdigest()
        chosen = sorted(sorted(muts, key=rank)[: args.count], key=lambda m: m["id"])

    out = Path(args.out)
    tree, build = out / "tree", out / "build"
    out.mkdir(parents=True, exist_ok=True)
    if tree.exists():
        shutil.rmtree(tree)
    # A private copy of the sources: the checkout is never edited.
    subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=True)
    # Fresh timestamps (shutil.copy, not copy2): an object built from a
    # mutant that an interrupted campaign left behind is older than every
    # source now, so make cannot mistake it for up to date.
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns("build*", "mutation-out", ".git", ".memhp"),
                    copy_function=shutil.copy)
    cfg = ["cmake", "-S", str(tree), "-B", str(build), "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DMEMHP_BENCH=OFF"]
    if shutil.which("ccache"):
        cfg.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
    subprocess.run(cfg, check=True, stdout=subprocess.DEVNULL)
    build_cmd = ["cmake", "--build", str(build), "-j", str(args.jobs), "--target", "memhp"]
    rc, log, _ = run(build_cmd, tree, 3600)
    if rc != 0:
        print("the unmutated tree does not build:\n" + log, file=sys.stderr)
        return 2
    memhp = str(build / "memhp")
    configs = explore_configs(memhp)
    # The unmutated model must pass every checker, or nothing below means anything.
    for name, cmd, limit in checkers(memhp, tree, configs, args.proven):
        rc, log, _ = run(cmd, tree, limit)
        if rc != 0:
            print(f"the unmutated model fails {name}:\n{log}", file=sys.stderr)
            return 2

    results = []
    if args.resume and (out / "results.jsonl").exists():
        # A mutant's key is its edit, not its number: ids move when model/ changes.
        results = [json.loads(l) for l in (out / "results.jsonl").read_text().splitlines() if l.strip()]
        if args.rejudge:
            results = [r for r in results if r["verdict"] != "survived"]
            (out / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in results))
        done = {mutant_key(r) for r in results}
        chosen = [m for m in chosen if mutant_key(m) not in done]
        print(f"resuming: {len(results)} mutants already run, {len(chosen)} to go", flush=True)
    with open(out / "results.jsonl", "a" if args.resume else "w") as jl:
        for k, m in enumerate(chosen, 1):
            t0 = time.time()
            r = dict(m)

            def judge():
                rc, _, _ = run(build_cmd, tree, 1800)
                if rc != 0:
                    return "stillborn", "build"
                for name, cmd, limit in checkers(memhp, tree, configs, args.proven):
                    crc, _, _ = run(cmd, tree, limit)
                    if crc != 0:
                        return "killed", f"{name} ({crc})"
                return "survived", None

            r["verdict"], r["by"] = with_mutant(tree, m, judge)
            r["seconds"] = round(time.time() - t0, 1)
            results.append(r)
            jl.write(json.dumps(r) + "\n")
            jl.flush()
            print(f"[{k}/{len(chosen)}] #{m['id']} {m['kind']} {m['file']}:{m['line']}: {r['verdict']}"
                  + (f" by {r['by']}" if r["by"] else ""), flush=True)
    # Restore the last mutated file's object before the next campaign.
    run(build_cmd, tree, 3600)
    if args.unit_tests:
        results = unit_tests(out, tree, build, args.jobs)
    write_summary(out, results)
    return 0


def with_mutant(tree, m, fn):
    """fn() with mutant m applied to the private tree, which is restored after."""
    src = tree / m["file"]
    original = src.read_text()
    lines = original.splitlines(keepends=True)
    lines[m["line"] - 1] = m["new"] + "\n"
    src.write_text("".join(lines))
    try:
        return fn()
    finally:
        src.write_text(original)


def unit_tests(out, tree, build, jobs):
    """The checkers' survivors against the unit tests: a second score, which
    says how much of what the checkers miss a hand-written test pins."""
    path = out / "results.jsonl"
    results = [json.loads(l) for l in path.read_text().splitlines() if l.strip()]
    todo = [r for r in results if r["verdict"] == "survived" and "tests" not in r]
    build_cmd = ["cmake", "--build", str(build), "-j", str(jobs), "--target", "memhp", "memhp_tests"]
    test_cmd = [str(build / "memhp_tests"), "--test-suite-exclude=slow", "--abort-after=1", "--no-version=true"]
    for k, r in enumerate(todo, 1):
        def go():
            rc, _, _ = run(build_cmd, tree, 1800)
            if rc != 0:
                return "stillborn"
            trc, log, _ = run(test_cmd, tree, 1200)
            failed = re.search(r"^(\S+\.cpp:\d+): (?:ERROR|FATAL ERROR)", log, re.M)
            return "survived" if trc == 0 else "killed" + (f" at {failed.group(1)}" if failed else f" ({trc})")
        r["tests"] = with_mutant(tree, r, go)
        print(f"[{k}/{len(todo)}] #{r['id']} {r['file']}:{r['line']}: unit tests {r['tests']}", flush=True)
        path.write_text("".join(json.dumps(x) + "\n" for x in results))
    run(build_cmd, tree, 3600)
    return results


def mutant_key(m):
    """A mutant named by its file and edited text, not its line number, which
    moves whenever a line above it is added or removed. (Two identical edits
    of one file are one mutant.)"""
    return f"{m['file']}:{m['old'].strip()}=>{m['new'].strip()}"


def read_equivalent():
    """tools/mutation_equivalent.txt: `file | mutated line | why`, one mutant
    a line. The line's text, not its number, names the mutant: numbers move
    whenever model/ changes."""
    eq = {}
    path = ROOT / "tools" / "mutation_equivalent.txt"
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                file, code, why = (x.strip() for x in line.split(" | ", 2))
                eq[(file, code)] = why
    return eq


def write_summary(out, results):
    equivalent = read_equivalent()
    is_eq = lambda r: (r["file"], r["new"].strip()) in equivalent
    killed = sum(r["verdict"] == "killed" for r in results)
    stillborn = sum(r["verdict"] == "stillborn" for r in results)
    survivors = [r for r in results if r["verdict"] == "survived"]
    eqv = [r for r in survivors if is_eq(r)]
    live = len(results) - stillborn - len(eqv)
    by_tests = sum(r.get("tests", "").startswith("killed") for r in survivors if not is_eq(r))
    pct = lambda n: f"{n}/{live} = {100 * n / live:.1f}%" if live else "n/a"
    with open(out / "summary.md", "w") as f:
        f.write(f"{len(results)} mutants: {killed} killed, {len(survivors)} survived "
                f"({len(eqv)} of them equivalent), {stillborn} stillborn. "
                f"Checkers' score {pct(killed)}; with the unit tests {pct(killed + by_tests)}\n\n")
        f.write("| id | kind | where | mutation | verdict | unit tests |\n|---|---|---|---|---|---|\n")
        for r in survivors:
            verdict = f"equivalent: {equivalent[(r['file'], r['new'].strip())]}" if is_eq(r) else "survived"
            f.write(f"| {r['id']} | {r['kind']} | {r['file']}:{r['line']} | `{r['new'].strip()}` | "
                    f"{verdict} | {r.get('tests', 'not run')} |\n")
    print((out / "summary.md").read_text().splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
