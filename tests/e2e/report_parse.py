#!/usr/bin/env python3
"""Reads a struct page in the DepSurf shape (the study's pages and
`kstruct report`): headings, then per section the groups (<b>Regular</b>,
<b>Arch</b>, ...) and their entries. Prints it as JSON:
{"title": ..., "sections": {"Status": [{"group", "entries": [{"release",
"state", "definition"}]}], "Differences": [{"group", "entries": [{"kind",
"from", "to", "changes": [[label, code]]}]}]}}."""
import json
import re
import sys


def parse(text):
    page = {"title": None, "sections": {}}
    section = group = entry = None
    in_code = False
    code = []
    depth = 0  # <ul> nesting: group labels sit outside every list
    for line in text.splitlines():
        if in_code:
            if line.startswith("```"):
                in_code = False
                entry["definition"] = "\n".join(code)
            else:
                code.append(line)
            continue
        if line.startswith("```"):
            in_code, code = True, []
            continue
        m = re.match(r"^# (Struct|Union): <code>(.*)</code>$", line)
        if m:
            page["title"] = {"kind": m.group(1), "name": m.group(2)}
            continue
        m = re.match(r"^## (\w+)$", line)
        if m:
            section = page["sections"].setdefault(m.group(1), [])
            continue
        depth += line.count("<ul>") - line.count("</ul>")
        m = re.match(r"^<b>(.*)</b>$", line)
        if m and section is not None and depth == 0:
            group = {"group": m.group(1), "entries": []}
            section.append(group)
            continue
        if group is None:
            continue
        # Status entries
        m = re.match(r"^(?:<summary>)?In (<code>.*?</code>(?: <code>.*?</code>)?): (.*?)(?:</summary>)?$", line)
        if m:
            codes = re.findall(r"<code>(.*?)</code>", m.group(1))
            state = m.group(2)
            entry = {"where": codes, "state": ("absent" if state.startswith("Absent")
                                               else "present" if state == "✅"
                                               else "same" if state.startswith("Same")
                                               else "differs"), "definition": None}
            group["entries"].append(entry)
            continue
        # Differences entries
        m = re.match(r"^(?:<summary>)?(No changes|Changed|Added|Removed) between <code>(.*?)</code> and <code>(.*?)</code>", line)
        if m:
            entry = {"kind": m.group(1), "from": m.group(2), "to": m.group(3), "changes": []}
            group["entries"].append(entry)
            continue
        m = re.match(r"^<b>(.*?)\s*</b>$", line)
        if m and entry is not None and "changes" in entry:
            entry["changes"].append([m.group(1), None])
            continue
        m = re.match(r"^<code>(.*?)</code>", line)
        if m and entry is not None and entry.get("changes"):
            entry["changes"][-1][1] = m.group(1)
    return page


if __name__ == "__main__":
    print(json.dumps(parse(open(sys.argv[1], encoding="utf-8").read()), indent=1))
