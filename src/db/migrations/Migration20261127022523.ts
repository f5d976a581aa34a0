import { Migration } from '@mikro-orm/migrations';

export class Migration20261127022523 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "token_kind" as enum ('SESSION', 'API_KEY', 'TICKET_ACCESS');`);
    this.addSql(`create type "ticket_state" as enum ('OPEN', 'CLOSED', 'ARCHIVED', 'DELETED');`);
    this.addSql(`create table "organization" ("id" serial primary key, "name" varchar(200) not null, "shares_tickets" boolean not null default false, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "organization" add constraint "organization_name_unique" unique ("name");`);

    this.addSql(`create table "end_user" ("id" serial primary key, "name" varchar(200) not null, "email" varchar(320) not null, "password_hash" varchar(255) null, "is_active" boolean not null default true, "organization_id" int null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "end_user" add constraint "end_user_email_unique" unique ("email");`);

    this.addSql(`create table "priority" ("id" serial primary key, "name" varchar(60) not null, "urgency" int not null, "is_default" boolean not null default false);`);
    this.addSql(`alter table "priority" add constraint "priority_name_unique" unique ("name");`);
    this.addSql(`alter table "priority" add constraint "priority_urgency_unique" unique ("urgency");`);
    this.addSql(`create unique index "priority_one_default" on "priority" ("is_default") where "is_default";`);

    this.addSql(`create table "role" ("id" serial primary key, "name" varchar(120) not null, "permissions" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "role" add constraint "role_name_unique" unique ("name");`);

    this.addSql(`create table "sla_plan" ("id" serial primary key, "name" varchar(120) not null, "grace_period_hours" int not null, "is_active" boolean not null default true, "is_default" boolean not null default false, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "sla_plan" add constraint "sla_plan_name_unique" unique ("name");`);
    this.addSql(`create unique index "sla_plan_one_default" on "sla_plan" ("is_default") where "is_default";`);

    this.addSql(`create table "department" ("id" serial primary key, "name" varchar(120) not null, "parent_id" int null, "manager_id" int null, "sla_plan_id" int null, "is_default" boolean not null default false, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "department" add constraint "department_name_unique" unique ("name");`);
    this.addSql(`create unique index "department_one_default" on "department" ("is_default") where "is_default";`);

    this.addSql(`create table "agent" ("id" serial primary key, "name" varchar(200) not null, "email" varchar(320) not null, "username" varchar(64) not null, "password_hash" varchar(255) not null, "is_admin" boolean not null default false, "is_active" boolean not null default true, "assigned_only" boolean not null default false, "primary_department_id" int not null, "role_id" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "agent" add constraint "agent_email_unique" unique ("email");`);
    this.addSql(`alter table "agent" add constraint "agent_username_unique" unique ("username");`);

    this.addSql(`create table "department_access" ("id" serial primary key, "agent_id" int not null, "department_id" int not null, "role_id" int not null);`);
    this.addSql(`alter table "department_access" add constraint "department_access_agent_id_department_id_unique" unique ("agent_id", "department_id");`);

    this.addSql(`create table "auth_token" ("id" serial primary key, "kind" "token_kind" not null, "secret_hash" varchar(64) not null, "name" varchar(120) null, "agent_id" int null, "end_user_id" int null, "ticket_scope" int null, "created_at" timestamptz not null, "expires_at" timestamptz null, "revoked_at" timestamptz null, "last_used_at" timestamptz null);`);
    this.addSql(`alter table "auth_token" add constraint "auth_token_secret_hash_unique" unique ("secret_hash");`);
    this.addSql(`create index "auth_token_end_user_id_index" on "auth_token" ("end_user_id");`);
    this.addSql(`create index "auth_token_agent_id_index" on "auth_token" ("agent_id");`);

    this.addSql(`create table "team" ("id" serial primary key, "name" varchar(120) not null, "lead_id" int null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "team" add constraint "team_name_unique" unique ("name");`);

    this.addSql(`create table "team_member" ("team_id" int not null, "agent_id" int not null, constraint "team_member_pkey" primary key ("team_id", "agent_id"));`);

    this.addSql(`create table "ticket_status" ("id" serial primary key, "name" varchar(60) not null, "state" "ticket_state" not null, "is_default" boolean not null default false, "sort" int not null default 0);`);
    this.addSql(`alter table "ticket_status" add constraint "ticket_status_name_unique" unique ("name");`);
    this.addSql(`create unique index "ticket_status_one_default" on "ticket_status" ("state") where "is_default";`);

    this.addSql(`alter table "end_user" add constraint "end_user_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "department" add constraint "department_parent_id_foreign" foreign key ("parent_id") references "department" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "department" add constraint "department_manager_id_foreign" foreign key ("manager_id") references "agent" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "department" add constraint "department_sla_plan_id_foreign" foreign key ("sla_plan_id") references "sla_plan" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "agent" add constraint "agent_primary_department_id_foreign" foreign key ("primary_department_id") references "department" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "agent" add constraint "agent_role_id_foreign" foreign key ("role_id") references "role" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "department_access" add constraint "department_access_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "department_access" add constraint "department_access_department_id_foreign" foreign key ("department_id") references "department" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "department_access" add constraint "department_access_role_id_foreign" foreign key ("role_id") references "role" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "auth_token" add constraint "auth_token_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "auth_token" add constraint "auth_token_end_user_id_foreign" foreign key ("end_user_id") references "end_user" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "team" add constraint "team_lead_id_foreign" foreign key ("lead_id") references "agent" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "team_member" add constraint "team_member_team_id_foreign" foreign key ("team_id") references "team" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "team_member" add constraint "team_member_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "end_user" drop constraint "end_user_organization_id_foreign";`);

    this.addSql(`alter table "auth_token" drop constraint "auth_token_end_user_id_foreign";`);

    this.addSql(`alter table "agent" drop constraint "agent_role_id_foreign";`);

    this.addSql(`alter table "department_access" drop constraint "department_access_role_id_foreign";`);

    this.addSql(`alter table "department" drop constraint "department_sla_plan_id_foreign";`);

    this.addSql(`alter table "department" drop constraint "department_parent_id_foreign";`);

    this.addSql(`alter table "agent" drop constraint "agent_primary_department_id_foreign";`);

    this.addSql(`alter table "department_access" drop constraint "department_access_department_id_foreign";`);

    this.addSql(`alter table "department" drop constraint "department_manager_id_foreign";`);

    this.addSql(`alter table "department_access" drop constraint "department_access_agent_id_foreign";`);

    this.addSql(`alter table "auth_token" drop constraint "auth_token_agent_id_foreign";`);

    this.addSql(`alter table "team" drop constraint "team_lead_id_foreign";`);

    this.addSql(`alter table "team_member" drop constraint "team_member_agent_id_foreign";`);

    this.addSql(`alter table "team_member" drop constraint "team_member_team_id_foreign";`);

    this.addSql(`drop table if exists "organization" cascade;`);

    this.addSql(`drop table if exists "end_user" cascade;`);

    this.addSql(`drop table if exists "priority" cascade;`);

    this.addSql(`drop table if exists "role" cascade;`);

    this.addSql(`drop table if exists "sla_plan" cascade;`);

    this.addSql(`drop table if exists "department" cascade;`);

    this.addSql(`drop table if exists "agent" cascade;`);

    this.addSql(`drop table if exists "department_access" cascade;`);

    this.addSql(`drop table if exists "auth_token" cascade;`);

    this.addSql(`drop table if exists "team" cascade;`);

    this.addSql(`drop table if exists "team_member" cascade;`);

    this.addSql(`drop table if exists "ticket_status" cascade;`);

    this.addSql(`drop type "token_kind";`);
    this.addSql(`drop type "ticket_state";`);
  }

}
