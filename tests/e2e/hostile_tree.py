#!/usr/bin/env python3
"""Tree surgery with git plumbing, for the hostile stores of
hostile_sync.sh:

  hostile_tree.py GIT_DIR TREE PATH MODE TYPE ID   prints the new root tree
                                                   with PATH set to ID
  hostile_tree.py GIT_DIR deep N                   prints a tree N levels deep

PATH is slash-separated; every name is taken as bytes (control bytes,
"<", "..": whatever git mktree takes), so the result is what a hostile
store would send.
"""
import subprocess
import sys


def git(gd, *args, data=None):
    p = subprocess.run(["git", "--git-dir=" + gd] + list(args), input=data,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    return p.stdout


def ls(gd, tree):
    out = []
    for line in git(gd, "ls-tree", "-z", tree).split(b"\0"):
        if line:
            meta, name = line.split(b"\t", 1)
            mode, typ, oid = meta.split(b" ")
            out.append([mode, typ, oid, name])
    return out


def mktree(gd, entries):
    data = b"".join(b"%s %s %s\t%s\0" % tuple(e) for e in entries)
    return git(gd, "mktree", "-z", "--missing", data=data).strip()


def set_path(gd, tree, parts, mode, typ, oid):
    entries = ls(gd, tree) if tree else []
    name = parts[0]
    rest = parts[1:]
    found = [e for e in entries if e[3] == name]
    if rest:
        sub = found[0][2] if found and found[0][1] == b"tree" else None
        new = set_path(gd, sub, rest, mode, typ, oid)
        entry = [b"040000", b"tree", new, name]
    else:
        entry = [mode, typ, oid, name]
    entries = [e for e in entries if e[3] != name] + [entry]
    return mktree(gd, entries)


def main():
    gd = sys.argv[1]
    if sys.argv[2] == "deep":
        n = int(sys.argv[3])
        blob = git(gd, "hash-object", "-w", "--stdin", data=b"x\n").strip()
        tree = mktree(gd, [[b"100644", b"blob", blob, b"leaf"]])
        for _ in range(n):
            tree = mktree(gd, [[b"040000", b"tree", tree, b"d"]])
        print(tree.decode())
        return
    tree, path, mode, typ, oid = sys.argv[2:7]
    parts = path.encode("utf-8", "surrogateescape").split(b"/")
    print(set_path(gd, tree.encode(), parts, mode.encode(), typ.encode(), oid.encode()).decode())


if __name__ == "__main__":
    main()
