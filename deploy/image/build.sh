#!/usr/bin/env bash
# deploy/image/build.sh BUILDDIR [NAME]: build the platform's container image with buildah, offline.
#
# No base image is pulled: the root filesystem is assembled from this machine's files - the
# platform's binaries from BUILDDIR, Debian's nginx and nchan module, cgi-fcgi (API probes), bash
# and busybox (the nginx entry script), CA certificates - with every shared library ldd lists,
# then `FROM scratch` + COPY (deploy/image/Containerfile). The image runs as user 10001 and needs
# nothing writable but /tmp (mount an emptyDir there). BUILDAH_ROOT, when set, keeps buildah's
# storage there (vfs), e.g. inside a test folder. Prints the image id.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
builddir=${1:?usage: deploy/image/build.sh BUILDDIR [NAME]}
name=${2:-localhost/platform/platform:dev}
ctx=$(mktemp -d /tmp/platform-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
root=$ctx/rootfs

put() { # SRC DEST: copy a file into the rootfs (parents made)
	mkdir -p "$root$(dirname "$2")"
	cp -L "$1" "$root$2"
}
libs_of() { ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^[ \t]*\/[^ ]+ \(/ { print $1 }'; }
elfs=()
for b in fcgi/platform-api worker/platform-worker builder/platform-build cli/platformctl; do
	[ -x "$builddir/$b" ] || { echo "build.sh: $builddir/$b missing (make first)" >&2; exit 1; }
	put "$builddir/$b" "/usr/bin/$(basename "$b")"
	elfs+=("$builddir/$b")
done
for f in /usr/sbin/nginx /usr/lib/nginx/modules/ngx_nchan_module.so /usr/bin/cgi-fcgi /bin/bash /bin/busybox; do
	put "$f" "$f"
	elfs+=("$f")
done
# glibc loads these by name at run time (getaddrinfo), so ldd never lists them
for f in /lib/x86_64-linux-gnu/libnss_dns.so.2 /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libresolv.so.2; do
	[ -e "$f" ] && put "$f" "$f" && elfs+=("$f")
done
for e in "${elfs[@]}"; do
	for l in $(libs_of "$e"); do [ -e "$root$l" ] || put "$l" "$l"; done
done
# busybox gives the few commands the scripts use
for a in sh awk cat mkdir ln nproc rm tr sed od head env id timeout dirname basename grep; do ln -sf /bin/busybox "$root/bin/$a"; done
ln -sf /bin/busybox "$root/usr/bin/env" # the scripts start with #!/usr/bin/env bash
put /etc/nginx/fastcgi_params /etc/nginx/fastcgi_params
put /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
put "$src/scripts/render-nginx" /usr/share/platform/scripts/render-nginx
put "$src/nginx/platform.conf.in" /usr/share/platform/nginx/platform.conf.in
put "$here/fcgi-probe" /usr/bin/fcgi-probe
put "$here/platform-nginx" /usr/bin/platform-nginx
chmod 755 "$root/usr/bin/fcgi-probe" "$root/usr/bin/platform-nginx" "$root/usr/share/platform/scripts/render-nginx"
mkdir -p "$root/tmp" "$root/var/cache/platform" "$root/etc"
chmod 1777 "$root/tmp"
# nginx makes its compiled-in temp folders before it reads the configuration: point them into /tmp
mkdir -p "$root/var/lib" && ln -sfn /tmp/nginx-lib "$root/var/lib/nginx"
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'platform:x:10001:10001:platform:/tmp:/bin/sh' \
	'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'platform:x:10001:' 'nogroup:x:65534:' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"
cp "$here/Containerfile" "$ctx/Containerfile"
store=()
[ -n "${BUILDAH_ROOT:-}" ] && store=(--root "$BUILDAH_ROOT/root" --runroot "$BUILDAH_ROOT/run")
buildah "${store[@]}" --storage-driver vfs bud --isolation chroot --quiet -t "$name" -f "$ctx/Containerfile" "$ctx"
