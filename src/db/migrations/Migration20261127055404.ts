import { Migration } from '@mikro-orm/migrations';

export class Migration20261127055404 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "login_failure" ("id" serial primary key, "key" varchar(400) not null, "at" timestamptz not null);`);
    this.addSql(`create index "login_failure_at_index" on "login_failure" ("at");`);
    this.addSql(`create index "login_failure_key_at_index" on "login_failure" ("key", "at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "login_failure" cascade;`);
  }

}
