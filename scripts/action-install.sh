#!/usr/bin/env bash
# The GitHub Action's install step: downloads the fleet-lint release binary
# for this runner, checks it against the release's sha256sums.txt, and
# unpacks it into DEST; prints the binary's path on stdout. Fails (exit 1,
# with an `::error::` line) when a download fails or a checksum does not match,
# and then leaves nothing in DEST.
#
# Environment:
#   VERSION               the release tag, e.g. v0.2.0 (required)
#   DEST                  where the binary goes (default: $HOME/.fleet-lint-action/VERSION)
#   FLEET_LINT_RELEASES   the download base (default: the project's GitHub releases);
#                         the files are BASE/VERSION/NAME, as GitHub serves them
#   RUNNER_OS, RUNNER_ARCH  as the runner sets them (default: from uname)
#
# Portable: bash 3.2, POSIX tools, curl, tar (unzip on Windows), and
# sha256sum or shasum.
set -euo pipefail

version="${VERSION:?VERSION names the release tag, e.g. v0.2.0}"
base="${FLEET_LINT_RELEASES:-https://github.com/fleet-lint/fleet-lint/releases/download}"
dest="${DEST:-$HOME/.fleet-lint-action/$version}"

fail() {
    echo "::error title=fleet-lint::$*" >&2
    exit 1
}

os="${RUNNER_OS:-$(uname -s)}"
arch="${RUNNER_ARCH:-$(uname -m)}"
case "$arch" in
X64 | x86_64 | amd64) arch=x86_64 ;;
ARM64 | arm64 | aarch64) arch=aarch64 ;;
*) fail "no fleet-lint release for the $arch architecture; set \`install: cargo\`" ;;
esac
exe=""
archive=tar.gz
case "$os" in
Linux) target="$arch-unknown-linux-musl" ;;
macOS | Darwin) target="$arch-apple-darwin" ;;
Windows | MINGW* | MSYS* | CYGWIN*)
    [ "$arch" = x86_64 ] || fail "no fleet-lint release for Windows on $arch; set \`install: cargo\`"
    target="x86_64-pc-windows-msvc" exe=".exe" archive=zip
    ;;
*) fail "no fleet-lint release for $os; set \`install: cargo\`" ;;
esac
name="fleet-lint-$target.$archive"

if [ -x "$dest/fleet-lint$exe" ]; then
    echo "$dest/fleet-lint$exe"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fetch() {
    curl --fail --silent --show-error --location --retry 3 --output "$work/$1" "$base/$version/$1" ||
        fail "cannot download $base/$version/$1 (is $version a fleet-lint release?)"
}
fetch sha256sums.txt
fetch "$name"

expected="$(awk -v name="$name" '$2 == name || $2 == "*" name { print $1 }' "$work/sha256sums.txt")"
[ -n "$expected" ] || fail "$version's sha256sums.txt has no line for $name"
if command -v sha256sum >/dev/null 2>&1; then
    actual="$(sha256sum "$work/$name" | awk '{ print $1 }')"
else
    actual="$(shasum -a 256 "$work/$name" | awk '{ print $1 }')"
fi
[ "$actual" = "$expected" ] ||
    fail "checksum mismatch for $name: sha256 $actual, but $version's sha256sums.txt says $expected; not installed"

mkdir -p "$work/unpacked"
# Git Bash's tar on Windows is GNU tar, which reads no zip.
case "$archive" in
zip) unzip -q "$work/$name" -d "$work/unpacked" || fail "cannot unpack $name" ;;
*) tar -xzf "$work/$name" -C "$work/unpacked" || fail "cannot unpack $name" ;;
esac
binary="$work/unpacked/fleet-lint-$target/fleet-lint$exe"
[ -f "$binary" ] || fail "$name holds no fleet-lint-$target/fleet-lint$exe"
mkdir -p "$dest"
cp "$binary" "$dest/fleet-lint$exe"
chmod +x "$dest/fleet-lint$exe"
echo "$dest/fleet-lint$exe"
