#!/usr/bin/env bash
# End-to-end tests of `kstruct site` on real kernels (tests/data), imported
# as in report.sh: every struct page is the report, the index table and
# search data agree with status, a second run rewrites nothing, a replaced
# release rewrites exactly the pages whose content changed, and bad output
# folders are refused untouched. Then a real browser (headless Chromium,
# site_browser.py) opens the index from file://, searches and opens a page;
# its screenshots go to $KS_SCREENSHOTS (the build folder).
# Last, a store whose releases are named to break out of HTML (legal git
# tag names like 6.2"<b>x): the site and the HTML report show them as
# text, file names and links made from them work, and the browser finds
# no injected element and no script run.
# Each check prints "ok" or "FAIL"; the last line counts them.
set -u

. "$(dirname "$0")/lib.sh"
SHOTS=${KS_SCREENSHOTS:-$(dirname "$0")/../../build}
BROWSER=$(dirname "$0")/site_browser.py
ks() { "$KSTRUCT" --store "$S" "$@"; }
tree_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
S=$T/store
imp() { ks import "$T/$1.btf" --release "$2" "${@:3}" >/dev/null 2>&1 || { echo "cannot import $2"; exit 1; }; }
imp $OLD 6.1.0-47-generic-amd64
imp $NEW 6.12.117-generic-amd64
imp $NEW 6.12.118-generic-amd64
imp $NEW 6.12.117-cloud-amd64
imp $OLD 6.12.117-generic-arm64 --arch aarch64

W=$T/site
out=$(ks site "$W"); rc=$?
check "site exits 0" test $rc = 0
pages=$(find "$W" -name '*.html' -o -name '*.js' | wc -l)
same_line="$W: $pages pages, $pages written, 0 unchanged"
check "site: says how many pages it wrote" grep -q "^$same_line (" <<<"$out"
names=$(ks show --all --kind struct,union --format json | py '
import json, sys
print(len({(json.loads(l)["kind"], json.loads(l)["name"]) for l in sys.stdin if l.strip()}))' 2>/dev/null)
structs=$(ls "$W/s" | wc -l); unions=$(ls "$W/u" | wc -l)
echo "# $pages pages: $structs struct pages, $unions union pages, $(ls "$W/d" | wc -l) release-pair pages"
check "site: a page for every struct and union of the newest regular release at least" \
	test $((structs + unions)) -ge "${names:-1}"
check "site: the struct page is exactly the report" \
	cmp -s "$W/s/bpf_mem_alloc.html" <(ks report bpf_mem_alloc --format html)
check "site: a union page is exactly the report" \
	cmp -s "$W/u/$(ls "$W/u" | head -1)" <(ks report "union $(ls "$W/u" | head -1 | sed 's/\.html$//')" --format html)
check "site: the index's row follows the releases (present, changed, same)" py '
import re, sys
html = open(sys.argv[1]).read()
row = re.search(r"<tr data-name=\"bpf_mem_alloc\">(.*?)</tr>", html).group(1)
assert re.findall(r"<td class=\"(\w+)\">", row) == ["same", "changed", "same"], row
heads = re.findall(r"<th class=\"release\">(?:<a href=\"([^\"]*)\">)?([^<]*)", html)
assert [h[1] for h in heads] == ["6.1.0-47-generic-amd64", "6.12.117-generic-amd64",
                                 "6.12.118-generic-amd64"], heads
assert heads[1][0] == "d/6.1.0-47-generic-amd64..6.12.117-generic-amd64.html", heads
assert heads[2][0] == "d/6.12.117-generic-amd64..6.12.118-generic-amd64.html", heads
' "$W/index.html"
check "site: index rows equal the number of pages" test \
	"$(grep -c '<tr data-name=' "$W/index.html")" = $((structs + unions))
check "site: the pair page lists bpf_mem_alloc with its changes" py '
import sys
p = open(sys.argv[1]).read()
assert "struct bpf_mem_alloc</a>: changed" in p and "<code>struct obj_cgroup *objcg</code>" in p
' "$W/d/6.1.0-47-generic-amd64..6.12.117-generic-amd64.html"
# a name defined twice in one kernel: both definitions get a page
check "site: a second definition has its own page" py '
import sys
a, b = open(sys.argv[1]).read(), open(sys.argv[2]).read()
assert "<h1>Struct: <code>console</code></h1>" in a, "console"
assert "<h1>Struct: <code>console~2</code></h1>" in b, "console~2"
assert "struct hvc_struct *hvc" in b and "struct hvc_struct *hvc" not in a
' "$W/s/console.html" "$W/s/console~2.html"
check "site: the index lists console~2" grep -qF '>console~2</a>' "$W/index.html"
check "site: a pair page where nothing changed says so" \
	grep -q "0 definitions changed" "$W/d/6.12.117-generic-amd64..6.12.118-generic-amd64.html"
check "site: search data has bpf_mem_alloc's fields" py '
import json, sys
js = open(sys.argv[1]).read()
data = json.loads(js[js.index("["):js.rindex("]") + 1])
e = [x for x in data if x[1] == "bpf_mem_alloc"][0]
assert e[0] == "s/bpf_mem_alloc.html" and "objcg" in e[2] and "dtor_ctx" in e[2], e
' "$W/search.js"

# ---- regeneration ----
out=$(ks site "$W")
check "site again: nothing rewritten" grep -q "^$W: $pages pages, 0 written, $pages unchanged" <<<"$out"
before=$(cd "$W" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
ks import "$T/$OLD.btf" --release 6.12.118-generic-amd64 --force >/dev/null 2>&1
out=$(ks site "$W"); rc=$?
after=$(cd "$W" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
changed=$(diff <(echo "$before") <(echo "$after") | grep '^>' | grep -vc '\.kstruct-site$')
written=$(sed -n 's/.* pages, \([0-9]*\) written.*/\1/p' <<<"$out")
echo "# after replacing 6.12.118 with the 6.1 kernel: $out"
check "site after a replaced release: some pages rewritten, not all" \
	test "$rc" = 0 -a "${written:-0}" -gt 0 -a "${written:-0}" -lt "$pages"
check "... exactly the pages whose content changed" test "$changed" = "$written"
check "... bpf_mem_alloc's page among them, still the report" \
	cmp -s "$W/s/bpf_mem_alloc.html" <(ks report bpf_mem_alloc --format html)

# ---- bad output folders ----
mkdir -p "$T/notsite"; echo keep > "$T/notsite/README"
out=$(ks site "$T/notsite" 2>&1); rc=$?
check "a folder that is not a site: exit 1, one line" test $rc = 1 -a "$(wc -l <<<"$out")" = 1
check "... naming it" grep -q "not a kstruct site" <<<"$out"
check "... nothing written there" test "$(ls -A "$T/notsite")" = README
echo file > "$T/afile"
out=$(ks site "$T/afile" 2>&1); rc=$?
check "a file as OUTDIR: exit 1, untouched" test $rc = 1 -a "$(cat "$T/afile")" = file
"$KSTRUCT" --store "$T/empty" init >/dev/null
out=$("$KSTRUCT" --store "$T/empty" site "$T/e" 2>&1); rc=$?
check "an empty store: exit 1, one line" test $rc = 1 -a "$(wc -l <<<"$out")" = 1
out=$(ks site 2>&1); rc=$?
check "no OUTDIR: usage error" test $rc = 2

# ---- a real browser ----
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && [ -r "$BROWSER" ]; then
	mkdir -p "$SHOTS"
	if timeout 300 python3 "$BROWSER" "$W" "$SHOTS" --min-rows 1000; then
		ok "headless Chromium: index, search, struct page (screenshots in $SHOTS)"
	else
		bad "headless Chromium: index, search, struct page"
	fi
else
	echo "skip the browser check: chromium, chromedriver or site_browser.py missing"
fi

# ---- names that try to leave their HTML context ----
# Release names are git tag names: no '/', space, '?', '\\' or controls,
# but quotes, '<', '>', '&', '#' and '%' are allowed. Lineage parts are
# letters, digits, '.', '_', '-' only (ks_store_check_lineage_part), so
# they cannot carry markup; type and field names are C identifiers.
H1='6.2"<b>x'
H2="6.3'\"><svg><script>alert(1)<"
H3='6.4&amp;#%41'
S=$T/hostile
imp $OLD "$H1"
imp $NEW "$H2"
imp $NEW "$H3"
HW=$T/hsite
out=$(ks site "$HW"); rc=$?
check "hostile names: site exits 0" test $rc = 0
check "... pair pages named by percent-encoding, nothing else in d/" py '
import os, sys
got = sorted(os.listdir(sys.argv[1] + "/d"))
want = sorted(["6.2%22%3Cb%3Ex..6.3%27%22%3E%3Csvg%3E%3Cscript%3Ealert%281%29%3C.html",
               "6.3%27%22%3E%3Csvg%3E%3Cscript%3Ealert%281%29%3C..6.4%26amp%3B%23%2541.html"])
assert got == want, got
' "$HW"
check "... the index links to them percent-encoded once more" grep -qF \
	'href="d/6.3%2527%2522%253E%253Csvg%253E%253Cscript%253Ealert%25281%2529%253C..6.4%2526amp%253B%2523%252541.html"' "$HW/index.html"
check "... no page has the markup raw" py '
import os, sys
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        t = open(os.path.join(root, f), encoding="utf-8").read()
        for raw in ("<b>x", "<svg", "<script>alert", "&amp;#%41"):
            assert raw not in t, (f, raw)
' "$HW"
check "... the index shows each name escaped" grep -qF \
	'<th class="release">6.2&quot;&lt;b&gt;x</th>' "$HW/index.html"
check "... the struct page is exactly the HTML report" \
	cmp -s "$HW/s/bpf_mem_alloc.html" <(ks report bpf_mem_alloc --format html)
check "... the report escapes them in its code and in definitions" py '
import sys
t = open(sys.argv[1]).read()
assert "<code>6.2&quot;&lt;b&gt;x</code>" in t
assert "since 6.2&quot;&lt;b&gt;x */" in t
assert "<code>6.4&amp;amp;#%41</code>" in t
' "$HW/s/bpf_mem_alloc.html"
check "... the markdown report escapes them where it writes HTML" py '
import re, sys
t = sys.stdin.read()
assert "<code>6.3&#39;&quot;&gt;&lt;svg&gt;&lt;script&gt;alert(1)&lt;</code>" in t
# code fences show text as it is: there the names stay raw
html = re.sub(r"\n```c\n.*?\n```\n", "", t, flags=re.S)
assert "since 6.2\"<b>x */" in t and "<b>x" not in html and "<svg" not in html
' < <(ks report bpf_mem_alloc)
check "... JSON output carries them as strings" py '
import json, sys
rels = [r["release"] for r in json.load(sys.stdin)]
assert rels == [sys.argv[1], sys.argv[2], sys.argv[3]], rels
' "$H1" "$H2" "$H3" < <(ks releases --format json)
# a release name that percent-encodes past any file system's name limit
S=$T/long
LONG="6.2-$(printf '%.0s"' $(seq 190))"
imp $OLD 6.1 --distro test
imp $NEW "$LONG" --distro test
out=$(ks site "$T/lsite" 2>&1); rc=$?
check "a 194-byte release name of quotes: site exits 0" test $rc = 0
check "... its pair page has a short, linked file name" py '
import os, re, sys, urllib.parse
d = os.listdir(sys.argv[1] + "/d")
assert len(d) == 1 and len(d[0]) <= 255 and re.fullmatch(r"6\.1\.\.6\.2-(%22)+~[0-9a-f]{24}\.html", d[0]), d
href = re.search(r"<a href=\"(d/[^\"]*)\">", open(sys.argv[1] + "/index.html").read()).group(1)
assert urllib.parse.unquote(href) == "d/" + d[0], href
' "$T/lsite"

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && [ -r "$BROWSER" ]; then
	if timeout 300 python3 "$BROWSER" "$HW" "$SHOTS" --hostile "$H1" --hostile "$H2" \
		--hostile "$H3"; then
		ok "headless Chromium: hostile release names render as text, nothing injected"
	else
		bad "headless Chromium: hostile release names render as text, nothing injected"
	fi
fi

finish site
