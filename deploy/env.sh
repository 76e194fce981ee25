# Sourced by the DCU scripts: the fixed locations outside the clone that
# deploy/setup.sh fills, and the one shared target directory.
export DCU_HOME="${DCU_HOME:-$HOME/.dcu}"
export DCU_TOOLCHAIN="${DCU_TOOLCHAIN:-dcu-1.85}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$DCU_HOME/target}"
export PATH="$DCU_HOME/cargo-contract/bin:$DCU_HOME/node/bin:$HOME/.cargo/bin:$PATH"
if [ -z "${CONTRACTS_NODE:-}" ] && [ -x "$DCU_HOME/node/bin/substrate-contracts-node" ]; then
  export CONTRACTS_NODE="$DCU_HOME/node/bin/substrate-contracts-node"
fi
# A lock file resolved by a newer cargo must not pick crates above Rust 1.85.
export CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
