#!/usr/bin/env python3
"""Make a synthetic "later kernel release" from a raw BTF file.

    synth_release.py IN.btf OUT.btf --seed N --changes K
                     [--include NAME]... [--focus NAME]... [--keep NAME.FIELD]...
                     [--count M] [--quiet]

Reads IN.btf (raw little-endian BTF version 1, as /sys/kernel/btf/vmlinux or
a btfhub .btf file) and writes OUT.btf: the same BTF with K changes to K
distinct named structs, chosen from the seed. Each change is one of

  rename  a member's name points to a new string appended to the string
          section: NAME becomes BASE_vN (BASE is NAME without an earlier
          _vM suffix, N the seed). Reads as one field removed, one added.
  retype  a member's type id becomes another type of the same size: a
          pointer to another pointer (struct foo * -> struct bar *), an
          integer to another integer type of the same size (int -> u32;
          base integer types and the uNN, sNN, __uNN, __sNN typedefs).
  add     a new integer member (added_sN, naturally aligned) is inserted
          into a hole or the tail padding of the struct; offsets of the
          other members and the struct size do not change.

so every offset stays valid and libbpf, bpftool and pahole accept the file.
The same input, seed and options always give the same bytes.

  --include NAME      always change struct NAME (counts towards K); repeatable
  --focus NAME        repeatable; each release also changes one of these
                      structs, the (seed mod count)-th (counts towards K), so
                      a chain of releases gives each of them a history
  --keep NAME.FIELD   never rename or retype this member; repeatable
  --count M           make a chain of M releases, each derived from the
                      previous one, with seeds N, N+1, ..., N+M-1; OUT must
                      then contain "{seed}" (str.format, e.g. s{seed:04d}.btf)
                      and is formatted with each release's seed
  --quiet             do not list the changes on stderr

Every change is listed on stderr as "seed N: struct NAME: KIND ...".
Python 3 standard library only.
"""

import argparse
import random
import re
import struct
import sys

BTF_MAGIC = 0xEB9F

(K_UNKN, K_INT, K_PTR, K_ARRAY, K_STRUCT, K_UNION, K_ENUM, K_FWD, K_TYPEDEF,
 K_VOLATILE, K_CONST, K_RESTRICT, K_FUNC, K_FUNC_PROTO, K_VAR, K_DATASEC,
 K_FLOAT, K_DECL_TAG, K_TYPE_TAG, K_ENUM64) = range(20)

# bytes after the 12-byte common header: (fixed, per vlen entry)
EXTRA = {
    K_INT: (4, 0), K_PTR: (0, 0), K_ARRAY: (12, 0), K_STRUCT: (0, 12),
    K_UNION: (0, 12), K_ENUM: (0, 8), K_FWD: (0, 0), K_TYPEDEF: (0, 0),
    K_VOLATILE: (0, 0), K_CONST: (0, 0), K_RESTRICT: (0, 0), K_FUNC: (0, 0),
    K_FUNC_PROTO: (0, 8), K_VAR: (4, 0), K_DATASEC: (0, 12), K_FLOAT: (0, 0),
    K_DECL_TAG: (4, 0), K_TYPE_TAG: (0, 0), K_ENUM64: (0, 12),
}
SIZED = (K_INT, K_STRUCT, K_UNION, K_ENUM, K_FLOAT, K_ENUM64)
MODIFIERS = (K_TYPEDEF, K_VOLATILE, K_CONST, K_RESTRICT, K_TYPE_TAG)
PTR_SIZE = 8  # every corpus kernel is 64-bit
# the integer typedefs a retype may use besides the base integer types
INT_TYPEDEF = re.compile(r"^(__)?[us](8|16|32|64)$")

U32 = struct.Struct("<I")
HDR = struct.Struct("<HBBIIIII")
COMMON = struct.Struct("<III")


class BtfError(Exception):
    pass


class Btf:
    """Raw BTF held as a header, one bytes object per type, and strings."""

    def __init__(self, data):
        if len(data) < HDR.size:
            raise BtfError("file too short for a BTF header")
        (magic, version, self.flags, hdr_len, type_off, type_len, str_off,
         str_len) = HDR.unpack_from(data, 0)
        if magic != BTF_MAGIC:
            if magic == 0x9FEB:
                raise BtfError("big-endian BTF is not supported")
            raise BtfError("not raw BTF (magic 0x%04x)" % magic)
        if version != 1:
            raise BtfError("BTF version %d is not supported" % version)
        if hdr_len < HDR.size or hdr_len > len(data):
            raise BtfError("bad header length %d" % hdr_len)
        tstart, sstart = hdr_len + type_off, hdr_len + str_off
        if tstart + type_len > len(data) or sstart + str_len > len(data):
            raise BtfError("type or string section runs past the end")
        self.hdr_extra = bytes(data[HDR.size:hdr_len])
        self.strings = bytearray(data[sstart:sstart + str_len])
        self.new_strings = {}
        # self.types[i] is type id i + 1
        self.types = []
        pos, end = tstart, tstart + type_len
        while pos < end:
            if pos + 12 > end:
                raise BtfError("truncated type at offset %d" % (pos - tstart))
            info = U32.unpack_from(data, pos + 4)[0]
            kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
            if kind not in EXTRA:
                raise BtfError("unknown BTF kind %d (type id %d)"
                               % (kind, len(self.types) + 1))
            fixed, per = EXTRA[kind]
            n = 12 + fixed + per * vlen
            if pos + n > end:
                raise BtfError("truncated type at offset %d" % (pos - tstart))
            self.types.append(bytes(data[pos:pos + n]))
            pos += n

    # -- reading ---------------------------------------------------------

    def t(self, tid):
        return self.types[tid - 1]

    def kind(self, tid):
        return (U32.unpack_from(self.t(tid), 4)[0] >> 24) & 0x1F

    def kflag(self, tid):
        return U32.unpack_from(self.t(tid), 4)[0] >> 31

    def vlen(self, tid):
        return U32.unpack_from(self.t(tid), 4)[0] & 0xFFFF

    def size_or_type(self, tid):
        return U32.unpack_from(self.t(tid), 8)[0]

    def name_off(self, tid):
        return U32.unpack_from(self.t(tid), 0)[0]

    def str_at(self, off):
        if off >= len(self.strings):
            raise BtfError("string offset %d out of range" % off)
        end = self.strings.index(0, off)
        return self.strings[off:end].decode("utf-8", "surrogateescape")

    def name(self, tid):
        return self.str_at(self.name_off(tid))

    def members(self, tid):
        """[(name_off, type, offset_field)] of a struct or union."""
        b = self.t(tid)
        return [struct.unpack_from("<III", b, 12 + 12 * i)
                for i in range(self.vlen(tid))]

    def resolve(self, tid):
        """Strip typedefs and qualifiers."""
        seen = 0
        while tid and self.kind(tid) in MODIFIERS:
            tid = self.size_or_type(tid)
            seen += 1
            if seen > 64:
                raise BtfError("modifier loop at type %d" % tid)
        return tid

    def size(self, tid, depth=0):
        if depth > 64:
            raise BtfError("type nesting too deep at type %d" % tid)
        tid = self.resolve(tid)
        if tid == 0:
            return 0
        k = self.kind(tid)
        if k in SIZED:
            return self.size_or_type(tid)
        if k == K_PTR:
            return PTR_SIZE
        if k == K_ARRAY:
            elem, _index, nelems = struct.unpack_from("<III", self.t(tid), 12)
            return nelems * self.size(elem, depth + 1)
        return 0

    # -- writing ---------------------------------------------------------

    def add_string(self, s):
        if s in self.new_strings:
            return self.new_strings[s]
        off = len(self.strings)
        self.strings += s.encode("utf-8", "surrogateescape") + b"\0"
        self.new_strings[s] = off
        return off

    def set_member(self, tid, idx, name_off=None, type_id=None):
        b = bytearray(self.t(tid))
        pos = 12 + 12 * idx
        if name_off is not None:
            U32.pack_into(b, pos, name_off)
        if type_id is not None:
            U32.pack_into(b, pos + 4, type_id)
        self.types[tid - 1] = bytes(b)

    def insert_member(self, tid, idx, name_off, type_id, offset_field):
        b = bytearray(self.t(tid))
        info = U32.unpack_from(b, 4)[0]
        vlen = info & 0xFFFF
        if vlen == 0xFFFF:
            raise BtfError("struct already has the most members BTF allows")
        U32.pack_into(b, 4, (info & ~0xFFFF) | (vlen + 1))
        pos = 12 + 12 * idx
        b[pos:pos] = struct.pack("<III", name_off, type_id, offset_field)
        self.types[tid - 1] = bytes(b)

    def to_bytes(self):
        types = b"".join(self.types)
        hdr_len = HDR.size + len(self.hdr_extra)
        hdr = HDR.pack(BTF_MAGIC, 1, self.flags, hdr_len, 0, len(types),
                       len(types), len(self.strings))
        return hdr + self.hdr_extra + types + bytes(self.strings)


class Mutator:
    def __init__(self, btf, keep):
        self.btf = btf
        self.keep = keep  # set of (struct name, field name)
        b = btf
        self.by_name = {}
        self.candidates = []  # named structs with members, by type id
        self.ptrs = []        # pointers to named structs and unions
        ints = {}             # size -> [INT or typedef-of-INT ids]
        for tid in range(1, len(b.types) + 1):
            k = b.kind(tid)
            if k == K_STRUCT and b.vlen(tid) > 0 and b.name_off(tid):
                name = b.name(tid)
                self.by_name.setdefault(name, []).append(tid)
                self.candidates.append(tid)
            elif k == K_PTR:
                target = b.size_or_type(tid)
                if target and b.kind(target) in (K_STRUCT, K_UNION, K_FWD) \
                        and b.name_off(target):
                    self.ptrs.append(tid)
            elif k in (K_INT, K_TYPEDEF) and b.name_off(tid) and \
                    (k == K_INT or INT_TYPEDEF.match(b.name(tid))):
                r = b.resolve(tid)
                if r and b.kind(r) == K_INT:
                    enc = U32.unpack_from(b.t(r), 12)[0]
                    bits = enc & 0xFF
                    sz = b.size_or_type(r)
                    if bits == sz * 8 and sz in (1, 2, 4, 8):
                        ints.setdefault(sz, []).append(tid)
        self.ints = ints
        self.int_pool = set(t for v in ints.values() for t in v)
        # the type an added member of each size gets: the kernel's uNN
        self.add_type = {}
        for sz in (1, 2, 4, 8):
            pool = ints.get(sz, [])
            want = "u%d" % (sz * 8)
            named = [t for t in pool if b.name(t) == want]
            if named or pool:
                self.add_type[sz] = (named or pool)[0]

    def pick_structs(self, rng, k, include):
        chosen = []
        for name in include:
            ids = self.by_name.get(name)
            if not ids:
                raise BtfError("no struct named %r with members" % name)
            if ids[0] not in chosen:
                chosen.append(ids[0])
        pool = [t for t in self.candidates if t not in chosen]
        extra = max(0, k - len(chosen))
        chosen += rng.sample(pool, min(extra, len(pool)))
        return chosen

    def member_name(self, name_off):
        return self.btf.str_at(name_off) if name_off else ""

    def try_rename(self, rng, tid, seed):
        b = self.btf
        sname = b.name(tid)
        mems = b.members(tid)
        names = set(self.member_name(m[0]) for m in mems)
        opts = [i for i, m in enumerate(mems)
                if m[0] and (sname, self.member_name(m[0])) not in self.keep]
        if not opts:
            return None
        i = rng.choice(opts)
        old = self.member_name(mems[i][0])
        new = "%s_v%d" % (re.sub(r"_v[0-9]+$", "", old), seed)
        if new in names:
            return None
        b.set_member(tid, i, name_off=b.add_string(new))
        return "rename %s -> %s" % (old, new)

    def try_retype(self, rng, tid, seed):
        b = self.btf
        sname = b.name(tid)
        mems = b.members(tid)
        opts = []
        for i, (noff, mtype, _off) in enumerate(mems):
            if not noff or (sname, self.member_name(noff)) in self.keep:
                continue
            if b.kind(mtype) == K_PTR and mtype in self.ptrs:
                opts.append((i, self.ptrs))
            elif mtype in self.int_pool:
                pool = self.ints[b.size(mtype)]
                if len(pool) > 1:
                    opts.append((i, pool))
        if not opts:
            return None
        i, pool = rng.choice(opts)
        old = mems[i][1]
        new = old
        while new == old:
            new = rng.choice(pool)
        b.set_member(tid, i, type_id=new)

        def tname(x):
            if b.kind(x) == K_PTR:
                tgt = b.size_or_type(x)
                return "%s *" % b.name(tgt)
            return b.name(x)
        return "retype %s: %s -> %s" % (self.member_name(mems[i][0]),
                                        tname(old), tname(new))

    def try_add(self, rng, tid, seed):
        b = self.btf
        mems = b.members(tid)
        kflag = b.kflag(tid)
        ssize = b.size_or_type(tid)
        spans = []  # (start bit, end bit)
        for noff, mtype, off in mems:
            if kflag:
                bit, bits = off & 0xFFFFFF, off >> 24
            else:
                bit, bits = off, 0
            end = bit + (bits if bits else b.size(mtype) * 8)
            spans.append((bit, end))
        spans.sort()
        holes = []  # (start byte, end byte)
        covered = 0
        for start, end in spans:
            hs, he = (covered + 7) // 8, start // 8
            if he > hs:
                holes.append((hs, he))
            covered = max(covered, end)
        hs = (covered + 7) // 8
        # tail padding, unless the struct ends in a flexible array member
        if ssize > hs and spans and spans[-1][1] > spans[-1][0]:
            holes.append((hs, ssize))
        opts = []
        for hs, he in holes:
            for sz in (8, 4, 2, 1):
                if sz not in self.add_type:
                    continue
                if sz == 8 and ssize % 8:
                    continue
                a = (hs + sz - 1) // sz * sz
                if a + sz <= he:
                    opts.append((a, sz))
                    break
        if not opts:
            return None
        at, sz = rng.choice(opts)
        name = "added_s%d" % seed
        if name in set(self.member_name(m[0]) for m in mems):
            return None
        bitoff = at * 8
        if bitoff > 0xFFFFFF and kflag:
            return None
        idx = len(mems)
        for i, (_n, _t, off) in enumerate(mems):
            if (off & 0xFFFFFF if kflag else off) > bitoff:
                idx = i
                break
        b.insert_member(tid, idx, b.add_string(name), self.add_type[sz], bitoff)
        return "add %s %s at %d" % (b.name(self.add_type[sz]), name, at)

    def mutate(self, seed, k, include, focus):
        rng = random.Random(seed)
        log = []
        names = list(include)
        if focus:
            names.append(focus[seed % len(focus)])
        for tid in self.pick_structs(rng, k, names):
            kinds = [self.try_rename, self.try_retype, self.try_add]
            first = rng.choices(range(3), weights=(4, 3, 3))[0]
            order = kinds[first:] + kinds[:first]
            for fn in order:
                what = fn(rng, tid, seed)
                if what:
                    log.append("seed %d: struct %s: %s"
                               % (seed, self.btf.name(tid), what))
                    break
        return log


def main(argv):
    ap = argparse.ArgumentParser(
        description="Write a seeded, valid mutation of a raw BTF file.")
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--changes", type=int, required=True)
    ap.add_argument("--include", action="append", default=[])
    ap.add_argument("--focus", action="append", default=[])
    ap.add_argument("--keep", action="append", default=[])
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.changes < 0 or a.count < 1 or a.seed < 0:
        ap.error("--seed and --changes must be >= 0, --count >= 1")
    if a.count > 1 and "{seed" not in a.output:
        ap.error("with --count, OUT must contain {seed}")
    keep = set()
    for k in a.keep:
        if "." not in k:
            ap.error("--keep takes STRUCT.FIELD")
        keep.add(tuple(k.split(".", 1)))
    try:
        with open(a.input, "rb") as f:
            btf = Btf(f.read())
        mut = Mutator(btf, keep)
        for seed in range(a.seed, a.seed + a.count):
            log = mut.mutate(seed, a.changes, a.include, a.focus)
            if not a.quiet:
                for line in log:
                    print(line, file=sys.stderr)
            out = a.output.format(seed=seed) if a.count > 1 else a.output
            with open(out, "wb") as f:
                f.write(btf.to_bytes())
    except (BtfError, OSError) as e:
        print("synth_release.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
