#!/usr/bin/env python3
"""Validate real `memhp ... --json` outputs against docs/schemas/v1/.

    python3 tests/schemas/validate.py BUILD/memhp [-v]

Runs the built memhp on inputs of this repository (tests/kernel/, tests/scenarios/,
docs/examples/, the explorer configurations `memhp explore --list` names, a small
`memhp prove`, short `memhp check` runs, ...), validates every JSON line or object
with the schema of its command (jsonschema.Draft202012Validator, Debian's
python3-jsonschema), prints one line per output checked and a summary, and exits 1
on any failure:

    SCHEMA FILE: output of 'memhp ...': path: error

It also checks the schema files themselves (check_schema, $schema, $id, title),
and for every schema validates real outputs mutated so that they must be REJECTED
(a required member deleted, a type or an enum value changed): a schema that
accepts them is too loose, and the test cannot pass vacuously. A few stream-level
rules the per-line schemas cannot state (the boot line of `memhp run --json` comes
first, `memhp replay --json` ends with its verdict) are checked too.

`memhp diff-kernel` needs QEMU and the pinned kernels; its schema is checked
against objects built the way cli/kernel.cpp builds them, not against real runs.

Exit status: 0 all held, 1 a check failed, 2 bad usage or memhp missing.
"""

import copy
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

try:
    import jsonschema
except ImportError:  # pragma: no cover
    sys.stderr.write("validate.py: needs python3-jsonschema (apt-get install python3-jsonschema)\n")
    sys.exit(2)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA_DIR = os.path.join(ROOT, "docs", "schemas", "v1")
DRAFT = "https://json-schema.org/draft/2020-12/schema"
TIMEOUT = 120  # seconds per memhp run; the whole script should take well under a minute

# The explorer's sequential configurations, capped so that every listed one is
# cheap; a few small ones also run to the end.
EXPLORE_CAP = "1000"
EXPLORE_FULL = ["x86-1slot", "x86-1slot-veto-mom", "x86-1slot-compact-mom", "x86-auto-kernel-mom"]
# A theorem quick to prove (about 1 s) and to refute under --mutant.
THEOREM = "memmap_on_memory_accounting"
# Walkers (kpageflags, compact_node), a WARN and ZONE_DEVICE, which the
# repository's traces do not exercise.
WALKERS_TRACE = """# memhp trace v1
geometry x86_64
profile v6.1 memmap_on_memory=1 memhp_default_state=offline movable_node=0 online_policy=contig-zones
boot node=0 start=0x0 size=1G
dimm_add node=0 start=0x100000000 size=128M
online_block block=32 type=online_movable
kpageflags pfn=0x100000 count=1024
compact_node node=0
memremap_pages id=0 type=fsdax node=0 ranges=0x140100000+1M
memremap_pages id=1 type=fsdax node=0 ranges=0x150000000+128M
kpageflags pfn=0x150000 count=16
memunmap_pages id=1
offline_block block=32
dimm_remove start=0x100000000
"""


class Failures:
    def __init__(self):
        self.items = []
        self.outputs = 0
        self.values = 0
        self.negatives = {}  # schema file -> negative checks rejected

    def fail(self, msg):
        self.items.append(msg)
        print("FAIL " + msg, flush=True)


F = Failures()
VERBOSE = False


def rel(path):
    return os.path.relpath(path, ROOT)


def json_path(error):
    parts = "".join("[%d]" % p if isinstance(p, int) else "." + str(p) for p in error.absolute_path)
    return "$" + parts


# ------------------------------------------------------------------ schemas --

SCHEMAS = {}  # file name -> (path, validator)


def load_schemas():
    names = sorted(n for n in os.listdir(SCHEMA_DIR) if n.endswith(".schema.json"))
    if not names:
        F.fail("%s: no *.schema.json files" % rel(SCHEMA_DIR))
    for name in names:
        path = os.path.join(SCHEMA_DIR, name)
        where = rel(path)
        try:
            with open(path, encoding="utf-8") as f:
                schema = json.load(f)
        except (OSError, ValueError) as e:
            F.fail("%s: not JSON: %s" % (where, e))
            continue
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.exceptions.SchemaError as e:
            F.fail("%s: not a valid draft 2020-12 schema: %s: %s" % (where, json_path(e), e.message))
            continue
        stem = name[: -len(".schema.json")]
        want_id = "memhp:schema/v1/%s.json" % stem
        if schema.get("$schema") != DRAFT:
            F.fail("%s: $.$schema: want %r" % (where, DRAFT))
        if schema.get("$id") != want_id:
            F.fail("%s: $.$id: want %r, got %r" % (where, want_id, schema.get("$id")))
        for member in ("title", "description"):
            if not isinstance(schema.get(member), str) or not schema[member]:
                F.fail("%s: $.%s: missing" % (where, member))
        SCHEMAS[name] = (where, jsonschema.Draft202012Validator(schema))
        print("schema %s: valid draft 2020-12" % where, flush=True)


def validator(schema):
    if schema not in SCHEMAS:
        F.fail("%s/%s: no such schema (or it did not load)" % (rel(SCHEMA_DIR), schema))
        return None, None
    return SCHEMAS[schema]


def errors_of(schema, value):
    where, v = validator(schema)
    if v is None:
        return None
    return sorted(v.iter_errors(value), key=lambda e: list(e.absolute_path))


def precise(error):
    """For a oneOf/anyOf that nothing matched, the error of the branch that came closest."""
    while error.context:
        branches = {}
        for e in error.context:
            branches.setdefault(e.relative_schema_path[0] if e.relative_schema_path else 0, []).append(e)
        # The branch with the fewest errors, and its deepest one.
        fewest = min(branches.values(), key=len)
        error = max(fewest, key=lambda e: len(e.absolute_path))
    return error


def check_values(schema, what, values, seconds=None):
    """Validates each value; one FAIL line per error."""
    where, v = validator(schema)
    if v is None:
        return False
    ok = True
    for i, value in enumerate(values):
        for e in errors_of(schema, value) or []:
            ok = False
            line = "line %d " % (i + 1) if len(values) > 1 else ""
            deep = precise(e)
            message = deep.message if deep is e else "%s (%s)" % (deep.message, e.validator)
            F.fail("%s: output of '%s': %s%s: %s" % (where, what, line, json_path(deep), message[:400]))
    F.outputs += 1
    F.values += len(values)
    print("%s %s: '%s': %d JSON value%s%s" % ("ok  " if ok else "BAD ", schema, what, len(values),
                                             "" if len(values) == 1 else "s",
                                             "" if seconds is None else ", %.2f s" % seconds), flush=True)
    return ok


def reject(schema, what, label, value):
    """A mutated real output that the schema must reject."""
    where, v = validator(schema)
    if v is None:
        return
    if not errors_of(schema, value):
        F.fail("%s: output of '%s': negative check '%s': the mutated output was ACCEPTED" % (where, what, label))
        return
    F.negatives[schema] = F.negatives.get(schema, 0) + 1
    if VERBOSE:
        print("ok   %s: rejects '%s' (%s)" % (schema, label, what), flush=True)


# ---------------------------------------------------------------- running --

class Output:
    def __init__(self, args, status, out, err, seconds, source=None):
        self.args, self.status, self.out, self.err, self.seconds = args, status, out, err, seconds
        self.source = source  # what stdin held

    @property
    def what(self):
        cmd = "memhp " + " ".join(shlex.quote(a) for a in self.args)
        return cmd + " < " + self.source if self.source else cmd


def memhp(args, stdin=None, statuses=(0,), source=None):
    t0 = time.monotonic()
    try:
        p = subprocess.run([MEMHP] + args, input=stdin, capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT)
    except subprocess.TimeoutExpired:
        o = Output(args, None, "", "", time.monotonic() - t0, source)
        F.fail("output of '%s': timed out after %d s" % (o.what, TIMEOUT))
        return None
    o = Output(args, p.returncode, p.stdout, p.stderr, time.monotonic() - t0, source)
    if p.returncode not in statuses:
        F.fail("output of '%s': exit status %d, want %s: %s" % (o.what, p.returncode, " or ".join(map(str, statuses)),
                                                               p.stderr.strip()[:400]))
        return None
    return o


def parse_lines(schema, o):
    """Every line of stdout as JSON; None (and a FAIL) if one is not."""
    values = []
    lines = o.out.splitlines()
    if not lines and schema == "run-full.schema.json" and o.status == 0:
        return values  # a trace with no step: --json-full has no boot line
    if not lines:
        F.fail("%s: output of '%s': no output" % (rel(os.path.join(SCHEMA_DIR, schema)), o.what))
        return None
    for i, line in enumerate(lines):
        try:
            values.append(json.loads(line))
        except ValueError as e:
            F.fail("%s: output of '%s': line %d is not JSON: %s: %r" % (rel(os.path.join(SCHEMA_DIR, schema)), o.what,
                                                                       i + 1, e, line[:200]))
            return None
    return values


def parse_one(schema, o):
    values = parse_lines(schema, o)
    if values is None:
        return None
    if len(values) != 1:
        F.fail("%s: output of '%s': want one JSON object, got %d lines" % (rel(os.path.join(SCHEMA_DIR, schema)),
                                                                          o.what, len(values)))
        return None
    return values[0]


def stream_rule(schema, o, ok, message):
    if not ok:
        F.fail("%s: output of '%s': %s" % (rel(os.path.join(SCHEMA_DIR, schema)), o.what, message))


# ------------------------------------------------------------ the outputs --

def traces():
    out = []
    for d in ("tests/kernel", "tests/kernel/v6.12", "tests/scenarios", "docs/examples"):
        full = os.path.join(ROOT, d)
        if os.path.isdir(full):
            out += sorted(os.path.join(d, n) for n in os.listdir(full) if n.endswith(".trace"))
    return out


def run_outputs(jobs):
    """(schema, Output, values) for each run of each command, run on `jobs` threads."""
    results = []

    def one(job):
        schema, args, stdin, statuses, source = job
        o = memhp(args, stdin, statuses, source)
        if o is None:
            return None
        values = parse_lines(schema, o)
        if values is None:
            return None
        return schema, o, values

    with ThreadPoolExecutor(max_workers=2) as pool:
        for r in pool.map(one, jobs):
            if r is not None:
                results.append(r)
    return results


def job(schema, args, stdin=None, statuses=(0,), source=None):
    """A memhp run whose stdout `schema` must accept; `source` names what stdin holds."""
    return (schema, args, stdin, statuses, source)


def first(results, schema, pred=lambda v: True, args_has=None):
    for s, o, values in results:
        if s != schema or (args_has and args_has not in o.args):
            continue
        for v in values:
            if pred(v):
                return o, v
    return None, None


def without(v, *path):
    v = copy.deepcopy(v)
    cur = v
    for p in path[:-1]:
        cur = cur[p]
    del cur[path[-1]]
    return v


def setting(v, value, *path):
    v = copy.deepcopy(v)
    cur = v
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return v


def adding(v, key, value):
    v = copy.deepcopy(v)
    v[key] = value
    return v


def main():
    global MEMHP, VERBOSE
    args = [a for a in sys.argv[1:] if a not in ("-v", "--verbose")]
    VERBOSE = len(args) != len(sys.argv) - 1
    if len(args) != 1:
        sys.stderr.write("usage: validate.py MEMHP [-v]\n")
        return 2
    MEMHP = os.path.abspath(args[0])
    if not os.access(MEMHP, os.X_OK):
        sys.stderr.write("validate.py: %s is not an executable memhp\n" % MEMHP)
        return 2
    t0 = time.monotonic()
    load_schemas()

    # Inputs named by memhp itself.
    listing = memhp(["explore", "--list"])
    sequential, threaded = [], []
    if listing:
        kind = sequential
        for line in listing.out.splitlines():
            if line.startswith("threaded configurations"):
                kind = threaded
            elif line.strip():
                kind.append(line.split()[0])
        if not sequential or not threaded:
            F.fail("output of 'memhp explore --list': no sequential or no threaded configuration")

    # The slowest first, so that the two workers finish together: --measure
    # runs a check suite and the explorer per fault (some 10 s of CPU with one
    # case each).
    jobs = [job("faults.schema.json", ["faults", "--json", "--measure", "--cases", "1"], statuses=(0, 1))]
    for t in traces():
        jobs.append(job("run.schema.json", ["run", "--json", t], statuses=(0, 1)))
        jobs.append(job("run-full.schema.json", ["run", "--json-full", t], statuses=(0, 1)))
        jobs.append(job("replay.schema.json", ["replay", "--json", t], statuses=(0, 1)))
    # What no trace of the repository does: walkers, WARNs, ZONE_DEVICE.
    for schema, args in (("run.schema.json", ["run", "--json", "-"]), ("run-full.schema.json", ["run", "--json-full", "-"]),
                         ("replay.schema.json", ["replay", "--json", "-"])):
        jobs.append(job(schema, args, WALKERS_TRACE, source="WALKERS_TRACE (validate.py)"))
    for t in ("tests/kernel/errno-cases.trace", "tests/kernel/v6.12/errno-cases.trace",
              "tests/kernel/dimm-256m-two-blocks.trace", "tests/kernel/shrink-zone-span-ends.trace"):
        jobs.append(job("diff-versions.schema.json", ["diff-versions", "--json", t], statuses=(0, 1)))
    jobs.append(job("diff-versions.schema.json",
                    ["diff-versions", "--json", "--from", "v6.12", "--to", "v6.19", "tests/kernel/v6.12/errno-cases.trace"],
                    statuses=(0, 1)))
    for c in sequential:
        jobs.append(job("explore.schema.json", ["explore", "--json", "--config", c, "--max-states", EXPLORE_CAP]))
    for c in EXPLORE_FULL:
        jobs.append(job("explore.schema.json", ["explore", "--json", "--config", c]))
    for c in threaded:
        jobs.append(job("explore.schema.json", ["explore", "--json", "--config", c]))
    # Violations: an engineered mutant, and a historical race.
    jobs.append(job("explore.schema.json", ["explore", "--json", "--config", "x86-1slot-mom", "--mutant",
                                            "vmemmap_freed_to_buddy"], statuses=(1,)))
    jobs.append(job("explore.schema.json", ["explore", "--json", "--config", "race-devmap-pfn-valid", "--fault",
                                            "pfn_valid_usage_race"], statuses=(1,)))
    jobs.append(job("check.schema.json", ["check", "--cases", "20", "--seed", "1", "--no-store", "--json"]))
    jobs.append(job("check.schema.json", ["check", "--suite", "device", "--cases", "10", "--seed", "1", "--no-store",
                                          "--json"], statuses=(0, 1)))
    jobs.append(job("check.schema.json", ["check", "--cases", "20", "--seed", "1", "--no-store", "--json", "--mutant",
                                          "vmemmap_freed_to_buddy"], statuses=(1,)))
    shard_args = ["check", "--suite", "quick", "--cases", "6", "--steps", "30", "--no-store", "--json", "--swarm",
                  "--seed", "5", "--shard"]
    jobs.append(job("check.schema.json", shard_args + ["0/2"], statuses=(0, 1)))
    jobs.append(job("check.schema.json", shard_args + ["1/2"], statuses=(0, 1)))
    jobs.append(job("check.schema.json", ["check", "--suite", "quick", "--cases", "6", "--steps", "30", "--no-store",
                                          "--json", "--seed", "7", "--shard", "2/3"], statuses=(0, 1)))
    jobs.append(job("merge.schema.json", ["check", "--suite", "quick", "--cases", "4", "--steps", "20", "--no-store",
                                          "--json", "--seed", "3", "--jobs", "2"], statuses=(0, 1)))
    jobs.append(job("prove.schema.json", ["prove", "--json", "--theorem", THEOREM]))
    jobs.append(job("prove.schema.json", ["prove", "--json", "--mutant", "--theorem", THEOREM]))
    jobs.append(job("prove.schema.json", ["prove", "--json", "--conformance-only"]))
    jobs.append(job("prove.schema.json", ["prove", "--json", "--conformance-only", "--conformance-mutant",
                                          "eject_rollback_skips_online"], statuses=(1,)))
    jobs.append(job("faults.schema.json", ["faults", "--json"]))
    jobs.append(job("invariants.schema.json", ["invariants", "--json"]))
    for g, size, align in (("x86_64", "1T", "2M"), ("x86_64", "128M", "4K"), ("arm64-64k", "16G", "512M"),
                           ("ppc64-64k", "1G", "16M"), ("arm64-4k", "2G", "1G")):
        jobs.append(job("memmap-cost.schema.json", ["memmap-cost", "--json", "--geometry", g, "--size", size,
                                                    "--align", align]))

    results = run_outputs(jobs)

    # Second round: what the first one found, replayed and merged.
    jobs = []
    for s, o, values in results:
        if not values:
            continue
        v = values[0]
        if s == "explore.schema.json":
            for viol in v.get("violations", []):
                source = "the %s trace of '%s'" % (viol["invariant"], o.what)
                jobs.append(job("replay.schema.json", ["replay", "--json", "-"], viol["trace"], (1,), source))
                if viol["trace"].startswith("# memhp threaded trace v1\n"):
                    # The same schedule without the fault.
                    clean = "".join(l for l in viol["trace"].splitlines(True) if not l.startswith("mutant "))
                    jobs.append(job("replay.schema.json", ["replay", "--json", "-"], clean, (0, 1),
                                    source + " without its mutant"))
        if s == "check.schema.json" and v.get("failure"):
            jobs.append(job("replay.schema.json", ["replay", "--json", "-"], v["failure"]["trace"], (1,),
                            "the failure trace of '%s'" % o.what))
        if s == "faults.schema.json":
            # The explorer's shortest trace to each fault: violations, BUGs, races.
            for fault in v.get("faults", []):
                shortest = fault.get("shortest")
                if not isinstance(shortest, dict) or not isinstance(shortest.get("trace"), str):
                    continue
                source = "the shortest trace of fault %s" % fault.get("name")
                jobs.append(job("replay.schema.json", ["replay", "--json", "-"], shortest["trace"], (0, 1), source))
                if not shortest["trace"].startswith("# memhp threaded trace v1\n"):
                    jobs.append(job("run.schema.json", ["run", "--json", "-"], shortest["trace"], (0, 1), source))
                    jobs.append(job("run-full.schema.json", ["run", "--json-full", "-"], shortest["trace"], (0, 1),
                                    source))
    tmpdir = tempfile.TemporaryDirectory(prefix="memhp-schemas-")
    tmp = tmpdir.name
    shards = [(o, values[0]) for s, o, values in results if s == "check.schema.json" and "--swarm" in o.args]
    if len(shards) == 2:
        names = []
        for o, v in shards:
            name = os.path.join(tmp, "shard-%s.json" % v["shard"]["index"])
            with open(name, "w") as f:
                f.write(o.out)
            names.append(name)
        jobs.append(job("merge.schema.json", ["merge", "--json", "--store", os.path.join(tmp, "store")] + names,
                        statuses=(0, 1)))
    else:
        F.fail("output of 'memhp check --shard': want the two swarm shards to merge, got %d" % len(shards))
    results += run_outputs(jobs)
    tmpdir.cleanup()

    # Every value against its schema, and the stream rules.
    for s, o, values in results:
        check_values(s, o.what, values, o.seconds)
        if s == "run.schema.json":
            stream_rule(s, o, bool(values) and values[0].get("op") == "boot" and
                        all(v.get("op") != "boot" for v in values[1:]),
                        "the boot line must come first, and only once")
        if s == "replay.schema.json":
            stream_rule(s, o, bool(values) and "violation" in values[-1] and
                        all("violation" not in v for v in values[:-1]),
                        "the verdict must come last, and only once")
        if s in ("run.schema.json", "run-full.schema.json", "replay.schema.json"):
            lines = [v["line"] for v in values if "line" in v and "violation" not in v]
            if "thread" not in (values[0] if values else {}):
                stream_rule(s, o, lines == sorted(lines), "step lines must not go backwards: %s" % lines)
        if s != "run.schema.json" and s != "run-full.schema.json" and s != "replay.schema.json":
            stream_rule(s, o, len(values) == 1, "want one JSON object, got %d lines" % len(values))

    negative_checks(results)
    diff_kernel_checks()

    for name in sorted(SCHEMAS):
        if not any(s == name for s, _, _ in results) and name != "diff-kernel.schema.json":
            F.fail("%s: no real output was checked against it" % SCHEMAS[name][0])
        if not F.negatives.get(name):
            F.fail("%s: no negative check ran against it" % SCHEMAS[name][0])

    seconds = time.monotonic() - t0
    print("%d outputs (%d JSON values) checked against %d schemas, %d negative checks rejected as they must be, "
          "in %.1f s: %s" % (F.outputs, F.values, len(SCHEMAS), sum(F.negatives.values()), seconds,
                             "%d FAILED" % len(F.items) if F.items else "all held"), flush=True)
    if F.items:
        print("\nfailures:")
        for m in F.items:
            print(m)
    return 1 if F.items else 0


# ---------------------------------------------------- negative checks --

def negative_checks(results):
    """Real outputs, mutated; each mutation must be rejected by the schema."""

    def neg(schema, label, mutate, pred=lambda v: True, args_has=None):
        where = rel(os.path.join(SCHEMA_DIR, schema))

        def applies(v):
            try:
                return bool(pred(v))
            except (KeyError, IndexError, TypeError, AttributeError, StopIteration):
                return False

        o, v = first(results, schema, applies, args_has)
        if v is None:
            F.fail("%s: negative check '%s': no real output to mutate" % (where, label))
            return
        try:
            mutated = mutate(v)
        except (KeyError, IndexError, TypeError, AttributeError, StopIteration) as e:
            F.fail("%s: output of '%s': negative check '%s': cannot mutate it (%s: %s missing?)" %
                   (where, o.what, label, type(e).__name__, e))
            return
        reject(schema, o.what, label, mutated)

    s = "run.schema.json"
    boot = lambda v: v.get("op") == "boot"
    step = lambda v: v.get("op") not in (None, "boot")
    neg(s, "errno deleted", lambda v: without(v, "errno"), step)
    neg(s, "errno 7 (no such errno)", lambda v: setting(v, 7, "errno"), step)
    neg(s, "line as a string", lambda v: setting(v, str(v["line"]), "line"), step)
    neg(s, "boot line on line 3", lambda v: setting(v, 3, "line"), boot)
    neg(s, "op unknown", lambda v: setting(v, "hotplug", "op"), step)
    neg(s, "changed names no System field", lambda v: setting(v, v["changed"] + ["zones"], "changed"), boot)
    neg(s, "zone lost contiguous", lambda v: without(v, "zones", next(iter(v["zones"])), "contiguous"),
        lambda v: any(z for z in v["zones"].values()))
    neg(s, "zone key without node", lambda v: setting(v, {"Movable": list(v["zones"].values())[0]}, "zones"),
        lambda v: any(z for z in v["zones"].values()))
    neg(s, "block state 'onlined'", lambda v: setting(v, "onlined", "blocks", 0, "state"),
        lambda v: v["blocks"] and v["blocks"][0].get("state"))
    neg(s, "removed block run with a zone", lambda v: setting(v, "Normal", "blocks", 0, "zone"),
        lambda v: v["blocks"] and v["blocks"][0].get("state") is None)
    neg(s, "valid_zones 'Normal,Movable'", lambda v: setting(v, "Normal,Movable", "blocks", 0, "valid_zones"),
        lambda v: v["blocks"] and v["blocks"][0].get("state"))
    neg(s, "section usage 'vmalloc'", lambda v: setting(v, "vmalloc", "sections", 0, "usage"),
        lambda v: v["sections"])
    neg(s, "section lost nid", lambda v: without(v, "sections", 0, "nid"), lambda v: v["sections"])
    neg(s, "partial false", lambda v: setting(v, False, "partial"), lambda v: "partial" in v)
    neg(s, "notes empty", lambda v: setting(v, [], "notes"), lambda v: "notes" in v)
    neg(s, "unknown member", lambda v: adding(v, "state", "online"), step)
    neg(s, "nodes deleted", lambda v: without(v, "nodes"), step)
    neg(s, "node lost has_memory", lambda v: without(v, "nodes", next(iter(v["nodes"])), "has_memory"),
        lambda v: any(n for n in v["nodes"].values()))
    neg(s, "expect.held as a string", lambda v: setting(v, "yes", "expect", "held"), lambda v: "expect" in v)
    neg(s, "expect.want as a name", lambda v: setting(v, "-EBUSY", "expect", "want"), lambda v: "expect" in v)
    neg(s, "boot line with an expect", lambda v: adding(v, "expect", {"want": 0, "held": True}), boot)
    neg(s, "block vmemmap 'altmap'", lambda v: setting(v, "altmap", "blocks", 0, "vmemmap"),
        lambda v: v["blocks"] and v["blocks"][0].get("state"))
    neg(s, "block lost nr_vmemmap_pages", lambda v: without(v, "blocks", 0, "nr_vmemmap_pages"),
        lambda v: v["blocks"] and v["blocks"][0].get("state"))

    s = "run-full.schema.json"
    neg(s, "blocks deleted", lambda v: without(v, "blocks"))
    neg(s, "block keyed by name", lambda v: setting(v, {"memory32": list(v["blocks"].values())[0]}, "blocks"),
        lambda v: v["blocks"])
    neg(s, "block zone 'HighMem'", lambda v: setting(v, "HighMem", "blocks", next(iter(v["blocks"])), "zone"),
        lambda v: v["blocks"])
    neg(s, "zone null", lambda v: setting(v, None, "zones", next(iter(v["zones"]))), lambda v: v["zones"])
    neg(s, "spanned negative", lambda v: setting(v, -1, "zones", next(iter(v["zones"])), "spanned"),
        lambda v: v["zones"])
    neg(s, "changed member (the --json form's)", lambda v: adding(v, "changed", []))
    neg(s, "node null", lambda v: setting(v, None, "nodes", next(iter(v["nodes"]))), lambda v: v["nodes"])
    neg(s, "block lost vmemmap", lambda v: without(v, "blocks", next(iter(v["blocks"])), "vmemmap"),
        lambda v: v["blocks"])

    s = "replay.schema.json"
    seq_step = lambda v: "diff" in v and "thread" not in v
    neg(s, "diff deleted", lambda v: without(v, "diff"), seq_step)
    neg(s, "op not an op", lambda v: setting(v, "hot_add node=0", "op"), seq_step)
    neg(s, "notes member (run's, not replay's)", lambda v: adding(v, "notes", ["x"]), seq_step)
    neg(s, "diff as text lines (the earlier form)", lambda v: setting(v, [e["what"] for e in v["diff"]], "diff"),
        lambda v: seq_step(v) and v["diff"])
    neg(s, "diff entry field 'zones'", lambda v: setting(v, "zones", "diff", 0, "field"),
        lambda v: seq_step(v) and v["diff"])
    neg(s, "diff entry with neither old nor new", lambda v: setting(setting(v, None, "diff", 0, "old"), None,
                                                                    "diff", 0, "new"),
        lambda v: seq_step(v) and v["diff"])
    neg(s, "diff entry lost what", lambda v: without(v, "diff", 0, "what"), lambda v: seq_step(v) and v["diff"])
    neg(s, "verdict violation as a string", lambda v: setting(v, "none", "violation"),
        lambda v: "violation" in v and "finished" not in v)
    neg(s, "violation lost line", lambda v: without(v, "violation", "line"),
        lambda v: "finished" not in v and isinstance(v.get("violation"), dict))
    neg(s, "threaded step thread 0", lambda v: setting(v, 0, "thread"), lambda v: "thread" in v)
    neg(s, "threaded step lost step", lambda v: without(v, "step"), lambda v: "thread" in v)
    neg(s, "threaded step diff as strings",
        lambda v: setting(v, ["pfn 0x1: a -> b"], "diff"),
        lambda v: "thread" in v)
    neg(s, "op_finished false", lambda v: setting(v, False, "op_finished"), lambda v: "op_finished" in v)
    neg(s, "threaded verdict finished as a string", lambda v: setting(v, "yes", "finished"),
        lambda v: "finished" in v)

    s = "check.schema.json"
    plain = lambda v: v.get("shard") is None and v.get("failure") is None
    neg(s, "seed as a string", lambda v: setting(v, str(v["seed"]), "seed"), plain)
    neg(s, "top_up_rounds deleted", lambda v: without(v, "top_up_rounds"), plain)
    neg(s, "suite 'all'", lambda v: setting(v, "all", "suite"), plain)
    neg(s, "op result 'fine'", lambda v: setting(v, {"fine": 1}, "ops", next(iter(v["ops"]))), plain)
    neg(s, "ops keyed by an unknown op", lambda v: setting(v, {"ok": 1}, "ops", "hot_add"), plain)
    neg(s, "passed with a failure", lambda v: setting(v, True, "passed"), lambda v: v.get("failure"))
    neg(s, "failure lost trace", lambda v: without(v, "failure", "trace"), lambda v: v.get("failure"))
    neg(s, "passed with a coverage gap", lambda v: setting(v, ["op alloc never succeeded"], "coverage_gaps"), plain)
    neg(s, "shard lost campaign_seed", lambda v: without(v, "shard", "campaign_seed"), lambda v: v.get("shard"))
    neg(s, "swarm without off", lambda v: without(v, "shard", "swarm", "off"),
        lambda v: v.get("shard") and v["shard"]["swarm"])

    s = "merge.schema.json"
    neg(s, "shards deleted", lambda v: without(v, "shards"))
    neg(s, "swarm as null", lambda v: setting(v, None, "swarm"))
    neg(s, "shard lost its seed", lambda v: without(v, "shards", 0, "seed"))
    neg(s, "witness keyed by a sentence", lambda v: setting(v, 1, "witnesses", "Zone choice: ok"))
    neg(s, "passed with a violation",
        lambda v: setting(setting(v, [{"invariant": "no_kernel_bug", "message": "m", "steps": 1, "shard": 0,
                                       "found_by": [0], "stored_as": "", "trace": "# memhp trace v1\n"}],
                                  "violations"), True, "passed"))
    neg(s, "passed with a coverage gap",
        lambda v: setting(setting(v, ["no shard covered x"], "coverage_gaps"), True, "passed"))
    neg(s, "violation lost found_by",
        lambda v: setting(v, [{"invariant": "no_kernel_bug", "message": "m", "steps": 1, "shard": 0,
                               "stored_as": "", "trace": "# memhp trace v1\n"}], "violations"))

    s = "explore.schema.json"
    seq = lambda v: "edges" in v
    thr = lambda v: "threads" in v
    neg(s, "passed deleted", lambda v: without(v, "passed"), seq)
    neg(s, "states as a float string", lambda v: setting(v, "44", "states"), seq)
    neg(s, "op lost skipped", lambda v: without(v, "ops", 0, "skipped"), seq)
    neg(s, "passed with a violation", lambda v: setting(v, True, "passed"), lambda v: seq(v) and v["violations"])
    neg(s, "violation trace not a trace", lambda v: setting(v, "dimm_add", "violations", 0, "trace"),
        lambda v: seq(v) and v["violations"])
    neg(s, "threaded: lock_order as a number", lambda v: setting(v, 5, "lock_order"), thr)
    neg(s, "threaded: edges member (the sequential form's)", lambda v: adding(v, "edges", 1), thr)
    neg(s, "threaded: passed with a violation", lambda v: setting(v, True, "passed"), lambda v: thr(v) and v["violations"])
    neg(s, "threaded: violation trace sequential",
        lambda v: setting(v, "# memhp trace v1\n", "violations", 0, "trace"), lambda v: thr(v) and v["violations"])

    s = "prove.schema.json"
    thm = lambda v: "theorems" in v
    neg(s, "result 'maybe'", lambda v: setting(v, "maybe", "theorems", 0, "result"), thm)
    neg(s, "premises deleted", lambda v: without(v, "theorems", 0, "premises"), thm)
    neg(s, "obligation lost reason", lambda v: without(v, "theorems", 0, "obligations", 0, "reason"), thm)
    neg(s, "mutant expected proved", lambda v: setting(v, "proved", "theorems", 0, "expected"),
        lambda v: v.get("mutant"))
    neg(s, "counterexample lost summary", lambda v: without(v, "theorems", 0, "counterexample", "summary"),
        lambda v: thm(v) and "counterexample" in v["theorems"][0])
    neg(s, "seconds as a string", lambda v: setting(v, "1.5", "seconds"), thm)
    neg(s, "conformance row lost block_steps", lambda v: without(v, "conformance", 0, "block_steps"),
        lambda v: "diverged" in v)
    neg(s, "diverged 0 beside a divergence", lambda v: setting(v, 0, "diverged"),
        lambda v: v.get("diverged"))
    neg(s, "conforming row with a divergence", lambda v: setting(v, "x", "conformance", 0, "divergence"),
        lambda v: "diverged" in v and v["conformance"] and v["conformance"][0]["conforms"])

    s = "faults.schema.json"
    neg(s, "fixed_in deleted", lambda v: without(v, "faults", 0, "fixed_in"))
    neg(s, "fixed_in '6'", lambda v: setting(v, "6", "faults", 0, "fixed_in"))
    neg(s, "still_in as an array", lambda v: setting(v, ["6.19"], "faults", 0, "still_in"))
    neg(s, "missed as a bool", lambda v: setting(v, False, "missed"))
    neg(s, "caught without by_restored_invariant",
        lambda v: setting(v, {"suite": "ram", "caught": True, "invariant": "no_kernel_bug", "seconds": 0.5,
                              "shrunk_steps": 3}, "faults", 0, "caught"))

    s = "invariants.schema.json"
    neg(s, "reads 'sometimes'", lambda v: setting(v, "sometimes", "invariants", 0, "reads"))
    neg(s, "id deleted", lambda v: without(v, "invariants", 0, "id"))
    neg(s, "property ops as a string", lambda v: setting(v, "2", "properties", 0, "ops"), lambda v: v["properties"])
    neg(s, "mutant lost aimed_at", lambda v: without(v, "mutants", 0, "aimed_at"), lambda v: v["mutants"])
    neg(s, "killed_by empty", lambda v: setting(v, [], "invariants", 0, "killed_by"))

    s = "memmap-cost.schema.json"
    neg(s, "with_dedup lost pte_tables", lambda v: without(v, "with_dedup", "pte_tables"))
    neg(s, "compound_path as 1", lambda v: setting(v, 1, "compound_path"))
    neg(s, "geometry 'x86'", lambda v: setting(v, "x86", "geometry"))

    s = "diff-versions.schema.json"
    neg(s, "diverged without first", lambda v: without(v, "first"), lambda v: v.get("diverged"))
    neg(s, "first lost state_diff", lambda v: without(v, "first", "state_diff"), lambda v: v.get("diverged"))
    neg(s, "errno_to as a name", lambda v: setting(v, "-EINVAL", "first", "errno_to"), lambda v: v.get("diverged"))
    neg(s, "agreeing_steps deleted", lambda v: without(v, "agreeing_steps"))


def diff_kernel_checks():
    """diff-kernel runs QEMU: its schema meets objects built as cli/kernel.cpp builds them."""
    s = "diff-kernel.schema.json"
    what = "memhp diff-kernel (built as cli/kernel.cpp builds it; needs QEMU to run)"
    agree = {"trace": "tests/kernel/errno-cases.trace", "steps": 6, "agree": True}
    disagree = {"trace": "tests/kernel/errno-cases.trace", "steps": 3, "agree": False, "line": 12,
                "op": "online_block block=32 type=online_movable", "details": ["block 32: model online, kernel offline"]}
    random = {"traces": 2, "agree": 1, "profile": "v6.1",
              "disagreements": [{"seed": 2, "trace": ".memhp/kernel-failures/x.trace", "line": 9,
                                 "op": "dimm_add node=0 start=0x100000000 size=128M", "details": ["errno: 0 vs -16"]}]}
    check_values(s, what, [agree, disagree, random])
    reject(s, what, "disagreement without details", without(disagree, "details"))
    reject(s, what, "agreement with a line", adding(agree, "line", 3))
    reject(s, what, "random: profile 'v5.10'", setting(random, "v5.10", "profile"))
    reject(s, what, "random: disagreement lost seed", without(random, "disagreements", 0, "seed"))


MEMHP = None

if __name__ == "__main__":
    sys.exit(main())
