#!/usr/bin/env python3
"""Browser test of the static site made by `kstruct site OUTDIR`.

    site_browser.py SITE_DIR SCREENSHOT_DIR [--min-rows N] [--field F]
                    [--field-struct S] [--struct S] [--timeout SECONDS]
                    [--hostile RELEASE]...

Drives headless Chromium (Debian packages chromium, chromium-driver) through
chromedriver with the W3C WebDriver HTTP protocol (urllib only): the index is
opened from file://, a field and a struct name are typed into the search box
with real key events, a result is clicked, the struct page's folded
definition is opened with a real click, and screenshots are saved as
SCREENSHOT_DIR/site-index.png and SCREENSHOT_DIR/site-struct.png.

Each check prints "ok <what>" or "FAIL <what>"; the exit code is 1 when any
check failed.  Without chromium or chromedriver it prints "skip: ..." and
exits 0.  The browser, chromedriver and the temporary profile are always
removed, also on failures and timeouts (the whole run has a hard limit,
--timeout, default 120 s; every HTTP request has its own limit).

With --hostile (once per regular release of the site named to break out
of HTML, like `6.2"<b>x`), the site is checked for injection instead: the
index, the --field-struct page and the page of each pair of releases are
opened (the pair pages by clicking the index's links, which must work with
such names), and on each no element was injected where names are written
(no element inside a, code or others the site writes names into; no svg,
img or iframe; only the site's own script elements), no dialog opened, no
script set window.ksPwned, and every hostile name is shown as text.

DOM contract checked (the one `kstruct site` follows):
  index.html: <title> containing "kstruct"; <input id="search">;
    <ul id="results">; <table id="matrix"> with header cells
    <th class="release"> and one <tr data-name="NAME"> a struct.  Typing
    into #search lists matches as <li><a href="s/NAME.html">NAME</a></li>
    (struct names) and <li><a href="s/NAME.html">NAME.FIELD</a></li>
    (fields), at most 50.
  s/NAME.html: <h1>Struct: <code>NAME</code></h1>, an <h2>Status</h2>, an
    <h2>Differences</h2>, and <details><summary>..</summary><pre>..</pre>
    </details> whose first one holds the definition with member offsets
    (the text "offset"); the field searched for is in the definition in
    one of the details elements (opened in turn by clicking its summary).
"""
import argparse
import base64
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--no-first-run"]
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"
# chromedriver on 127.0.0.1: never through an http_proxy from the environment
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
HTTP_TIMEOUT = 30       # one WebDriver command (page loads included)
POLL_TIMEOUT = 5        # waiting for search results, navigation


class Timeout(Exception):
    pass


class WebDriverError(Exception):
    pass


def on_alarm(signum, frame):
    raise Timeout("hard time limit reached")


def on_term(signum, frame):
    raise Timeout("stopped by signal %d" % signum)


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.t0 = time.monotonic()

    def ok(self, what):
        self.passed += 1
        print("ok   %s  (%.2f s)" % (what, time.monotonic() - self.t0),
              flush=True)

    def fail(self, what, *details):
        self.failed += 1
        print("FAIL %s  (%.2f s)" % (what, time.monotonic() - self.t0),
              flush=True)
        for d in details:
            print("     %s" % d, flush=True)

    def check(self, cond, what, *details):
        if cond:
            self.ok(what)
        else:
            self.fail(what, *details)
        return bool(cond)


class WebDriver:
    """The few W3C WebDriver commands the test needs, over urllib."""

    def __init__(self, base):
        self.base = base
        self.sid = None

    def raw(self, method, path, body=None, timeout=HTTP_TIMEOUT):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json; charset=utf-8")
        try:
            with OPENER.open(req, timeout=timeout) as r:
                reply = json.loads(r.read().decode() or "{}")
        except urllib.error.HTTPError as e:
            try:
                v = json.loads(e.read().decode()).get("value", {})
                msg = "%s: %s" % (v.get("error"), v.get("message", "")[:300])
            except Exception:
                msg = str(e)
            raise WebDriverError("%s %s: %s" % (method, path, msg)) from None
        return reply.get("value")

    def cmd(self, method, path, body=None, timeout=HTTP_TIMEOUT):
        return self.raw(method, "/session/%s%s" % (self.sid, path), body,
                        timeout)

    def new_session(self, chromium, profile):
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {"pageLoad": HTTP_TIMEOUT * 1000 - 5000,
                         "script": 10000, "implicit": 0},
            "goog:chromeOptions": {
                "binary": chromium,
                "args": CHROMIUM_FLAGS + ["--user-data-dir=" + profile],
            },
        }}}
        v = self.raw("POST", "/session", caps, timeout=60)
        self.sid = v["sessionId"]
        return v.get("capabilities", {})

    def delete_session(self):
        if self.sid:
            sid, self.sid = self.sid, None
            self.raw("DELETE", "/session/" + sid, timeout=10)

    def get(self, url):
        self.cmd("POST", "/url", {"url": url})

    def url(self):
        return self.cmd("GET", "/url")

    def title(self):
        return self.cmd("GET", "/title")

    def js(self, script, *args):
        return self.cmd("POST", "/execute/sync",
                        {"script": script, "args": list(args)})

    def find_all(self, css, under=None):
        path = "/elements" if under is None else "/element/%s/elements" % under
        v = self.cmd("POST", path, {"using": "css selector", "value": css})
        return [e[ELEMENT_KEY] for e in v]

    def find(self, css, under=None):
        found = self.find_all(css, under)
        return found[0] if found else None

    def text(self, el):
        return self.cmd("GET", "/element/%s/text" % el)

    def attr(self, el, name):
        return self.cmd("GET", "/element/%s/attribute/%s" % (el, name))

    def prop(self, el, name):
        return self.cmd("GET", "/element/%s/property/%s" % (el, name))

    def click(self, el):
        self.cmd("POST", "/element/%s/click" % el, {})

    def clear(self, el):
        self.cmd("POST", "/element/%s/clear" % el, {})

    def send_keys(self, el, text):
        self.cmd("POST", "/element/%s/value" % el, {"text": text})

    def set_window(self, width, height):
        self.cmd("POST", "/window/rect", {"width": width, "height": height})

    def alert_text(self):
        """The open dialog's text, or None when there is none."""
        try:
            return self.cmd("GET", "/alert/text")
        except WebDriverError as e:
            if "no such alert" in str(e):
                return None
            raise

    def screenshot(self):
        return base64.b64decode(self.cmd("GET", "/screenshot"))


def find_exe(*names):
    for n in names:
        p = n if os.path.isabs(n) else shutil.which(n)
        if p and os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent():
    """Child preexec: own process group, and SIGKILL when the test dies."""
    os.setsid()
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)      # PR_SET_PDEATHSIG
    except Exception:
        pass


def pids_using(marker):
    """Processes whose command line holds marker (our private temp dir: the
    browser's --user-data-dir, crashpad's --database under HOME)."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(d))
        except OSError:
            pass
    return found


def kill_pids(pids, sig):
    for p in pids:
        try:
            os.kill(p, sig)
        except OSError:
            pass


def kill_marked(marker):
    """Ends every process of ours that names marker: TERM, then KILL."""
    if not pids_using(marker):
        return
    kill_pids(pids_using(marker), signal.SIGTERM)
    end = time.monotonic() + 3
    while pids_using(marker) and time.monotonic() < end:
        time.sleep(0.1)
    kill_pids(pids_using(marker), signal.SIGKILL)
    end = time.monotonic() + 3
    while pids_using(marker) and time.monotonic() < end:
        time.sleep(0.1)


def guardian(fd, tmp, cap):
    """Runs in a process of its own: waits until the test closes its end of
    the pipe (when it is done, or dies even by SIGKILL) or cap seconds
    pass, then ends what the test left running and removes its temp dir."""
    import select
    select.select([fd], [], [], cap)
    kill_marked(tmp)
    shutil.rmtree(tmp, ignore_errors=True)


def valid_png(data):
    """(ok, why): signature, IHDR first, chunk CRCs, IEND last, size > 1 KB."""
    if len(data) <= 1024:
        return False, "only %d bytes" % len(data)
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return False, "no PNG signature"
    pos, first, w, h = 8, True, 0, 0
    while pos + 12 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if len(body) != n:
            return False, "truncated %r chunk" % kind
        crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) & 0xffffffff != crc:
            return False, "bad CRC in %r chunk" % kind
        if first:
            if kind != b"IHDR":
                return False, "first chunk is %r" % kind
            w, h = struct.unpack(">II", body[:8])
            first = False
        pos += 12 + n
        if kind == b"IEND":
            if pos != len(data):
                return False, "data after IEND"
            if not (w and h):
                return False, "empty image %dx%d" % (w, h)
            return True, "%dx%d, %d bytes" % (w, h, len(data))
    return False, "no IEND chunk"


def poll(fn, timeout=POLL_TIMEOUT, interval=0.1):
    """Calls fn until it returns something true or timeout passes."""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= end:
            return v
        time.sleep(interval)


def search(wd, box, text):
    """Types text into the search box with real key events."""
    wd.clear(box)
    wd.send_keys(box, text)


def result_links(wd):
    """[(li text, a href attribute, a element)] of the #results list
    ([] while the list is being rebuilt under us: stale elements)."""
    out = []
    try:
        for li in wd.find_all("#results li"):
            t = wd.text(li)
            for a in wd.find_all("a", under=li):
                out.append((t, wd.attr(a, "href") or "", a))
    except WebDriverError as e:
        if "stale element" not in str(e):
            raise
        return []
    return out


def save_png(c, wd, path):
    data = wd.screenshot()
    with open(path, "wb") as f:
        f.write(data)
    good, why = valid_png(data)
    c.check(good, "screenshot %s is a valid PNG (%s)" % (path, why))


def run(args, c, wd):
    site = os.path.abspath(args.site_dir)
    index_url = "file://" + urllib.parse.quote(site + "/index.html")
    fld, fstruct, sname = args.field, args.field_struct, args.struct

    # 1. The index: title, matrix rows and release columns.
    wd.set_window(1280, 900)
    wd.get(index_url)
    title = wd.title()
    c.check("kstruct" in title, "index title mentions kstruct (%r)" % title)
    rows = wd.js("return document.querySelectorAll"
                 "('#matrix tr[data-name]').length;")
    c.check(rows >= args.min_rows,
            "#matrix has %d struct rows (at least %d)" % (rows, args.min_rows))
    rels = [wd.text(th) for th in wd.find_all("#matrix th.release")]
    c.check(rels and all(rels),
            "#matrix has %d release columns (%s)"
            % (len(rels), ", ".join(rels[:4]) + (" ..." if len(rels) > 4
                                                 else "")))
    box = wd.find("input#search")
    if not c.check(box, "index has input#search"):
        return
    if not c.check(wd.find("#results") is not None, "index has #results"):
        return

    # 3 (before 2, whose result link is clicked in 4). A struct name.
    search(wd, box, sname)
    want = "s/%s.html" % sname
    found = poll(lambda: [r for r in result_links(wd)
                          if r[1].endswith(want)])
    c.check(found, "searching %r lists a link to %s" % (sname, want),
            "results: %r" % [r[:2] for r in result_links(wd)][:10])

    # 2. A field name: a result NAME.FIELD linking to s/NAME.html.
    search(wd, box, fld)
    want = "s/%s.html" % fstruct
    label = "%s.%s" % (fstruct, fld)

    def field_hit():
        return [r for r in result_links(wd)
                if r[1].endswith(want) and label in r[0]]
    found = poll(field_hit)
    c.check(found, "searching %r lists %s linking to %s" % (fld, label, want),
            "results: %r" % [r[:2] for r in result_links(wd)][:10])
    n = len(wd.find_all("#results li"))
    c.check(0 < n <= 50, "search lists 1..50 results (%d)" % n)
    save_png(c, wd, os.path.join(args.screenshot_dir, "site-index.png"))
    if not found:
        return

    # 4. A real click on the result, then the struct page.
    wd.click(found[0][2])
    page = poll(lambda: wd.url().endswith(want) and wd.js(
        "return document.readyState;") == "complete")
    if not c.check(page, "clicking the result opens %s" % want,
                   "at %s" % wd.url()):
        return
    h1 = wd.find("h1")
    h1t = wd.text(h1).strip() if h1 else None
    c.check(h1t == "Struct: %s" % fstruct, "h1 is %r" % h1t)
    h2s = [wd.text(h).strip() for h in wd.find_all("h2")]
    for h in ("Status", "Differences"):
        c.check(h in h2s, "struct page has an h2 %r" % h, "h2s: %r" % h2s)
    details = wd.find_all("details")
    if not c.check(details, "struct page has %d details elements"
                   % len(details)):
        return
    summary = wd.find("summary", under=details[0])
    if not c.check(summary, "first details has a summary"):
        return
    was_open = wd.prop(details[0], "open")
    wd.click(summary)
    if was_open:
        # It was open already: the click closed it; another opens it again.
        c.check(not wd.prop(details[0], "open"),
                "clicking the summary of an open details closes it")
        wd.click(summary)
    c.check(wd.prop(details[0], "open") is True,
            "clicking the first summary opens its details")
    pre = wd.find("pre", under=details[0])
    text = wd.text(pre) if pre else ""     # rendered text: empty if hidden
    c.check("offset" in text,
            "the opened definition shows member offsets",
            "pre text: %r" % text[:300])
    # The field is in the definition of some release (the first details may
    # be a release before the field was added): open them in turn.
    shown = None
    for d in details:
        pre = wd.find("pre", under=d)
        if not pre:
            continue
        if not wd.prop(d, "open"):
            summary = wd.find("summary", under=d)
            if summary:
                wd.click(summary)
        text = wd.text(pre)
        if fld in text and "offset" in text:
            s = wd.find("summary", under=d)
            shown = wd.text(s).strip() if s else "?"
            break
    c.check(shown, "an opened definition shows %r with its offset (%s)"
            % (fld, shown))
    save_png(c, wd, os.path.join(args.screenshot_dir, "site-struct.png"))


# Where the site writes names, the elements it puts there itself excepted:
# anything these match was injected.
NAME_SPOTS = ("a *, code *, th > :not(a), td > :not(a):not(i), td i *, "
              "h1 > :not(code), summary > :not(code):not(a)")
INJECTED = "svg, img, iframe, object, embed"


def injection_checks(c, wd, page, scripts, names):
    """No injected element or script on the open page; @names as text."""
    c.check(wd.alert_text() is None, "%s: no dialog opened" % page)
    spots = wd.js("return Array.from(document.querySelectorAll(arguments[0]))"
                  ".map(function(e){return e.tagName+':'+e.textContent;});",
                  NAME_SPOTS)
    c.check(not spots, "%s: no element inside a name's place" % page,
            "found: %r" % spots[:5])
    bad = wd.js("return document.querySelectorAll(arguments[0]).length;",
                INJECTED)
    c.check(bad == 0, "%s: no svg/img/iframe element (%d)" % (page, bad))
    n = wd.js("return document.querySelectorAll('script').length;")
    c.check(n == scripts, "%s: only the site's %d script elements (%d)"
            % (page, scripts, n))
    c.check(wd.js("return window.ksPwned === undefined;"),
            "%s: no injected script ran" % page)
    text = wd.js("return document.body.textContent;")
    for name in names:
        c.check(name in text, "%s shows %r as text" % (page, name))


def hostile_run(args, c, wd):
    site = os.path.abspath(args.site_dir)
    index_url = "file://" + urllib.parse.quote(site + "/index.html")
    names = args.hostile

    wd.set_window(1280, 900)
    wd.get(index_url)
    injection_checks(c, wd, "index", 2, names)
    rels = [wd.text(th) for th in wd.find_all("#matrix th.release")]
    c.check(rels == names, "index: the release columns are the names as "
            "they are", "got %r" % rels)
    links = len(wd.find_all("#matrix th.release a"))
    c.check(links == len(names) - 1, "index: %d pair links" % links)
    for k in range(1, len(names)):
        wd.get(index_url)
        a = wd.find_all("#matrix th.release a")[k - 1]
        wd.click(a)
        page = poll(lambda: "/d/" in wd.url() and wd.js(
            "return document.readyState;") == "complete")
        if not c.check(page, "clicking the column of %r opens its pair page"
                       % names[k], "at %s" % wd.url()):
            continue
        h1 = wd.text(wd.find("h1"))
        want = "Changes between %s and %s" % (names[k - 1], names[k])
        c.check(h1 == want, "pair page h1 is %r" % want, "got %r" % h1)
        c.check(wd.title() == want, "pair page title is the names as text",
                "got %r" % wd.title())
        injection_checks(c, wd, "pair page %d" % k, 0, names[k - 1:k + 1])
    wd.get("file://" + urllib.parse.quote(
        site + "/s/%s.html" % args.field_struct))
    injection_checks(c, wd, "struct page", 0, names)
    codes = wd.js("return Array.from(document.querySelectorAll('code'))"
                  ".map(function(e){return e.textContent;});")
    for name in names:
        c.check(name in codes, "struct page: %r is a code element's text"
                % name)
    save_png(c, wd, os.path.join(args.screenshot_dir, "site-hostile.png"))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--guardian":
        guardian(int(sys.argv[2]), os.environ["KS_GUARD_TMP"],
                 float(sys.argv[3]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("site_dir")
    ap.add_argument("screenshot_dir")
    ap.add_argument("--min-rows", type=int, default=1)
    ap.add_argument("--field", default="objcg")
    ap.add_argument("--field-struct", default="bpf_mem_alloc")
    ap.add_argument("--struct", default="task_struct")
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--hostile", action="append", default=[])
    args = ap.parse_args()

    # KS_CHROMIUM / KS_CHROMEDRIVER name other binaries (or missing ones).
    chromium = find_exe(*([os.environ["KS_CHROMIUM"]]
                          if os.environ.get("KS_CHROMIUM")
                          else ["/usr/bin/chromium", "chromium"]))
    driver = find_exe(*([os.environ["KS_CHROMEDRIVER"]]
                        if os.environ.get("KS_CHROMEDRIVER")
                        else ["/usr/bin/chromedriver", "chromedriver"]))
    if not chromium or not driver:
        print("skip: %s not installed (Debian packages chromium, "
              "chromium-driver)" % ("chromium" if not chromium
                                    else "chromedriver"))
        return 0
    if not os.path.isfile(os.path.join(args.site_dir, "index.html")):
        print("FAIL %s/index.html does not exist" % args.site_dir)
        return 1
    os.makedirs(args.screenshot_dir, exist_ok=True)

    c = Checks()
    tmp = tempfile.mkdtemp(prefix="kstruct-browser-")
    profile = os.path.join(tmp, "profile")
    os.mkdir(profile)
    log = os.path.join(tmp, "chromedriver.log")
    proc = None
    wd = None
    broken = False          # the session itself failed: show chromedriver's log
    # A guardian cleans up even when this process is SIGKILLed.
    rfd, wfd = os.pipe()
    guard = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--guardian", str(rfd),
         str(args.timeout + 60)], pass_fds=[rfd],
        env=dict(os.environ, KS_GUARD_TMP=tmp),   # not in its command line
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    os.close(rfd)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    signal.alarm(args.timeout)
    try:
        for attempt in range(3):    # another program may take the port
            port = free_port()
            with open(os.devnull, "rb") as null, open(log, "ab") as lf:
                proc = subprocess.Popen(
                    [driver, "--port=%d" % port, "--log-path=" + log],
                    stdin=null, stdout=lf, stderr=subprocess.STDOUT,
                    env=dict(os.environ, HOME=tmp),
                    preexec_fn=die_with_parent)
            wd = WebDriver("http://127.0.0.1:%d" % port)

            def ready():
                if proc.poll() is not None:
                    return "exited"
                try:
                    return (wd.raw("GET", "/status", timeout=2) or {}).get(
                        "ready")
                except (OSError, WebDriverError):
                    return False
            up = poll(ready, timeout=15)
            if up is True:
                break
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait(timeout=5)
        if not c.check(up is True, "chromedriver answers on port %d" % port):
            raise WebDriverError("chromedriver did not start (%s)"
                                 % ("it exited" if up else "no answer"))
        caps = wd.new_session(chromium, profile)
        c.ok("chromium %s started headless" % caps.get("browserVersion", "?"))
        (hostile_run if args.hostile else run)(args, c, wd)
    except Exception as e:      # Timeout, WebDriverError, OSError, ...
        c.fail("browser session: %s: %s" % (type(e).__name__, e))
        broken = True
    except KeyboardInterrupt:
        c.fail("browser session: interrupted")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if wd is not None and wd.sid:
            try:
                wd.delete_session()
            except Exception as e:
                print("     (closing the session: %s)" % e)
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                proc.wait(timeout=5)
        # Browser processes left (in chromedriver's process group or not,
        # like crashpad's): each has our temp dir on its command line.
        kill_marked(tmp)
        if broken and os.path.exists(log):
            with open(log, "rb") as f:
                tail = f.read()[-3000:].decode("utf-8", "replace")
            print("     chromedriver log (end):")
            for line in tail.splitlines()[-25:]:
                print("     | " + line)
        shutil.rmtree(tmp, ignore_errors=True)
        os.close(wfd)
        try:
            guard.wait(timeout=10)
        except subprocess.TimeoutExpired:
            guard.kill()
            guard.wait()
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
