#!/usr/bin/env python3
"""Runs campaign/k8s-job.yaml's pods here, one per completion index.

    k8s_indexed_job.py JOB.yaml OUT [NAME=VALUE...]

Reads the Job, checks what the recipe relies on (an Indexed Job, SHARDS
equal to completions), and runs the container's command with its env, OUT
and any NAME=VALUE given overriding the file's values, once for each
JOB_COMPLETION_INDEX in 0..completions-1, in turn. memhp must be on PATH.
Exit status: 0 when every pod would have succeeded, else the first failing
pod's status (2 for a Job that does not hold).
"""
import os
import subprocess
import sys

import yaml


def fail(message):
    print("k8s_indexed_job: " + message, file=sys.stderr)
    sys.exit(2)


def main():
    if len(sys.argv) < 3:
        fail("usage: k8s_indexed_job.py JOB.yaml OUT [NAME=VALUE...]")
    with open(sys.argv[1]) as f:
        job = yaml.safe_load(f)
    if job.get("kind") != "Job" or job.get("apiVersion") != "batch/v1":
        fail("not a batch/v1 Job")
    spec = job["spec"]
    if spec.get("completionMode") != "Indexed":
        fail("completionMode is not Indexed")
    completions = int(spec["completions"])
    pod = spec["template"]["spec"]
    if pod.get("restartPolicy") != "Never":
        fail("restartPolicy is not Never (a shard that found a violation must not rerun)")
    (container,) = pod["containers"]
    env = {e["name"]: str(e["value"]) for e in container.get("env", [])}
    if int(env.get("SHARDS", "0")) != completions:
        fail("SHARDS (%s) is not completions (%d)" % (env.get("SHARDS"), completions))
    env["OUT"] = sys.argv[2]
    for override in sys.argv[3:]:
        name, _, value = override.partition("=")
        env[name] = value
    argv = list(container["command"]) + list(container.get("args", []))
    for index in range(completions):
        pod_env = dict(os.environ, **env, JOB_COMPLETION_INDEX=str(index))
        status = subprocess.run(argv, env=pod_env).returncode
        if status != 0:
            print("k8s_indexed_job: pod %d exited with %d" % (index, status), file=sys.stderr)
            sys.exit(status)


if __name__ == "__main__":
    main()
