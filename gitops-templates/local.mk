# gitops-templates/local.mk: the per-app chart (embedded by lib/clients/local.mk) and the bootstrap
GITOPS_APP_FILES = \
	gitops-templates/app/values.schema.json \
	gitops-templates/app/templates/_helpers.tpl \
	gitops-templates/app/templates/deployment.yaml \
	gitops-templates/app/templates/service.yaml \
	gitops-templates/app/templates/ingress.yaml \
	gitops-templates/app/templates/hpa.yaml \
	gitops-templates/app/templates/sealedsecret.yaml
EXTRA_DIST += $(GITOPS_APP_FILES) \
	gitops-templates/embed.sh \
	gitops-templates/app/Chart.yaml gitops-templates/app/values.yaml \
	gitops-templates/bootstrap
