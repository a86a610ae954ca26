# deploy/local.mk: running the platform itself on Kubernetes: its Helm chart (deploy/helm/) and
# container image. make image builds it offline with buildah (deploy/image/build.sh);
# IMAGE=name:tag picks its name, BUILDAH_ROOT a storage folder.
EXTRA_DIST += deploy
IMAGE ?= localhost/platform/platform:dev
image: fcgi/platform-api$(EXEEXT) worker/platform-worker$(EXEEXT) builder/platform-build$(EXEEXT) cli/platformctl$(EXEEXT)
	$(top_srcdir)/deploy/image/build.sh $(abs_top_builddir) $(IMAGE)
.PHONY: image
