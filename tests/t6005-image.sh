#!/usr/bin/env bash
# t6005-image.sh: `make image` builds the platform's image offline with buildah (FROM scratch +
# ldd); it runs as a non-root user on a read-only root filesystem: the API pool answers the
# FastCGI probe, and the nginx entry script serves the API through nchan's nginx
. "${top_srcdir:-.}/tests/lib.sh"

command -v buildah >/dev/null && command -v podman >/dev/null || bail_out "buildah and podman are needed"
stack_up postgres migrate
export BUILDAH_ROOT=$TEST_TMP/storage
IMG=localhost/platform/platform:t6005
ok "deploy/image/build.sh builds the image" "$top_srcdir/deploy/image/build.sh" "$top_builddir" "$IMG"
P=(podman --root "$BUILDAH_ROOT/root" --runroot "$BUILDAH_ROOT/run" --storage-driver vfs
	--cgroup-manager cgroupfs --runtime runc)
is "$(buildah --root "$BUILDAH_ROOT/root" --runroot "$BUILDAH_ROOT/run" --storage-driver vfs inspect --format '{{.OCIv1.Config.User}}' "$IMG")" \
	"10001:10001" "the image runs as user 10001"
RUNARGS=(--read-only --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
NAMES=()
cleanup_containers() { for n in "${NAMES[@]}"; do "${P[@]}" rm -f "$n" >/dev/null 2>&1; done; }
trap 'cleanup_containers; _lib_cleanup' EXIT

free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api_port=$(free) web_port=$(free) pub_port=$(free) metrics_port=$(free)
api=t6005-api-$$ web=t6005-web-$$
NAMES+=("$api" "$web")
"${P[@]}" run -d --name "$api" "${RUNARGS[@]}" --tmpfs /tmp \
	-e PLATFORM_DATABASE_URL="$PLATFORM_DATABASE_URL" -e PLATFORM_SECRET_KEY=t6005-0123456789abcdef0123456789 \
	-e PLATFORM_LISTEN="127.0.0.1:$api_port" -e PLATFORM_WORKERS=2 \
	-e PLATFORM_API_METRICS_LISTEN="127.0.0.1:$metrics_port" "$IMG" >/dev/null # the master is pid 1
probe() { "${P[@]}" exec "$api" /usr/bin/fcgi-probe "$1" "127.0.0.1:$api_port"; }
ok "the API pool starts in the container and /api/readyz passes the FastCGI probe" wait_until 30 probe /api/readyz
ok "so does /api/healthz" probe /api/healthz
ok "an unknown path fails the probe" not probe /api/no-such-thing
is "$("${P[@]}" exec "$api" sh -c 'id -u')" 10001 "it runs as 10001"
ok "its root filesystem is read-only" not "${P[@]}" exec "$api" sh -c 'echo x > /usr/bin/x'
ok "its metrics listener answers" curl -sf -o /dev/null "http://127.0.0.1:$metrics_port/metrics"

"${P[@]}" run -d --name "$web" "${RUNARGS[@]}" --tmpfs /tmp \
	-e PLATFORM_NGINX_API="127.0.0.1:$api_port" -e PLATFORM_NGINX_API_WORKERS=2 \
	-e PLATFORM_NGINX_LISTEN="127.0.0.1:$web_port" -e PLATFORM_NGINX_PUBLISH_LISTEN="127.0.0.1:$pub_port" \
	"$IMG" /usr/bin/platform-nginx >/dev/null
ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$web_port/api/readyz")" = 200 ]; }
ok "the image's nginx (rendered at start into /tmp) serves the API" wait_until 30 ready || diag "$("${P[@]}" logs "$web" 2>&1 | tail -5)"
like "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data 'x' "http://127.0.0.1:$pub_port/pub/t6005")" '^20[12]$' \
	"and takes nchan publishes on its publisher port"
# buffered by nginx: the lines come within a second
logged() { "${P[@]}" logs "$web" 2>&1 | grep -q '"uri":"/api/readyz"'; }
ok "its access log goes to the container's stdout" wait_until 5 logged
done_testing
