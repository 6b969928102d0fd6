-- Repeatable: re-run whenever its rendered text changes, i.e. when the configured role
-- names or the connecting admin role change. Placeholders: {{user}}, {{service}},
-- {{admin}}, {{authenticator}} (quoted identifiers) and their {{…_literal}} forms.

-- The sandboxes' login (db/authenticator.ts): may switch to the function roles and has
-- no privilege of its own, so RESET ROLE in a handler's SQL reaches nothing. Its
-- password is set by migrate() after this file.
DO $bbfn$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {{authenticator_literal}}) THEN
    BEGIN
      CREATE ROLE {{authenticator}} LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
  IF EXISTS (
    SELECT FROM pg_catalog.pg_roles
    WHERE rolname = {{authenticator_literal}}
      AND (rolinherit OR rolsuper OR rolcreatedb OR rolcreaterole OR rolbypassrls OR NOT rolcanlogin)
  ) THEN
    ALTER ROLE {{authenticator}} LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
END
$bbfn$;

-- Roles are cluster-wide, so migrations of several databases (several apps, parallel
-- test files) can race here even under this database's advisory lock: every step
-- checks first and tolerates losing the race to another database's migration.
DO $bbfn$
DECLARE
  wanted record;
  grantee text;
BEGIN
  FOR wanted IN
    SELECT * FROM (VALUES ({{user_literal}}, false), ({{service_literal}}, true)) AS w (name, bypass)
  LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = wanted.name) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN %s', wanted.name, CASE WHEN wanted.bypass THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    END IF;
    -- A role created by hand gets the attributes RLS depends on: the user role must
    -- never bypass RLS, and neither role is a login of its own.
    IF EXISTS (
      SELECT FROM pg_catalog.pg_roles
      WHERE rolname = wanted.name AND (rolcanlogin OR rolsuper OR rolbypassrls <> wanted.bypass)
    ) THEN
      EXECUTE format('ALTER ROLE %I NOLOGIN NOSUPERUSER %s', wanted.name, CASE WHEN wanted.bypass THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END);
    END IF;
    -- The admin (migrations, tools) and the sandboxes' login switch to the role per
    -- transaction with set_config('role', …, true), which needs membership with the SET
    -- option (PostgreSQL 16+). A CREATEROLE admin that is not a superuser (RDS, Cloud
    -- SQL) only gets ADMIN on roles it creates.
    FOREACH grantee IN ARRAY ARRAY[current_user::text, {{authenticator_literal}}] LOOP
      IF NOT EXISTS (
        SELECT FROM pg_catalog.pg_auth_members m
        WHERE m.roleid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = wanted.name)
          AND m.member = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = grantee)
      ) OR NOT pg_catalog.pg_has_role(
        grantee, wanted.name,
        CASE WHEN pg_catalog.current_setting('server_version_num')::int >= 160000 THEN 'SET' ELSE 'MEMBER' END
      ) THEN
        BEGIN
          EXECUTE format('GRANT %I TO %I', wanted.name, grantee);
        EXCEPTION WHEN unique_violation THEN
          NULL;
        END;
      END IF;
    END LOOP;
  END LOOP;
END
$bbfn$;

REVOKE ALL ON SCHEMA public FROM {{authenticator}};

-- Only this app's login reaches this database: roles are cluster-wide, so without this
-- PUBLIC's default CONNECT would let another app's authenticator log in here and, as a
-- member of the (shared) function roles, read this app's rows. The grant is the
-- authenticator's own: it is NOINHERIT, so a grant to a role it belongs to would not
-- count. The admin keeps what it has (an owner or a superuser needs no grant). A
-- non-owner admin cannot revoke, and Postgres then only warns.
DO $bbfn$
BEGIN
  EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), {{authenticator_literal}});
END
$bbfn$;

-- The app's tables: both roles get the same DML; RLS policies tell them apart
-- (the service role bypasses them). Existing objects now, future ones created by the
-- admin role through default privileges.
GRANT USAGE ON SCHEMA public TO {{user}}, {{service}};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {{user}}, {{service}};
GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {{service}};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {{user}}, {{service}};
GRANT EXECUTE ON ALL ROUTINES IN SCHEMA public TO {{user}}, {{service}};

ALTER DEFAULT PRIVILEGES FOR ROLE {{admin}} IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {{user}}, {{service}};
ALTER DEFAULT PRIVILEGES FOR ROLE {{admin}} IN SCHEMA public
  GRANT TRUNCATE ON TABLES TO {{service}};
ALTER DEFAULT PRIVILEGES FOR ROLE {{admin}} IN SCHEMA public
  GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {{user}}, {{service}};
ALTER DEFAULT PRIVILEGES FOR ROLE {{admin}} IN SCHEMA public
  GRANT EXECUTE ON FUNCTIONS TO {{user}}, {{service}};

-- Schema butterbase: the helper functions are callable from RLS policies, but the
-- platform's tables and views (invocation batches, the invocations view over them, the
-- console lines, migrations) stay unreadable to function code and to PUBLIC, whatever
-- default privileges someone else set up.
GRANT USAGE ON SCHEMA butterbase TO {{user}}, {{service}};
REVOKE ALL ON SCHEMA butterbase FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA butterbase FROM PUBLIC, {{user}}, {{service}};
GRANT EXECUTE ON FUNCTION butterbase.claims(), butterbase.user_id() TO {{user}}, {{service}};

-- In a pod the authenticator is the only login (the admin URL never reaches it), so the
-- main thread writes the invocation records with it: INSERT, granted to it directly
-- (NOINHERIT), and SELECT of the keys only, which the writer's ON CONFLICT DO NOTHING
-- (a retried batch) needs. A handler that runs RESET ROLE can add rows to its own
-- app's log and read no record or console line.
GRANT USAGE ON SCHEMA butterbase TO {{authenticator}};
GRANT INSERT, SELECT (id) ON butterbase.invocation_batches TO {{authenticator}};
GRANT INSERT, SELECT (invocation_id, seq) ON butterbase.invocation_logs TO {{authenticator}};
