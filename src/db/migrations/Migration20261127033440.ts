import { Migration } from '@mikro-orm/migrations';

export class Migration20261127033440 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "ticket_filter" ("id" serial primary key, "name" varchar(120) not null, "is_active" boolean not null default true, "execution_order" int not null default 0, "match_all" boolean not null default true, "stop_on_match" boolean not null default false, "sources" jsonb not null, "rules" jsonb not null, "actions" jsonb not null, "timeout_count" int not null default 0, "last_timeout_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "ticket_filter" add constraint "ticket_filter_name_unique" unique ("name");`);
    this.addSql(`create index "ticket_filter_is_active_execution_order_id_index" on "ticket_filter" ("is_active", "execution_order", "id");`);

    this.addSql(`create table "ticket_filter_rejection" ("id" serial primary key, "filter_id" int null, "filter_name" varchar(120) not null, "subject" varchar(255) not null, "email" varchar(320) not null, "name" varchar(200) null, "source" "ticket_source" not null, "caller" varchar(120) not null, "created_at" timestamptz not null);`);
    this.addSql(`create index "ticket_filter_rejection_filter_id_index" on "ticket_filter_rejection" ("filter_id");`);
    this.addSql(`create index "ticket_filter_rejection_created_at_id_index" on "ticket_filter_rejection" ("created_at", "id");`);

    this.addSql(`alter table "ticket_filter_rejection" add constraint "ticket_filter_rejection_filter_id_foreign" foreign key ("filter_id") references "ticket_filter" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "ticket_filter_rejection" drop constraint "ticket_filter_rejection_filter_id_foreign";`);

    this.addSql(`drop table if exists "ticket_filter" cascade;`);

    this.addSql(`drop table if exists "ticket_filter_rejection" cascade;`);
  }

}
