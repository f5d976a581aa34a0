import { Migration } from '@mikro-orm/migrations';

export class Migration20261204074239 extends Migration {

  override async up(): Promise<void> {
    // Issue 13: `search.text` through a trigram index (pg_trgm is a trusted extension on PostgreSQL 13+,
    // loaded by orm.ts on PGlite), and one keyset index per list order of a single state.
    this.addSql(`create extension if not exists pg_trgm;`);
    this.addSql(`create index "ticket_subject_trgm_index" on "ticket" using gin ("subject" gin_trgm_ops);`);
    this.addSql(`create index "ticket_state_due_sort_id_index" on "ticket" ("state", (coalesce("due_at", 'infinity'::timestamptz)), "id");`);
    this.addSql(`create index "ticket_state_urgency_id_index" on "ticket" ("state", "urgency", "id");`);
    this.addSql(`create index "ticket_state_updated_at_id_index" on "ticket" ("state", "updated_at", "id");`);
    this.addSql(`create index "ticket_state_created_at_id_index" on "ticket" ("state", "created_at", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "ticket_subject_trgm_index";`);
    this.addSql(`drop index "ticket_state_due_sort_id_index";`);
    this.addSql(`drop index "ticket_state_urgency_id_index";`);
    this.addSql(`drop index "ticket_state_updated_at_id_index";`);
    this.addSql(`drop index "ticket_state_created_at_id_index";`);
  }

}
