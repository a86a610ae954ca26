#!/usr/bin/env bash
# t5000-nginx-config.sh: the nginx template renders valid production and local configurations, and nginx/platform.conf is current
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

render=$top_srcdir/scripts/render-nginx
t=$TEST_TMP/nginx
mkdir -p "$t/logs" "$t/run" "$t/nginx/tmp"

# production block, wrapped the way Debian's nginx.conf includes conf.d/*.conf
"$render" --mode prod --log-dir "$t/logs" --api-workers 8 --nginx-workers 2 >"$t/prod.conf"
is "$?" 0 "render --mode prod exits 0"
cat >"$t/main.conf" <<EOC
load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
pid $t/run/nginx.pid;
events {}
http {
    client_body_temp_path $t/nginx/tmp;
    fastcgi_temp_path $t/nginx/tmp;
    proxy_temp_path $t/nginx/tmp;
    scgi_temp_path $t/nginx/tmp;
    uwsgi_temp_path $t/nginx/tmp;
    include $t/prod.conf;
}
EOC
out=$(nginx -q -t -p "$t" -c "$t/main.conf" -e "$t/logs/error.log" 2>&1)
is "$?" 0 "nginx -t accepts the production block"
[ -z "$out" ] || diag "$out"
like "$(grep -E '^ *keepalive [0-9]+;' "$t/prod.conf")" 'keepalive 2;' "8 API workers, 2 nginx workers: keepalive 2"
ok "keep-alive connections are asked of the pool" grep -q 'fastcgi_keep_conn on;' "$t/prod.conf"
ok "no benchmark location in production" not grep -q /bench/ "$t/prod.conf"
ok "the publisher listens on loopback" grep -Eq '^ *listen 127\.0\.0\.1:[0-9]+;' "$t/prod.conf"

"$render" --mode prod --api-workers 2 --nginx-workers 2 >"$t/nokeep.conf"
ok "keep-alive off when the pool is too small to spare children" grep -q 'fastcgi_keep_conn off;' "$t/nokeep.conf"
ok "and no upstream keepalive then" not grep -Eq '^ *keepalive [0-9]+;' "$t/nokeep.conf"

ok "a public publisher address is refused" not "$render" --publish-listen 0.0.0.0:8091

# the committed example is what the template renders (regenerate: see nginx/README)
"$render" --mode prod --api-workers 8 --nginx-workers 2 --server-name platform.example.com >"$t/example.conf"
ok "nginx/platform.conf is up to date with the template" cmp -s "$t/example.conf" "$top_srcdir/nginx/platform.conf"

# local stack configuration
"$render" --mode local --prefix "$t" --listen 127.0.0.1:1 --publish-listen 127.0.0.1:2 --api 127.0.0.1:3 \
	--api-workers 4 >"$t/local.conf"
out=$(nginx -q -t -p "$t" -c "$t/local.conf" -e "$t/logs/error.log" 2>&1)
is "$?" 0 "nginx -t accepts the local stack configuration"
[ -z "$out" ] || diag "$out"
ok "the local configuration loads nchan itself" grep -q '^load_module /usr/lib/nginx/modules/ngx_nchan_module.so;' "$t/local.conf"
is "$(grep -c "_temp_path $t/" "$t/local.conf")" 5 "every temp path is inside the stack folder"

done_testing
