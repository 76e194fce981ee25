#!/usr/bin/env bash
# DCU one-time setup: the Rust 1.85 contract toolchain, cargo-contract 5.0.3 and
# substrate-contracts-node 0.42.0. Idempotent: every step checks first and is
# skipped when its result is already there. Everything lands under $DCU_HOME
# (default ~/.dcu), outside the clone, so CI and later sessions reuse it.
#
#   deploy/setup.sh            all steps
#   deploy/setup.sh toolchain  just one step (toolchain | cargo-contract | node | dapp-check | prometheus)
#
# Times on a 2-core machine from nothing: toolchain ~2 min, cargo-contract
# ~15 min, node ~75 min when built (seconds when ../shared/bin has it).
set -euo pipefail

DCU_HOME="${DCU_HOME:-$HOME/.dcu}"
TOOLCHAIN_NAME="${DCU_TOOLCHAIN:-dcu-1.85}"
RUST_DEB_VERSION="1.85.0+dfsg3-1~deb12u3"
CARGO_CONTRACT_VERSION="5.0.3"
NODE_VERSION="0.42.0"
TC_DIR="$DCU_HOME/toolchain/$TOOLCHAIN_NAME"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"

mkdir -p "$DCU_HOME"
log() { printf '[setup %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
step_start() { STEP_T0=$(date +%s); log "$1 ..."; }
step_done() { log "$1 done in $(( $(date +%s) - STEP_T0 ))s"; }

APT_UPDATED=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $APT_UPDATED -eq 0 ]; then apt-get -o DPkg::Lock::Timeout=900 update -qq; APT_UPDATED=1; fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq "${missing[@]}" >/dev/null
}

toolchain_ok() {
  [ -x "$TC_DIR/bin/rustc" ] && [ -d "$TC_DIR/lib/rustlib/src/rust/library" ] \
    && [ -f "$TC_DIR/.wasm-sysroot-done" ] && [ -e "$TC_DIR/bin/rust-lld" ] \
    && rustup toolchain list | grep -q "^$TOOLCHAIN_NAME"
}

setup_toolchain() {
  if toolchain_ok; then log "toolchain $TOOLCHAIN_NAME present, skipping"; return; fi
  step_start "toolchain $TOOLCHAIN_NAME (Rust 1.85 from Debian packages)"
  apt_install libllvm19 lld-19 libpcre3 libhttp-parser2.9 libssh2-1 libcurl4 curl ca-certificates
  if [ ! -x "$TC_DIR/bin/rustc" ] || [ ! -d "$TC_DIR/lib/rustlib/src/rust/library" ]; then
    local work; work="$(mktemp -d)"
    ( cd "$work"
      if [ $APT_UPDATED -eq 0 ]; then apt-get -o DPkg::Lock::Timeout=900 update -qq; fi
      V="$RUST_DEB_VERSION"
      apt-get download -qq rustc-web=$V cargo-web=$V rust-web-src=$V \
        libstd-rust-web-dev=$V libstd-rust-web-1.85=$V rust-web-clippy=$V rustfmt-web=$V
      for f in *.deb; do dpkg -x "$f" unpacked; done
      rm -rf "$TC_DIR"; mkdir -p "$TC_DIR/bin" "$TC_DIR/lib"
      cp -a unpacked/usr/bin/. "$TC_DIR/bin/"
      cp -a unpacked/usr/lib/x86_64-linux-gnu/. "$TC_DIR/lib/"
      mkdir -p "$TC_DIR/lib/rustlib"
      cp -a unpacked/usr/lib/rustlib/. "$TC_DIR/lib/rustlib/"
      rm -rf "$TC_DIR/lib/rustlib/src"; mkdir -p "$TC_DIR/lib/rustlib/src"
      cp -a unpacked/usr/src/rustc-1.85.0 "$TC_DIR/lib/rustlib/src/rust"
    )
    rm -rf "$work"
  fi
  ln -sf "$(command -v ld.lld-19 || echo /usr/bin/ld.lld-19)" "$TC_DIR/bin/rust-lld"
  mkdir -p "$TC_DIR/lib/rustlib/x86_64-unknown-linux-gnu/bin"
  ln -sf "$(command -v ld.lld-19 || echo /usr/bin/ld.lld-19)" "$TC_DIR/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
  rustup toolchain link "$TOOLCHAIN_NAME" "$TC_DIR"
  if [ ! -f "$TC_DIR/.wasm-sysroot-done" ]; then
    local crate; crate="$(mktemp -d)"
    mkdir -p "$crate/src"
    printf '[package]\nname="sysroot-probe"\nversion="0.0.0"\nedition="2021"\n[profile.release]\npanic="abort"\n' > "$crate/Cargo.toml"
    echo 'fn main(){}' > "$crate/src/main.rs"
    ( cd "$crate" && RUSTC_BOOTSTRAP=1 cargo "+$TOOLCHAIN_NAME" build -q --release \
        --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort )
    mkdir -p "$TC_DIR/lib/rustlib/wasm32-unknown-unknown/lib"
    cp "$crate"/target/wasm32-unknown-unknown/release/deps/lib*.rlib \
       "$TC_DIR/lib/rustlib/wasm32-unknown-unknown/lib/"
    rm -rf "$crate"
    touch "$TC_DIR/.wasm-sysroot-done"
  fi
  step_done "toolchain"
}

setup_cargo_contract() {
  local bin="$DCU_HOME/cargo-contract/bin/cargo-contract"
  if [ -x "$bin" ] && "$bin" contract --version 2>/dev/null | grep -q "$CARGO_CONTRACT_VERSION"; then
    log "cargo-contract $CARGO_CONTRACT_VERSION present, skipping"; return
  fi
  step_start "cargo-contract $CARGO_CONTRACT_VERSION (cargo install, ~15 min)"
  apt_install build-essential cmake pkg-config libssl-dev
  cargo +stable install cargo-contract@"$CARGO_CONTRACT_VERSION" --locked \
    --root "$DCU_HOME/cargo-contract"
  step_done "cargo-contract"
}

node_bin() { echo "$DCU_HOME/node/bin/substrate-contracts-node"; }

setup_node() {
  local bin; bin="$(node_bin)"
  if [ -n "${CONTRACTS_NODE:-}" ] && [ -x "${CONTRACTS_NODE}" ]; then
    log "node: using CONTRACTS_NODE=$CONTRACTS_NODE"; return
  fi
  if [ -x "$bin" ]; then log "node present at $bin, skipping"; return; fi
  if command -v substrate-contracts-node >/dev/null 2>&1; then
    mkdir -p "$(dirname "$bin")"; ln -sf "$(command -v substrate-contracts-node)" "$bin"
    log "node: using $(command -v substrate-contracts-node) from PATH"; return
  fi
  local cache="$ROOT/../shared/bin/substrate-contracts-node-$NODE_VERSION.gz"
  if [ -f "$cache" ]; then
    step_start "node from the verified cache $cache"
    mkdir -p "$(dirname "$bin")"
    gunzip -c "$cache" > "$bin.tmp"
    if [ -f "${cache%.gz}.sha256" ]; then
      local want got
      want="$(awk '{print $1}' "${cache%.gz}.sha256")"; got="$(sha256sum "$bin.tmp" | awk '{print $1}')"
      if [ "$want" != "$got" ]; then log "cache checksum mismatch, building instead"; rm -f "$bin.tmp"; else
        chmod +x "$bin.tmp"; mv "$bin.tmp" "$bin"; step_done "node (cache)"; return; fi
    else chmod +x "$bin.tmp"; mv "$bin.tmp" "$bin"; step_done "node (cache)"; return; fi
  fi
  step_start "node: cargo install contracts-node@$NODE_VERSION (~75 min on 2 cores)"
  setup_toolchain
  apt_install clang libclang-dev protobuf-compiler build-essential
  ( cd "$(mktemp -d)" && cargo +stable info contracts-node@"$NODE_VERSION" >/dev/null 2>&1 || true )
  local hint
  hint="$(ls -d "$HOME"/.cargo/registry/src/*/contracts-node-"$NODE_VERSION" 2>/dev/null | head -1 || true)"
  if [ -z "$hint" ]; then
    # `cargo info` may not unpack it; download and unpack the crate ourselves.
    local d; d="$(mktemp -d)"
    curl -sSfL "https://crates.io/api/v1/crates/contracts-node/$NODE_VERSION/download" -o "$d/c.tar.gz"
    tar -xzf "$d/c.tar.gz" -C "$DCU_HOME"; hint="$DCU_HOME/contracts-node-$NODE_VERSION"
  fi
  SKIP_ROCOCO_RUNTIME_WASM_BUILD=1 SKIP_CONTRACTS_PARACHAIN_RUNTIME_WASM_BUILD=1 \
  WASM_BUILD_WORKSPACE_HINT="$hint" WASM_BUILD_TOOLCHAIN="$TOOLCHAIN_NAME" \
    cargo "+$TOOLCHAIN_NAME" install contracts-node@"$NODE_VERSION" --locked --root "$DCU_HOME/node"
  step_done "node (build)"
}

# The dapp check (deploy/dapp-check): @polkadot/api-contract from npm, in
# $DCU_HOME/dapp-check so that clones share it; re-installed only when
# package-lock.json changes. The script itself is copied on every run.
setup_dapp_check() {
  local src="$ROOT/deploy/dapp-check" dst="$DCU_HOME/dapp-check"
  command -v node >/dev/null && command -v npm >/dev/null || { echo "setup: node and npm are needed for the dapp check (apt-get install nodejs npm)" >&2; exit 1; }
  mkdir -p "$dst"
  cp "$src/check.mjs" "$dst/check.mjs"
  if [ -d "$dst/node_modules/@polkadot/api-contract" ] && cmp -s "$src/package-lock.json" "$dst/package-lock.json"; then
    log "dapp check: @polkadot/api-contract already installed"
    return 0
  fi
  step_start "dapp check (npm ci @polkadot/api-contract)"
  cp "$src/package.json" "$src/package-lock.json" "$dst/"
  (cd "$dst" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  step_done "dapp check"
}

# Prometheus and promtool from Debian's `prometheus` package, for the alert
# rules' checks (deploy/monitoring/check.sh) and the scrape test, which start
# their own prometheus process. The package's service is never left running
# or enabled: a policy-rc.d forbids starting it during the install, and it is
# stopped and disabled afterwards wherever an init system runs.
setup_prometheus() {
  if command -v promtool >/dev/null && command -v prometheus >/dev/null; then
    log "prometheus: $(prometheus --version 2>&1 | head -1) already installed"
    return 0
  fi
  step_start "prometheus (Debian package)"
  local prc=/usr/sbin/policy-rc.d ours=0 rc=0
  if [ ! -e "$prc" ]; then
    printf '#!/bin/sh\n# deploy/setup.sh: no service starts while prometheus installs\nexit 101\n' > "$prc"
    chmod 755 "$prc"
    ours=1
  fi
  apt_install prometheus || rc=$?
  [ "$ours" = 1 ] && rm -f "$prc"
  [ "$rc" = 0 ] || { echo "setup: apt-get install prometheus failed ($rc)" >&2; exit "$rc"; }
  for svc in prometheus prometheus-node-exporter; do
    if [ -d /run/systemd/system ]; then
      systemctl disable --now "$svc" >/dev/null 2>&1 || true
    elif [ -x "/etc/init.d/$svc" ]; then
      "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
      update-rc.d "$svc" disable >/dev/null 2>&1 || true
    fi
  done
  step_done "prometheus"
}

write_env() {
  cat > "$DCU_HOME/env.sh" <<ENV
# sourced by DCU scripts
export DCU_HOME="$DCU_HOME"
export DCU_TOOLCHAIN="$TOOLCHAIN_NAME"
export PATH="$DCU_HOME/cargo-contract/bin:$DCU_HOME/node/bin:\$PATH"
export CONTRACTS_NODE="\${CONTRACTS_NODE:-$(node_bin)}"
ENV
}

T0=$(date +%s)
case "${1:-all}" in
  toolchain) setup_toolchain ;;
  cargo-contract) setup_cargo_contract ;;
  node) setup_node ;;
  dapp-check) setup_dapp_check ;;
  prometheus) setup_prometheus ;;
  all) setup_toolchain; setup_cargo_contract; setup_node; setup_dapp_check; setup_prometheus ;;
  *) echo "usage: $0 [all|toolchain|cargo-contract|node|dapp-check|prometheus]" >&2; exit 2 ;;
esac
write_env
log "setup finished in $(( $(date +%s) - T0 ))s (env: source $DCU_HOME/env.sh)"
