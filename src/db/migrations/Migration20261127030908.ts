import { Migration } from '@mikro-orm/migrations';

export class Migration20261127030908 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "queue" ("id" serial primary key, "name" varchar(120) not null, "owner_id" int null, "department_ids" jsonb not null, "criteria" jsonb not null, "sort_field" varchar(20) not null default 'CREATED_AT', "sort_direction" varchar(4) not null default 'DESC', "parent_id" int null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`create index "queue_owner_id_index" on "queue" ("owner_id");`);

    this.addSql(`alter table "queue" add constraint "queue_owner_id_foreign" foreign key ("owner_id") references "agent" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "queue" add constraint "queue_parent_id_foreign" foreign key ("parent_id") references "queue" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "ticket" add column "overdue_notified_for" timestamptz null;`);

    this.addSql(`alter table "ticket_event" add column "before" jsonb null, add column "after" jsonb null, add column "seq" bigint null, add column "effective_at" timestamptz null;`);
    this.addSql(`alter table "ticket_event" add constraint "ticket_event_seq_unique" unique ("seq");`);
    // Commit-ordered numbering of events (assigned under an advisory lock at the end of each transaction).
    this.addSql(`create sequence if not exists "ticket_event_seq";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "queue" drop constraint "queue_parent_id_foreign";`);

    this.addSql(`drop table if exists "queue" cascade;`);

    this.addSql(`alter table "ticket" drop column "overdue_notified_for";`);

    this.addSql(`alter table "ticket_event" drop constraint "ticket_event_seq_unique";`);
    this.addSql(`alter table "ticket_event" drop column "before", drop column "after", drop column "seq", drop column "effective_at";`);
    this.addSql(`drop sequence if exists "ticket_event_seq";`);
  }

}
