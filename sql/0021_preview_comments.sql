-- 0021_preview_comments.sql: a preview's pull request gets one comment with its live URL, edited
-- in place on every new commit (issue 18). The call goes through the GitHub outbox of 0018 as a
-- third kind of event: 'comment', queued for a preview's deployment once its success status is
-- sent (worker/ghsender.c). The comment's id is kept on the preview (previews.github_comment_id,
-- 0020): NULL posts a new comment, else the existing one is edited.
ALTER TABLE github_deployment_events DROP CONSTRAINT github_deployment_events_kind_check;
ALTER TABLE github_deployment_events ADD CONSTRAINT github_deployment_events_kind_check
    CHECK (kind IN ('create', 'status', 'comment'));
