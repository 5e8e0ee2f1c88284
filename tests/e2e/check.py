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
   offset, the value.
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
    return out


# "libbpf: prog 'kprobe/vfs_read': relo #2: matching candidate #0 <byte_off>
#  [192] struct task_struct.in_execve (0:67 @ offset 2344.1)"
RELO_RE = re.compile(r"^libbpf: prog '([^']+)': relo #(\d+): (.*)$")
OFF_RE = re.compile(r"@ offset (\d+)(?:\.(\d+))?\)")
VAL_RE = re.compile(r" = (-?\d+)$")


def libbpf_relos(btf, obj, tmp):
    """{(section, n): (matched, bit_offset or None, value or None)}"""
    p = run(["bpftool", "-d", "gen", "min_core_btf", btf, os.path.join(tmp, "min.btf"), obj],
            want=(0, 1, 255))
    res = {}
    for line in p.stderr.decode(errors="replace").splitlines():
        m = RELO_RE.match(line)
        if not m:
            continue
        key = (m.group(1), int(m.group(2)))
        res.setdefault(key, (False, None, None))
        rest = m.group(3)
        if rest.startswith("matching candidate"):
            off = OFF_RE.search(rest)
            val = VAL_RE.search(rest)
            bit = int(off.group(1)) * 8 + int(off.group(2) or 0) if off else None
            res[key] = (True, bit, int(val.group(1)) if val else None)
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
        x86 = rel.endswith("amd64")
        v61 = rel.startswith("6.1.")
        want = "ok" if x86 and v61 else "fail"
        check("core_reads on %s: %s" % (rel, want), r["verdict"] == want, r["verdict"])
        reasons = " ".join(x.get("reason", "") for x in r["relocations"]
                           if x["verdict"] == "fail")
        if not v61:
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
        want = "ok" if rel.startswith("6.1.") else "fail"
        check("misguarded on %s: %s (the check guards nothing)" % (rel, want),
              r["verdict"] == want, r["verdict"])

    p, doc = kstruct_check(store, objs["sizes"])
    check("sizes: exit 0 (warnings do not fail)", p.returncode == 0)
    for rel, r in verdicts(doc).items():
        w = sorted((x["access"], x["differs"]) for x in r["warnings"])
        want = [] if rel.startswith("6.1.") else [
            ("struct inode.i_state", "size"), ("struct sock.sk_gso_type", "signedness"),
            ("struct sock.sk_gso_type", "size")]
        check("sizes on %s: warnings %s" % (rel, want), w == want, str(w))
        check("sizes on %s: ok" % rel, r["verdict"] == "ok", r["verdict"])

    p, doc = kstruct_check(store, objs["later"])
    for rel, r in verdicts(doc).items():
        v61 = rel.startswith("6.1.")
        check("later on %s: %s" % (rel, "fail" if v61 else "ok"),
              r["verdict"] == ("fail" if v61 else "ok"), r["verdict"])
        if v61:
            why = " ".join(f.get("reason", "") + " " + f["access"] for f in r["failures"])
            check("later on 6.1: i_ctime_sec is not there yet, nor do_fsync",
                  "no member i_ctime_sec" in why and "do_fsync" in why, why)

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
    for rel, r in v.items():
        st = {a["section"]: a["status"] for a in r["attach"]}
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
        check("attach on %s: fail" % rel, r["verdict"] == "fail")

    # -- 2. against libbpf, relocation for relocation --
    agree = disagree = 0
    for name in ("core_reads", "guarded", "misguarded", "sizes", "later"):
        _, doc = kstruct_check(store, objs[name])
        for rel, r in verdicts(doc).items():
            lib = libbpf_relos(ks[rel], objs[name], tmp)
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
                if same:
                    agree += 1
                else:
                    disagree += 1
                    bad(msg, "libbpf %s, kstruct %s" % (want, (got_match, x.get("bit_offset"),
                                                             x.get("value"))))
    print("# against libbpf: %d relocations agree, %d disagree" % (agree, disagree))
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
