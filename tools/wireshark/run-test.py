#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks tools/wireshark/resoa.lua against the C++ codec (ctest: tools.wireshark.dissector).

1. `resoa-vector-fields pcap` writes a capture built from test/vectors (plus padded,
   encoder-made and mutated frames).
2. For each value of the dissector's "Data payloads as EP" preference, tshark dissects it
   (PDML for the fields and expert infos, `-T fields` for the Info column) and
   `resoa-vector-fields fields` prints what the core's decoders make of every frame. They
   must agree frame by frame: every lhp.* / ep.* field value, the Info column, the decode
   error names, and an error-level Malformed expert info exactly on the frames the core
   rejects. No Lua error may appear anywhere.
3. The ep.error value string must name every errno as glibc does, and README.md must list
   exactly the fields the dissector registers.
4. The comparison must be able to fail: a copy of the dissector with one deliberate bug must
   be caught.

Exit status 0 on success; every mismatch is printed.
"""

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

MODES = ("always", "heuristic", "never")

# Expert infos are fields too (their abbreviations): kept apart from the value comparison.
EXPERT_FIELDS = {
    "lhp.malformed", "lhp.connect.malformed", "lhp.semantics", "lhp.padding.nonzero",
    "lhp.snaplen", "lhp.internal_error", "ep.malformed",
}
# Strings are compared as their raw bytes (PDML `value`, hex): the `show` text escapes
# control characters in ways that depend on the output format.
RAW_VALUE_FIELDS = {"ep.name", "ep.canon_name"}
SEVERITY_ERROR = 0x00800000
GROUP_MALFORMED = 0x07000000

# Shown per mismatch list before the rest is summarised.
MAX_REPORTED = 40


class Failure(Exception):
    pass


def run(cmd, env=None):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          check=False)
    stdout = proc.stdout.decode("utf-8", "replace")
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise Failure("command failed (%d): %s\n%s%s" % (proc.returncode, " ".join(cmd),
                                                         stdout[-2000:], stderr[-4000:]))
    return stdout, stderr


class Tshark:
    """Runs tshark with the dissector, isolated from the user's own profile and plugins."""

    def __init__(self, binary, lua, workdir):
        self.binary = binary
        self.lua = lua
        home = os.path.join(workdir, "home")
        os.makedirs(home, exist_ok=True)
        self.env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"))

    def __call__(self, args, lua=None):
        # -G must come first.
        cmd = [self.binary] + args[:2] if args[:1] == ["-G"] else [self.binary]
        cmd += ["-n", "-X", "lua_script:" + (lua or self.lua)]
        cmd += args[2:] if args[:1] == ["-G"] else args
        stdout, stderr = run(cmd, self.env)
        # tshark's only expected chatter is the warning about running as root.
        noise = [line for line in stderr.splitlines()
                 if line.strip() and "could be dangerous" not in line]
        if noise:
            raise Failure("tshark wrote to stderr (a Lua error?):\n" + "\n".join(noise))
        return stdout


def parse_expected(text):
    """resoa-vector-fields `fields` output -> {frame: {"meta": {...}, "fields": {name: [..]}}}"""
    frames = collections.OrderedDict()
    for line in text.splitlines():
        number, name, value = line.split("\t", 2)
        frame = frames.setdefault(int(number),
                                  {"meta": {}, "fields": collections.defaultdict(list)})
        if name.startswith("#"):
            frame["meta"][name[1:]] = value
        else:
            frame["fields"][name].append(value)
    return frames


def parse_pdml(text):
    """PDML -> list of per-packet dicts: fields {name: [show]}, experts, lua errors."""
    packets = []
    root = ET.fromstring(text)
    for packet in root.iter("packet"):
        fields = collections.defaultdict(list)
        experts = []
        lua_errors = []
        malformed_proto = False

        def walk(elem, expert=None):
            nonlocal malformed_proto
            for child in elem:
                name = child.get("name", "")
                if name == "_ws.expert":
                    info = {}
                    walk(child, info)
                    experts.append(info)
                    continue
                if name == "_ws.malformed":
                    malformed_proto = True
                if name == "_ws.lua.error":
                    lua_errors.append(child.get("showname") or child.get("show") or name)
                if "Lua Error" in (child.get("show") or "") + (child.get("showname") or ""):
                    lua_errors.append(child.get("show") or child.get("showname"))
                if expert is not None:
                    if name == "_ws.expert.severity":
                        expert["severity"] = int(child.get("show"))
                    elif name == "_ws.expert.group":
                        expert["group"] = int(child.get("show"))
                    elif name == "_ws.expert.message":
                        expert["message"] = child.get("show")
                    elif name:
                        expert.setdefault("names", []).append(name)
                elif name in EXPERT_FIELDS:
                    pass
                elif child.tag == "field" and (name.startswith("lhp.") or name.startswith("ep.")):
                    key = "value" if name in RAW_VALUE_FIELDS else "show"
                    fields[name].append(child.get(key))
                walk(child, expert)

        walk(packet)
        packets.append({"fields": fields, "experts": experts, "lua_errors": lua_errors,
                        "malformed_proto": malformed_proto})
    return packets


def parse_info(text):
    infos = {}
    for line in text.splitlines():
        if not line:
            continue
        number, _, info = line.partition("\t")
        infos[int(number)] = info
    return infos


def has_error(meta, key):
    return meta.get(key, "-") not in ("-", "Ok")


def compare(mode, expected, packets, infos):
    """Returns (mismatch messages, number of field values compared)."""
    problems = []
    compared = 0
    if len(packets) != len(expected):
        problems.append("%s: tshark dissected %d frames, the codec %d" %
                        (mode, len(packets), len(expected)))
    for number, exp in expected.items():
        if number > len(packets):
            break
        got = packets[number - 1]
        meta = exp["meta"]
        where = "%s frame %d (%s)" % (mode, number, meta.get("label"))

        def problem(text):
            problems.append(where + ": " + text)

        for err in got["lua_errors"]:
            problem("Lua error: " + err)
        for e in got["experts"]:
            if "lhp.internal_error" in e.get("names", []):
                problem("dissector internal error: " + e.get("message", ""))

        # Field values. A protocol part the core rejects is compared only on the fields
        # the codec can speak for (the header and the error); the dissector may show more.
        lhp_bad = has_error(meta, "lhp_error") or has_error(meta, "connect_error")
        ep_bad = has_error(meta, "ep_error")
        names = set(exp["fields"]) | set(got["fields"])
        for name in sorted(names):
            want = exp["fields"].get(name, [])
            have = got["fields"].get(name, [])
            lenient = (lhp_bad and name.startswith("lhp.")) or (ep_bad and name.startswith("ep."))
            if lenient and not want:
                continue
            compared += len(want)
            if want != have:
                problem("%s: codec %s, dissector %s" % (name, want, have))

        want_info = meta.get("info")
        if infos.get(number) != want_info:
            problem("Info: codec %r, dissector %r" % (want_info, infos.get(number)))

        # Malformed expert info exactly where the core rejects something.
        rejected = lhp_bad or ep_bad
        flagged = any(e.get("severity") == SEVERITY_ERROR and e.get("group") == GROUP_MALFORMED
                      for e in got["experts"])
        if rejected != flagged:
            problem("core %s, but the dissector %s a Malformed error" %
                    ("rejects it" if rejected else "accepts it",
                     "shows" if flagged else "shows no"))
        # Any other error-level expert is a bug (warnings and notes are fine).
        for e in got["experts"]:
            if e.get("severity") == SEVERITY_ERROR and e.get("group") != GROUP_MALFORMED:
                problem("unexpected error expert: " + e.get("message", ""))

        # The vectors themselves: bad-* rejected, good ones accepted (as the core says).
        label = meta.get("label", "")
        if mode == "always" and label.startswith("bad-") and not rejected:
            problem("a bad-* vector that the core accepts")
        if label.startswith("lhp-") and lhp_bad:
            problem("a valid LHP vector that the core rejects")
        if label.startswith("ep-") and label.endswith(" in LHP Data") and rejected and \
                mode != "never":
            problem("a valid EP vector that the core rejects")
    return problems, compared


def check_mode(args, tshark, pcap, mode, lua=None):
    expected_text, _ = run([args.tool, "fields", args.vectors, mode])
    expected = parse_expected(expected_text)
    pref = ["-o", "lhp.ep_payload:" + mode]
    packets = parse_pdml(tshark(["-r", pcap, "-T", "pdml"] + pref, lua))
    infos = parse_info(tshark(["-r", pcap, "-T", "fields", "-e", "frame.number",
                               "-e", "_ws.col.Info"] + pref, lua))
    problems, compared = compare(mode, expected, packets, infos)
    stats = collections.Counter()
    for exp in expected.values():
        meta = exp["meta"]
        stats["frames"] += 1
        if has_error(meta, "lhp_error"):
            stats["LHP rejected"] += 1
        if has_error(meta, "connect_error"):
            stats["connect params rejected"] += 1
        if meta.get("ep_error", "-") != "-":
            stats["with EP"] += 1
        if has_error(meta, "ep_error"):
            stats["EP rejected"] += 1
    return problems, compared, stats


def check_error_names(args, tshark):
    """ep.error's value string against glibc's strerrorname_np (and the EAI codes)."""
    want_text, _ = run([args.tool, "errnames"])
    want = dict(line.split("\t") for line in want_text.splitlines())
    have = {}
    for line in tshark(["-G", "values"]).splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] == "V" and parts[1] == "ep.error":
            code = int(parts[2], 0)
            if code >= 2**31:  # tshark lists int32 values as unsigned
                code -= 2**32
            have[str(code)] = parts[3]
    problems = []
    for code in sorted(set(want) | set(have), key=int):
        if want.get(code) != have.get(code):
            problems.append("ep.error value string %s: glibc/core %r, dissector %r" %
                            (code, want.get(code), have.get(code)))
    return problems, len(want)


def check_readme(args, tshark):
    """README.md's field table must list exactly the fields the dissector registers."""
    registered = set()
    for line in tshark(["-G", "fields"]).splitlines():
        parts = line.split("\t")
        if len(parts) > 4 and parts[0] == "F" and parts[4] in ("lhp", "ep"):
            registered.add(parts[2])
    with open(args.readme, encoding="utf-8") as f:
        documented = set(re.findall(r"^\| `((?:lhp|ep)\.[a-z0-9_.]+)`", f.read(), re.M))
    problems = []
    for name in sorted(registered - documented):
        problems.append("README.md does not list field " + name)
    for name in sorted(documented - registered):
        problems.append("README.md lists field %s, which the dissector does not register" % name)
    return problems, len(registered)


def check_can_fail(args, tshark, pcap):
    """A dissector that reads rsockID one byte off must fail the comparison."""
    with open(args.lua, encoding="utf-8") as f:
        source = f.read()
    bug = "t:add(ef.rsockid, tvb(4, 4))"
    if source.count(bug) != 1:
        return ["self-check: cannot find %r in resoa.lua to plant a bug" % bug]
    mutant = os.path.join(args.workdir, "resoa-mutant.lua")
    with open(mutant, "w", encoding="utf-8") as f:
        f.write(source.replace(bug, "t:add(ef.rsockid, tvb(5, 4))"))
    problems, _, _ = check_mode(args, tshark, pcap, "always", lua=mutant)
    if not any("ep.rsockid" in p for p in problems):
        return ["self-check: a dissector with a planted bug (rsockID read at offset 5) passed"]
    return []


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lua", required=True)
    parser.add_argument("--tool", required=True, help="the resoa-vector-fields binary")
    parser.add_argument("--vectors", required=True)
    parser.add_argument("--readme", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--tshark", default=os.environ.get("RESOA_TSHARK"))
    parser.add_argument("--daemon-pcap", action="store_true",
                        help="also check the capture written by realnet::PcapWriter")
    args = parser.parse_args()

    tshark_bin = shutil.which(args.tshark or "tshark")
    if not tshark_bin:
        print("FAIL: tshark is not installed; it is in the project's package list "
              "(./resoa setup, or apt-get install tshark)")
        return 1
    if not os.path.exists(args.tool):
        print("FAIL: %s is missing: build it first (ninja resoa-vector-fields)" % args.tool)
        return 1
    os.makedirs(args.workdir, exist_ok=True)
    tshark = Tshark(tshark_bin, args.lua, args.workdir)
    pcap = os.path.join(args.workdir, "resoa-vectors.pcap")

    problems = []
    try:
        _, note = run([args.tool, "pcap", args.vectors, pcap])
        print(note.strip())
        for mode in MODES:
            p, compared, stats = check_mode(args, tshark, pcap, mode)
            problems += p
            print("ep_payload=%-9s %s; %d field values compared, %d mismatches" %
                  (mode, ", ".join("%d %s" % (n, k) for k, n in stats.items()), compared,
                   len(p)))
        if args.daemon_pcap:
            daemon_pcap = os.path.join(args.workdir, "resoa-vectors-pcapwriter.pcap")
            _, note = run([args.tool, "pcap-daemon", args.vectors, daemon_pcap])
            print(note.strip())
            p, compared, stats = check_mode(args, tshark, daemon_pcap, "always")
            problems += p
            print("PcapWriter capture, ep_payload=always: %d frames; %d field values compared, "
                  "%d mismatches" % (stats["frames"], compared, len(p)))
        p, n = check_error_names(args, tshark)
        problems += p
        print("ep.error names: %d codes compared with glibc, %d mismatches" % (n, len(p)))
        p, n = check_readme(args, tshark)
        problems += p
        print("README.md: %d registered fields checked, %d mismatches" % (n, len(p)))
        if not problems:
            p = check_can_fail(args, tshark, pcap)
            problems += p
            print("self-check: a planted dissector bug is %s" % ("missed" if p else "caught"))
    except Failure as e:
        problems.append(str(e))

    for line in problems[:MAX_REPORTED]:
        print("MISMATCH " + line)
    if len(problems) > MAX_REPORTED:
        print("... and %d more" % (len(problems) - MAX_REPORTED))
    if problems:
        print("FAIL: %d problems (capture kept in %s)" % (len(problems), pcap))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
