-- 0007_workspace_owner.sql: a workspace never has zero owners, whatever runs at the same
-- time (issue 12). Counting owners under READ COMMITTED let two owners who demoted each
-- other (or left) at once both see the other still owner. Now any change that takes the
-- owner role away from a member row first locks the workspace row, so such changes run one
-- after the other per workspace, and at commit the owners left are counted again in a fresh
-- snapshot: none left is an error (constraint workspace_has_owner), unless the workspace
-- itself is gone (deleting a workspace takes its members with it).

CREATE FUNCTION members_owner_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- FOR NO KEY UPDATE: queues owner changes of one workspace behind each other, but not
    -- the key-share locks of inserts that reference the workspace.
    PERFORM 1 FROM workspaces WHERE id = OLD.workspace_id FOR NO KEY UPDATE;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION members_owner_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM workspaces WHERE id = OLD.workspace_id)
       AND NOT EXISTS (SELECT 1 FROM members
                       WHERE workspace_id = OLD.workspace_id AND role = 'owner') THEN
        RAISE EXCEPTION 'workspace % would have no owner', OLD.workspace_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'workspace_has_owner';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER members_owner_lock_update BEFORE UPDATE ON members FOR EACH ROW
    WHEN (OLD.role = 'owner' AND (NEW.role <> 'owner' OR NEW.workspace_id <> OLD.workspace_id))
    EXECUTE FUNCTION members_owner_lock();
CREATE TRIGGER members_owner_lock_delete BEFORE DELETE ON members FOR EACH ROW
    WHEN (OLD.role = 'owner')
    EXECUTE FUNCTION members_owner_lock();

-- deferred to the commit: by then cascades (a deleted workspace or user) have run
CREATE CONSTRAINT TRIGGER members_owner_check_update AFTER UPDATE ON members
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.role = 'owner' AND (NEW.role <> 'owner' OR NEW.workspace_id <> OLD.workspace_id))
    EXECUTE FUNCTION members_owner_check();
CREATE CONSTRAINT TRIGGER members_owner_check_delete AFTER DELETE ON members
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.role = 'owner')
    EXECUTE FUNCTION members_owner_check();
