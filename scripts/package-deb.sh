#!/usr/bin/env bash
# Builds the Debian package that replaces Debian's `supervisor`: the four
# programs (stripped), manual pages, shell completions, Debian's layout
# (/etc/supervisor/supervisord.conf including conf.d/*.conf, /var/log/supervisor,
# the socket under /run, supervisor.service with Type=notify).
#
#   bash scripts/package-deb.sh [--bin-dir DIR] [--out DIR]
#
# Without --bin-dir it builds the release binaries first. The package is left
# in target/debian/ (or --out).
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=""
out=target/debian
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) bin_dir=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--bin-dir DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done
if [ -z "$bin_dir" ]; then
  cargo build --release --quiet -p supervisor
  bin_dir=target/release
fi

name=supervisor-rs
maintainer="${DEBFULLNAME:-rs-supervisor packagers} <${DEBEMAIL:-packagers@rs-supervisor.org}>"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)-1
arch=$(dpkg --print-architecture)
mkdir -p "$out"
stage=$(mktemp -d "$out/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

install -d "$stage/DEBIAN" "$stage/usr/bin" "$stage/etc/supervisor/conf.d" \
  "$stage/var/log/supervisor" "$stage/lib/systemd/system" \
  "$stage/usr/share/man/man1" "$stage/usr/share/man/man5" "$stage/usr/share/man/man8" \
  "$stage/usr/share/bash-completion/completions" "$stage/usr/share/zsh/vendor-completions" \
  "$stage/usr/share/fish/vendor_completions.d" "$stage/usr/share/doc/$name" \
  "$stage/usr/share/lintian/overrides"
for b in supervisord supervisorctl echo_supervisord_conf pidproxy; do
  install -m 0755 "$bin_dir/$b" "$stage/usr/bin/$b"
  strip --strip-unneeded "$stage/usr/bin/$b"
done
install -m 0644 packaging/debian/supervisord.conf "$stage/etc/supervisor/supervisord.conf"
install -m 0644 packaging/debian/supervisor.service "$stage/lib/systemd/system/supervisor.service"
install -m 0755 packaging/debian/postinst packaging/debian/prerm "$stage/DEBIAN/"
for page in docs/man/*.[158]; do
  section=${page##*.}
  gzip -9n < "$page" > "$stage/usr/share/man/man$section/$(basename "$page").gz"
done
install -m 0644 packaging/debian/lintian-overrides "$stage/usr/share/lintian/overrides/$name"
install -m 0644 completions/supervisorctl.bash "$stage/usr/share/bash-completion/completions/supervisorctl"
install -m 0644 completions/_supervisorctl "$stage/usr/share/zsh/vendor-completions/_supervisorctl"
install -m 0644 completions/supervisorctl.fish "$stage/usr/share/fish/vendor_completions.d/supervisorctl.fish"
cat > "$stage/usr/share/doc/$name/copyright" <<COPY
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: rs-supervisor

Files: *
Copyright: 2026 the rs-supervisor authors
License: MIT
COPY
printf '%s (%s) unstable; urgency=medium\n\n  * Package of rs-supervisor.\n\n -- %s  %s\n' \
  "$name" "$version" "$maintainer" "$(date -R -u -d @0)" | gzip -9n > "$stage/usr/share/doc/$name/changelog.Debian.gz"
echo /etc/supervisor/supervisord.conf > "$stage/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: libc6
Provides: supervisor
Conflicts: supervisor
Replaces: supervisor
Section: admin
Priority: optional
Description: process supervisor compatible with Supervisor 4.3.0
 supervisord keeps a set of programs running, restarts them when they exit,
 logs their output into rotating files, and serves supervisorctl, a web page
 and XML-RPC. It reads the same supervisord.conf as Supervisor and takes its
 place: configuration files in /etc/supervisor/conf.d keep working.
CONTROL
deb="$out/${name}_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
