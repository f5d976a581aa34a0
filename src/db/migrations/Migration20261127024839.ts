import { Migration } from '@mikro-orm/migrations';

export class Migration20261127024839 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "ticket_source" as enum ('WEB', 'EMAIL', 'PHONE', 'API', 'OTHER');`);
    this.addSql(`create type "ticket_event_kind" as enum ('CREATED', 'MESSAGE', 'RESPONSE', 'NOTE', 'ASSIGNED', 'RELEASED', 'TRANSFERRED', 'STATUS_CHANGED', 'CLOSED', 'REOPENED', 'EDITED', 'OVERDUE', 'COLLABORATOR_ADDED', 'COLLABORATOR_REMOVED', 'FILTER_APPLIED', 'MERGED');`);
    this.addSql(`create type "thread_entry_type" as enum ('MESSAGE', 'RESPONSE', 'NOTE');`);
    this.addSql(`create type "collaborator_role" as enum ('CC', 'BCC');`);
    this.addSql(`create table "help_topic" ("id" serial primary key, "name" varchar(120) not null, "is_active" boolean not null default true, "department_id" int null, "priority_id" int null, "sla_plan_id" int null, "assign_agent_id" int null, "assign_team_id" int null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "help_topic" add constraint "help_topic_name_unique" unique ("name");`);

    this.addSql(`create table "ticket" ("id" serial primary key, "number" varchar(20) not null, "subject" varchar(255) not null, "status_id" int not null, "state" "ticket_state" not null, "priority_id" int not null, "urgency" int not null, "department_id" int not null, "help_topic_id" int null, "sla_plan_id" int null, "source" "ticket_source" not null, "owner_id" int not null, "assignee_id" int null, "team_id" int null, "is_answered" boolean not null default false, "due_at" timestamptz null, "due_at_override" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "closed_at" timestamptz null, "reopened_at" timestamptz null, "reopen_count" int not null default 0, "last_message_at" timestamptz null, "last_response_at" timestamptz null, "version" int not null default 1, "lock_agent_id" int null, "lock_expires_at" timestamptz null);`);
    this.addSql(`alter table "ticket" add constraint "ticket_number_unique" unique ("number");`);
    this.addSql(`create index "ticket_updated_at_id_index" on "ticket" ("updated_at", "id");`);
    this.addSql(`create index "ticket_created_at_id_index" on "ticket" ("created_at", "id");`);
    this.addSql(`create index "ticket_state_due_at_index" on "ticket" ("state", "due_at");`);
    this.addSql(`create index "ticket_owner_id_index" on "ticket" ("owner_id");`);
    this.addSql(`create index "ticket_team_id_state_index" on "ticket" ("team_id", "state");`);
    this.addSql(`create index "ticket_assignee_id_state_index" on "ticket" ("assignee_id", "state");`);
    this.addSql(`create index "ticket_department_id_state_index" on "ticket" ("department_id", "state");`);

    this.addSql(`create table "ticket_event" ("id" bigserial primary key, "ticket_id" int not null, "kind" "ticket_event_kind" not null, "actor_agent_id" int null, "actor_user_id" int null, "data" jsonb null, "created_at" timestamptz not null);`);
    this.addSql(`create index "ticket_event_ticket_id_id_index" on "ticket_event" ("ticket_id", "id");`);

    this.addSql(`create table "thread_entry" ("id" serial primary key, "ticket_id" int not null, "type" "thread_entry_type" not null, "body" text not null, "body_text" text not null, "poster_agent_id" int null, "poster_user_id" int null, "created_at" timestamptz not null, "edited_at" timestamptz null);`);
    this.addSql(`create index "thread_entry_ticket_id_id_index" on "thread_entry" ("ticket_id", "id");`);

    this.addSql(`create table "thread_entry_revision" ("id" serial primary key, "entry_id" int not null, "body" text not null, "body_text" text not null, "editor_id" int null, "replaced_at" timestamptz not null);`);
    this.addSql(`create index "thread_entry_revision_entry_id_index" on "thread_entry_revision" ("entry_id");`);

    this.addSql(`create table "attachment" ("id" serial primary key, "filename" varchar(255) not null, "content_type" varchar(120) not null, "size" int not null, "sha256" varchar(64) not null, "uploader_agent_id" int null, "uploader_user_id" int null, "entry_id" int null, "created_at" timestamptz not null);`);
    this.addSql(`create index "attachment_entry_id_index" on "attachment" ("entry_id");`);

    this.addSql(`create table "attachment_content" ("attachment_id" int not null, "bytes" bytea not null, constraint "attachment_content_pkey" primary key ("attachment_id"));`);

    this.addSql(`create table "intake_key" ("id" serial primary key, "caller" varchar(120) not null, "key" varchar(200) not null, "ticket_id" int not null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "intake_key" add constraint "intake_key_caller_key_unique" unique ("caller", "key");`);

    this.addSql(`create table "collaborator" ("id" serial primary key, "ticket_id" int not null, "user_id" int not null, "role" "collaborator_role" not null default 'CC', "is_active" boolean not null default true, "created_at" timestamptz not null);`);
    this.addSql(`create index "collaborator_user_id_index" on "collaborator" ("user_id");`);
    this.addSql(`alter table "collaborator" add constraint "collaborator_ticket_id_user_id_unique" unique ("ticket_id", "user_id");`);

    this.addSql(`alter table "help_topic" add constraint "help_topic_department_id_foreign" foreign key ("department_id") references "department" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "help_topic" add constraint "help_topic_priority_id_foreign" foreign key ("priority_id") references "priority" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "help_topic" add constraint "help_topic_sla_plan_id_foreign" foreign key ("sla_plan_id") references "sla_plan" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "help_topic" add constraint "help_topic_assign_agent_id_foreign" foreign key ("assign_agent_id") references "agent" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "help_topic" add constraint "help_topic_assign_team_id_foreign" foreign key ("assign_team_id") references "team" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "ticket" add constraint "ticket_status_id_foreign" foreign key ("status_id") references "ticket_status" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "ticket" add constraint "ticket_priority_id_foreign" foreign key ("priority_id") references "priority" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "ticket" add constraint "ticket_department_id_foreign" foreign key ("department_id") references "department" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "ticket" add constraint "ticket_help_topic_id_foreign" foreign key ("help_topic_id") references "help_topic" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "ticket" add constraint "ticket_sla_plan_id_foreign" foreign key ("sla_plan_id") references "sla_plan" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "ticket" add constraint "ticket_owner_id_foreign" foreign key ("owner_id") references "end_user" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "ticket" add constraint "ticket_assignee_id_foreign" foreign key ("assignee_id") references "agent" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "ticket" add constraint "ticket_team_id_foreign" foreign key ("team_id") references "team" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "ticket" add constraint "ticket_lock_agent_id_foreign" foreign key ("lock_agent_id") references "agent" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "ticket_event" add constraint "ticket_event_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "ticket_event" add constraint "ticket_event_actor_agent_id_foreign" foreign key ("actor_agent_id") references "agent" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "ticket_event" add constraint "ticket_event_actor_user_id_foreign" foreign key ("actor_user_id") references "end_user" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "thread_entry" add constraint "thread_entry_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "thread_entry" add constraint "thread_entry_poster_agent_id_foreign" foreign key ("poster_agent_id") references "agent" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "thread_entry" add constraint "thread_entry_poster_user_id_foreign" foreign key ("poster_user_id") references "end_user" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "thread_entry_revision" add constraint "thread_entry_revision_entry_id_foreign" foreign key ("entry_id") references "thread_entry" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "thread_entry_revision" add constraint "thread_entry_revision_editor_id_foreign" foreign key ("editor_id") references "agent" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "attachment" add constraint "attachment_uploader_agent_id_foreign" foreign key ("uploader_agent_id") references "agent" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "attachment" add constraint "attachment_uploader_user_id_foreign" foreign key ("uploader_user_id") references "end_user" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "attachment" add constraint "attachment_entry_id_foreign" foreign key ("entry_id") references "thread_entry" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "attachment_content" add constraint "attachment_content_attachment_id_foreign" foreign key ("attachment_id") references "attachment" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "intake_key" add constraint "intake_key_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "collaborator" add constraint "collaborator_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "collaborator" add constraint "collaborator_user_id_foreign" foreign key ("user_id") references "end_user" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "ticket" drop constraint "ticket_help_topic_id_foreign";`);

    this.addSql(`alter table "ticket_event" drop constraint "ticket_event_ticket_id_foreign";`);

    this.addSql(`alter table "thread_entry" drop constraint "thread_entry_ticket_id_foreign";`);

    this.addSql(`alter table "intake_key" drop constraint "intake_key_ticket_id_foreign";`);

    this.addSql(`alter table "collaborator" drop constraint "collaborator_ticket_id_foreign";`);

    this.addSql(`alter table "thread_entry_revision" drop constraint "thread_entry_revision_entry_id_foreign";`);

    this.addSql(`alter table "attachment" drop constraint "attachment_entry_id_foreign";`);

    this.addSql(`alter table "attachment_content" drop constraint "attachment_content_attachment_id_foreign";`);

    this.addSql(`drop table if exists "help_topic" cascade;`);

    this.addSql(`drop table if exists "ticket" cascade;`);

    this.addSql(`drop table if exists "ticket_event" cascade;`);

    this.addSql(`drop table if exists "thread_entry" cascade;`);

    this.addSql(`drop table if exists "thread_entry_revision" cascade;`);

    this.addSql(`drop table if exists "attachment" cascade;`);

    this.addSql(`drop table if exists "attachment_content" cascade;`);

    this.addSql(`drop table if exists "intake_key" cascade;`);

    this.addSql(`drop table if exists "collaborator" cascade;`);

    this.addSql(`drop type "ticket_source";`);
    this.addSql(`drop type "ticket_event_kind";`);
    this.addSql(`drop type "thread_entry_type";`);
    this.addSql(`drop type "collaborator_role";`);
  }

}
