#!/usr/bin/env python3
"""bench/profile_report.py - writes docs/profile.md from bench/profile.sh's work directory.

usage: profile_report.py WORKDIR OUT DATE MACHINE VERSIONS PERF(0|1)

Reads, per row NAME: NAME.json (loadgen's line; "served" is every request answered
between the zeroing and the dump of callgrind's counters), NAME.cg (callgrind's dump) and, with perf, NAME.perf (perf report --sort dso).
"""
import json
import os
import re
import sys

ROWS = [
    ("GetItem", "GetItem", "a random item of 1,000 (~100 bytes)"),
    ("Query", "Query", "one partition, 10 items"),
    ("PutItem", "PutItem", "a new item, durable (group commit)"),
    ("UpdateItem", "UpdateItem", "`SET n = n + :one` with a condition, durable"),
    ("echo", "echo message", "a `sendmessage`-style two-way route through the C handler, 1 client"),
]
PERF_ROWS = [
    ("GetItem", "GetItem, 16 connections"),
    ("PutItem", "PutItem durable, 16 connections"),
    ("PutItem-in-memory", "PutItem `--in-memory`, 16 connections"),
    ("echo", "echo, 16 clients × 4 in flight"),
]
GROUPS = [
    ("wsgw", lambda o: o == "wsgw"),
    ("civetweb", lambda o: o.startswith("libcivetweb")),
    ("libc", lambda o: o.startswith("libc.so") or o.startswith("libm.so")),
    ("cJSON", lambda o: o.startswith("libcjson")),
    ("LMDB", lambda o: o.startswith("liblmdb")),
]
# Debian's civetweb is stripped; these addresses were read from its disassembly
# (civetweb 1.15+dfsg-4, amd64) and are named only for that build.
CIVETWEB_NAMES = {
    "0x0000000000006fa0": "get_http_header_len (the request head, a byte at a time, isprint per byte)",
    "0x0000000000006b80": "parse_http_headers (header names and values)",
}


def group_of(obj):
    for name, test in GROUPS:
        if test(obj):
            return name
    return "other"


def read_self(path):
    """Self cost per (function, object) from a callgrind file written with
    --compress-strings=no: a cost line right after a calls= line is the
    inclusive cost of that call; every other cost line belongs to the current
    fn. (callgrind_annotate 3.19 counts calls still in progress at a mid-run
    dump, calls=0, as self cost of their callers.)"""
    cost = {}
    ob = fn = "?"
    after_call = False
    summary = None
    with open(path) as f:
        for line in f:
            if line[:1].isdigit() or line[:1] in "+-*":
                if after_call:
                    after_call = False
                    continue
                parts = line.split()
                if len(parts) >= 2:
                    key = (fn, ob)
                    cost[key] = cost.get(key, 0) + int(parts[1])
                continue
            if line.startswith("ob="):
                ob = os.path.basename(line[3:].strip())
            elif line.startswith("fn="):
                fn = line[3:].strip()
            elif line.startswith("calls="):
                after_call = True
            elif line.startswith("totals:") or (line.startswith("summary:") and summary is None):
                summary = int(line.split()[1])
    rows = [(n, f, o) for (f, o), n in cost.items()]
    total = sum(r[0] for r in rows)
    if summary and abs(total - summary) > summary * 0.001:
        sys.stderr.write("profile_report: %s: self costs sum to %d, the summary says %d\n"
                         % (path, total, summary))
    return rows


def fn_label(fn, obj):
    name = fn.split("'")[0]
    if obj.startswith("libcivetweb") and name in CIVETWEB_NAMES:
        name = "civetweb " + CIVETWEB_NAMES[name]
    elif obj != "wsgw":
        name = "%s (%s)" % (name, group_of(obj))
    return name


def fmt(n):
    return "{:,.0f}".format(n)


def main():
    work, out, date, machine, versions, perf = sys.argv[1:7]
    md = []
    md.append("# Profile: where a request's time goes\n")
    md.append("Written by `make profile` (`bench/profile.sh`); do not edit by hand. It is the "
              "evidence behind the\n\"Targets not met\" section of "
              "[benchmarks.md](benchmarks.md).\n")
    md.append("- **Date:** %s\n- **Machine:** %s\n- **Versions:** %s\n" % (date, machine, versions))
    md.append("## User-space instructions per request (callgrind)\n")
    md.append("wsgw (Release, `-g`) runs under `valgrind --tool=callgrind`; `bench/loadgen` warms it up, "
              "zeroes the counters,\nsends a fixed number of requests (4 keep-alive connections; the "
              "echo row: 1 client, 1 in flight),\nwaits until nothing is in flight, and dumps the "
              "counters. Each figure is instructions (Ir) divided by\nthe requests answered "
              "between the zeroing and the dump. The kernel's share (TCP, poll, futex, fsync)\n"
              "is not counted here; see the perf table below.\n")
    head = "| request | Ir per request | " + " | ".join(g for g, _ in GROUPS) + " | other |"
    md.append(head)
    md.append("|" + "---|" * (len(GROUPS) + 3))
    tops = []
    for name, label, what in ROWS:
        jpath, spath = os.path.join(work, name + ".json"), os.path.join(work, name + ".cg")
        if not (os.path.exists(jpath) and os.path.exists(spath)):
            md.append("| %s | (row failed) |%s" % (label, " |" * (len(GROUPS) + 1)))
            continue
        with open(jpath) as f:
            res = json.loads(f.read().strip().splitlines()[-1])
        served = res.get("served") or res.get("received") or res.get("ops")
        rows = read_self(spath)
        total = sum(r[0] for r in rows)
        by = {}
        for n, fn, obj in rows:
            by[group_of(obj)] = by.get(group_of(obj), 0) + n
        cells = ["%s (%.0f %%)" % (fmt(by.get(g, 0) / served), 100.0 * by.get(g, 0) / total)
                 for g, _ in GROUPS + [("other", None)]]
        md.append("| %s: %s | **%s** | %s |" % (label, what, fmt(total / served), " | ".join(cells)))
        rows.sort(reverse=True)
        tops.append((label, served, total, rows[:10]))
    md.append("")
    md.append("### The costliest functions, self cost\n")
    for label, served, total, rows in tops:
        md.append("**%s** (%s requests):\n" % (label, fmt(served)))
        md.append("| function | Ir per request | share |")
        md.append("|---|---|---|")
        for n, fn, obj in rows:
            md.append("| %s | %s | %.1f %% |" % (fn_label(fn, obj).replace("|", "\\|"), fmt(n / served),
                                                 100.0 * n / total))
        md.append("")
    if perf == "1":
        md.append("## Where the CPU time goes, kernel included (perf)\n")
        md.append("The Release build at full speed, `perf record -g -p PID -- sleep 3` during the "
                  "load; shares of the\nserver's samples by binary (`perf report --sort dso`). "
                  "`[kernel.kallsyms]` is mostly loopback TCP\n(send and receive), poll and futex.\n")
        md.append("| load | kernel | civetweb | libc | wsgw | cJSON | LMDB | other |")
        md.append("|---|---|---|---|---|---|---|---|")
        for name, label in PERF_ROWS:
            p = os.path.join(work, name + ".perf")
            shares = {}
            if os.path.exists(p):
                with open(p) as f:
                    for line in f:
                        m = re.match(r"^\s*([\d.]+)%\s+(\S+)", line)
                        if not m:
                            continue
                        dso = m.group(2)
                        key = "kernel" if "kernel" in dso else group_of(os.path.basename(dso))
                        shares[key] = shares.get(key, 0.0) + float(m.group(1))
            if not shares:
                md.append("| %s | (row failed) | | | | | | |" % label)
                continue
            cols = ["kernel", "civetweb", "libc", "wsgw", "cJSON", "LMDB", "other"]
            md.append("| %s | %s |" % (label, " | ".join("%.1f %%" % shares.get(c, 0.0) for c in cols)))
        md.append("")
    md.append("## How it was run\n")
    md.append("```sh\nmake profile                   # = bench/profile.sh; QUICK=1 bench/profile.sh "
              "for a short run that prints instead\ncmake -S . -B build-profile "
              "-DCMAKE_BUILD_TYPE=Release -DWSGW_TESTS=OFF \\\n  \"-DCMAKE_C_FLAGS=-g "
              "-fno-omit-frame-pointer -DSTORE_MAP_SIZE=1073741824\"   # valgrind cannot map 64 GB\n"
              "valgrind --tool=callgrind --compress-strings=no --compress-pos=no build-profile/wsgw "
              "serve --config fixtures/chat-app.json --port P --data-dir DIR\n"
              "build-profile/loadgen dynamo --port P --op GetItem|Query|PutItem|UpdateItem --conns 4 "
              "--warmup 2 --count 10000 \\\n  --before-measure 'callgrind_control -z PID' "
              "--after-measure 'callgrind_control -d NAME PID'\n"
              "build-profile/loadgen echo --port P --path /dev --clients 1 --inflight 1 "
              "--warmup-count 300 --count 5000 (same hooks)\n"
              "bench/profile_report.py ...   # self cost per function from the dump (callgrind.out.PID.1)\n"
              "perf record -g -p PID -- sleep 3; perf report --no-children --sort dso --stdio\n```\n")
    with open(out, "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
