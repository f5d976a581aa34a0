import { Migration } from '@mikro-orm/migrations';

export class Migration20261127034812 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "canned_response" ("id" serial primary key, "title" varchar(200) not null, "body" text not null, "department_id" int null, "is_enabled" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`create index "canned_response_department_id_is_enabled_index" on "canned_response" ("department_id", "is_enabled");`);

    this.addSql(`alter table "canned_response" add constraint "canned_response_department_id_foreign" foreign key ("department_id") references "department" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "attachment" add column "canned_response_id" int null;`);
    this.addSql(`alter table "attachment" add constraint "attachment_canned_response_id_foreign" foreign key ("canned_response_id") references "canned_response" ("id") on update cascade on delete cascade;`);
    this.addSql(`create index "attachment_canned_response_id_index" on "attachment" ("canned_response_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "attachment" drop constraint "attachment_canned_response_id_foreign";`);

    this.addSql(`drop table if exists "canned_response" cascade;`);

    this.addSql(`drop index "attachment_canned_response_id_index";`);
    this.addSql(`alter table "attachment" drop column "canned_response_id";`);
  }

}
