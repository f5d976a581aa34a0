import { Migration } from '@mikro-orm/migrations';

export class Migration20261203174015 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "imap_tls" as enum ('NONE', 'STARTTLS', 'TLS');`);
    this.addSql(`create type "outbound_email_kind" as enum ('RESPONSE', 'AUTO_RESPONSE', 'NOTICE', 'NEW_TICKET_ALERT', 'NEW_MESSAGE_ALERT', 'ASSIGNMENT_ALERT', 'OVERDUE_ALERT');`);
    this.addSql(`create type "outbound_email_status" as enum ('PENDING', 'SENT', 'FAILED', 'NOT_CONFIGURED');`);
    this.addSql(`create type "inbound_door" as enum ('IMAP', 'SMTP', 'HTTP');`);
    this.addSql(`create type "inbound_email_status" as enum ('RECEIVED', 'TICKET', 'MESSAGE', 'REJECTED', 'IGNORED', 'REFUSED', 'FAILED');`);
    this.addSql(`create table "email_address_state" ("address" varchar(320) not null, "is_bouncing" boolean not null default false, "bounced_at" timestamptz null, "bounce_reason" text null, constraint "email_address_state_pkey" primary key ("address"));`);

    this.addSql(`create table "email_template" ("kind" varchar(40) not null, "subject" varchar(400) not null, "body" text not null, "updated_at" timestamptz not null, constraint "email_template_pkey" primary key ("kind"));`);

    this.addSql(`create table "department_email_settings" ("department_id" int not null, "auto_response" boolean not null default true, "responses" boolean not null default true, "alerts" boolean not null default true, constraint "department_email_settings_pkey" primary key ("department_id"));`);

    this.addSql(`create table "mailbox" ("id" serial primary key, "address" varchar(320) not null, "name" varchar(120) null, "department_id" int null, "help_topic_id" int null, "priority_id" int null, "imap_host" varchar(255) null, "imap_port" int null, "imap_tls" "imap_tls" null, "imap_user" varchar(255) null, "imap_password_sealed" text null, "imap_folder" varchar(255) null, "imap_archive_folder" varchar(255) null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "mailbox" add constraint "mailbox_address_unique" unique ("address");`);

    this.addSql(`create table "outbound_email" ("id" serial primary key, "kind" "outbound_email_kind" not null, "ticket_id" int null, "entry_id" int null, "message_id" varchar(250) not null, "recipients" jsonb not null, "from_address" varchar(400) not null, "reply_to" varchar(320) null, "subject" varchar(400) not null, "html" text not null, "text" text not null, "in_reply_to" varchar(250) null, "references" text null, "auto_submitted" boolean not null default false, "attachment_ids" jsonb not null, "status" "outbound_email_status" not null, "attempts" int not null default 0, "last_error" text null, "next_attempt_at" timestamptz not null, "sent_at" timestamptz null, "created_at" timestamptz not null);`);
    this.addSql(`create index "outbound_email_ticket_id_index" on "outbound_email" ("ticket_id");`);
    this.addSql(`create index "outbound_email_entry_id_index" on "outbound_email" ("entry_id");`);
    this.addSql(`alter table "outbound_email" add constraint "outbound_email_message_id_unique" unique ("message_id");`);
    this.addSql(`create index "outbound_email_status_next_attempt_at_index" on "outbound_email" ("status", "next_attempt_at");`);

    this.addSql(`create table "inbound_email" ("id" serial primary key, "mailbox_id" int null, "message_id" varchar(998) not null, "door" "inbound_door" not null, "imap_uid_validity" bigint null, "imap_uid" int null, "raw" bytea not null, "size" int not null, "from_address" varchar(320) null, "subject" varchar(400) null, "status" "inbound_email_status" not null default 'RECEIVED', "reason" text null, "ticket_id" int null, "entry_id" int null, "attempts" int not null default 0, "received_at" timestamptz not null, "processed_at" timestamptz null);`);
    this.addSql(`alter table "inbound_email" add constraint "inbound_email_message_id_unique" unique ("message_id");`);
    this.addSql(`create index "inbound_email_ticket_id_index" on "inbound_email" ("ticket_id");`);
    this.addSql(`create index "inbound_email_entry_id_index" on "inbound_email" ("entry_id");`);
    this.addSql(`alter table "inbound_email" add constraint "inbound_email_mailbox_id_imap_uid_validity_imap_uid_unique" unique ("mailbox_id", "imap_uid_validity", "imap_uid");`);

    this.addSql(`alter table "department_email_settings" add constraint "department_email_settings_department_id_foreign" foreign key ("department_id") references "department" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "mailbox" add constraint "mailbox_department_id_foreign" foreign key ("department_id") references "department" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "mailbox" add constraint "mailbox_help_topic_id_foreign" foreign key ("help_topic_id") references "help_topic" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "mailbox" add constraint "mailbox_priority_id_foreign" foreign key ("priority_id") references "priority" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "outbound_email" add constraint "outbound_email_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "outbound_email" add constraint "outbound_email_entry_id_foreign" foreign key ("entry_id") references "thread_entry" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "inbound_email" add constraint "inbound_email_mailbox_id_foreign" foreign key ("mailbox_id") references "mailbox" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "inbound_email" add constraint "inbound_email_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "inbound_email" add constraint "inbound_email_entry_id_foreign" foreign key ("entry_id") references "thread_entry" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "inbound_email" drop constraint "inbound_email_mailbox_id_foreign";`);

    this.addSql(`drop table if exists "email_address_state" cascade;`);

    this.addSql(`drop table if exists "email_template" cascade;`);

    this.addSql(`drop table if exists "department_email_settings" cascade;`);

    this.addSql(`drop table if exists "mailbox" cascade;`);

    this.addSql(`drop table if exists "outbound_email" cascade;`);

    this.addSql(`drop table if exists "inbound_email" cascade;`);

    this.addSql(`drop type "imap_tls";`);
    this.addSql(`drop type "outbound_email_kind";`);
    this.addSql(`drop type "outbound_email_status";`);
    this.addSql(`drop type "inbound_door";`);
    this.addSql(`drop type "inbound_email_status";`);
  }

}
