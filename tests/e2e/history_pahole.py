#!/usr/bin/env python3
"""Cross-checks kstruct's history commands (log, blame, diff) against pahole
on the releases of one lineage of real kernels.

Environment (set by ctest, see tests/CMakeLists.txt):
  KSTRUCT            the kstruct binary
  KS_TEST_DATA       tests/data: two *.btf.xz kernels (used when KS_CORPUS is absent)
  KS_CORPUS          the shared corpus folder; when it has *.btf.xz, those are used
  KS_HISTORY_MAX     optional: check at most this many types (a deterministic
                     sample, by SHA-1 of the name); default: every candidate

Every *.btf.xz of the chosen folder is decompressed (xz -dc) into a temporary
folder as NAME.btf and imported into one temporary store; the releases of
lineage x86_64/generic (as kstruct detects them; matched to their files by
the BTF's sha256) are the history checked, in the order `kstruct releases`
gives, which must be natural version order.

The independent side is pahole. pahole is run ONCE PER RELEASE ON THE WHOLE
FILE (`pahole NAME.btf`), not `pahole -C NAME` per type and release: the
whole-file output holds the same per-type blocks and is ~1000 times cheaper.
It is parsed by pahole_parse.py: for every definition, its size and members
(name, bit offset, bitfield width, declaration as pahole prints it); members
of anonymous structs/unions are flattened into the enclosing type, a named
member of anonymous type is one member whose declaration is its whole inline
body (as kstruct does). Unnamed members (unnamed bitfields) are no fields:
kstruct does not report them either.

A member's "type" on each side is its whole declaration in that tool's own
spelling: pahole's text (attributes and offset comments removed, white space
collapsed) and kstruct's `decl`. The two spellings are never compared with
each other (pahole writes `void (*fn)(int)` and pointers differently); only
"did it change from one release to the next" is compared. A bitfield width
is part of the declaration (`unsigned int x:3`), so a width change IS a type
change: the type-changed set is the union of kstruct's field_type_changed and
bitfield_changed, and in addition kstruct's choice between the two must be
the one pahole's texts give (bitfield_changed exactly when both are bitfields
and the texts differ only after the last `:`).

Types checked: every struct and union name whose fields change between two
releases of the lineage in which it is present (consecutive ones, or the
last one that had it after a gap, as `log` compares), by pahole's texts or
by `kstruct diff R1 R2 --format json` of consecutive releases. A name with
more than one definition in any release (several pahole blocks, a struct and
a union, or kstruct `definitions` > 1 in its log) is skipped and counted.

For each type:
  log     `kstruct log NAME --format json`: for every release, the status
          (absent/added/removed/changed/unchanged; `unchanged` requires
          pahole's size, offsets and declarations to be identical, field
          changes require `changed`, or `added` after a gap), compared_with,
          and the sets of added, removed and type-changed field names.
  diff    the changes `kstruct diff R1 R2` lists for the type between
          consecutive releases: the same sets; added/removed types.
  blame   `kstruct blame NAME --format json`: its release is the newest one
          that has the type; its members are pahole's named members there;
          each member's `introduced` is the earliest release from which, in
          every following release up to that one, pahole shows the member
          with the same declaration; `first_seen` the first release in which
          pahole shows a member of that name.
  field   `kstruct blame NAME.FIELD --format json` for up to FIELDS_PER_TYPE
          fields (those that change, by name, then one that does not): the
          events added/readded/removed/type_changed/moved, release by release,
          agree with pahole's per-release presence, declaration and offset;
          so do introduced, last_seen and status.

Every command runs with --no-renames: pahole knows fields by their names,
so this checks the facts by name; rename detection, an interpretation of
those facts, is tested in history.sh and the unit tests.

Output: the figures per release pair, the first disagreements in detail, and
as the last line `N passed, M failed` (N types whose log, diff and blame all
agree with pahole, M the others). Exit status 1 on any failure.
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

from pahole_parse import BITS_RE, ParseError, parse_pahole_decls

# DISTRO/x86_64/generic: the distro is what kstruct detects, read from
# `kstruct releases` (the one of them with the most releases)
ARCH_FLAVOR = "x86_64/generic"
LINEAGE = None
FIELDS_PER_TYPE = 3
EXAMPLES = 10
DECL_KINDS = ("field_added", "field_removed", "field_type_changed", "bitfield_changed")


def die(msg):
    print("history_pahole: error: " + msg)
    print("0 passed, 1 failed")
    sys.stdout.flush()
    sys.exit(1)


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        die("%s exited with %d: %s" % (" ".join(argv), p.returncode,
                                       p.stderr.decode(errors="replace")[-2000:]))
    return p.stdout.decode(errors="replace")


def natural_key(s):
    """Digit runs as numbers, the rest byte by byte (docs/format.md)."""
    return [(0, int(t), "") if t.isdigit() else (1, 0, t)
            for t in re.findall(r"\d+|\D+", s)]


# ---------------------------------------------------------------------------
# the pahole model of one type across the releases

def zero_length(decl):
    """pahole writes an array of 0 elements `x[]` when it is the last member
    of its block and `x[0]` elsewhere (6.1 xdp_page_head ends in `u8 data[]`,
    6.12 has it inside an anonymous struct: `u8 data[0]`); BTF has one
    form only (an ARRAY with nelems 0), which kstruct always writes `[0]`.
    So `[]` is read as `[0]`: the spelling follows the position, not the type."""
    return decl.replace("[]", "[0]")


class Fields:
    """One pahole definition: its named fields and its whole layout."""

    def __init__(self, kind, size, members):
        members = [(nm, off, bits, zero_length(decl)) for nm, off, bits, decl in members]
        self.kind = kind
        self.layout = (size if kind == "struct" else None, tuple(members))
        self.f = collections.OrderedDict()      # name -> (decl, offset_bits)
        for name, off, bits, decl in members:
            if name:
                self.f[name] = (decl, off)


def width_only(a, b):
    """Two bitfield declarations that differ only in their width."""
    ma, mb = BITS_RE.match(a), BITS_RE.match(b)
    return bool(ma and mb and ma.group(1) == mb.group(1) and ma.group(2) == mb.group(2))


def pahole_changes(old, new):
    """{(kind, field)} the declaration changes from Fields old to new."""
    out = set()
    for f, (decl, _) in new.f.items():
        if f not in old.f:
            out.add(("field_added", f))
        elif old.f[f][0] != decl:
            out.add(("bitfield_changed" if width_only(old.f[f][0], decl)
                     else "field_type_changed", f))
    for f in old.f:
        if f not in new.f:
            out.add(("field_removed", f))
    return out


def fmt_changes(ch):
    short = {"field_added": "+", "field_removed": "-", "field_type_changed": "~",
             "bitfield_changed": "~bits "}
    return "{%s}" % ", ".join(short.get(k, k + " ") + f for k, f in sorted(ch, key=lambda x: (x[1], x[0])))


def counts(ch):
    """(added, removed, type-changed) field counts of a change set."""
    return (sum(1 for k, _ in ch if k == "field_added"),
            sum(1 for k, _ in ch if k == "field_removed"),
            sum(1 for k, _ in ch if k in ("field_type_changed", "bitfield_changed")))


# ---------------------------------------------------------------------------
# checking one type

def check_type(kstruct, store, rels, name, hist, diffs):
    """hist[i]: Fields of NAME in release i, or None. Returns
    (problems, pairs, skipped_as_duplicate, members_checked, fields_traced);
    pairs: [(pair label, pahole counts, kstruct counts, changed, agree)]."""
    problems = []
    pairs = []
    n = len(rels)

    def ks(*args):
        p = subprocess.run([kstruct, "--store", store] + list(args) +
                           ["--no-renames", "--lineage", LINEAGE, "--format", "json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            problems.append("`kstruct %s` exited with %d: %s" % (
                " ".join(args), p.returncode, p.stderr.decode(errors="replace").strip()[:300]))
            return None
        try:
            return json.loads(p.stdout.decode())
        except ValueError as e:
            problems.append("`kstruct %s`: bad JSON: %s" % (" ".join(args), e))
            return None

    # -- log
    log = ks("log", name)
    if log is None:
        return problems, pairs, False, 0, 0
    h = log.get("history", [])
    if any(e.get("definitions", 1) > 1 for e in h):
        return [], [], True, 0, 0
    if [e.get("release") for e in h] != rels:
        problems.append("log: releases %s, expected %s" % ([e.get("release") for e in h], rels))
        return problems, pairs, False, 0, 0
    last = None                 # index of the last release that had the type
    for i, e in enumerate(h):
        cur = hist[i]
        st, kch = e.get("status"), e.get("changes") or []
        kset = set((c["kind"], c["field"]) for c in kch if c["kind"] in DECL_KINDS)
        other = [c["kind"] for c in kch if c["kind"] not in DECL_KINDS]
        where = "log %s" % rels[i]
        if other:
            problems.append("%s: change kinds %s listed without --layout" % (where, other))
        if cur is None:
            want = "removed" if i and hist[i - 1] is not None else "absent"
            if st != want:
                problems.append("%s: status %s, pahole: %s" % (where, st, want))
            if kset:
                problems.append("%s: changes %s for an absent type" % (where, fmt_changes(kset)))
            continue
        if last is None:
            if st != "added" or e.get("compared_with") is not None or kset:
                problems.append("%s: status %s compared_with %s changes %s, pahole: first "
                                "appearance (added, nothing to compare with)" % (
                                    where, st, e.get("compared_with"), fmt_changes(kset)))
            last = i
            continue
        pset = pahole_changes(hist[last], cur)
        label = "%s -> %s" % (rels[last], rels[i]) + ("" if last == i - 1 else " (after a gap)")
        ok = True
        if last != i - 1:
            if st != "added" or e.get("compared_with") != rels[last]:
                problems.append("%s: status %s compared_with %s, pahole: added after a gap, "
                                "compared with %s" % (where, st, e.get("compared_with"), rels[last]))
                ok = False
        elif pset and st != "changed":
            problems.append("%s: status %s, pahole: fields changed %s" % (where, st, fmt_changes(pset)))
            ok = False
        elif st == "unchanged" and hist[last].layout != cur.layout:
            problems.append("%s: status unchanged, pahole: size, offsets or declarations differ" % where)
            ok = False
        elif st not in ("changed", "unchanged"):
            problems.append("%s: status %s, pahole: present in both releases" % (where, st))
            ok = False
        if kset != pset:
            problems.append("%s: kstruct %s, pahole %s (only kstruct %s, only pahole %s)" % (
                where, fmt_changes(kset), fmt_changes(pset),
                fmt_changes(kset - pset), fmt_changes(pset - kset)))
            ok = False
        # -- diff of consecutive releases
        if last == i - 1:
            d = diffs[i - 1]
            dset = d["changed"].get(name, set())
            if dset != pset:
                problems.append("diff %s %s: kstruct %s, pahole %s" % (
                    rels[i - 1], rels[i], fmt_changes(dset), fmt_changes(pset)))
                ok = False
            if name in d["added"] or name in d["removed"]:
                problems.append("diff %s %s: lists the type as added/removed; pahole: "
                                "present in both" % (rels[i - 1], rels[i]))
                ok = False
        pairs.append((label, counts(pset), counts(kset), bool(pset), ok))
        last = i
    for i in range(1, n):       # diff: the type appears or disappears
        d = diffs[i - 1]
        was, now = hist[i - 1] is not None, hist[i] is not None
        if (name in d["added"]) != (now and not was) or (name in d["removed"]) != (was and not now):
            problems.append("diff %s %s: added %s removed %s, pahole: present before %s, after %s" % (
                rels[i - 1], rels[i], name in d["added"], name in d["removed"], was, now))

    # -- blame NAME
    newest = max(i for i in range(n) if hist[i] is not None)
    nf = hist[newest].f
    members_checked = 0
    b = ks("blame", name)
    if b is not None:
        if b.get("release") != rels[newest]:
            problems.append("blame: release %s, pahole: newest definition in %s" % (
                b.get("release"), rels[newest]))
        bm = [m for m in b.get("members", []) if m.get("name")]
        if [m["name"] for m in bm] != list(nf):
            problems.append("blame: members %s, pahole %s" % ([m["name"] for m in bm], list(nf)))
        for m in bm:
            f = m["name"]
            if f not in nf:
                continue
            members_checked += 1
            intro = newest
            while (intro > 0 and hist[intro - 1] is not None and f in hist[intro - 1].f
                   and hist[intro - 1].f[f][0] == nf[f][0]):
                intro -= 1
            first = min(i for i in range(n) if hist[i] is not None and f in hist[i].f)
            if m.get("introduced") != rels[intro] or m.get("first_seen") != rels[first]:
                problems.append("blame: %s introduced %s first_seen %s, pahole: %s, %s" % (
                    f, m.get("introduced"), m.get("first_seen"), rels[intro], rels[first]))

    # -- blame NAME.FIELD
    traced = 0
    changed = set()
    for i in range(1, n):
        prev = [j for j in range(i) if hist[j] is not None]
        if hist[i] is not None and prev:
            changed |= set(f for _, f in pahole_changes(hist[prev[-1]], hist[i]))
    stable = [f for f in nf if f not in changed]
    picks = sorted(changed)[:FIELDS_PER_TYPE - 1 if stable else FIELDS_PER_TYPE] + stable[:1]
    if "." in name:
        picks = []              # NAME.FIELD would not name this type
    for f in picks:
        fb = ks("blame", "%s.%s" % (name, f))
        if fb is None:
            continue
        traced += 1
        pres = [hist[i] is not None and f in hist[i].f for i in range(n)]
        want, seen = [], False
        for i in range(n):
            cur = hist[i].f[f] if pres[i] else None
            prv = hist[i - 1].f[f] if i and pres[i - 1] else None
            if cur and not seen:
                want.append((rels[i], "added"))
            elif cur and i and not pres[i - 1]:
                want.append((rels[i], "readded"))
            elif not cur and prv:
                want.append((rels[i], "removed"))
            elif cur and cur[0] != prv[0]:
                want.append((rels[i], "type_changed"))
            elif cur and cur[1] != prv[1]:
                want.append((rels[i], "moved"))
            seen = seen or bool(cur)
        got = [(e.get("release"), e.get("event")) for e in fb.get("events", [])]
        lastp = max(i for i in range(n) if pres[i])
        intro = lastp
        while intro > 0 and pres[intro - 1] and hist[intro - 1].f[f][0] == hist[lastp].f[f][0]:
            intro -= 1
        wstatus = "present" if lastp == n - 1 else "removed"
        if got != want:
            problems.append("blame %s.%s: events %s, pahole %s" % (name, f, got, want))
        if (fb.get("introduced"), fb.get("last_seen"), fb.get("status")) != (
                rels[intro], rels[lastp], wstatus):
            problems.append("blame %s.%s: introduced %s last_seen %s status %s, pahole %s %s %s" % (
                name, f, fb.get("introduced"), fb.get("last_seen"), fb.get("status"),
                rels[intro], rels[lastp], wstatus))
    return problems, pairs, False, members_checked, traced


# ---------------------------------------------------------------------------

def main():
    global LINEAGE
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
    if not files and data:
        files = sorted(glob.glob(os.path.join(data, "*.btf.xz")))
    if not files:
        die("no *.btf.xz kernels in KS_CORPUS (%r) or KS_TEST_DATA (%r)" % (corpus, data))
    limit = os.environ.get("KS_HISTORY_MAX", "")
    limit = int(limit) if limit.isdigit() else None

    tmp = tempfile.mkdtemp(prefix="ks-history-pahole-")
    try:
        store = os.path.join(tmp, "store")
        by_sha = {}
        for f in files:
            out = os.path.join(tmp, os.path.basename(f)[:-3])
            with open(out, "wb") as fh:
                p = subprocess.run(["xz", "-dc", f], stdout=fh, stderr=subprocess.PIPE)
            if p.returncode:
                die("xz -dc %s failed: %s" % (f, p.stderr.decode(errors="replace")))
            with open(out, "rb") as fh:
                by_sha[hashlib.sha256(fh.read()).hexdigest()] = out
            run([kstruct, "--store", store, "import", out])
        releases = json.loads(run([kstruct, "--store", store, "releases", "--format", "json"]))
        counts = {}
        for r in releases:
            if r["lineage"].endswith("/" + ARCH_FLAVOR):
                counts[r["lineage"]] = counts.get(r["lineage"], 0) + 1
        LINEAGE = max(sorted(counts), key=lambda l: counts[l]) if counts else ARCH_FLAVOR
        lin = [r for r in releases if r["lineage"] == LINEAGE]
        rels = [r["release"] for r in lin]
        if len(rels) < 2:
            die("%s has %d release(s) in %s; a history needs two" % (
                LINEAGE, len(rels), os.path.dirname(files[0])))
        if rels != sorted(rels, key=natural_key):
            die("kstruct releases lists %s out of natural version order: %s" % (LINEAGE, rels))
        btfs = []
        for r in lin:
            if r["btf_sha256"] not in by_sha:
                die("release %s: no imported file has its sha256" % r["release"])
            btfs.append(by_sha[r["btf_sha256"]])
        print("history_pahole: pahole %s, %s: %d releases from %s: %s" % (
            run(["pahole", "--version"]).strip(), LINEAGE, len(rels),
            os.path.dirname(files[0]), ", ".join(rels)))
        sys.stdout.flush()

        workers = max(2, os.cpu_count() or 2)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            ptexts = list(pool.map(lambda b: run(["pahole", b]), btfs))
            dtexts = list(pool.map(lambda i: run([
                kstruct, "--store", store, "diff", rels[i], rels[i + 1], "--kind", "struct,union",
                "--no-renames", "--lineage", LINEAGE, "--format", "json"]), range(len(rels) - 1)))

        # pahole: name -> [Fields per release]; names defined more than once
        n = len(rels)
        hists = collections.defaultdict(lambda: [None] * n)
        dup_pahole = set()
        for i, text in enumerate(ptexts):
            seen = collections.Counter()
            for kind, name, size, members in parse_pahole_decls(text):
                seen[name] += 1
                hists[name][i] = Fields(kind, size, members)
            dup_pahole |= set(nm for nm, c in seen.items() if c > 1)
        kind_changes = set(nm for nm, hl in hists.items()
                           if len(set(x.kind for x in hl if x is not None)) > 1)

        # kstruct diff of consecutive releases
        diffs = []
        dup_kstruct = set()
        ks_changed = set()
        for text in dtexts:
            d = json.loads(text)
            e = {"changed": {}, "added": set(), "removed": set()}
            for c in d.get("changed", []):
                base = c["name"].split("~")[0]
                if base != c["name"]:
                    dup_kstruct.add(base)
                e["changed"][c["name"]] = set((x["kind"], x["field"]) for x in c["changes"]
                                              if x["kind"] in DECL_KINDS)
                ks_changed.add(base)
            for key in ("added", "removed"):
                for c in d.get(key, []):
                    e[key].add(c["name"])
                    if "~" in c["name"]:
                        dup_kstruct.add(c["name"].split("~")[0])
            diffs.append(e)

        # candidates: types whose fields change between releases that log compares
        p_changed = set()
        for name, hl in hists.items():
            last = None
            for i in range(n):
                if hl[i] is None:
                    continue
                if last is not None and pahole_changes(hl[last], hl[i]):
                    p_changed.add(name)
                    break
                last = i
        cands = p_changed | ks_changed
        skipped_dup = set(nm for nm in cands if nm in dup_pahole or nm in dup_kstruct)
        skipped_kind = set(nm for nm in cands if nm in kind_changes) - skipped_dup
        todo = sorted(cands - skipped_dup - skipped_kind)
        only_in_ks = [nm for nm in todo if nm not in hists]
        todo = [nm for nm in todo if nm in hists]
        if limit is not None and limit < len(todo):
            todo = sorted(sorted(todo, key=lambda s: hashlib.sha1(s.encode()).hexdigest())[:limit])
        print("history_pahole: %d types change between releases (pahole %d, kstruct diff %d, "
              "both %d); skipped %d defined more than once in some release, %d that are a struct "
              "in one release and a union in another; checking %d%s" % (
                  len(cands), len(p_changed), len(ks_changed), len(p_changed & ks_changed),
                  len(skipped_dup), len(skipped_kind), len(todo),
                  "" if limit is None else " (KS_HISTORY_MAX=%d)" % limit))
        sys.stdout.flush()

        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(
                lambda nm: check_type(kstruct, store, rels, nm, hists[nm], diffs), todo))

        passed = failed = members = traced = 0
        skipped_late = []
        bad = []
        pairstats = collections.OrderedDict()
        for nm in only_in_ks:
            failed += 1
            bad.append((nm, ["kstruct diff lists it as changed; pahole prints no such type"]))
        for nm, (problems, pairs, dup, mc, tr) in zip(todo, results):
            if dup:
                skipped_late.append(nm)
                continue
            members += mc
            traced += tr
            for label, pc, kc, ch, ok in pairs:
                s = pairstats.setdefault(label, {"types": 0, "changed": 0, "agree": 0,
                                                 "p": [0, 0, 0], "k": [0, 0, 0]})
                s["types"] += 1
                s["changed"] += ch
                s["agree"] += ok
                for j in range(3):
                    s["p"][j] += pc[j]
                    s["k"][j] += kc[j]
            if problems:
                failed += 1
                bad.append((nm, problems))
            else:
                passed += 1
        for label, s in sorted(pairstats.items(), key=lambda x: ("gap" in x[0], x[0])):
            print("  %s: %d types present in both, %d with field changes; fields "
                  "+%d -%d ~%d by pahole, +%d -%d ~%d by kstruct log; %d agree, %d disagree" % (
                      label, s["types"], s["changed"], s["p"][0], s["p"][1], s["p"][2],
                      s["k"][0], s["k"][1], s["k"][2], s["agree"], s["types"] - s["agree"]))
        print("  blame: %d members' introduced/first_seen checked; %d fields traced with "
              "blame NAME.FIELD" % (members, traced))
        if skipped_dup or skipped_kind:
            print("  skipped: %s" % ", ".join(sorted(skipped_dup | skipped_kind)))
        if skipped_late:
            print("  skipped %d more whose log shows more than one definition in a release: %s" %
                  (len(skipped_late), ", ".join(skipped_late)))
        if bad:
            print("first disagreements (%d types disagree):" % len(bad))
            for nm, problems in bad[:EXAMPLES]:
                print("  %s:" % nm)
                for pr in problems[:6]:
                    print("    " + pr)
                if len(problems) > 6:
                    print("    ... %d more" % (len(problems) - 6))
        print("history_pahole: %d types checked, %d skipped as duplicated, %.1fs" % (
            passed + failed, len(skipped_dup) + len(skipped_late), time.time() - t0))
        print("%d passed, %d failed" % (passed, failed))
        return 1 if failed else 0
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
