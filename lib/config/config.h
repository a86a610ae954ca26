/* config.h: settings from a YAML file and the environment, as one typed table.
 *
 * Every setting NAME has an environment variable PLATFORM_<NAME> and a key
 * <name> (lower case) in the optional YAML file named by PLATFORM_CONFIG (or
 * passed to config_load). The environment wins over the file; an empty
 * variable means "the default". The table in config.c is the one list of
 * settings: each row has a type (string, secret, number with a range, bool,
 * enum with its allowed values, path, URL, duration), a default, a validator,
 * the processes that read it and its documentation. The README's
 * configuration table is generated from it (`platformctl config docs`, checked
 * by tests/t0001-docs.sh).
 *
 * A struct config owns its strings; free them with config_release.
 */
#ifndef PLATFORM_CONFIG_H
#define PLATFORM_CONFIG_H

#include "err.h"

struct config {
	char *database_url;
	char *secret_key;
	char *domain;
	char *live_url_scheme; /* http or https: the scheme of the live URLs the platform shows */
	long live_url_port;    /* the port in live URLs; 0: the scheme's own */
	char *public_url;
	char *github_url;
	char *github_api_url;
	char *github_client_id;
	char *github_client_secret;
	char *github_webhook_secret;
	char *jenkins_url;
	char *jenkins_user;
	char *jenkins_token;
	char *jenkins_job;
	char *argocd_url;
	char *argocd_token;
	char *gitops_url;
	char *gitops_branch;	  /* NULL: main */
	char *gitops_author_name; /* commit author of releases */
	char *gitops_author_email;
	char *gitops_ssh_key; /* path of the private key for ssh remotes */
	char *gitops_ssh_passphrase;
	char *gitops_cache; /* the bare cache folder; NULL: ~/.cache/platform/gitops */
	char *nchan_publish_url;
	char *registry_url;
	char *listen;
	char *log_level;
	long workers;		     /* 0: one per core */
	long max_body;		     /* bytes of a request body the API accepts */
	long api_cache_bytes;	     /* bytes of hot-read answers a pool child keeps (0: off) */
	long db_connect_timeout;     /* seconds */
	long session_ttl;	     /* seconds */
	long housekeep_interval;     /* seconds between the worker's clean-ups; 0: never */
	long webhook_retention_days; /* webhook deliveries are kept this long */
	/* platform-worker and the Jenkins driver (worker/, lib/clients/jenkins, lib/db/queue) */
	char *jenkins_callback_url;   /* where the pipeline posts events; default public_url +
					 /internal/jenkins/events */
	long jenkins_poll_ms;	      /* how often each followed build is polled */
	long jenkins_watched_poll_ms; /* the log poll while its channel has subscribers */
	long jenkins_watch_check_ms;  /* how often nchan is asked about subscribers */
	long jenkins_timeout_ms;      /* one call to Jenkins */
	long jenkins_retries;	      /* consecutive failed calls before a deployment fails */
	long jenkins_retry_ms;	      /* first back-off after a failed call; doubles each time */
	long jenkins_queue_timeout;   /* seconds a build may wait in Jenkins's queue */
	long jenkins_build_timeout;   /* seconds a build may run */
	long callback_grace;	      /* seconds to wait for the release event after SUCCESS */
	long worker_lease;	      /* seconds a job lease lasts; renewed at a third of it */
	long worker_poll;	      /* seconds between job polls when no NOTIFY arrives */
	long worker_max_builds;	      /* builds one worker follows at once */
	long deploy_supersede;	      /* 1: a new deploy supersedes the project's unfinished ones */
	/* the local builder (worker/local.c) */
	char *build_driver;	/* local or jenkins; unset: jenkins when jenkins_url is set */
	char *build_dir;	/* per-deployment build folders */
	long allow_local_repos; /* 1: file://, paths and http:// repositories (development) */
	char *registry_user;	/* registry login for pushes (optional) */
	char *registry_password;
	char *builder_tool;    /* buildah or docker */
	char *builder_storage; /* buildah --root/--runroot base folder; unset: buildah's default */
	char *builder_templates; /* Dockerfile templates; unset: builder/templates of the build */
	char *build_helper;	 /* the platform-build program; unset: next to platform-worker */
	char *base_image_node;	 /* base images of the templates, by family */
	char *base_image_python;
	char *base_image_go;
	char *base_image_static;
	char *base_image_runtime; /* the final stage of compiled apps (go) */
	/* Argo CD tracking and rollbacks (worker/track.c, worker/release.c) */
	long argocd_poll_ms; /* how often a syncing deployment's Application is read */
	long argocd_timeout; /* seconds from released until it must be live */
	char *rollback_mode; /* direct: the worker writes GitOps; jenkins: ACTION=rollback */
	/* live build logs (worker/publish.c, lib/model/retention.c) */
	long publish_timeout_ms; /* one POST to the nchan publisher */
	long publish_queue_kb;	 /* log bytes queued per channel before the oldest are dropped */
	long log_retention;	 /* finished deployments per project whose logs are kept; 0: all */
	/* pull-request previews (lib/model/preview.h) */
	long preview_max;	/* open previews per project, 0: no limit */
	long preview_idle_days; /* a preview without a new head this long is removed, 0: never */
	/* the after-release runtime stage (worker/engine.c, worker/runtime.c) */
	char *runtime;	     /* argocd, podman or none; unset: argocd when argocd_url is set */
	long runtime_resync; /* seconds between the podman runtime's repairs */
	long runtime_ready_timeout; /* seconds a new version has to get ready */
	long runtime_logs_poll_ms;  /* between two reads of the containers' output */
	long runtime_logs_keep;	    /* runtime log lines kept per project */
	char *podman;		    /* the podman program */
	char *podman_flags;	    /* global podman flags (--root, --storage-driver, ...) */
	char *podman_run_flags;	    /* extra flags of podman run (--ulimit ...) */
	char *runtime_routes_dir;   /* the folder of nginx route files, one per app */
	char *runtime_nginx_listen; /* the listen address of the platform nginx's app servers */
	char *runtime_nginx_pid;    /* nginx's pid file: SIGHUP after a route changed */
	/* tenant checks (issue 12: pipeline events, custom domains) */
	char *image_prefix;	    /* registry path pushed images must sit under; NULL: any */
	char *dns_server;	    /* host:port of the resolver for domain checks; NULL: system */
	long domain_check_interval; /* seconds between checks of a custom domain's TXT record */
	/* releases (lib/clients/sealed, lib/model/snapshot): the cluster's sealed-secrets
	 * certificate, PEM text or a file path; env values reach git only sealed with it */
	char *sealed_secrets_cert;
	/* Prometheus metrics listeners, host:port (lib/util/metricsd.c); unset: none */
	char *api_metrics_listen;
	char *worker_metrics_listen;
	/* workspace notifications (lib/model/notify, worker/notifier.c) */
	long notify_allow_private; /* 1: notification URLs may reach private/loopback addresses */
	long notify_timeout_ms;	   /* one delivery attempt */
	long notify_retry_ms;	   /* first back-off after a failed attempt; doubles, up to 1 h */
	long notify_retry_for;	   /* seconds after the event until a delivery is given up */
	/* deployments shown on GitHub (lib/model/ghdeploy, worker/ghsender.c) */
	long github_deployments;	    /* 1: queue the Deployments API calls */
	long github_deployments_timeout_ms; /* one call */
	long github_deployments_retry_ms;  /* first back-off after a failed call; doubles, up to 1 h
					    */
	long github_deployments_retry_for; /* seconds after the state change until a call is given
					      up */
	/* the web console */
	long local_signin; /* 1: one-time links of `platformctl signin-link` (dev stack only) */
	/* platformctl gitops in a pipeline: the build's callback token (never in argv) */
	char *callback_token;
};

/* The processes that read settings: a row says which of them use it. */
enum config_proc {
	CONFIG_API = 1 << 0,	/* platform-api */
	CONFIG_WORKER = 1 << 1, /* platform-worker (platform-build gets its part in the job) */
	CONFIG_CTL = 1 << 2,	/* platformctl */
	CONFIG_ALL = CONFIG_API | CONFIG_WORKER | CONFIG_CTL,
};

/* Fill `cfg` with defaults, then the file (`path`, or $PLATFORM_CONFIG when
 * NULL; no file when neither), then the environment, checking each value with
 * its row's validator. A bad value of a setting one of `procs` reads is -1
 * with `e` (code bad_config; the message names file:line:key or the variable
 * and, for an enum, the allowed values); a bad value of a setting none of them
 * reads is a warning and the default. An unknown key in the file is -1 naming
 * the closest setting; an unknown PLATFORM_* variable is a warning naming it.
 * On -1 `cfg` holds what was loaded so far: config_release it either way. */
int config_load(struct config *cfg, const char *path, unsigned procs, struct err *e);
void config_release(struct config *cfg);

/* -1 naming the first of `names` (NULL-terminated, lower-case setting names)
 * that is unset or empty, as its environment variable. */
int config_require(const struct config *cfg, const char *const *names, struct err *e);

/* Look a setting up by its lower-case name: the string value, or NULL when
 * unset or unknown. Numbers are not returned here. */
const char *config_get(const struct config *cfg, const char *name);

/* Log every setting once at start (secrets as "[redacted]", URLs without their password). */
void config_log(const struct config *cfg);

/* The known setting closest to `name` (lower case, no PLATFORM_ prefix), for "did you
 * mean": a pointer into the table, never NULL. */
const char *config_closest(const char *name);

struct buf;
/* Append an app's live URL for `host` to `out`: live_url_scheme://host[:live_url_port]
 * (the URL a browser opens: https on a real domain, the stack's nginx port in the dev stack). */
void config_live_url(const struct config *cfg, const char *host, struct buf *out);

/* Append the README's configuration tables (Markdown) generated from the table to `out`. */
void config_docs(struct buf *out);

#endif
