#!/usr/bin/env python3
"""Cross-checks kstruct's struct/union layouts against pahole on real kernels.

Environment (set by ctest, see tests/CMakeLists.txt):
  KSTRUCT       the kstruct binary
  KS_TEST_DATA  tests/data: two *.btf.xz kernels (used when KS_CORPUS is absent)
  KS_CORPUS     the shared corpus folder; when it exists, its *.btf.xz are used

Every *.btf.xz is decompressed (xz -dc) into a temporary folder as NAME.btf,
so that kstruct detects release and arch from the name, and all of them are
imported into one temporary store. Then, for every kernel:

  kstruct side  `kstruct show --all RELEASE --lineage L --format json`, one
                definition per line, `members` already flattened.
  pahole side   `pahole NAME.btf`, parsed by pahole_parse.py: every top-level
                `struct NAME {` / `union NAME {` block; anonymous nested
                `struct {` / `union {` blocks closed by `};` are flattened
                (their members belong to the enclosing type, pahole prints
                them with absolute offsets), a block closed by `} name;` is
                one member `name`; lines without an offset comment are
                pahole's own annotations (holes, `:0` alignment fillers) and
                are not members.

A definition's layout is its size (structs only: pahole prints no size for
unions) and its list of (member name, offset in bits, bitfield width) in
declaration order. Offsets: pahole prints `byte` for ordinary members and
`byte:bit` for bitfields, where `byte` is the bitfield's storage unit (its BTF
bit offset rounded down to a multiple of the type's size) and `bit` the rest
(pahole 1.24 btf_loader.c, class__fixup_btf_bitfields). So byte * 8 + bit is
the BTF bit offset. Checked with bpftool on a packed struct whose bitfields
cross storage units (`unsigned int c:20` at bit 38 prints `4: 6`,
`unsigned long long d:40` at bit 58 prints `0:58`), and on the same BTF
converted to big-endian (libbpf btf__set_endianness): pahole prints the same
numbers, it does not renumber bits by endianness.

Matching: every kstruct definition (NAME and NAME~2, ...) must have a pahole
definition of the same kind and name with an identical layout; every pahole
definition must have a kstruct one. pahole prints a name defined several
times once per distinct (size, direct members' names and offsets); kstruct
keeps every distinct text, so two kstruct variants that differ only in
member types match one pahole definition.

When the two sides disagree, the raw BTF (`bpftool btf dump file`) is read
and flattened the same way to tell who is right; a disagreement is excused
only by the EXCEPTIONS below, each a pahole limitation whose check proves
from the raw BTF that kstruct is right.

Output: one summary line per kernel, examples of disagreements, and as the
last line `N passed, M failed` (N agreeing definitions, M disagreeing ones).
"""

import collections
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

# the pahole output parser, shared with history_pahole.py
from pahole_parse import ParseError, parse_pahole

EXAMPLES_PER_KERNEL = 5

# Disagreements are excused only by the EXCEPTIONS defined after RawBTF
# below: pahole 1.24 limitations found by this test, each checked against
# the raw BTF by a function that must prove, type by type, that kstruct
# shows exactly what the BTF holds and pahole shows the BTF through that
# limitation.


def die(msg):
    print("pahole_agree: error: " + msg)
    print("0 passed, 1 failed")
    sys.stdout.flush()
    sys.exit(1)


def run(argv, **kw):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       **kw)
    if p.returncode != 0:
        die("%s exited with %d: %s" % (" ".join(argv), p.returncode,
                                       p.stderr.decode(errors="replace")[-2000:]))
    return p.stdout.decode(errors="replace")


# ---------------------------------------------------------------------------
# bpftool raw dump, the referee

BT_TYPE_RE = re.compile(r"^\[(\d+)\] (\w+) '([^']*)'(.*)$")
BT_MEMBER_RE = re.compile(r"^\t'([^']*)' type_id=(\d+) bits_offset=(\d+)(?: bitfield_size=(\d+))?$")
BT_FIELD_RE = re.compile(r"(\w+)=([^\s,]+)")
MODS = ("CONST", "VOLATILE", "RESTRICT", "TYPE_TAG")


class RawBTF:
    """Struct/union layouts straight from `bpftool btf dump file`."""

    def __init__(self, path):
        if not shutil.which("bpftool"):
            die("bpftool is required to check disagreements against the raw "
                "BTF but is not installed (package bpftool or linux-tools)")
        self.types = {}
        cur = None
        for line in run(["bpftool", "btf", "dump", "file", path]).split("\n"):
            m = BT_TYPE_RE.match(line)
            if m:
                tid, kind, name, rest = int(m.group(1)), m.group(2), m.group(3), m.group(4)
                f = dict(BT_FIELD_RE.findall(rest))
                cur = {"kind": kind, "name": "" if name == "(anon)" else name,
                       "type": int(f.get("type_id", 0)),
                       "size": int(f["size"]) if "size" in f else None,
                       "members": []}
                self.types[tid] = cur
                continue
            m = BT_MEMBER_RE.match(line)
            if m and cur is not None and cur["kind"] in ("STRUCT", "UNION"):
                cur["members"].append((m.group(1), int(m.group(2)), int(m.group(3)),
                                       int(m.group(4) or 0)))
        self.by_name = collections.defaultdict(list)
        for tid, t in self.types.items():
            if t["kind"] in ("STRUCT", "UNION") and t["name"]:
                self.by_name[(t["kind"].lower(), t["name"])].append(tid)

    def skip_mods(self, tid):
        n = 0
        while tid and self.types[tid]["kind"] in MODS and n < 64:
            tid, n = self.types[tid]["type"], n + 1
        return tid

    def flatten(self, tid, base, out, quirk=None, depth=0):
        """Members of @tid with members of unnamed anonymous struct/union
        members in their place at absolute offsets; @quirk reproduces one
        of the EXCEPTIONS."""
        for name, mtid, off, bits in self.types[tid]["members"]:
            name = "" if name == "(anon)" else name
            inner = self.skip_mods(mtid)
            t = self.types.get(inner)
            anon = (not bits and t is not None and t["kind"] in ("STRUCT", "UNION")
                    and not t["name"] and depth < 64)
            if anon and not name:
                self.flatten(inner, base + off, out, quirk, depth + 1)
            elif (anon and quirk == QUIRK_QUALIFIED_ANON
                  and self.types[mtid]["kind"] in ("CONST", "VOLATILE")):
                self.flatten(inner, base + off, out, quirk, depth + 1)
            else:
                out.append((name, base + off, bits))
        return out

    def layout(self, tid, kind, quirk=None):
        return (self.types[tid]["size"] if kind == "struct" else None,
                tuple(self.flatten(tid, 0, [], quirk)))

    def layouts(self, kind, name, quirk=None):
        return [self.layout(tid, kind, quirk) for tid in self.by_name.get((kind, name), [])]

    def pahole_key(self, tid):
        """What pahole compares to find duplicates: size and the direct
        members' names, bit offsets and bitfield widths."""
        t = self.types[tid]
        return (t["size"], tuple(("" if n == "(anon)" else n, off, bits)
                                 for n, _, off, bits in t["members"]))


# ---------------------------------------------------------------------------
# Verified pahole limitations. Keep this list short: every entry hides a
# class of differences. Each check gets the raw BTF and a disagreement
# record (kind, name, k = kstruct layout, p = pahole layout, p_all = all
# pahole layouts of that name) and returns True only if the disagreement is
# fully explained by the limitation.

QUIRK_QUALIFIED_ANON = "pahole-drops-name-of-qualified-anon-member"


def check_qualified_anon(raw, pr):
    """A NAMED member whose type is a const- or volatile-qualified anonymous
    struct/union, e.g. in arm64 6.12, drivers/pmdomain/imx/gpcv2.c:
        const struct { u32 pxx, map, hskreq, hskack; } bits;
    bpftool: STRUCT 'imx_pgc_domain' ... 'bits' type_id=84379
    bits_offset=11456, type 84379 being CONST -> anonymous STRUCT. pahole
    prints the body and closes it with `};`, as for an unnamed member, so
    `bits` disappears and pxx..hskack show up as members of imx_pgc_domain.
    (Unqualified `struct {...} name;` is printed correctly.)
    Excused when kstruct's layout is the raw one and pahole's is the raw
    one flattened with this quirk."""
    base = pr["name"].split("~")[0]
    return (pr["k"] is not None and pr["p"] is not None
            and pr["k"] in raw.layouts(pr["kind"], base)
            and pr["p"] not in raw.layouts(pr["kind"], base)
            and pr["p"] in raw.layouts(pr["kind"], base, QUIRK_QUALIFIED_ANON))


def check_dedup_ignores_anon(raw, pr):
    """pahole prints a name defined several times once per distinct
    (size, direct members' names, bit offsets and bitfield widths); an
    unnamed member's contents are not looked at (pahole.c structures__add
    -> type__compare). So two definitions that differ only inside an
    anonymous struct/union member are printed once. Seen in btfhub's
    non-deduplicated CentOS 8 BTF: 44 STRUCT 'coredump_params', whose
    anonymous member 0 holds a RH_KABI_HIDE member named
    __UNIQUE_ID_rh_kabi_hideNNN, NNN differing per compilation unit.
    Excused when the kstruct variant is a raw type's layout and a layout
    pahole did print is that of a raw type with the same pahole key."""
    if pr["k"] is None:
        return False
    base = pr["name"].split("~")[0]
    ktypes = [t for t in raw.by_name.get((pr["kind"], base), [])
              if raw.layout(t, pr["kind"]) == pr["k"]]
    if not ktypes:
        return False
    keys = set(raw.pahole_key(t) for t in ktypes)
    for t in raw.by_name.get((pr["kind"], base), []):
        if raw.pahole_key(t) in keys and raw.layout(t, pr["kind"]) in pr["p_all"]:
            return True
    return False


EXCEPTIONS = [
    (QUIRK_QUALIFIED_ANON, check_qualified_anon),
    ("pahole-dedup-ignores-anon-member-contents", check_dedup_ignores_anon),
]


# ---------------------------------------------------------------------------
# comparison

def fmt_member(m):
    if m is None:
        return "(none)"
    name, off, bits = m
    s = "%s@%d" % (name or "<unnamed>", off)
    if off % 8 == 0 and not bits:
        s = "%s@%d" % (name or "<unnamed>", off // 8) + "B"
    if bits:
        s += ":%d" % bits
    return s


def first_diff(km, pm):
    i = 0
    while i < len(km) and i < len(pm) and km[i] == pm[i]:
        i += 1
    return i


def describe_diff(k, p, kdecls):
    """Short text on how layout k (kstruct) differs from p (pahole)."""
    if k is None:
        return "pahole prints a layout (%d members) that no kstruct variant has" % len(p[1])
    if p is None:
        return "pahole prints no definition of this name"
    (ksize, km), (psize, pm) = k, p
    parts = []
    if ksize is not None and psize is not None and ksize != psize:
        parts.append("size kstruct %d pahole %d" % (ksize, psize))
    if km != pm:
        i = first_diff(km, pm)
        kd = ' (decl "%s")' % kdecls[i] if i < len(kdecls) else ""
        parts.append("member #%d: kstruct %s%s, pahole %s (%d vs %d members)" % (
            i, fmt_member(km[i] if i < len(km) else None), kd,
            fmt_member(pm[i] if i < len(pm) else None), len(km), len(pm)))
    return "; ".join(parts) or "identical"


def classify(k, p, kdecls):
    """A coarse class for a difference, for the summary."""
    if k is None:
        return "only in pahole"
    if p is None:
        return "not printed by pahole"
    (ksize, km), (psize, pm) = k, p
    if ksize is not None and psize is not None and ksize != psize:
        return "size"
    if len(km) != len(pm):
        return "member count"
    kinds = set()
    for i, (a, b) in enumerate(zip(km, pm)):
        if a[0] != b[0]:
            if "(" in kdecls[i] and not kdecls[i].startswith(("struct {", "union {", "enum {")):
                kinds.add("member name of a parenthesised declarator")
            else:
                kinds.add("member name")
        if a[1] != b[1]:
            kinds.add("bitfield offset" if (a[2] or b[2]) else "offset")
        if a[2] != b[2]:
            kinds.add("bitfield size")
    return "+".join(sorted(kinds)) or "identical"


def layout_key(size, members, kind):
    return (size if kind == "struct" else None, tuple(members))


def compare_kernel(label, kdefs, pdefs, btf_path):
    """Returns (passed, failed, excused, report lines)."""
    kgroups = collections.defaultdict(list)    # (kind, name) -> [(fullname, layout, decls)]
    for o in kdefs:
        base = o["name"].split("~")[0]
        members = [(m["name"], m["offset_bits"], m["bitfield_size"]) for m in o["members"]]
        kgroups[(o["kind"], base)].append(
            (o["name"], layout_key(o["size"], members, o["kind"]),
             [m["decl"] for m in o["members"]]))
    pgroups = collections.defaultdict(list)
    for kind, name, size, members in pdefs:
        if kind == "union":
            size = None
        elif size is None:
            raise ParseError("%s %s: pahole printed no size" % (kind, name))
        pgroups[(kind, name)].append(layout_key(size, members, kind))

    passed = failed = excused = 0
    problems = []   # dicts: kind, name, k (layout|None), p (layout|None), decls
    for key, kvars in sorted(kgroups.items()):
        playouts = pgroups.get(key, [])
        group_failed = False
        for full, lay, decls in kvars:
            if lay in playouts:
                passed += 1
                continue
            group_failed = True
            best = None
            if playouts:    # the pahole definition closest to this variant
                best = max(playouts, key=lambda p: (p[0] == lay[0], first_diff(lay[1], p[1])))
            problems.append({"kind": key[0], "name": full, "k": lay, "p": best,
                             "p_all": playouts, "decls": decls})
        if not group_failed:
            klayouts = [v[1] for v in kvars]
            for lay in playouts:
                if lay not in klayouts:
                    problems.append({"kind": key[0], "name": key[1], "k": None, "p": lay,
                                     "p_all": playouts, "decls": []})
    for key, playouts in sorted(pgroups.items()):
        if key not in kgroups:
            for lay in playouts:
                problems.append({"kind": key[0], "name": key[1], "k": None, "p": lay,
                                 "p_all": playouts, "decls": []})

    raw = RawBTF(btf_path) if problems else None
    classes = collections.OrderedDict()   # (class, verdict) -> [count, example]
    excuses = collections.OrderedDict()   # exception id -> [names]
    for pr in problems:
        base = pr["name"].split("~")[0]
        raw_layouts = raw.layouts(pr["kind"], base)
        k_ok = pr["k"] is not None and pr["k"] in raw_layouts
        p_ok = pr["p"] is not None and pr["p"] in raw_layouts
        verdict = ("kstruct matches the raw BTF, pahole does not" if k_ok and not p_ok else
                   "pahole matches the raw BTF, kstruct does not" if p_ok and not k_ok else
                   "both match the raw BTF" if k_ok else
                   "neither matches the raw BTF")
        exc = None
        for eid, check in EXCEPTIONS:
            if check(raw, pr):
                exc = eid
                break
        if exc:
            excused += 1
            excuses.setdefault(exc, []).append("%s %s" % (pr["kind"], pr["name"]))
            continue
        failed += 1
        ck = (classify(pr["k"], pr["p"], pr["decls"]), verdict)
        if ck not in classes:
            classes[ck] = [0, "%s %s: %s" % (pr["kind"], pr["name"],
                                             describe_diff(pr["k"], pr["p"], pr["decls"]))]
        classes[ck][0] += 1
    lines = []
    for (cls, verdict), (n, example) in sorted(classes.items(), key=lambda x: -x[1][0]):
        lines.append("  disagree, %s: %d (%s); e.g. %s" % (cls, n, verdict, example))
    for eid, names in excuses.items():
        lines.append("  excused, %s: %d (verified with bpftool): %s" % (
            eid, len(names), ", ".join(names[:EXAMPLES_PER_KERNEL]) +
            (", ..." if len(names) > EXAMPLES_PER_KERNEL else "")))
    return passed, failed, excused, lines


# ---------------------------------------------------------------------------

def main():
    t0 = time.time()
    kstruct = os.environ.get("KSTRUCT")
    if not kstruct or not os.access(kstruct, os.X_OK):
        die("KSTRUCT must name the kstruct binary (got %r)" % kstruct)
    for tool, pkg in (("pahole", "dwarves"), ("xz", "xz-utils")):
        if not shutil.which(tool):
            die("%s is required but not installed (package %s)" % (tool, pkg))

    corpus = os.environ.get("KS_CORPUS", "")
    data = os.environ.get("KS_TEST_DATA", "")
    files = []
    if corpus and os.path.isdir(corpus):
        files = sorted(glob.glob(os.path.join(corpus, "*.btf.xz")))
        if not files:
            print("pahole_agree: %s has no *.btf.xz, using KS_TEST_DATA" % corpus)
    if not files:
        files = sorted(glob.glob(os.path.join(data, "*.btf.xz"))) if data else []
    if not files:
        die("no *.btf.xz kernels in KS_CORPUS (%r) or KS_TEST_DATA (%r)" % (corpus, data))
    print("pahole_agree: %s: %d kernels from %s" % (
        run(["pahole", "--version"]).strip(), len(files), os.path.dirname(files[0])))

    tmp = tempfile.mkdtemp(prefix="ks-pahole-agree-")
    try:
        store = os.path.join(tmp, "store")
        btfs = []
        for f in files:
            out = os.path.join(tmp, os.path.basename(f)[:-3])
            with open(out, "wb") as fh:
                p = subprocess.run(["xz", "-dc", f], stdout=fh, stderr=subprocess.PIPE)
            if p.returncode:
                die("xz -dc %s failed: %s" % (f, p.stderr.decode(errors="replace")))
            btfs.append(out)
        for b in btfs:
            run([kstruct, "--store", store, "import", b])
        releases = json.loads(run([kstruct, "--store", store, "releases", "--format", "json"]))
        by_sha = {r["btf_sha256"]: r for r in releases}

        total_p = total_f = total_x = 0
        with ThreadPoolExecutor(max_workers=2) as pool:
            for b in btfs:
                with open(b, "rb") as fh:
                    sha = hashlib.sha256(fh.read()).hexdigest()
                r = by_sha.get(sha)
                label = os.path.basename(b)[:-4]
                if r is None:
                    die("%s: no release in the store has its sha256" % label)
                fk = pool.submit(run, [kstruct, "--store", store, "show", "--all", r["release"], "--kind", "struct,union",
                                       "--lineage", r["lineage"], "--format", "json"])
                fp = pool.submit(run, ["pahole", b])
                kdefs = [json.loads(l) for l in fk.result().split("\n") if l.strip()]
                pdefs = parse_pahole(fp.result())
                ok, bad, exc, lines = compare_kernel(label, kdefs, pdefs, b)
                nk = len(kdefs)
                nst = sum(1 for o in kdefs if o["kind"] == "struct")
                print("%s (%s %s): compared %d kstruct definitions (%d structs, %d unions) "
                      "with %d pahole definitions: %d agree, %d disagree, %d excused" % (
                          label, r["release"], r["lineage"], nk, nst, nk - nst, len(pdefs),
                          ok, bad, exc))
                for l in lines:
                    print(l)
                sys.stdout.flush()
                total_p += ok
                total_f += bad
                total_x += exc
        print("pahole_agree: %d kernels, %d definitions agree, %d disagree, "
              "%d excused as verified pahole limitations, %.1fs" % (
                  len(btfs), total_p, total_f, total_x, time.time() - t0))
        print("%d passed, %d failed" % (total_p, total_f))
        return 1 if total_f else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    # ctest's timeout sends SIGTERM: exit through the `finally` that
    # removes the temporary folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        sys.exit(main())
    except ParseError as e:
        die(str(e))
