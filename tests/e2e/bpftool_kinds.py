#!/usr/bin/env python3
"""Cross-checks kstruct's texts of the kinds after struct and union against
`bpftool btf dump file F -j` on real kernels.

Environment (set by ctest, see tests/CMakeLists.txt):
  KS_CANON_DUMP  tests/canon_dump: prints every snapshot entry of a BTF file
                 as "KIND NAME VARIANT LEN\\n" and LEN bytes of text
  KS_TEST_DATA   tests/data (used when KS_CORPUS is absent)
  KS_CORPUS      the shared corpus folder; when it exists, its kernels are used

  KS_HOST_BTF    a further raw BTF file; default /sys/kernel/btf/vmlinux
                 when readable ("none": no such), the one kernel here with
                 bpf_kfunc tags and type tags

Kernels: every *.btf.xz (xz -dc) and btfhub/*.btf.tar.xz (the one member
of the tarball) of the folder, and the host's.

The bpftool side is an independent writer of C declarations from bpftool's
JSON (types by id), following C's declarator rules: pointers prefix
(`*const` for a const pointer), arrays and parameter lists suffix, a pointer
to an array or function in parentheses, qualifiers before the base type,
type tags dropped, `(void)` for no parameters, `...` for varargs. An
anonymous struct or union is written `struct {...}` on both sides: its
members are what pahole_agree.py checks. From it this test makes, per kind,
the text docs/format.md specifies, and compares it with kstruct's:

  enum        every named ENUM/ENUM64 with >= 1 enumerator: enumerators and
              values in order, size, signedness
  typedef     every typedef: the declaration (so the target's kind, name,
              pointer levels, qualifiers, prototypes) and the size
  func        every FUNC: linkage, return type, parameter names and types
              in order, varargs
  tracepoint  every btf_trace_NAME: argument types after the context, and
              whether struct trace_event_raw_NAME follows
  syscall     every __ARCH[_compat]_sys_NAME, grouped by NAME: the members
  lsm, kfunc  bpf_lsm_HOOK and bpf_kfunc-tagged functions: the function's
              body under their own header

A name that BTF defines several times has one kstruct entry per distinct
text: per kind and name, the set of kstruct texts must equal the set of
bpftool texts. Counts (distinct texts per kind, names per kind) are printed
per kernel and must agree. Last line: `N passed, M failed` (N agreeing
names, M disagreeing ones).
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

EXAMPLES = 5
SYSCALL_RE = re.compile(
    r"^__(x64|x32|ia32|arm64|riscv|s390x|s390|powerpc|se)(_compat)?_sys_(.+)$")
KINDS = ("enum", "typedef", "func", "tracepoint", "syscall", "lsm", "kfunc")


def die(msg):
    print("bpftool_kinds: error: " + msg)
    print("0 passed, 1 failed")
    sys.stdout.flush()
    sys.exit(1)


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        die("%s exited with %d: %s" % (" ".join(argv), p.returncode,
                                       p.stderr.decode(errors="replace")[-2000:]))
    return p.stdout


# ---------------------------------------------------------------------------
# kstruct side

def read_dump(data):
    """{(kind, name): set of texts} from canon_dump's output."""
    out = {}
    i = 0
    while i < len(data):
        nl = data.index(b"\n", i)
        kind, name, _variant, n = data[i:nl].decode().split(" ")
        text = data[nl + 1:nl + 1 + int(n)].decode()
        i = nl + 1 + int(n)
        if kind in KINDS:
            out.setdefault((kind, name), set()).add(collapse(text))
    return out


def collapse(text):
    """The text with every anonymous body written out over several lines
    replaced by `{...}` (its opening line's comment dropped, its closing
    line's kept)."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        code = line.split("\t/* ")[0]
        # an opening line: ends in "{" and is no block header ("KIND NAME {"
        # at indentation 0), so it is indented or a typedef's
        if not (code.endswith("{") and (code.startswith("\t") or code.startswith("typedef "))):
            out.append(line)
            i += 1
            continue
        indent = len(code) - len(code.lstrip("\t"))
        j = i + 1
        while j < len(lines) and not (lines[j].startswith("\t" * indent + "}")):
            j += 1
        if j == len(lines):
            out.append(line)
            i += 1
            continue
        # the merged line may open another body (two on one line): it is
        # looked at again
        lines[j] = code + "...}" + lines[j][indent + 1:]
        i = j
    return "\n".join(out)


# ---------------------------------------------------------------------------
# bpftool side

def enum_val(t, v):
    """An enumerator's value. bpftool 7.1's JSON passes the 32-bit value
    of an unsigned ENUM through a signed int (RT_TABLE_MAX of rt_class_t
    is 18446744073709551615 with -j, 4294967295 in its text form): BTF
    holds 32 bits, so they are taken as such."""
    if t["kind"] == "ENUM" and t["encoding"] != "SIGNED":
        return v["val"] & 0xffffffff
    return v["val"]


class Types:
    def __init__(self, path):
        d = json.loads(run(["bpftool", "btf", "dump", "file", path, "-j"]))
        self.t = {t["id"]: t for t in d["types"]}
        # libbpf's pointer size: that of "long"
        self.ptr = 8
        for t in d["types"]:
            if t["kind"] == "INT" and t["name"] in ("long int", "long unsigned int"):
                self.ptr = t["size"]
                break

    def name(self, t):
        return "" if t["name"] == "(anon)" else t["name"]

    def skip_mods(self, tid):
        while tid and self.t[tid]["kind"] in ("CONST", "VOLATILE", "RESTRICT", "TYPE_TAG"):
            tid = self.t[tid]["type_id"]
        return tid

    def size(self, tid, depth=0):
        if not tid or depth > 64:
            return None
        t = self.t[tid]
        k = t["kind"]
        if k in ("INT", "STRUCT", "UNION", "ENUM", "ENUM64", "FLOAT"):
            return t["size"]
        if k == "PTR":
            return self.ptr
        if k in ("TYPEDEF", "CONST", "VOLATILE", "RESTRICT", "TYPE_TAG"):
            return self.size(t["type_id"], depth + 1)
        if k == "ARRAY":
            s = self.size(t["type_id"], depth + 1)
            return None if s is None else s * t["nr_elems"]
        return None

    def base(self, tid, quals):
        q = "".join(w + " " for w in ("const", "volatile", "restrict") if w in quals)
        if not tid:
            return q + "void"
        t = self.t[tid]
        k, n = t["kind"], self.name(t)
        if k in ("STRUCT", "UNION"):
            return q + k.lower() + (" " + n if n else " {...}")
        if k in ("ENUM", "ENUM64"):
            if n:
                return q + "enum " + n
            vals = ", ".join("%s = %d" % (v["name"], enum_val(t, v)) for v in t["values"])
            return q + "enum {" + (" " + vals if vals else "") + " }"
        if k == "FWD":
            return q + t["fwd_kind"] + " " + n
        return q + n

    def decl(self, tid, inner, quals=frozenset()):
        """C declaration of @inner as type @tid."""
        t = self.t.get(tid) if tid else None
        if t is None:
            return self.base(0, quals) + (" " + inner if inner else "")
        k = t["kind"]
        if k in ("CONST", "VOLATILE", "RESTRICT"):
            return self.decl(t["type_id"], inner, quals | {k.lower()})
        if k == "TYPE_TAG":
            return self.decl(t["type_id"], inner, quals)
        if k == "PTR":
            tgt = self.skip_mods(t["type_id"])
            group = tgt and self.t[tgt]["kind"] in ("ARRAY", "FUNC_PROTO")
            q = " ".join(w for w in ("const", "volatile", "restrict") if w in quals)
            s = "*" + (q + (" " + inner if inner else "") if q else inner)
            return self.decl(t["type_id"], "(" + s + ")" if group else s)
        if k == "ARRAY":
            return self.decl(t["type_id"], "%s[%d]" % (inner, t["nr_elems"]), quals)
        if k in ("FUNC_PROTO", "FUNC"):
            p = t if k == "FUNC_PROTO" else self.t[t["type_id"]]
            return self.decl(p["ret_type_id"], inner + "(" + self.params(p) + ")")
        return self.base(tid, quals) + (" " + inner if inner else "")

    def params(self, p):
        ps = []
        for i, a in enumerate(p["params"]):
            if not a["type_id"] and i == len(p["params"]) - 1:
                ps.append("...")
            else:
                ps.append(self.decl(a["type_id"], self.name(a)))
        return ", ".join(ps) if ps else "void"

    def func_body(self, f):
        p = self.t[f["type_id"]]
        lines = ["\t" + self.decl(p["ret_type_id"], "return") + ";"]
        for i, a in enumerate(p["params"]):
            if not a["type_id"] and i == len(p["params"]) - 1:
                lines.append("\t...;")
            else:
                lines.append("\t" + self.decl(a["type_id"], self.name(a)) + ";")
        return "\n".join(lines) + "\n};\n"


def expected(ty):
    """{(kind, name): set of texts} as docs/format.md makes them from
    bpftool's JSON."""
    out = {}

    def put(kind, name, text):
        out.setdefault((kind, name), set()).add(text)

    records = {ty.name(t)[len("trace_event_raw_"):] for t in ty.t.values()
               if t["kind"] == "STRUCT" and ty.name(t).startswith("trace_event_raw_")}
    kfuncs = {t["type_id"] for t in ty.t.values()
              if t["kind"] == "DECL_TAG" and t["name"] == "bpf_kfunc" and
              t["component_idx"] == -1 and ty.t[t["type_id"]]["kind"] == "FUNC"}
    sys_groups = {}
    for tid in sorted(ty.t):
        t = ty.t[tid]
        k, n = t["kind"], ty.name(t)
        if not n:
            continue
        if k in ("ENUM", "ENUM64") and t["vlen"]:
            signed = t["encoding"] == "SIGNED"
            body = "".join("\t%s = %d,\n" % (v["name"], enum_val(t, v)) for v in t["values"])
            put("enum", n, "enum %s {\n%s};\t/* size %d %s */\n" % (
                n, body, t["size"], "signed" if signed else "unsigned"))
        elif k == "TYPEDEF":
            size = ty.size(t["type_id"])
            put("typedef", n, "typedef " + ty.decl(t["type_id"], n) + ";" +
                ("\t/* size %d */" % size if size is not None else "") + "\n")
            ptr = ty.t.get(t["type_id"]) if t["type_id"] else None
            if n.startswith("btf_trace_") and len(n) > 10 and ptr and ptr["kind"] == "PTR" \
                    and ptr["type_id"] and ty.t[ptr["type_id"]]["kind"] == "FUNC_PROTO" \
                    and ty.t[ptr["type_id"]]["vlen"]:
                tp = n[10:]
                args = ty.t[ptr["type_id"]]["params"][1:]
                body = ""
                for i, a in enumerate(args):
                    if not a["type_id"] and i == len(args) - 1:
                        body += "\t...;\n"
                    else:
                        body += "\t" + ty.decl(a["type_id"], "arg%d" % i) + ";\n"
                text = "tracepoint %s {\n%s};\n" % (tp, body)
                # the record's own text is pahole_agree.py's: only that
                # it follows is checked here (see compare)
                put("tracepoint", tp, (text, tp in records))
        elif k == "FUNC":
            body = ty.func_body(t)
            put("func", n, "func %s {\t/* %s */\n%s" % (n, t["linkage"], body))
            if n.startswith("bpf_lsm_") and len(n) > 8:
                put("lsm", n[8:], "lsm %s {\n%s" % (n[8:], body))
            if tid in kfuncs:
                put("kfunc", n, "kfunc %s {\n%s" % (n, body))
            m = SYSCALL_RE.match(n)
            if m:
                sys_groups.setdefault(m.group(3), set()).add(
                    (n, "\t" + ty.decl(tid, n) + ";\n"))
    for g, members in sys_groups.items():
        put("syscall", g, "syscall %s {\n%s};\n" % (
            g, "".join(line for _n, line in sorted(members))))
    return out


def compare(label, kst, exp):
    ok = bad = 0
    examples = []
    for key in sorted(set(kst) | set(exp)):
        kind = key[0]
        ktexts = kst.get(key, set())
        etexts = exp.get(key, set())
        if kind == "tracepoint":
            # kstruct: "tracepoint ... };\n" then maybe the record
            ks = set()
            for t in ktexts:
                head, sep, rest = t.partition("};\n")
                ks.add((head + sep, rest.startswith("struct trace_event_raw_")))
            ktexts = ks
        if ktexts == etexts:
            ok += 1
            continue
        bad += 1
        if len(examples) < EXAMPLES:
            examples.append("  %s %s:\n    kstruct: %r\n    bpftool: %r" % (
                kind, key[1], sorted(ktexts)[:2], sorted(etexts)[:2]))
    counts = []
    for kind in KINDS:
        kn = sum(len(v) for k, v in kst.items() if k[0] == kind)
        en = sum(len(v) for k, v in exp.items() if k[0] == kind)
        counts.append("%s %d/%d" % (kind, kn, en))
        if kn != en:
            bad += 1
            examples.append("  %s: kstruct has %d entries, bpftool %d" % (kind, kn, en))
    print("%s: %d names agree, %d disagree; entries kstruct/bpftool: %s" % (
        label, ok, bad, ", ".join(counts)))
    for e in examples:
        print(e)
    sys.stdout.flush()
    return ok, bad


def main():
    t0 = time.time()
    dump = os.environ.get("KS_CANON_DUMP")
    if not dump or not os.access(dump, os.X_OK):
        die("KS_CANON_DUMP must name the canon_dump binary (got %r)" % dump)
    for tool, pkg in (("bpftool", "bpftool"), ("xz", "xz-utils")):
        if not shutil.which(tool):
            die("%s is required but not installed (package %s)" % (tool, pkg))
    files = []
    for var in ("KS_CORPUS", "KS_TEST_DATA"):
        d = os.environ.get(var, "")
        if d and os.path.isdir(d):
            files = sorted(glob.glob(os.path.join(d, "*.btf.xz"))) + \
                sorted(glob.glob(os.path.join(d, "btfhub", "*.btf.tar.xz")))
            if files:
                break
    if not files:
        die("no kernels in KS_CORPUS or KS_TEST_DATA")
    host = os.environ.get("KS_HOST_BTF", "/sys/kernel/btf/vmlinux")
    if host != "none" and os.access(host, os.R_OK):
        files.append(host)
    print("bpftool_kinds: %s; %d kernels from %s" % (
        run(["bpftool", "version"]).decode().split("\n")[0], len(files),
        os.path.dirname(files[0])))

    tmp = tempfile.mkdtemp(prefix="ks-bpftool-kinds-")
    total_ok = total_bad = 0
    try:
        for f in files:
            base = os.path.basename(f)
            label = base.split(".btf")[0]
            out = os.path.join(tmp, label + ".btf")
            if f == host:
                label = "host:" + f
                with open(f, "rb") as src, open(out, "wb") as fh:
                    fh.write(src.read())
            elif f.endswith(".tar.xz"):
                with tarfile.open(f) as tf:
                    members = [m for m in tf.getmembers() if m.isfile()]
                    if len(members) != 1:
                        die("%s: expected one file in the tarball" % f)
                    with open(out, "wb") as fh:
                        fh.write(tf.extractfile(members[0]).read())
            else:
                with open(out, "wb") as fh:
                    p = subprocess.run(["xz", "-dc", f], stdout=fh, stderr=subprocess.PIPE)
                if p.returncode:
                    die("xz -dc %s failed" % f)
            kst = read_dump(run([dump, out]))
            exp = expected(Types(out))
            ok, bad = compare(label, kst, exp)
            total_ok += ok
            total_bad += bad
            os.unlink(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("bpftool_kinds: %d kernels, %.1fs" % (len(files), time.time() - t0))
    print("%d passed, %d failed" % (total_ok, total_bad))
    return 1 if total_bad else 0


if __name__ == "__main__":
    sys.exit(main())
