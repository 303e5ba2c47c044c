/**
 * Widen one of alert_outbox's CHECK lists (`kind` or `state`) with new values: the constraint is dropped and added
 * again with the same list plus the values not already in it (pg_get_constraintdef prints
 * `CHECK ((kind = ANY (ARRAY['alert'::text, …])))`).
 */
export function extendOutboxCheckSql(column: 'kind' | 'state', values: readonly string[]): string {
  for (const v of values) if (!/^[a-z_]+$/.test(v)) throw new Error(`bad outbox ${column} value: ${v}`);
  const adds = values.map((v) => `
    IF position('''${v}''' IN def) = 0 THEN def := regexp_replace(def, '\\]', ', ''${v}''::text]'); END IF;`).join('');
  return `
  DO $do$
  DECLARE
    name TEXT;
    def TEXT;
  BEGIN
    SELECT conname, pg_get_constraintdef(oid) INTO name, def FROM pg_constraint
      WHERE conrelid = 'alert_outbox'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%(${column} =%';
    IF name IS NULL THEN RAISE EXCEPTION 'alert_outbox has no ${column} CHECK to extend'; END IF;${adds}
    EXECUTE format('ALTER TABLE alert_outbox DROP CONSTRAINT %I', name);
    EXECUTE 'ALTER TABLE alert_outbox ADD CONSTRAINT ' || quote_ident(name) || ' ' || def;
  END
  $do$;`;
}
