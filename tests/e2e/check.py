#!/usr/bin/env python3
"""kstruct check on real eBPF objects and real kernels, against libbpf.

The programs of tests/e2e/bpf/ are compiled here with clang
(-target bpf -g -O2) against a vmlinux.h that bpftool dumps from the 6.1
kernel of tests/data; every kernel of tests/data (and of the shared corpus
when it exists) is imported into one store, and `kstruct check` runs on
each object.

1. Verdicts, from what the kernels are (each fact is also what libbpf
   says in part 2): core_reads loads on 6.1 x86 only (inode.i_ctime became
   i_ctime_sec in 6.11; pt_regs.di is x86); guarded is never a failure and
   is guarded everywhere; misguarded checks a member's existence and
   reads it anyway, so it fails where the member is gone (the verdict comes
   from the program's control flow, not from the order of the checks);
   later reads, unguarded, a member that only 6.11 on have (i_ctime_sec)
   and kprobes do_fsync, which 6.1's BTF lacks; with a symbol table, a
   kretprobe on a function without a callable symbol is refused;
   sizes loads everywhere but is warned about where inode.i_state and
   sock.sk_gso_type changed size or signedness (not sk_tsflags, whose size
   the program asks for); attach fails where blk_mq_init_queue, the
   io_uring_submit_sqe or the block_io_start tracepoint is missing.
2. Relocation for relocation against libbpf: `bpftool -d gen min_core_btf`
   runs libbpf's CO-RE matcher on each kernel and prints, per program
   section and relocation, whether a candidate matched and where the access
   lands ("@ offset 2344.1" is byte 2344, bit 1) or the enumerator's value.
   kstruct's JSON must agree on every relocation: matched or not, the bit
   offset, the value. The values libbpf does not print (byte sizes,
   signedness, bitfield shifts, type sizes) are recomputed by libbpf's
   formulas from the kernel's raw BTF (`bpftool btf dump -j`) at the
   member libbpf matched, and must agree too.
3. Bad input: a file that is not an object, a truncated object, an
   unknown release.
Last line: `N passed, M failed`.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
KSTRUCT = os.environ.get("KSTRUCT", os.path.join(HERE, "../../build/kstruct"))
DATA = os.environ.get("KS_TEST_DATA", os.path.join(HERE, "../data"))
CORPUS = os.environ.get("KS_CORPUS", "")

passed = 0
failed = 0


def ok(name):
    global passed
    passed += 1
    print("ok   " + name)


def bad(name, detail=""):
    global failed
    failed += 1
    print("FAIL " + name + (": " + detail if detail else ""))


def check(name, cond, detail=""):
    if cond:
        ok(name)
    else:
        bad(name, detail)


def die(msg):
    print("check: error: " + msg)
    print("0 passed, 1 failed")
    sys.exit(1)


def run(argv, want=(0,), **kw):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if p.returncode not in want:
        die("%s exited with %d: %s" % (" ".join(argv), p.returncode,
                                       p.stderr.decode(errors="replace")[-2000:]))
    return p


def kernels(tmp):
    """{release: raw BTF path} of tests/data and the corpus."""
    out = {}
    dirs = [DATA] + ([CORPUS] if CORPUS and os.path.isdir(CORPUS) else [])
    for d in dirs:
        for xz in sorted(glob.glob(os.path.join(d, "*.btf.xz"))):
            rel = os.path.basename(xz)[:-len(".btf.xz")]
            if rel in out:
                continue
            path = os.path.join(tmp, rel + ".btf")
            with open(path, "wb") as f:
                subprocess.run(["xz", "-dc", xz], stdout=f, check=True)
            out[rel] = path
    # btfhub archives: one raw BTF in a tarball (a Kylin 4.19 on arm64)
    for tx in sorted(glob.glob(os.path.join(DATA, "btfhub", "*.btf.tar.xz"))):
        rel = os.path.basename(tx)[:-len(".btf.tar.xz")]
        subprocess.run(["tar", "-xJf", tx, "-C", tmp], check=True)
        out[rel] = os.path.join(tmp, rel + ".btf")
    return out


def version(rel):
    """(6, 12) of "6.12.117-generic-amd64" """
    m = re.match(r"(\d+)\.(\d+)", rel)
    return (int(m.group(1)), int(m.group(2)))


def is_x86(rel):
    return rel.endswith("amd64") or "x86_64" in rel


# "libbpf: prog 'kprobe/vfs_read': relo #2: matching candidate #0 <byte_off>
#  [192] struct task_struct.in_execve (0:67 @ offset 2344.1)"
RELO_RE = re.compile(r"^libbpf: prog '([^']+)': relo #(\d+): (.*)$")
OFF_RE = re.compile(r"@ offset (\d+)(?:\.(\d+))?\)")
VAL_RE = re.compile(r" = (-?\d+)$")
CAND_RE = re.compile(r"^matching candidate #\d+ <\w+> \[(\d+)\][^(]*(?:\(([\d:]+) @)?")


class RawTypes:
    """The kernel's types by id, from `bpftool btf dump file F -j`: the
    second, independent side of the values libbpf's debug output does not
    print (sizes, signedness, bitfield shifts)."""

    def __init__(self, path):
        p = run(["bpftool", "btf", "dump", "file", path, "-j"])
        self.t = {x["id"]: x for x in json.loads(p.stdout)["types"]}
        self.names = {(x["kind"], x.get("name")) for x in self.t.values()}

    def attach(self, sec):
        """what the kernel's BTF says of a program section's attach point"""
        kind, _, target = sec.partition("/")
        if kind in ("fentry", "fexit", "kprobe", "kretprobe"):
            return "ok" if ("FUNC", target) in self.names else "missing"
        if kind in ("tp_btf", "raw_tp"):
            return "ok" if ("TYPEDEF", "btf_trace_" + target) in self.names else "missing"
        if kind == "lsm":
            return "ok" if ("FUNC", "bpf_lsm_" + target) in self.names else "missing"
        if kind == "tracepoint" and target.startswith("syscalls/sys_enter_"):
            call = target[len("syscalls/sys_enter_"):]
            return "ok" if any(k == "FUNC" and n and re.match(r"^__\w+_sys_%s$" % call, n)
                               for k, n in self.names) else "missing"
        return "needs nothing"

    def skip(self, tid):
        t = self.t.get(tid)
        while t and t["kind"] in ("TYPEDEF", "CONST", "VOLATILE", "RESTRICT", "TYPE_TAG"):
            t = self.t.get(t["type_id"])
        return t

    def size(self, tid):
        t = self.skip(tid)
        if t["kind"] == "PTR":
            return 8
        if t["kind"] == "ARRAY":
            return t["nr_elems"] * self.size(t["type_id"])
        return t["size"]

    def member(self, root, spec):
        """the member the raw access spec "0:67:1" ends at: (owner, member)"""
        t, owner, m = self.skip(root), None, None
        for i in [int(x) for x in spec.split(":")][1:]:
            if t["kind"] in ("STRUCT", "UNION"):
                owner, m = t, t["members"][i]
                t = self.skip(m["type_id"])
            else:  # an array index
                owner, m = None, None
                t = self.skip(t["type_id"])
        return owner, m

    def value(self, kind, root, spec, bit_off):
        """libbpf's bpf_core_calc_field_relo and type size, on these types"""
        if kind == "type_size":
            return self.size(root)
        owner, m = self.member(root, spec)
        if m is None:
            return None
        mt = self.skip(m["type_id"])
        bit_sz = m.get("bitfield_size", 0)
        if kind == "signed":
            enc = mt.get("encoding", "")
            return int(enc == "SIGNED" or (mt["kind"] == "INT" and "SIGNED" in enc and
                                          enc != "UNSIGNED"))
        if bit_sz:
            byte_sz = mt["size"]
            byte_off = bit_off // 8 // byte_sz * byte_sz
            while bit_off + bit_sz - byte_off * 8 > byte_sz * 8:
                byte_sz *= 2
                byte_off = bit_off // 8 // byte_sz * byte_sz
        else:
            byte_sz = self.size(m["type_id"])
            byte_off = bit_off // 8
            bit_sz = byte_sz * 8
        return {"byte_sz": byte_sz, "lshift_u64": 64 - (bit_off + bit_sz - byte_off * 8),
                "rshift_u64": 64 - bit_sz}.get(kind)


def libbpf_relos(btf, obj, tmp):
    """{(section, n): (matched, bit_offset or None, value or None, target id,
    raw spec)}"""
    p = run(["bpftool", "-d", "gen", "min_core_btf", btf, os.path.join(tmp, "min.btf"), obj],
            want=(0, 1, 255))
    res = {}
    for line in p.stderr.decode(errors="replace").splitlines():
        m = RELO_RE.match(line)
        if not m:
            continue
        key = (m.group(1), int(m.group(2)))
        res.setdefault(key, (False, None, None, None, None))
        rest = m.group(3)
        if rest.startswith("matching candidate"):
            off = OFF_RE.search(rest)
            val = VAL_RE.search(rest)
            cand = CAND_RE.match(rest)
            bit = int(off.group(1)) * 8 + int(off.group(2) or 0) if off else None
            res[key] = (True, bit, int(val.group(1)) if val else None,
                        int(cand.group(1)) if cand else None,
                        cand.group(2) if cand else None)
    return res


def kstruct_check(store, obj, *extra, want=(0, 1)):
    p = run([KSTRUCT, "--store", store, "check", obj, "--format", "json"] + list(extra),
            want=want)
    return p, (json.loads(p.stdout) if p.returncode in (0, 1) else None)


def main():
    for tool in ("clang", "bpftool", "xz"):
        if not shutil.which(tool):
            die(tool + " is required (packages clang, bpftool, xz-utils)")
    tmp = tempfile.mkdtemp(prefix="ks_check_")
    try:
        test(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


def test(tmp):
    ks = kernels(tmp)
    old = "6.1.0-47-generic-amd64"
    if old not in ks or "6.12.117-generic-amd64" not in ks:
        die("tests/data lacks its two kernels")
    with open(os.path.join(tmp, "vmlinux.h"), "w") as f:
        subprocess.run(["bpftool", "btf", "dump", "file", ks[old], "format", "c"], stdout=f,
                       check=True)
    objs = {}
    for src in sorted(glob.glob(os.path.join(HERE, "bpf", "*.bpf.c"))):
        name = os.path.basename(src)[:-len(".bpf.c")]
        obj = os.path.join(tmp, name + ".bpf.o")
        run(["clang", "-target", "bpf", "-g", "-O2", "-D__TARGET_ARCH_x86", "-I", tmp,
             "-c", src, "-o", obj])
        objs[name] = obj
    store = os.path.join(tmp, "store")
    for rel, path in sorted(ks.items()):
        run([KSTRUCT, "--store", store, "import", path, "--release", rel])
    print("# %d kernels: %s" % (len(ks), " ".join(sorted(ks))))

    # -- 1. verdicts --
    def verdicts(doc):
        return {r["release"]: r for r in doc[0]["releases"]}

    p, doc = kstruct_check(store, objs["core_reads"])
    v = verdicts(doc)
    check("core_reads: exit 1 (some release fails)", p.returncode == 1)
    for rel, r in v.items():
        x86 = is_x86(rel)
        has_ctime = version(rel) < (6, 6)	# then __i_ctime, then i_ctime_sec
        want = "ok" if x86 and has_ctime else "fail"
        check("core_reads on %s: %s" % (rel, want), r["verdict"] == want, r["verdict"])
        reasons = " ".join(x.get("reason", "") for x in r["relocations"]
                           if x["verdict"] == "fail")
        if not has_ctime:
            check("core_reads on %s: i_ctime is the reason" % rel,
                  "no member i_ctime" in reasons, reasons)
        if not x86:
            check("core_reads on %s: pt_regs.di is x86's" % rel,
                  "pt_regs has no member di" in reasons, reasons)

    p, doc = kstruct_check(store, objs["guarded"])
    v = verdicts(doc)
    check("guarded: exit 0 (no release fails)", p.returncode == 0)
    for rel, r in v.items():
        check("guarded on %s: guarded" % rel, r["verdict"] == "guarded", r["verdict"])
        fails = [x for x in r["relocations"] if x["verdict"] == "fail"]
        check("guarded on %s: no unguarded read" % rel, not fails, str(fails[:1]))

    p, doc = kstruct_check(store, objs["misguarded"])
    for rel, r in verdicts(doc).items():
        want = "ok" if version(rel) < (6, 6) else "fail"
        check("misguarded on %s: %s (the check guards nothing)" % (rel, want),
              r["verdict"] == want, r["verdict"])

    p, doc = kstruct_check(store, objs["sizes"])
    check("sizes: exit 0 (warnings do not fail)", p.returncode == 0)
    for rel, r in verdicts(doc).items():
        if not rel.startswith("6."):
            continue	# 4.19: other changes, not what this program is about
        w = sorted((x["access"], x["differs"]) for x in r["warnings"])
        want = [] if rel.startswith("6.1.") else [
            ("struct inode.i_state", "size"), ("struct sock.sk_gso_type", "signedness"),
            ("struct sock.sk_gso_type", "size")]
        check("sizes on %s: warnings %s" % (rel, want), w == want, str(w))
        check("sizes on %s: ok" % rel, r["verdict"] == "ok", r["verdict"])

    p, doc = kstruct_check(store, objs["later"])
    for rel, r in verdicts(doc).items():
        old_k = version(rel) < (6, 11)
        check("later on %s: %s" % (rel, "fail" if old_k else "ok"),
              r["verdict"] == ("fail" if old_k else "ok"), r["verdict"])
        if old_k:
            why = " ".join(f.get("reason", "") + " " + f["access"] for f in r["failures"])
            check("later on %s: i_ctime_sec is not there yet" % rel,
                  "no member i_ctime_sec" in why, why)

    # a kprobe needs a symbol to attach to: with a symbol table (kallsyms
    # of "the running kernel") that lacks vfs_write, the function is in
    # BTF but inlined
    ksyms = os.path.join(tmp, "kallsyms")
    with open(ksyms, "w") as f:
        f.write("0000000000000000 T vfs_read\n0000000000000000 T do_fsync\n")
    sym_store = os.path.join(tmp, "sym-store")
    run([KSTRUCT, "--store", sym_store, "import", ks["6.12.117-generic-amd64"], "--release",
         os.uname().release], env=dict(os.environ, KSTRUCT_KALLSYMS=ksyms))
    p, doc = kstruct_check(sym_store, objs["later"])
    r = doc[0]["releases"][0]
    st = {a["section"]: a["status"] for a in r["attach"]}
    check("kretprobe on a function without a callable symbol: refused",
          st.get("kretprobe/vfs_write") == "no callable symbol" and r["verdict"] == "fail", str(st))
    check("kprobe on a function with its symbol: ok", st.get("kprobe/do_fsync") == "ok", str(st))

    p, doc = kstruct_check(store, objs["attach"])
    v = verdicts(doc)
    raw = {}
    for rel, r in v.items():
        st = {a["section"]: a["status"] for a in r["attach"]}
        raw[rel] = RawTypes(ks[rel])
        want = {sec: raw[rel].attach(sec) for sec in st}
        if not any(k == "FUNC" for k, _ in raw[rel].names):
            # BTF without functions cannot tell: not a failure
            want = {sec: "not recorded" if w in ("ok", "missing") else w
                    for sec, w in want.items()}
        check("attach on %s: every attach point as the raw BTF has it" % rel, st == want,
              "kstruct %s, raw BTF %s" % (st, want))
        if not rel.startswith("6."):
            continue
        v61 = rel.startswith("6.1.")
        check("attach on %s: fentry/blk_mq_init_queue %s" % (rel, "ok" if v61 else "missing"),
              st["fentry/blk_mq_init_queue"] == ("ok" if v61 else "missing"))
        check("attach on %s: tp_btf/io_uring_submit_sqe" % rel,
              st["tp_btf/io_uring_submit_sqe"] == ("ok" if v61 else "missing"))
        check("attach on %s: raw_tp/block_io_start" % rel,
              st["raw_tp/block_io_start"] == ("missing" if v61 else "ok"))
        check("attach on %s: sched_switch, file_open, sys_enter_openat there" % rel,
              st["tp_btf/sched_switch"] == st["lsm/file_open"] ==
              st["tracepoint/syscalls/sys_enter_openat"] == "ok", str(st))
        check("attach on %s: xdp and uprobe need no kernel symbol" % rel,
              st["xdp"] == st["uprobe"] == "needs nothing", str(st))
        check("attach on %s: fail" % rel, r["verdict"] == "fail")
    arm = [r for r in ks if r.endswith("arm64")]
    if arm:
        p, doc = kstruct_check(store, objs["core_reads"], "--lineage", "debian/aarch64")
        got = sorted(r["release"] for r in doc[0]["releases"])
        check("--lineage debian/aarch64 (a part naming one lineage): its releases only",
              got == sorted(arm), str(got))

    # -- 2. against libbpf, relocation for relocation --
    agree = disagree = values = 0
    for name in ("core_reads", "guarded", "misguarded", "sizes", "later"):
        _, doc = kstruct_check(store, objs[name])
        for rel, r in verdicts(doc).items():
            lib = libbpf_relos(ks[rel], objs[name], tmp)
            if rel not in raw:
                raw[rel] = RawTypes(ks[rel])
            seen = {}
            for x in r["relocations"]:
                n = seen.get(x["section"], 0)
                seen[x["section"]] = n + 1
                want = lib.get((x["section"], n))
                got_match = x["status"] == "ok"
                msg = "%s on %s: %s relo #%d %s %s" % (name, rel, x["section"], n, x["kind"],
                                                      x["access"])
                if want is None:
                    bad(msg, "libbpf printed nothing for it")
                    disagree += 1
                    continue
                same = want[0] == got_match
                if same and got_match and want[1] is not None:
                    same = want[1] == x.get("bit_offset")
                if same and got_match and want[2] is not None and x["kind"] == "enumval_value":
                    same = want[2] == x.get("value")
                if same and got_match and want[3] is not None and x["kind"] in (
                        "byte_sz", "signed", "lshift_u64", "rshift_u64", "type_size"):
                    v = raw[rel].value(x["kind"], want[3], want[4] or "0", want[1] or 0)
                    same = v is not None and v == x.get("value")
                    values += same
                if same:
                    agree += 1
                else:
                    disagree += 1
                    bad(msg, "libbpf %s, kstruct %s" % (want, (got_match, x.get("bit_offset"),
                                                             x.get("value"))))
    print("# against libbpf: %d relocations agree, %d disagree; %d sizes, signs and shifts "
          "recomputed from bpftool's dump of the kernel agree" % (agree, disagree, values))
    check("sizes, signs and shifts recomputed from the raw BTF (%d)" % values,
          values >= 7 * len(ks))
    check("every relocation agrees with libbpf (%d)" % agree, disagree == 0 and agree >= 40)

    # -- 3. bad input --
    junk = os.path.join(tmp, "junk.o")
    with open(junk, "wb") as f:
        f.write(b"not an eBPF object at all")
    p, _ = kstruct_check(store, junk, want=(2,))
    err = p.stderr.decode()
    check("a file that is not an object: exit 2, one line", p.returncode == 2 and
          err.count("\n") == 1 and "not an ELF file" in err, err)
    cut = os.path.join(tmp, "cut.bpf.o")
    with open(objs["guarded"], "rb") as f:
        data = f.read()
    with open(cut, "wb") as f:
        f.write(data[:len(data) // 3])
    p, _ = kstruct_check(store, cut, want=(2,))
    check("a truncated object: exit 2", p.returncode == 2 and not p.stdout, p.stderr.decode())
    p, _ = kstruct_check(store, objs["guarded"], "--release", "9.9.9-none", want=(1,))
    check("an unknown release: exit 1, named", b"9.9.9-none" in p.stderr)
    p, doc = kstruct_check(store, objs["core_reads"], "--release", old)
    check("--release picks one release, and it is ok: exit 0",
          p.returncode == 0 and len(doc[0]["releases"]) == 1)


if __name__ == "__main__":
    main()
