#!/usr/bin/env bash
# Vitrine as it runs on a real server, driven by Chromium:
#   1. from another host: a network namespace joined by a veth pair, Chromium inside it, Vitrine
#      bound to the host side's address with the embedded store (zero config);
#   2. behind nginx with TLS (deploy/nginx.conf, a self-signed certificate);
#   3. behind Caddy with TLS (deploy/Caddyfile, `tls internal`);
# and the systemd unit checked by systemd-analyze. Run by `make test-hosting` (part of `make test`).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin=$root/target/debug/vitrine
work=$(mktemp -d)
pids=()
ns=vt-client-$$
host_if=vth$$
peer_if=vtp$$
net=10.231.$(( $$ % 200 + 20 ))

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  ip link del "$host_if" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

admin_email=$(sed -n 's/.*ADMIN_EMAIL = "\(.*\)".*/\1/p' end2end/constants.ts)
admin_password=$(sed -n 's/.*ADMIN_PASSWORD = "\(.*\)".*/\1/p' end2end/constants.ts)

# start_vitrine NAME ADDR [VAR=value…]: starts the built binary as `vitrine serve`, waits for it.
start_vitrine() {
  local name=$1 addr=$2
  shift 2
  env LEPTOS_OUTPUT_NAME=vitrine LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD \
    LEPTOS_SITE_ADDR="$addr" VITRINE_DATA_DIR="$work/$name" VITRINE_STORE_ADDR=127.0.0.1:0 \
    VITRINE_ADMIN_EMAIL="$admin_email" VITRINE_ADMIN_PASSWORD="$admin_password" RUST_LOG=warn NO_COLOR=1 "$@" \
    "$bin" serve >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    curl -sf "http://$addr/healthz" >/dev/null && return 0
    sleep 0.1
  done
  cat "$work/$name.log"; echo "vitrine ($name) did not come up" >&2; exit 1
}

playwright() { # playwright BASE_URL [ip netns exec …]
  local base=$1
  shift
  (cd end2end && E2E_BASE_URL="$base" "$@" npx playwright test -c hosting/playwright.config.ts)
}

echo "== 1. from another host (network namespace $ns)"
if ip netns add "$ns" 2>/dev/null; then
  ip link add "$host_if" type veth peer name "$peer_if"
  ip link set "$peer_if" netns "$ns"
  ip addr add "$net.1/24" dev "$host_if"
  ip link set "$host_if" up
  ip netns exec "$ns" ip addr add "$net.2/24" dev "$peer_if"
  ip netns exec "$ns" ip link set "$peer_if" up
  ip netns exec "$ns" ip link set lo up
  start_vitrine lan "$net.1:3400"
  grep -q "Open http://$net.1:3400/ (uploads go to http://$net.1:3400)" "$work/lan.log" || { cat "$work/lan.log"; echo "no start-up line naming $net.1:3400" >&2; exit 1; }
  # The other host cannot reach this one's loopback: only the veth address works from there.
  if ip netns exec "$ns" curl -sf --max-time 2 http://127.0.0.1:3400/healthz >/dev/null; then
    echo "the namespace reaches the host's loopback: not a second host" >&2; exit 1
  fi
  playwright "http://$net.1:3400" ip netns exec "$ns"
else
  echo "SKIPPED: network namespaces are not permitted here (ip netns add failed)"
fi

echo "== 2. behind nginx with TLS"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
start_vitrine nginx 127.0.0.1:3401 VITRINE_PUBLIC_BASE_URL=https://localhost:3443 VITRINE_TRUSTED_PROXIES=127.0.0.1
sed -e "s|media.example.com|localhost|g" -e "s|listen 443 ssl;|listen 3443 ssl;|" -e "s|listen 80;|listen 3480;|" \
  -e "s|/etc/ssl/vitrine/fullchain.pem|$work/cert.pem|" -e "s|/etc/ssl/vitrine/privkey.pem|$work/key.pem|" \
  -e "s|127.0.0.1:3000|127.0.0.1:3401|" deploy/nginx.conf >"$work/site.conf"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events {}
http {
  access_log off;
  client_body_temp_path $work/nginx-body;
  proxy_temp_path $work/nginx-proxy;
  include $work/site.conf;
}
CONF
nginx -c "$work/nginx.conf" -g "daemon off;" &
pids+=($!)
for _ in $(seq 1 50); do curl -skf https://localhost:3443/healthz >/dev/null && break; sleep 0.1; done
playwright "https://localhost:3443"

echo "== 3. behind Caddy with TLS"
if command -v caddy >/dev/null; then
  start_vitrine caddy 127.0.0.1:3402 VITRINE_PUBLIC_BASE_URL=https://localhost:3444 VITRINE_TRUSTED_PROXIES=127.0.0.1
  { echo "{"; echo "  admin off"; echo "  auto_https disable_redirects"; echo "  storage file_system $work/caddy"; echo "}"
    sed -e "s|^media.example.com {|localhost:3444 {\n\ttls internal|" -e "s|127.0.0.1:3000|127.0.0.1:3402|" deploy/Caddyfile
  } >"$work/Caddyfile"
  HOME=$work XDG_DATA_HOME=$work caddy run --config "$work/Caddyfile" --adapter caddyfile >"$work/caddy.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -skf https://localhost:3444/healthz >/dev/null && break; sleep 0.1; done
  playwright "https://localhost:3444"
else
  echo "SKIPPED: caddy is not installed"
fi

echo "== 4. the systemd unit"
sed -e "s|/usr/local/bin/vitrine|$bin|" deploy/vitrine.service >"$work/vitrine.service"
if command -v systemd-analyze >/dev/null; then
  complaints=$(systemd-analyze verify "$work/vitrine.service" 2>&1) || { echo "$complaints"; exit 1; }
  if [ -n "$complaints" ]; then echo "$complaints"; exit 1; fi
  echo "systemd-analyze verify: no complaints"
fi
echo "hosting: all passed"
