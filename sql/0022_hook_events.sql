-- 0022_hook_events.sql: the events a repository's GitHub hook is registered for. Hooks made
-- before previews (issue 18) subscribe to push only, so GitHub never sends their pull requests
-- and a project that turns previews on would wait for deliveries that never come. The API
-- registers such a hook again (found on GitHub and updated with a PATCH: push and
-- pull_request, a new secret) when a project on its repository wants it with previews on.
-- Rows from before this migration are taken as push only: a hook registered since previews
-- exist is then updated once more, to what it already has.
ALTER TABLE repo_hooks ADD COLUMN events text[] NOT NULL DEFAULT '{push}';
