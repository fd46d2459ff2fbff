#!/usr/bin/env bash
# The packaging test: what a user gets from npm, checked before anything is
# published. It packs every package (pnpm pack, which rewrites workspace:^ to
# real versions), then, in fresh projects outside the workspace, installs the
# tarballs with npm and, separately, with pnpm, with install scripts ignored
# and no compiler on PATH, and with PREBUILDS_ONLY=1 loads:
#   - mpk (CJS and ESM): `implementation` is 'enabled' on linux-x64 (the
#     prebuilds load there), 'disabled' elsewhere; isSupported() is a boolean;
#   - mpk-sys alone (only its tarball): available, pageSize() > 0;
#   - mpk-pkru alone: available, hasCpuidBitSet() is a boolean.
# It also checks what each tarball holds (mpk-sys: C sources, binding.gyp,
# binding.cjs, prebuilds for every target built here, dist/, README,
# package.json, nothing else of note) and that the musl prebuilds link
# against musl only.
#
# The musl prebuild needs musl-gcc (Debian's musl-tools): installed here when
# missing and running as root; otherwise the musl checks fail with what to run.
#
# Usage: bash scripts/test-packaging.sh   (last line: packaging: N passed, N failed)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export TURBO_TELEMETRY_DISABLED=1

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "  ok    $1"; }
section() { echo "== $1 (at ${SECONDS}s)"; }
bad() {
  failed=$((failed + 1))
  echo "  FAIL  $1"
  [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/        /'
  return 0
}
# check NAME CMD...: runs CMD, passes when it exits 0, shows its output if not.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$name${out:+: $(tail -n 1 <<<"$out")}"; else bad "$name" "$out"; fi
}
finish() {
  echo "(took ${SECONDS}s)"
  echo "packaging: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

work=$(mktemp -d "${TMPDIR:-/tmp}/mpk-packaging.XXXXXX")
trap 'rm -rf "$work"' EXIT

platform=$(node -p 'process.platform')
arch=$(node -p 'process.arch')
target=$platform-$arch
if [ "$target" = linux-x64 ]; then want_impl=enabled; else want_impl=disabled; fi

section "musl toolchain"
if command -v musl-gcc >/dev/null; then
  ok "musl-gcc is installed ($(command -v musl-gcc))"
elif [ "$platform" != linux ]; then
  bad "musl prebuilds are built on Linux only"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "  installing musl-tools"
  if out=$( (apt-get install -y -qq --no-install-recommends musl-tools ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends musl-tools; }) 2>&1); then
    ok "musl-tools installed"
  else
    bad "apt-get install musl-tools" "$(printf '%s\n' "$out" | tail -n 5)"
  fi
else
  bad "musl-gcc is missing: as root, run: apt-get install -y musl-tools"
fi

section "build"
if ! out=$(pnpm exec turbo run build --output-logs=errors-only 2>&1); then
  bad "pnpm build" "$(printf '%s\n' "$out" | tail -n 30)"
  finish
fi
ok "pnpm build"
native=(mpk-sys mpk-pkru)
if command -v musl-gcc >/dev/null; then
  # turbo may have restored a cached build made before musl-gcc was there.
  for pkg in "${native[@]}"; do
    if [ ! -f "packages/$pkg/prebuilds/$target/$pkg.musl.node" ]; then
      check "$pkg: musl prebuild built" env -C "packages/$pkg" MPK_MUSL=1 node ../../scripts/build-native.mjs
    fi
  done
fi

section "pack"
packs=$work/packs
mkdir -p "$packs"
if ! out=$(pnpm --recursive pack --pack-destination "$packs" 2>&1); then
  bad "pnpm --recursive pack" "$(printf '%s\n' "$out" | tail -n 20)"
  finish
fi
declare -A tgz=()
for dir in packages/*/; do
  name=$(node -p "require('./$dir/package.json').name")
  version=$(node -p "require('./$dir/package.json').version")
  tgz[$name]=$packs/$name-$version.tgz
  if [ -f "${tgz[$name]}" ]; then ok "packed $name@$version"; else bad "no tarball for $name@$version"; fi
done

# Tarball contents. Each line of an allow-list is an extended regexp a file
# must match; `required` names files that must be there.
contents() { tar -tzf "$1" | sed 's|^package/||' | sort; }
check_contents() {
  local name=$1 allow=$2
  shift 2
  local files missing=() extra file
  files=$(contents "${tgz[$name]}") || { bad "$name: cannot list its tarball"; return; }
  for file in "$@"; do
    grep -qxF "$file" <<<"$files" || missing+=("$file")
  done
  extra=$(grep -vxE "$allow" <<<"$files" || true)
  if [ ${#missing[@]} -eq 0 ] && [ -z "$extra" ]; then
    ok "$name tarball: $(wc -l <<<"$files") files, all expected ones and nothing else"
  else
    bad "$name tarball contents" "$( [ ${#missing[@]} -gt 0 ] && printf 'missing: %s\n' "${missing[@]}"; [ -n "$extra" ] && printf 'unexpected: %s\n' $extra; echo 'holds:'; sed 's/^/  /' <<<"$files")"
  fi
}
ts_allow='package\.json|README\.md|CHANGELOG\.md|LICENSE(\.md)?|dist/.*'
ts_required=(package.json README.md dist/index.js dist/index.cjs dist/index.d.ts dist/index.d.cts)
for name in mpk mpk-core mpk-disabled; do
  [ -n "${tgz[$name]:-}" ] && check_contents "$name" "$ts_allow" "${ts_required[@]}"
done
for name in "${native[@]}"; do
  [ -n "${tgz[$name]:-}" ] || continue
  mapfile -t sources < <(git ls-files "packages/$name/src/native" | sed "s|^packages/$name/||")
  required=("${ts_required[@]}" binding.cjs binding.gyp "${sources[@]}" "prebuilds/$target/$name.glibc.node")
  [ "$platform" = linux ] && required+=("prebuilds/$target/$name.musl.node")
  check_contents "$name" "$ts_allow|binding\.cjs|binding\.gyp|src/native/[^/]+\.[ch]|prebuilds/(linux|darwin|win32)-(x64|arm64)/$name\.(glibc|musl)\.node" "${required[@]}"
done

section "musl prebuilds link against musl only"
if [ "$platform" = linux ] && command -v readelf >/dev/null; then
  musl_arch=$(uname -m)
  musl_libc=/usr/lib/$musl_arch-linux-musl/libc.so
  for name in "${native[@]}"; do
    file=packages/$name/prebuilds/$target/$name.musl.node
    [ -f "$file" ] || { bad "$name: no $file"; continue; }
    needed=$(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    if [ "$needed" = "libc.musl-$musl_arch.so.1 " ]; then
      ok "$name.musl.node NEEDED: $needed"
    else
      bad "$name.musl.node NEEDED: '$needed', want only libc.musl-$musl_arch.so.1"
    fi
    if readelf -V "$file" | grep -q GLIBC_; then
      bad "$name.musl.node has glibc symbol versions" "$(readelf -V "$file" | grep -o 'GLIBC_[0-9.]*' | sort -u)"
    elif [ -f "$musl_libc" ]; then
      # Every strong undefined symbol but Node-API's must be in musl's libc.
      missing=$(comm -23 \
        <(nm -D --undefined-only "$file" | awk '$1 == "U" { print $2 }' | grep -v '^napi_' | sort -u) \
        <(nm -D --defined-only "$musl_libc" | awk '{ print $3 }' | sort -u))
      if [ -z "$missing" ]; then ok "$name.musl.node: every libc symbol it uses is in musl"; else bad "$name.musl.node uses symbols musl lacks" "$missing"; fi
    fi
    glibc=packages/$name/prebuilds/$target/$name.glibc.node
    [ -f "$glibc" ] && echo "        ($name.glibc.node needs $(readelf -V "$glibc" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1))"
  done
else
  bad "readelf is needed to inspect the musl prebuilds"
fi

section "installs with no compiler and no install scripts"
# A PATH with node, npm and pnpm and nothing else: no cc, gcc, make, python.
toolbin=$work/bin
mkdir -p "$toolbin"
for tool in node npm npx pnpm sh bash env; do
  real=$(command -v "$tool") && ln -s "$(readlink -f "$real")" "$toolbin/$tool"
done
compilers=$(env PATH="$toolbin" bash -c 'for t in cc gcc g++ c++ clang make python3 musl-gcc node-gyp; do command -v "$t"; done' || true)
if [ -z "$compilers" ]; then ok "no compiler, make, python or node-gyp on the install PATH"; else bad "the install PATH still has" "$compilers"; fi
bare=(env PATH="$toolbin" CC=false CXX=false PREBUILDS_ONLY=1 npm_config_build_from_source=false)

# The checks each project runs, for CJS and ESM.
cat >"$work/check-mpk.cjs" <<EOF
const assert = require('node:assert/strict');
const mpk = require('mpk');
assert.equal(mpk.implementation, '$want_impl', 'implementation: ' + mpk.implementation + ' (' + mpk.implementationReason + ')');
assert.equal(typeof mpk.isSupported(), 'boolean');
console.log('require: ' + mpk.implementation + ', isSupported() = ' + mpk.isSupported() + ' (' + mpk.implementationReason + ')');
EOF
cat >"$work/check-mpk.mjs" <<EOF
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as mpk from 'mpk';
assert.equal(mpk.implementation, '$want_impl', 'implementation: ' + mpk.implementation);
assert.equal(typeof mpk.isSupported(), 'boolean');
const cjs = createRequire(import.meta.url)('mpk');
assert.equal(cjs.implementation, mpk.implementation, 'the ESM and CJS builds agree');
console.log('import: ' + mpk.implementation);
EOF
cat >"$work/check-mpk-sys.cjs" <<'EOF'
const assert = require('node:assert/strict');
const sys = require('mpk-sys');
assert.equal(sys.available, true, 'mpk-sys not available: ' + sys.unavailableReason);
assert.ok(sys.pageSize() > 0, 'pageSize() = ' + sys.pageSize());
const { createRequire } = require('node:module');
const manifest = require.resolve('mpk-sys/package.json');
const file = createRequire(manifest)('node-gyp-build').resolve(require('node:path').dirname(manifest));
assert.match(file, /[\\/]prebuilds[\\/]/, 'loaded ' + file + ', not a prebuild');
console.log('require: available, pageSize() = ' + sys.pageSize() + ', from ' + file.split('node_modules/').pop());
EOF
cat >"$work/check-mpk-sys.mjs" <<'EOF'
import assert from 'node:assert/strict';
import { available, pageSize } from 'mpk-sys';
assert.equal(available, true);
assert.ok(pageSize() > 0);
console.log('import: available');
EOF
cat >"$work/check-mpk-pkru.cjs" <<'EOF'
const assert = require('node:assert/strict');
const pkru = require('mpk-pkru');
assert.equal(pkru.available, true, 'mpk-pkru not available: ' + pkru.unavailableReason);
assert.equal(typeof pkru.hasCpuidBitSet(), 'boolean');
console.log('require: available, hasCpuidBitSet() = ' + pkru.hasCpuidBitSet());
EOF
cat >"$work/check-mpk-pkru.mjs" <<'EOF'
import assert from 'node:assert/strict';
import { available, hasCpuidBitSet } from 'mpk-pkru';
assert.equal(available, true);
assert.equal(typeof hasCpuidBitSet(), 'boolean');
console.log('import: available');
EOF

# project CLIENT MAIN: a fresh project depending on MAIN's tarball; every
# package of ours it pulls in resolves to its tarball (overrides), never to
# the registry. Only node-gyp-build comes from the registry (or the cache).
project() {
  local client=$1 main=$2 dir=$work/$1-$2
  mkdir -p "$dir"
  node - "$dir" "$client" "$main" "${tgz[mpk]}" "${tgz[mpk-core]}" "${tgz[mpk-disabled]}" "${tgz[mpk-sys]}" "${tgz[mpk-pkru]}" <<'EOF'
const fs = require('node:fs');
const [dir, client, main, ...files] = process.argv.slice(2);
const names = ['mpk', 'mpk-core', 'mpk-disabled', 'mpk-sys', 'mpk-pkru'];
const spec = Object.fromEntries(names.map((name, i) => [name, `file:${files[i]}`]));
const pkg = { name: `try-${main}`, version: '1.0.0', private: true, dependencies: { [main]: spec[main] } };
if (client === 'npm') pkg.overrides = Object.fromEntries(names.filter((n) => n !== main).map((n) => [n, spec[n]]));
else pkg.pnpm = { overrides: spec };
fs.writeFileSync(`${dir}/package.json`, JSON.stringify(pkg, null, 2));
EOF
  local out rc=0
  if [ "$client" = npm ]; then
    out=$(cd "$dir" && "${bare[@]}" npm install --ignore-scripts --no-audit --no-fund --prefer-offline 2>&1) || rc=$?
  else
    out=$(cd "$dir" && "${bare[@]}" pnpm install --ignore-scripts --prefer-offline --config.confirmModulesPurge=false 2>&1) || rc=$?
  fi
  if [ "$rc" -ne 0 ]; then
    bad "$client install of $main" "$(printf '%s\n' "$out" | tail -n 15)"
    return 1
  fi
  ok "$client install of $main (scripts ignored, no compiler)"
  cp "$work/check-$main.cjs" "$work/check-$main.mjs" "$dir/"
  check "$client: require('$main')" env -C "$dir" "${bare[@]}" node "check-$main.cjs"
  check "$client: import '$main'" env -C "$dir" "${bare[@]}" node "check-$main.mjs"
}
for client in npm pnpm; do
  project "$client" mpk
  if project "$client" mpk-sys; then
    # npm lays every package out at the top; pnpm keeps them in .pnpm/.
    left=$(ls "$work/$client-mpk-sys/node_modules" "$work/$client-mpk-sys/node_modules/.pnpm" 2>/dev/null |
      grep -oE '^mpk(-[a-z]+)?' | sort -u | tr '\n' ' ')
    if [ "$left" = "mpk-sys " ]; then ok "$client: mpk-sys alone pulls in no other mpk package"; else bad "$client: mpk-sys pulled in: $left"; fi
  fi
  project "$client" mpk-pkru
done

finish
