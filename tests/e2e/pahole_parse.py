"""Parser of pahole's C-like output, shared by the end-to-end tests
(pahole_agree.py, history_pahole.py). Not a test itself: import it.

parse_pahole(text)        [(kind, name, size, [(member, offset_bits, bitfield_size)])]
parse_pahole_decls(text)  the same with a fourth item per member: its
                          declaration as pahole prints it (see there)

Every top-level `struct NAME {` / `union NAME {` block is one definition;
anonymous nested `struct {` / `union {` blocks closed by `};` are flattened
(their members belong to the enclosing type, pahole prints them with
absolute offsets), a block closed by `} name;` is one member `name`; lines
without an offset comment are pahole's own annotations (holes, `:0`
alignment fillers) and are not members. Offsets: pahole prints `byte` for
ordinary members and `byte:bit` for bitfields; byte * 8 + bit is the BTF bit
offset (see pahole_agree.py).
"""

import re


# ---------------------------------------------------------------------------
# C declarators

ATTR_RE = re.compile(r"__attribute__\s*\(\(")
IDENT_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*$")
QUALS = ("const", "volatile", "restrict")


def strip_attributes(s):
    """Removes every __attribute__((...)) (balanced parentheses)."""
    while True:
        m = ATTR_RE.search(s)
        if not m:
            return s
        depth, i = 0, m.end() - 2
        while i < len(s):
            if s[i] == "(":
                depth += 1
            elif s[i] == ")":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        s = s[:m.start()] + s[i + 1:]


def match_open(s, close):
    """Index of the bracket opening the one at s[close]."""
    pairs = {")": "(", "]": "["}
    c, o, depth = s[close], pairs[s[close]], 0
    for i in range(close, -1, -1):
        if s[i] == c:
            depth += 1
        elif s[i] == o:
            depth -= 1
            if depth == 0:
                return i
    raise ValueError("unbalanced %r" % s)


def decl_name(decl):
    """The declared name in a C declaration such as `void (*fn[2])(int)`.

    Peels the declarator from the outside: trailing [N] and parameter
    lists (a parameter list follows a `)` or `]`; a `(` after a type name
    or `*` opens a group holding the declarator), then pointers and
    qualifiers at the start of a group."""
    s = decl.strip()
    while True:
        s = s.rstrip()
        if not s:
            return ""
        if s[-1] == "]":
            s = s[:match_open(s, len(s) - 1)]
            continue
        if s[-1] == ")":
            o = match_open(s, len(s) - 1)
            before = s[:o].rstrip()
            if before and before[-1] in ")]":
                s = before
                continue
            s = s[o + 1:-1].lstrip()
            changed = True
            while changed:
                changed = False
                s = s.lstrip("* ")
                for q in QUALS:
                    if s.startswith(q) and not re.match(r"[A-Za-z0-9_$]", s[len(q):len(q) + 1]):
                        s = s[len(q):]
                        changed = True
            continue
        m = IDENT_RE.search(s)
        return m.group(0) if m else ""


# ---------------------------------------------------------------------------
# pahole output

OFF_RE = re.compile(r"^(.*?)\s*/\*\s*(\d+)(?::\s*(\d+))?\s+(\d+)\s*\*/\s*$")
HEAD_RE = re.compile(r"^(struct|union) ([A-Za-z_$][A-Za-z0-9_$]*) \{$")
SIZE_RE = re.compile(r"^/\* size: (\d+),")
BITS_RE = re.compile(r"^(.*?)(\s*):\s*(\d+)$")


class ParseError(Exception):
    pass


def pahole_member(decl, byte, bit):
    """(name, offset_bits, bitfield_size) of one pahole member line body."""
    decl = strip_attributes(decl).strip()
    bits, name = 0, None
    m = BITS_RE.match(decl)
    if m:
        decl, bits = m.group(1), int(m.group(3))
        if m.group(2):
            name = ""           # `unsigned int :3`, an unnamed bitfield
    off = byte * 8 + (bit if bit is not None else 0)
    return decl_name(decl) if name is None else name, off, bits


def norm_space(s):
    """Runs of white space as one blank: pahole pads types into columns
    whose width depends on the neighbouring lines and the nesting depth."""
    return " ".join(s.split())


def parse_pahole_decls(text):
    """List of (kind, name, size, members) in pahole's order, each member
    (name, offset_bits, bitfield_size, decl).

    decl is the member's declaration as pahole prints it, without its `;`,
    its offset comment and any __attribute__((...)) (pahole infers
    `__aligned__` from the offsets, so it follows layout, not type), with
    white space runs as one blank: `unsigned int lineno:18`,
    `void (*fn)(struct sk_buff *, int)`. A named member of anonymous type
    (`struct {` ... `} name;`) has as decl its whole inline body on one
    line, comments and alignment fillers left out, enumerators of an
    anonymous enum kept: `struct { u16 id; __be16 proto; } encap`,
    `enum { A = 0, B = 1, } type`."""
    defs = []
    cur = None          # [kind, name, members, size]
    stack = []          # open nested blocks: [kind, first member index, first token]
    tokens = []         # the current definition's lines, for inline bodies
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        try:
            if cur is None:
                if not line:
                    continue
                m = HEAD_RE.match(line)
                if not m:
                    raise ParseError("expected a struct or union")
                cur = [m.group(1), m.group(2), [], None]
                tokens = []
                continue
            if not line:
                continue
            if raw.startswith("}"):         # end of the top-level type
                if stack:
                    raise ParseError("unclosed nested block")
                defs.append((cur[0], cur[1], cur[3], cur[2]))
                cur = None
                continue
            if line.startswith("/*"):
                if not line.endswith("*/"):
                    raise ParseError("multi-line comment")
                m = SIZE_RE.match(line)
                if m and not stack:
                    cur[3] = int(m.group(1))
                continue
            if stack and stack[-1][0] == "enum" and not line.startswith("}"):
                tokens.append(norm_space(line))     # an enumerator
                continue
            if line.endswith("{"):
                head = norm_space(strip_attributes(line[:-1]))
                body = head.split()
                kind = body[-1] if body else ""
                if kind not in ("struct", "union", "enum"):
                    raise ParseError("unknown block")
                stack.append([kind, len(cur[2]), len(tokens)])
                tokens.append(head + " {")
                continue
            m = OFF_RE.match(line)
            if not m:
                if re.match(r"^[A-Za-z_][A-Za-z0-9_ ]*\s:\d+;$", line):
                    continue                # pahole's hole/alignment filler
                raise ParseError("member without offset")
            body, byte = m.group(1), int(m.group(2))
            bit = int(m.group(3)) if m.group(3) is not None else None
            if not body.endswith(";"):
                raise ParseError("no ';'")
            body = body[:-1].rstrip()
            if body.startswith("}"):
                if not stack:
                    raise ParseError("'}' without block")
                kind, first, tok = stack.pop()
                rest = norm_space(strip_attributes(body[1:]))
                if not rest:                # anonymous: members stay
                    if kind == "enum":
                        raise ParseError("unnamed enum member")
                    tokens.append("};")
                    continue
                tokens.append("} " + rest)
                decl = " ".join(tokens[tok:])
                tokens[-1] += ";"
                name, off, bits = pahole_member("x " + rest, byte, bit)
                del cur[2][first:]
                cur[2].append((name, off, bits, decl))
                continue
            decl = norm_space(strip_attributes(body))
            tokens.append(decl + ";")
            cur[2].append(pahole_member(body, byte, bit) + (decl,))
        except (ParseError, ValueError) as e:
            raise ParseError("pahole output line %d: %s: %r" % (lineno, e, raw))
    if cur is not None:
        raise ParseError("pahole output ends inside %s %s" % (cur[0], cur[1]))
    return defs


def parse_pahole(text):
    """List of (kind, name, size, members) in pahole's order, each member
    (name, offset_bits, bitfield_size)."""
    return [(kind, name, size, [m[:3] for m in members])
            for kind, name, size, members in parse_pahole_decls(text)]
