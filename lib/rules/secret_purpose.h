/* secret_purpose.h: the purposes values are sealed for (lib/util/crypto's crypto_seal/crypto_open).
 *
 * A sealed value opens only with the purpose it was sealed with, and the API seals what the
 * worker and platformctl open: the one list, so that no process spells a purpose its own way.
 * A purpose never changes once values are stored with it (they would no longer open).
 */
#ifndef PLATFORM_SECRET_PURPOSE_H
#define PLATFORM_SECRET_PURPOSE_H

/* a user's GitHub token (users.github_token): sealed at sign-in, opened for GitHub calls and
 * by the local builder to clone */
#define PURPOSE_GITHUB_TOKEN "github-token"
/* a project's env values (projects.env, deployments.env_sealed): sealed by the API, opened for
 * a release (lib/model/snapshot) and for redacting build logs */
#define PURPOSE_PROJECT_ENV "project-env"
/* a repository's webhook secret (repo_hooks.secret) */
#define PURPOSE_WEBHOOK_SECRET "webhook-secret"
/* a notification's signing secret (notifications.secret), opened by the worker's notifier */
#define PURPOSE_NOTIFICATION_SECRET "notification-secret"

#endif
