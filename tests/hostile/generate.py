#!/usr/bin/env python3
"""Writes the hostile inputs of this folder, their README.md and EXPECT.

Every file is made from a small valid BTF blob built here (no libbpf, no
network, Python's standard library only) and is deterministic: running
this again gives the same bytes. tests/e2e/hostile.sh imports each one
into a store and expects one line on stderr that names the file and the
problem, exit status 1, nothing on stdout and the store unchanged.

    python3 tests/hostile/generate.py            # rewrite the files
    python3 tests/hostile/generate.py --check    # do they match?
    python3 tests/hostile/generate.py --valid F  # the valid blob, to F
"""
import gzip
import io
import lzma
import os
import struct
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))

# BTF kinds (include/uapi/linux/btf.h)
INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, \
    FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64 = range(1, 20)


class Btf:
    """A little-endian BTF writer; type ids start at 1, in add order."""

    def __init__(self, base=None):
        """With @base: split BTF (a module's) whose ids and string offsets
        go on after the base's."""
        self.strs = bytearray(b"" if base else b"\0")
        self.offs = {b"": 0}
        self.types = []
        self.first_id = len(base.types) + 1 if base else 1
        self.first_str = len(base.strs) if base else 0

    def s(self, name):
        b = name if isinstance(name, bytes) else name.encode("latin-1")
        if b not in self.offs:
            self.offs[b] = self.first_str + len(self.strs)
            self.strs += b + b"\0"
        return self.offs[b]

    def raw(self, name_off, kind, vlen, kflag, size_or_type, extra=b""):
        info = (kflag << 31) | (kind << 24) | vlen
        self.types.append(bytearray(struct.pack("<III", name_off, info, size_or_type) + extra))
        return self.first_id + len(self.types) - 1

    def int(self, name, size, bits=None, signed=False, bit_off=0):
        enc = (1 if signed else 0) << 24 | bit_off << 16 | (size * 8 if bits is None else bits)
        return self.raw(self.s(name), INT, 0, 0, size, struct.pack("<I", enc))

    def ref(self, kind, target, name=""):
        return self.raw(self.s(name), kind, 0, 0, target)

    def ptr(self, target):
        return self.ref(PTR, target)

    def typedef(self, name, target):
        return self.ref(TYPEDEF, target, name)

    def array(self, elem, index, nelems):
        return self.raw(0, ARRAY, 0, 0, 0, struct.pack("<III", elem, index, nelems))

    def composite(self, kind, name, size, members, kflag=0):
        """members: (name, type, bit offset[, bitfield bits])"""
        extra = b""
        for m in members:
            mname, mtype, off = m[:3]
            bits = m[3] if len(m) > 3 else 0
            extra += struct.pack("<III", self.s(mname), mtype, (bits << 24 | off) if kflag else off)
        return self.raw(self.s(name), kind, len(members), kflag, size, extra)

    def struct(self, name, size, members, kflag=0):
        return self.composite(STRUCT, name, size, members, kflag)

    def union(self, name, size, members, kflag=0):
        return self.composite(UNION, name, size, members, kflag)

    def fwd(self, name, is_union=False):
        return self.raw(self.s(name), FWD, 0, 1 if is_union else 0, 0)

    def proto(self, ret, params):
        extra = b"".join(struct.pack("<II", self.s(n), t) for n, t in params)
        return self.raw(0, FUNC_PROTO, len(params), 0, ret, extra)

    def enum(self, name, values):
        extra = b"".join(struct.pack("<Ii", self.s(n), v) for n, v in values)
        return self.raw(self.s(name), ENUM, len(values), 0, 4, extra)

    def set_field(self, tid, word, value):
        """Overwrites 32-bit word @word (0 name_off, 1 info, 2 size/type,
        3... the rest) of type @tid."""
        struct.pack_into("<I", self.types[tid - self.first_id], word * 4, value)

    def blob(self, **hdr):
        types = b"".join(bytes(t) for t in self.types)
        strs = bytes(self.strs)
        h = dict(magic=0xEB9F, version=1, flags=0, hdr_len=24, type_off=0,
                 type_len=len(types), str_off=len(types), str_len=len(strs))
        h.update(hdr)
        head = struct.pack("<HBBIIIII", h["magic"], h["version"], h["flags"], h["hdr_len"],
                           h["type_off"], h["type_len"], h["str_off"], h["str_len"])
        return head + types + strs


def base():
    """The valid kernel-like types every file starts from:
    struct list_head, struct task (typedef, array, nested struct),
    struct flags (bitfields), union val, a function pointer, an enum."""
    b = Btf()
    b.ids = {}
    i = b.ids
    i["int"] = b.int("int", 4, signed=True)
    i["ulong"] = b.int("long unsigned int", 8)
    i["char"] = b.int("char", 1, signed=True)
    i["lh_ptr"] = b.ptr(5)                                   # -> struct list_head
    i["list_head"] = b.struct("list_head", 16, [("next", 4, 0), ("prev", 4, 64)])
    i["u32"] = b.typedef("u32", i["int"])
    i["comm"] = b.array(i["char"], i["int"], 16)
    i["state"] = b.enum("task_state", [("TASK_RUNNING", 0), ("TASK_DEAD", 64)])
    i["proto"] = b.proto(i["int"], [("t", 4), ("n", i["int"])])
    i["fn_ptr"] = b.ptr(i["proto"])
    i["task"] = b.struct("task", 64, [
        ("pid", i["u32"], 0), ("flags", i["ulong"], 64), ("tasks", i["list_head"], 128),
        ("comm", i["comm"], 256), ("state", i["state"], 384), ("fn", i["fn_ptr"], 448)])
    i["flags"] = b.struct("flags", 4, [("a", i["int"], 0, 3), ("b", i["int"], 3, 5),
                                       ("", i["int"], 8, 2)], kflag=1)
    i["val"] = b.union("val", 16, [("l", i["ulong"], 0), ("c", i["comm"], 0)])
    return b


def with_struct(name, member_type=None, member_name="x", size=4):
    """The base plus one struct NAME { <type> x; }."""
    b = base()
    b.struct(name, size, [(member_name, member_type or b.ids["int"], 0)])
    return b


# ---- wrappers ----

def prng(n, seed):
    """n deterministic pseudo-random bytes."""
    out, x = bytearray(), seed
    while len(out) < n:
        x = (x * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
        out += struct.pack("<Q", x >> 11)[:4]
    return bytes(out[:n])


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def xz(data):
    return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=6)


def elf(sections, machine=62, shoff_delta=0, shnum=None, shstrndx=None, cut=None):
    """A little-endian ELF64 executable with the named sections
    [(name, bytes, sh_size override or None, sh_offset override or None)],
    laid out header, section bytes, section header table."""
    shstr = bytearray(b"\0")
    names = []
    for s in [".shstrtab"] + [s[0] for s in sections]:
        names.append(len(shstr))
        shstr += s.encode() + b"\0"
    body = bytearray(b"\0" * 64)
    entries = [(0, 0, 0, 0)]                      # the null section
    off = len(body)
    body += shstr
    entries.append((names[0], 3, off, len(shstr)))
    for k, (name, data, size, offset) in enumerate(sections):
        while len(body) % 8:
            body += b"\0"
        off = len(body)
        body += data
        entries.append((names[k + 1], 1, off if offset is None else offset,
                        len(data) if size is None else size))
    while len(body) % 8:
        body += b"\0"
    shoff = len(body)
    for name, typ, offset, size in entries:
        body += struct.pack("<IIQQQQIIQQ", name, typ, 0, 0, offset, size, 0, 0, 1, 0)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    hdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, 0, 0, shoff + shoff_delta, 0, 64,
                              0, 0, 64, len(entries) if shnum is None else shnum,
                              1 if shstrndx is None else shstrndx)
    body[0:64] = hdr
    return bytes(body if cut is None else body[:cut])


def tar(members):
    """An uncompressed ustar archive of [(path, bytes)], all times 0."""
    f = io.BytesIO()
    with tarfile.open(fileobj=f, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for path, data in members:
            ti = tarfile.TarInfo(path)
            ti.size, ti.mtime, ti.mode, ti.uname, ti.gname = len(data), 0, 0o644, "root", "root"
            t.addfile(ti, io.BytesIO(data))
    return f.getvalue()


def ar(members, size_delta=0):
    """A Debian-style ar archive of [(name, bytes)]; the last member's
    header may claim size_delta more bytes than it has."""
    out = bytearray(b"!<arch>\n")
    for k, (name, data) in enumerate(members):
        size = len(data) + (size_delta if k == len(members) - 1 else 0)
        out += b"%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (name.encode(), 0, 0, 0, b"100644", size)
        out += data
        if len(data) % 2:
            out += b"\n"
    return bytes(out)


def deb(vmlinuz, release="9.9.9-hostile-amd64", data_size_delta=0):
    control = tar([("./control", b"Package: linux-image-%s\nArchitecture: amd64\n"
                    % release.encode())])
    data = tar([("./boot/vmlinuz-" + release, vmlinuz)])
    return ar([("debian-binary", b"2.0\n"), ("control.tar.gz", gz(control)),
               ("data.tar.xz", xz(data))], size_delta=data_size_delta)


def bzimage(payload, payload_len=None, version=0x020F):
    """An x86 boot sector and setup header (one setup sector), then the
    payload; the header says where the payload is and how long."""
    setup = bytearray(1024)
    setup[0x1F1] = 1
    setup[0x1FE:0x200] = b"\x55\xaa"
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, version)
    struct.pack_into("<II", setup, 0x248, 0, len(payload) if payload_len is None else payload_len)
    return bytes(setup) + payload


def sized_xz(data, size=None):
    """xz stream plus the decompressed size as x86's build appends it."""
    return xz(data) + struct.pack("<I", len(data) if size is None else size)


# ---- the corpus ----

FILES = []          # (file name, bytes, what is wrong, expected text in the message)


def add(name, data, why, expect):
    FILES.append((name, data, why, expect))


def corpus():
    ok = base().blob()
    tl = len(ok) - 24 - len(base().strs)        # the type section's length

    # -- raw BTF cut at every header boundary, inside a type, inside the strings
    add("raw-empty.btf", b"", "empty file", "file is empty")
    cuts = [(1, "inside the magic"), (2, "after the magic, before version"),
            (3, "after version, before flags"), (4, "after flags, before hdr_len"),
            (8, "after hdr_len, before type_off"), (12, "after type_off, before type_len"),
            (16, "after type_len, before str_off"), (20, "after str_off, before str_len"),
            (23, "inside str_len"), (24, "after the header, no sections"),
            (24 + 6, "inside the first type"), (24 + 16 + 6, "inside the second type"),
            (24 + tl, "after the type section, before the strings"),
            (len(ok) - 1, "one byte before the end of the string section")]
    for at, why in cuts:
        add("raw-cut-%04d.btf" % at, ok[:at], "valid BTF cut at byte %d: %s" % (at, why),
            "not BTF" if at < 2 else "no BTF header" if at < 24 else "invalid or truncated BTF")

    # -- the header
    add("raw-bad-magic.btf", b"\x9f\xec" + ok[2:], "magic 0xec9f instead of 0xeb9f",
        "not BTF")
    add("raw-swapped-magic.btf", b"\xeb\x9f" + ok[2:],
        "big-endian magic over little-endian fields", "invalid or truncated BTF")
    add("raw-version-0.btf", base().blob(version=0), "header version 0 (only 1 exists)",
        "version")
    add("raw-version-2.btf", base().blob(version=2), "header version 2 (only 1 exists)",
        "version")
    add("raw-flags.btf", base().blob(flags=0x80), "header flags 0x80 (must be 0)", "flags")
    add("raw-hdr-len-huge.btf", base().blob(hdr_len=0xFFFFFFF0),
        "hdr_len 0xfffffff0, past the end of the file", "invalid or truncated BTF")
    b = base()
    blob = b.blob()
    # hdr_len 8 with the sections moved by 16 so that they land where they are
    add("raw-hdr-len-short.btf", b.blob(hdr_len=8, type_off=16, str_off=16 + tl),
        "hdr_len 8, shorter than the 24-byte header (sections shifted to fit)", "BTF header length")
    add("raw-hdr-len-zero.btf", b.blob(hdr_len=0, type_off=24, str_off=24 + tl),
        "hdr_len 0 (sections shifted to fit)", "BTF header length")
    add("raw-type-off-unaligned.btf", b.blob(type_off=2, str_off=2 + tl)[:24] + b"\0\0" +
        blob[24:], "type section at offset 2, not 4-byte aligned", "invalid or truncated BTF")
    add("raw-sections-overlap.btf", b.blob(str_off=tl - 8),
        "string section starts 8 bytes before the type section ends", "invalid or truncated BTF")
    add("raw-str-past-end.btf", b.blob(str_len=len(b.strs) + 100),
        "string section length 100 bytes past the end of the file", "invalid or truncated BTF")
    add("raw-type-len-past-end.btf", b.blob(type_len=0x7FFFFFF0, str_off=0x7FFFFFF0),
        "type section length 0x7ffffff0, far past the end", "invalid or truncated BTF")
    add("raw-str-off-wraps.btf", b.blob(str_off=0xFFFFFFF0, str_len=0x20),
        "str_off + str_len wraps around 32 bits", "invalid or truncated BTF")
    add("raw-str-empty.btf", b.blob(str_len=0)[:24 + tl],
        "empty string section (it must hold at least the empty name)", "invalid or truncated BTF")
    s = bytearray(blob)
    s[24 + tl] = ord("x")
    add("raw-str-no-leading-nul.btf", bytes(s),
        "string section does not start with the empty name (NUL)", "invalid or truncated BTF")
    s = bytearray(blob)
    s[-1] = ord("x")
    add("raw-str-unterminated.btf", bytes(s), "string section not NUL-terminated", "invalid or truncated BTF")

    # -- types that are malformed or point nowhere
    b = base()
    b.raw(b.s("weird"), 25, 0, 0, 0)
    add("type-kind-unknown.btf", b.blob(), "a type of kind 25 (no such kind)", "invalid or truncated BTF")
    b = base()
    b.raw(b.s("huge"), STRUCT, 0xFFFF, 0, 8)
    add("type-vlen-absurd.btf", b.blob(),
        "struct with vlen 65535 but no member records after it", "invalid or truncated BTF")
    b = base()
    b.struct("bad_member", 8, [("x", 9999, 0)])
    add("id-member-type.btf", b.blob(), "struct member of type id 9999 (there are %d)" % len(b.types),
        "9999")
    b = base()
    p = b.ptr(4242)
    b.struct("bad_ptr", 8, [("p", p, 0)])
    add("id-ptr-target.btf", b.blob(), "pointer to type id 4242, member of a struct", "4242")
    b = base()
    a = b.array(7777, b.ids["int"], 4)
    b.struct("bad_array", 16, [("a", a, 0)])
    add("id-array-elem.btf", b.blob(), "array of element type id 7777", "7777")
    b = base()
    a = b.array(b.ids["int"], 6666, 4)
    b.struct("bad_index", 16, [("a", a, 0)])
    add("id-array-index.btf", b.blob(), "array with index type id 6666", "6666")
    b = base()
    b.typedef("dangling", 5555)
    add("id-unused-typedef.btf", b.blob(),
        "a typedef (used by nothing) of type id 5555", "5555")
    b = base()
    fp = b.ptr(b.proto(b.ids["int"], [("x", 3333)]))
    b.struct("bad_param", 8, [("fn", fp, 0)])
    add("id-func-param.btf", b.blob(), "function pointer whose parameter is type id 3333",
        "3333")
    b = base()
    b.struct("bad_name_off", 4, [("x", b.ids["int"], 0)])
    b.set_field(len(b.types), 0, 0x00FFFFF0)
    add("str-struct-name-off.btf", b.blob(), "struct name offset past the string section",
        "past the string section")
    b = base()
    b.struct("bad_member_name_off", 4, [("x", b.ids["int"], 0)])
    b.set_field(len(b.types), 3, 0x00FFFFF0)
    add("str-member-name-off.btf", b.blob(), "member name offset past the string section",
        "past the string section")

    # -- cycles
    b = base()
    n = len(b.types)
    b.typedef("loop_a", n + 2)
    b.typedef("loop_b", n + 1)
    b.struct("uses_loop", 4, [("x", n + 1, 0)])
    add("cycle-typedef-pair.btf", b.blob(), "typedef loop_a -> loop_b -> loop_a, used by a struct",
        "cycle")
    b = base()
    n = len(b.types)
    b.typedef("self", n + 1)
    add("cycle-typedef-self.btf", b.blob(), "typedef that is its own type (used by nothing)",
        "cycle")
    b = base()
    n = len(b.types)
    b.ref(CONST, n + 2)
    b.ref(VOLATILE, n + 1)
    b.struct("uses_cv", 4, [("x", n + 1, 0)])
    add("cycle-const-volatile.btf", b.blob(), "const -> volatile -> const, used by a struct",
        "cycle")
    b = base()
    n = len(b.types)
    b.ptr(n + 1)
    b.struct("uses_self_ptr", 8, [("p", n + 1, 0)])
    add("cycle-ptr-self.btf", b.blob(),
        "a pointer to itself (no C type is that; struct a { struct a *next; } is fine "
        "and in every file)", "cycle")
    b = base()
    n = len(b.types)
    b.struct("contains_itself", 8, [("me", n + 2, 0)])
    b.typedef("contains_itself_t", n + 1)
    add("cycle-struct-by-value-typedef.btf", b.blob(),
        "struct contains_itself { contains_itself_t me; } with typedef contains_itself_t "
        "= struct contains_itself: a struct inside itself", "cycle")
    b = base()
    n = len(b.types)
    b.struct("nested_itself", 8, [("me", n + 1, 0)])
    add("cycle-struct-by-value.btf", b.blob(), "struct that has itself as a member", "cycle")
    b = base()
    n = len(b.types)
    b.struct("", 8, [("", n + 1, 0)])
    b.struct("has_anon_loop", 8, [("", n + 1, 0)])
    add("cycle-anon-struct.btf", b.blob(),
        "anonymous struct whose anonymous member is itself, inside a named struct", "cycle")
    b = base()
    n = len(b.types)
    b.array(n + 1, b.ids["int"], 2)
    b.struct("array_loop", 8, [("a", n + 1, 0)])
    add("cycle-array-self.btf", b.blob(), "array whose element type is itself", "cycle")
    b = base()
    n = len(b.types)
    b.ptr(n + 2)
    b.proto(b.ids["int"], [("a", n + 1), ("b", n + 1), ("c", n + 1)])
    b.struct("proto_loop", 8, [("fn", n + 1, 0)])
    add("cycle-func-ptr.btf", b.blob(),
        "pointer to a function whose parameters are that same pointer type", "cycle")

    # -- functions, which have canonical texts of their own
    b = base()
    p = b.proto(b.ids["int"], [("x", b.ids["int"])])
    b.raw(b.s("bad_linkage"), FUNC, 7, 0, p)
    add("func-linkage.btf", b.blob(),
        "function of linkage 7 (BTF has static 0, global 1 and extern 2)", "linkage 7")
    b = base()
    prev = b.proto(b.ids["int"], [])
    for _ in range(25):
        ptr = b.ptr(prev)
        prev = b.proto(b.ids["int"], [("a", ptr), ("b", ptr)])
    b.raw(b.s("blowup"), FUNC, 1, 0, prev)
    add("func-proto-blowup.btf", b.blob(),
        "function whose prototype takes two pointers to a prototype that does the same, "
        "25 deep (2^25 parameter lists to write)", "too large")

    # -- absurd sizes, offsets, counts
    b = base()
    a = b.array(b.ids["ulong"], b.ids["int"], 0xFFFFFFFF)
    b.struct("huge_array", 8, [("a", a, 0)])
    add("size-array-nelems.btf", b.blob(), "array of 4294967295 longs (size overflows)",
        "cannot be computed")
    b = base()
    b.struct("bitfield_past", 4, [("a", b.ids["int"], 0, 3), ("b", b.ids["int"], 40, 3)], kflag=1)
    add("size-bitfield-past-end.btf", b.blob(), "4-byte struct with a bitfield at bit 40",
        "past")
    b = base()
    b.struct("member_past", 8, [("a", b.ids["ulong"], 0x7FFFFFC0)])
    add("size-member-past-end.btf", b.blob(), "8-byte struct with a member at bit 0x7fffffc0",
        "past")
    b = base()
    b.struct("bitfield_wide", 8, [("a", b.ids["int"], 0, 40)], kflag=1)
    add("size-bitfield-wider-than-type.btf", b.blob(), "int bitfield 40 bits wide", "bitfield")
    b = base()
    wide = b.int("wide_int", 4, bits=200)
    b.struct("uses_wide", 4, [("w", wide, 0)])
    add("size-int-bits.btf", b.blob(), "4-byte int type of 200 bits", "int")
    b = base()
    prev = b.ids["int"]
    for k in range(28):
        prev = b.union("", 4, [("a", prev, 0), ("b", prev, 0)])
    b.struct("doubling", 4, [("u", prev, 0)])
    add("size-nesting-doubles.btf", b.blob(),
        "28 anonymous unions each holding two of the one below: 2^28 lines of text "
        "(every offset and size is consistent)", "too large")
    b = base()
    prev = b.ids["int"]
    for k in range(28):
        prev = b.ptr(b.proto(b.ids["int"], [("a", prev), ("b", prev)]))
    b.struct("doubling_fn", 8, [("f", prev, 0)])
    add("size-func-ptr-doubles.btf", b.blob(),
        "28 function pointer types, each taking two of the one below", "too large")
    b = base()
    prev = b.ids["int"]
    for k in range(300):
        prev = b.ref(CONST if k % 2 else VOLATILE, prev)
    b.struct("deep_chain", 4, [("x", prev, 0)])
    add("size-deep-qualifiers.btf", b.blob(), "300 const/volatile qualifiers on one int",
        "cannot be computed")

    # -- names a store path must never come from
    names = [
        ("name-slash.btf", b"a/b", "'a/b'"),
        ("name-dotdot.btf", b"..", "'..'"),
        ("name-dot.btf", b".", "'.'"),
        ("name-traversal.btf", b"../../x", "'../../x'"),
        ("name-abs.btf", b"/etc/passwd", "'/etc/passwd'"),
        ("name-newline.btf", b"evil\nname", "with a newline"),
        ("name-control.btf", b"x\x01\x1b[31mred\x7f", "with control characters and an ANSI escape"),
        ("name-nonascii.btf", b"caf\xc3\xa9\xff", "with bytes >= 0x80 (UTF-8 and not)"),
        ("name-space.btf", b"a b", "with a space"),
        ("name-tilde.btf", b"task~2", "'task~2' (the store's variant separator)"),
        ("name-percent.btf", b"%2e%2e", "'%2e%2e' (the store's escape of '..')"),
        ("name-digit.btf", b"1abc", "starting with a digit"),
        ("name-512.btf", b"a" * 512, "of 512 bytes of 'a', one more than the kernel allows"),
        ("name-long.btf", b"a" * 4000, "of 4000 bytes (identifier characters only)"),
        ("name-long-escapes.btf", b"../" * 1500, "'../' 1500 times (4500 bytes)"),
    ]
    for fname, name, what in names:
        add(fname, with_struct(name).blob(), "struct named " + what, "not a C identifier")
    b = base()
    b.union("../u", 4, [("x", b.ids["int"], 0)])
    add("name-union-traversal.btf", b.blob(), "union named '../u'", "not a C identifier")
    add("name-member-newline.btf", with_struct("ok", member_name="line\nbreak").blob(),
        "struct member named 'line\\nbreak'", "not a C identifier")
    b = base()
    b.struct("ok", 4, [("x", b.typedef("", b.ids["int"]), 0)])
    add("name-typedef-empty.btf", b.blob(), "typedef without a name, used by a member",
        "has no name")
    b = base()
    b.struct("ok", 8, [("p", b.ptr(b.fwd("")), 0)])
    add("name-fwd-empty.btf", b.blob(), "forward declaration without a name", "has no name")
    b = base()
    b.enum("bad_enum", [("OK", 0), ("../X", 1)])
    add("name-enum-value.btf", b.blob(), "enum value named '../X'", "not a C identifier")

    # -- ELF files
    hostile = with_struct("../../x").blob()
    add("elf-btf-size-lies.elf", elf([(".BTF", ok, 0x7FFFFFFF, None)]),
        ".BTF section header says 2 GiB, the file is a few hundred bytes", "corrupt or truncated ELF section table")
    add("elf-btf-offset-lies.elf", elf([(".BTF", ok, None, 0x10000000)]),
        ".BTF section at offset 256 MiB, past the end", "corrupt or truncated ELF section table")
    add("elf-shoff-past-end.elf", elf([(".BTF", ok, None, None)], shoff_delta=0x100000),
        "section header table offset past the end", "truncated or corrupt ELF file")
    add("elf-cut.elf", elf([(".BTF", ok, None, None)], cut=64 + 40 + len(ok)),
        "ELF cut inside its section header table", "truncated or corrupt ELF file")
    add("elf-shstrndx.elf", elf([(".BTF", ok, None, None)], shstrndx=77),
        "section-name table index 77 (there are 3 sections)", "section names in section 77")
    add("elf-btf-garbage.elf", elf([(".BTF", prng(256, 1), None, None)]),
        ".BTF section of random bytes", "no BTF header")
    add("elf-btf-cut.elf", elf([(".BTF", ok[:100], None, None)]),
        ".BTF section holding truncated BTF", "invalid or truncated BTF")
    add("elf-btf-hostile-name.elf", elf([(".BTF", hostile, None, None)]),
        "well-formed ELF whose .BTF has struct '../../x'", "not a C identifier")

    # -- kernel modules: split BTF over the valid blob (import them with
    # --base set to it: generate.py --valid writes it)
    def module(build):
        b = Btf(base())
        build(b, base().ids)
        return elf([(".modinfo", b"vermagic=9.9.9-hostile SMP mod_unload \0", None, None),
                    (".BTF", b.blob(), None, None)])
    add("module-hostile-name.ko",
        module(lambda b, i: b.struct("../mod", 4, [("x", i["int"], 0)])),
        "kernel module (split BTF over the valid blob) with struct '../mod'", "not a C identifier")
    add("module-bad-ref.ko",
        module(lambda b, i: b.struct("mod_ref", 4, [("x", 999, 0)])),
        "kernel module whose struct has a member of type id 999", "999")
    add("module-cycle.ko",
        module(lambda b, i: b.struct("mod_loop", 4, [("x", b.typedef("mod_t", b.first_id + 1), 0)])),
        "kernel module whose struct mod_loop holds itself by value through typedef mod_t", "cycle")
    add("module-member-past-end.ko",
        module(lambda b, i: b.struct("mod_past", 8, [("head", i["list_head"], 0)])),
        "kernel module whose 8-byte struct holds a 16-byte struct list_head (of the base)",
        "past")

    # -- compressed, packaged, wrapped
    add("gz-garbage.btf.gz", gz(prng(4096, 2)), "gzip of random bytes", "neither")
    add("gz-cut.btf.gz", gz(ok)[:-20], "gzip of valid BTF, last 20 bytes cut", "gzip")
    g = bytearray(gz(ok))
    g[-8] ^= 0xFF
    add("gz-bad-crc.btf.gz", bytes(g), "gzip of valid BTF with a wrong CRC-32", "gzip")
    add("gz-header-only.btf.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff",
        "a gzip header and nothing else", "gzip")
    add("gz-hostile-name.btf.gz", gz(hostile), "gzip of BTF with struct '../../x'", "not a C identifier")
    add("gz-cut-btf.btf.gz", gz(ok[:60]), "gzip of BTF cut inside its types", "invalid or truncated BTF")
    add("xz-garbage.btf.xz", b"\xfd7zXZ\x00" + prng(2048, 3), "xz magic, then random bytes",
        "xz")
    add("xz-cut.btf.xz", xz(ok)[:-30], "xz of valid BTF, last 30 bytes cut", "xz")
    add("xz-hostile-name.btf.xz", xz(with_struct("..").blob()),
        "xz of BTF with struct '..'", "not a C identifier")
    add("xz-of-garbage.btf.xz", xz(prng(3000, 4)), "well-formed xz of random bytes",
        "neither")
    add("tar-hostile-name.btf.tar.xz", xz(tar([("9.9.9-hostile.btf", hostile)])),
        "btfhub-style archive whose BTF has struct '../../x'", "not a C identifier")
    add("tar-member-newline.tar", tar([("9.9\n9\x1b[2J.btf", ok[:50])]),
        "tar whose .btf member name holds a newline and an ANSI escape (the BTF is cut)",
        "invalid or truncated BTF")
    add("deb-hostile-name.deb", deb(hostile),
        "Debian package whose boot/vmlinuz-* is BTF with struct '../../x'", "not a C identifier")
    add("deb-cut.deb", deb(hostile, data_size_delta=100000),
        "Debian package whose data.tar.xz is said to be 100000 bytes longer than it is",
        "truncated")
    add("deb-newline-release.deb", deb(ok[:70], release="9.9\n9-amd64"),
        "Debian package with boot/vmlinuz-9.9<newline>9-amd64 holding cut BTF", "invalid or truncated BTF")
    add("bzimage-cut.bzimage", bzimage(sized_xz(ok), payload_len=1 << 20),
        "bzImage whose header says the payload is 1 MiB; the file has a few hundred bytes",
        "truncated")
    add("bzimage-size-trailer.bzimage", bzimage(sized_xz(ok, 0xFFFFFFFF)),
        "bzImage whose xz payload's size trailer says 4 GiB", "larger")
    add("bzimage-size-wrong.bzimage", bzimage(sized_xz(ok, 12345)),
        "bzImage whose size trailer says 12345 bytes, the payload has fewer", "decompresses")
    add("bzimage-garbage.bzimage", bzimage(prng(512, 5)),
        "bzImage whose payload is in no compression format", "compression")
    add("bzimage-hostile-name.bzimage", bzimage(sized_xz(elf([(".BTF", hostile, None, None)]))),
        "bzImage of an ELF vmlinux whose .BTF has struct '../../x'", "not a C identifier")
    add("bzimage-old-protocol.bzimage", bzimage(sized_xz(ok), version=0x0206),
        "bzImage of boot protocol 2.06 (the header does not say where the payload is)",
        "protocol")


def readme():
    lines = [
        "# Hostile inputs",
        "",
        "Bad files for `kstruct import`: each must give one line on stderr naming the",
        "file and the problem, exit status 1, nothing on stdout and a store that is",
        "byte-identical before and after (`tests/e2e/hostile.sh` checks all of that,",
        "also under AddressSanitizer). `generate.py` writes them all from a small valid",
        "BTF blob it builds itself (Python's standard library only, deterministic);",
        "`generate.py --check` says whether the files here are what it writes.",
        "`EXPECT` holds, per file, a word its error message must contain.",
        "The test imports each with `--release 9.9.9-hostile-amd64` (so that none fails",
        "for want of a release name) and `--base` the valid blob below (which",
        "`generate.py --valid FILE` writes): the `*.ko` files are modules, split BTF over it.",
        "",
        "The valid blob: `int`, `long unsigned int`, `char`, `struct list_head`",
        "(two pointers to itself), `typedef u32`, `char[16]`, `enum task_state`,",
        "a function pointer, `struct task` (all of those as members), `struct flags`",
        "(bitfields), `union val`: 13 types.",
        "",
        "| file | bytes | what is wrong with it |",
        "|---|---:|---|",
    ]
    for name, data, why, _ in FILES:
        lines.append("| `%s` | %d | %s |" % (name, len(data), why.replace("|", "\\|")))
    return "\n".join(lines) + "\n"


def expect():
    return "".join("%s\t%s\n" % (name, exp) for name, _, _, exp in FILES)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--valid":
        with open(sys.argv[2], "wb") as f:      # the blob they all start from
            f.write(base().blob())
        return 0
    check = sys.argv[1:] == ["--check"]
    corpus()
    outputs = [(n, d) for n, d, _, _ in FILES]
    outputs += [("README.md", readme().encode()), ("EXPECT", expect().encode())]
    differ = 0
    for name, data in outputs:
        path = os.path.join(HERE, name)
        if check:
            try:
                with open(path, "rb") as f:
                    same = f.read() == data
            except OSError:
                same = False
            if not same:
                print("differs: " + name)
                differ += 1
        else:
            with open(path, "wb") as f:
                f.write(data)
    if check:
        print("%d files, %d differ" % (len(outputs), differ))
        return 1 if differ else 0
    print("%d files written" % len(FILES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
