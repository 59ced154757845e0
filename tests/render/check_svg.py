#!/usr/bin/env python3
"""Structural check of `memhp render` output: parse the SVG and HTML with a
real XML parser and look for the elements a 128 MiB memmap_on_memory DIMM
must produce.

usage: check_svg.py MEMHP SOURCE_DIR

The expected pfns come from the kernel's arithmetic, not from the model:
the DIMM at 4 GiB starts at pfn 0x100000; its block's memmap is 32768
pages x 64 bytes = 512 pages (0x200), placed at the block's start
(memory_block_online() with memmap_on_memory).
"""
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def render(memhp, trace, *args):
    r = subprocess.run([memhp, "render", trace, *args], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"memhp render {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def segments(root):
    """Every segment: (lane, classes, start, end, title, label)."""
    out = []
    for g in root.iter(SVG + "g"):
        classes = g.get("class", "").split()
        if "seg" not in classes:
            continue
        title = g.find(SVG + "title")
        text = g.find(SVG + "text")
        rect = g.find(SVG + "rect")
        if title is None or rect is None:
            fail(f"segment without <title> or <rect>: {ET.tostring(g)[:120]}")
        out.append((g.get("data-lane"), classes, int(g.get("data-start"), 16), int(g.get("data-end"), 16),
                    title.text or "", text.text if text is not None else ""))
    return out


def find(segs, lane, pfn):
    hits = [s for s in segs if s[0] == lane and s[2] <= pfn < s[3]]
    if len(hits) != 1:
        fail(f"lane {lane!r} has {len(hits)} segments at pfn {pfn:#x}")
    return hits[0]


def main():
    memhp, src = sys.argv[1], sys.argv[2]
    trace = os.path.join(src, "tests/kernel/dimm-128m-memmap-on-memory.trace")
    with tempfile.TemporaryDirectory() as tmp:
        svg_path = os.path.join(tmp, "online.svg")
        render(memhp, trace, "--step", "2", "--svg", svg_path)
        root = ET.parse(svg_path).getroot()
        if root.tag != SVG + "svg":
            fail(f"root element is {root.tag}")
        lanes = {g.get("data-lane") for g in root.iter(SVG + "g") if g.get("class") == "lane"}
        for lane in ["iomem", "ACPI DIMMs", "node 0", "0:Movable", "sections", "subsections",
                     "memory blocks", "pages"]:
            if lane not in lanes:
                fail(f"no lane {lane!r} (lanes: {sorted(lanes)})")
        segs = segments(root)
        vm = find(segs, "pages", 0x100000)
        if "vmemmap" not in vm[1] or vm[3] != 0x100200 or "changed" not in vm[1]:
            fail(f"the block's first pages are not a changed 512-page vmemmap segment: {vm}")
        free = find(segs, "pages", 0x100200)
        if "free" not in free[1] or free[3] != 0x108000:
            fail(f"the rest of the block is not free: {free}")
        block = find(segs, "memory blocks", 0x100000)
        if "online" not in block[1] or "zone Movable" not in block[4]:
            fail(f"block 32 is not online in Movable: {block}")
        boot = find(segs, "memory blocks", 0x1000)
        if "changed" in boot[1]:
            fail("the boot blocks are marked changed by the online")
        print(f"ok: {svg_path}: {len(lanes)} lanes, {len(segs)} segments")

        html = render(memhp, trace, "--all", "--html", "-")
        steps = re.findall(r'<section class="step" id="step-(\d+)"', html)
        executed = len([l for l in open(trace) if re.match(r"\s*(dimm_|online_|offline_)", l)])
        if [int(s) for s in steps] != list(range(executed + 1)):
            fail(f"HTML steps {steps}, expected 0..{executed}")
        for i, svg in enumerate(re.findall(r"<svg .*?</svg>", html, re.S)):
            ET.fromstring(svg)  # each embedded picture is well-formed
        print(f"ok: --all --html: {len(steps)} steps, each SVG well-formed")


main()
