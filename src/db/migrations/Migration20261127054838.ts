import { Migration } from '@mikro-orm/migrations';

export class Migration20261127054838 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "server_secret" ("name" varchar(50) not null, "value" varchar(100) not null, constraint "server_secret_pkey" primary key ("name"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "server_secret" cascade;`);
  }

}
