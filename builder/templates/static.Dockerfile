# builder/templates/static.Dockerfile: a static site served by busybox httpd (BASE_IMAGE: PLATFORM_BASE_IMAGE_STATIC)
ARG BASE_IMAGE=busybox:1.36
FROM ${BASE_IMAGE}
ARG PORT=8080
ENV PORT=${PORT}
COPY . /srv/www
EXPOSE ${PORT}
# the site's root is where index.html is: the top folder, public/ or dist/
CMD ["sh", "-c", "d=/srv/www; for s in public dist; do [ -f $d/index.html ] || [ ! -f $d/$s/index.html ] || d=$d/$s; done; exec httpd -f -v -p \"$PORT\" -h \"$d\""]
