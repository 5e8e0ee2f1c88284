#!/usr/bin/env bash
# https for real: a git smart-HTTP server (git http-backend behind
# https_server.py) on loopback with a certificate made here by openssl,
# signed by a CA made here. clone, fetch and push must work when the CA is
# given (SSL_CERT_FILE, or git's http.sslCAInfo), and be refused with one
# clear line when it is not; credentials in a URL must never show in any
# message or listing.
# Needs: git (git http-backend), openssl, python3.
set -u
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ks() { "$KSTRUCT" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# only what each check gives (machines set these for their own CAs)
unset GIT_SSL_CAINFO SSL_CERT_FILE SSL_CERT_DIR
for tool in openssl git python3; do
	command -v "$tool" >/dev/null || { echo "$tool is missing"; exit 1; }
done

# a CA, and a server certificate for localhost signed by it (by name:
# the mbedTLS that Debian's libgit2 uses matches names, not addresses)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kstruct test CA" \
	-keyout "$T/ca.key" -out "$T/ca.pem" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$T/srv.key" \
	-out "$T/srv.csr" >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$T/ext"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
	-days 2 -extfile "$T/ext" -out "$T/srv.pem" >/dev/null 2>&1
check "openssl made a CA and a server certificate" test -s "$T/srv.pem"

# the served store
mkdir -p "$T/srv"
ks --store "$T/srv/s.git" import "$T/$OLD.btf" >/dev/null 2>&1
git --git-dir="$T/srv/s.git" config http.receivepack true
python3 "$HERE/https_server.py" "$T/srv" "$T/srv.pem" "$T/srv.key" "$T/port" &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
URL=https://localhost:$(cat "$T/port")/s.git

# no CA given: refused, clearly, and nothing left behind
out=$(ks clone "$URL" "$T/c0" 2>&1); rc=$?
check "an unknown certificate is refused (exit 1)" test $rc = 1
check "... in one line that says so ($out)" \
	test "$(grep -c . <<<"$out")" = 1 -a -n "$(grep 'certificate is not trusted' <<<"$out")"
check "... and no store is left" test ! -e "$T/c0"

# the CA in SSL_CERT_FILE
out=$(SSL_CERT_FILE=$T/ca.pem ks clone "$URL" "$T/c1" 2>&1); rc=$?
check "clone over https with SSL_CERT_FILE ($out)" test $rc = 0
same "... brings the release" "$(ks --store "$T/c1" releases --format json | json 'len(d)')" 1

# the CA in git's http.sslCAInfo; a fetch and a push
git config --global http.sslCAInfo "$T/ca.pem"
ks --store "$T/srv/s.git" import "$T/$NEW.btf" >/dev/null 2>&1
out=$(ks --store "$T/c1" fetch 2>&1); rc=$?
check "fetch over https with http.sslCAInfo ($out)" test $rc = 0
same "... brings the new release" "$(ks --store "$T/c1" releases --format json | json 'len(d)')" 2
ks --store "$T/c1" import "$T/$NEW.btf" --release 6.12.999 --distro debian >/dev/null 2>&1
out=$(ks --store "$T/c1" push 2>&1); rc=$?
check "push over https ($out)" test $rc = 0
check "... the server has the pushed release" \
	git --git-dir="$T/srv/s.git" rev-parse -q --verify "refs/tags/debian/x86_64/generic/6.12.999"
git config --global --unset http.sslCAInfo

# credentials in a URL: never shown
CRED=https://bob:s3cr3tpw@localhost:$(cat "$T/port")/nothing.git
out=$(SSL_CERT_FILE=$T/ca.pem ks clone "$CRED" "$T/c2" 2>&1); rc=$?
check "a clone of a missing repository fails ($rc)" test $rc != 0
check "... and its message has no password ($out)" test -z "$(grep s3cr3tpw <<<"$out")"
out=$(ks clone "$CRED" "$T/c3" 2>&1)	# the certificate refusal, with a URL too
check "a certificate refusal shows no password" test -z "$(grep s3cr3tpw <<<"$out")"
ks --store "$T/c1" remote add withpw "$CRED" >/dev/null 2>&1
out=$(ks --store "$T/c1" remote list 2>&1)
check "remote list shows no password ($(tr '\n' ' ' <<<"$out"))" \
	test -z "$(grep s3cr3tpw <<<"$out")" -a -n "$(grep 'bob@localhost' <<<"$out")"
out=$(SSL_CERT_FILE=$T/ca.pem ks --store "$T/c1" fetch withpw 2>&1)
check "a failed fetch shows no password" test -z "$(grep s3cr3tpw <<<"$out")"

finish https
