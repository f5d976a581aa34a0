import { Migration } from '@mikro-orm/migrations';

export class Migration20261127033228 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "schedule" ("id" serial primary key, "name" varchar(120) not null, "time_zone" varchar(64) not null, "hours" jsonb not null, "holidays" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "schedule" add constraint "schedule_name_unique" unique ("name");`);

    this.addSql(`alter table "sla_plan" add column "schedule_id" int null;`);
    this.addSql(`alter table "sla_plan" add constraint "sla_plan_schedule_id_foreign" foreign key ("schedule_id") references "schedule" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "ticket" add column "sla_plan_inherited" boolean not null default false;`);
    // Existing tickets: inherited when neither their help topic nor an agent chose the plan and it is
    // still their department's (or the desk's default). Anything in doubt stays chosen (kept on transfer).
    this.addSql(`update "ticket" t set "sla_plan_inherited" = true
      where not exists (select 1 from "help_topic" h where h."id" = t."help_topic_id" and h."sla_plan_id" is not null)
        and not exists (select 1 from "ticket_event" e where e."ticket_id" = t."id" and (e."data" -> 'after' -> 'slaPlanId') is not null)
        and t."sla_plan_id" is not distinct from coalesce(
          (select d."sla_plan_id" from "department" d where d."id" = t."department_id"),
          (select p."id" from "sla_plan" p where p."is_default"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "sla_plan" drop constraint "sla_plan_schedule_id_foreign";`);

    this.addSql(`drop table if exists "schedule" cascade;`);

    this.addSql(`alter table "sla_plan" drop column "schedule_id";`);

    this.addSql(`alter table "ticket" drop column "sla_plan_inherited";`);
  }

}
