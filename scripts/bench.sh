#!/usr/bin/env bash
# Side-by-side timing of smtp-probe (Native AOT), swaks and curl against the same Postfix on
# loopback, in the same run, with hyperfine. Starts Postfix via scripts/mta/postfix-up.sh and
# installs the peers from Debian if missing. Prints markdown tables (docs/performance.md holds a run).
#   usage: sudo scripts/bench.sh [runs]      (default 40 runs per command)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-40}"
need=()
for tool in swaks hyperfine curl; do command -v "$tool" > /dev/null || need+=("$tool"); done
dpkg -s libnet-ssleay-perl > /dev/null 2>&1 || need+=(libnet-ssleay-perl)
[ -x /usr/bin/time ] || need+=(time)  # the peak-memory table needs GNU time
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" > /dev/null
fi
env_file=$(bash scripts/mta/postfix-up.sh | tail -n 1)
# shellcheck disable=SC1090
. "$env_file"
out=artifacts/bench; mkdir -p "$out"
dotnet publish src/SmtpProbe.Cli -c Release -r linux-x64 -o "$out/aot" > "$out/publish.log" 2>&1
probe="$out/aot/smtp-probe"
export SMTP_PASSWORD="$SMTP_E2E_PASSWORD"
user="$SMTP_E2E_USER"; ca="$SMTP_E2E_CA"; sub="$SMTP_E2E_PORT_SUBMISSION"; mx="$SMTP_E2E_PORT_MX"
printf 'Subject: smtp-probe bench\r\n\r\nhello\r\n' > "$out/msg.txt"

cat > "$out/full.yaml" <<YAML
name: full probe
server: { host: 127.0.0.1, port: $sub, timeout: 10s }
tls: { mode: starttls, ca_file: "$ca" }
auth: { mechanism: plain, username: "$user", password: "\${env:SMTP_PASSWORD}" }
helo: probe.example.test
envelope: { from: "$user", to: "$user" }
YAML
cat > "$out/plain.yaml" <<YAML
name: plain transaction
server: { host: 127.0.0.1, port: $mx, timeout: 10s }
helo: probe.example.test
envelope: { from: "$user", to: "$user" }
YAML
# 100 scenarios in one process: what a CI job checking many paths pays.
{
  echo "server: { host: 127.0.0.1, port: $sub, timeout: 10s }"
  echo "tls: { mode: starttls, ca_file: \"$ca\" }"
  echo "auth: { mechanism: plain, username: \"$user\", password: \"\${env:SMTP_PASSWORD}\" }"
  echo "helo: probe.example.test"
  echo "envelope: { from: \"$user\", to: \"$user\" }"
  echo "scenarios:"
  for i in $(seq 1 100); do echo "  - name: probe $i"; done
} > "$out/hundred.yaml"

"$probe" run "$out/full.yaml" > /dev/null
echo "## Full probe: connect, EHLO, STARTTLS, EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT (submission, verified certificate)"
hyperfine -N --warmup 3 --runs "$runs" --export-markdown "$out/full.md" \
  -n smtp-probe "$probe run $out/full.yaml" \
  -n swaks "swaks --server 127.0.0.1:$sub --tls --tls-ca-path $ca --tls-verify --auth PLAIN --auth-user $user --auth-password $SMTP_PASSWORD --from $user --to $user --ehlo probe.example.test --silent 3" \
  -n curl "curl -s --url smtp://127.0.0.1:$sub --ssl-reqd --cacert $ca --mail-from $user --mail-rcpt $user --user $user:$SMTP_PASSWORD --login-options AUTH=PLAIN -T $out/msg.txt" > /dev/null
cat "$out/full.md"
echo
echo "## Plain transaction: EHLO, MAIL, RCPT, DATA, QUIT (port 25 style, no TLS)"
hyperfine -N --warmup 3 --runs "$runs" --export-markdown "$out/plain.md" \
  -n smtp-probe "$probe run $out/plain.yaml" \
  -n swaks "swaks --server 127.0.0.1:$mx --from $user --to $user --ehlo probe.example.test --silent 3" \
  -n curl "curl -s --url smtp://127.0.0.1:$mx --mail-from $user --mail-rcpt $user -T $out/msg.txt" > /dev/null
cat "$out/plain.md"
echo
echo "## 100 full probes: one smtp-probe process vs 100 swaks / curl processes"
hyperfine -N --warmup 1 --runs 5 --export-markdown "$out/hundred.md" \
  -n "smtp-probe (1 process, 100 scenarios)" "$probe run $out/hundred.yaml" \
  -n "swaks x100" "bash -c 'for i in \$(seq 1 100); do swaks --server 127.0.0.1:$sub --tls --tls-ca-path $ca --tls-verify --auth PLAIN --auth-user $user --auth-password $SMTP_PASSWORD --from $user --to $user --ehlo probe.example.test --silent 3 || exit 1; done'" \
  -n "curl x100" "bash -c 'for i in \$(seq 1 100); do curl -s --url smtp://127.0.0.1:$sub --ssl-reqd --cacert $ca --mail-from $user --mail-rcpt $user --user $user:$SMTP_PASSWORD --login-options AUTH=PLAIN -T $out/msg.txt || exit 1; done'" > /dev/null
cat "$out/hundred.md"
echo
echo "## Peak memory (max RSS, one full probe)"
for cmd in "$probe run $out/full.yaml" \
  "swaks --server 127.0.0.1:$sub --tls --tls-ca-path $ca --tls-verify --auth PLAIN --auth-user $user --auth-password $SMTP_PASSWORD --from $user --to $user --ehlo probe.example.test --silent 3" \
  "curl -s --url smtp://127.0.0.1:$sub --ssl-reqd --cacert $ca --mail-from $user --mail-rcpt $user --user $user:$SMTP_PASSWORD --login-options AUTH=PLAIN -T $out/msg.txt"; do
  /usr/bin/time -f "%M KiB  ${cmd%% *}" $cmd > /dev/null 2> "$out/time.txt" || true
  tail -n 1 "$out/time.txt"
done
