import { Migration } from '@mikro-orm/migrations';

/**
 * Webhooks (issue 12): saved subscriptions and their deliveries. A webhook's
 * `position` is its cursor in the event table (the outbox); deliveries are the
 * messages made from it, each with its fixed body. `(webhook_id, status, id)`
 * finds a webhook's next delivery to send, `(webhook_id, id)` pages its history.
 */
export class Migration20261205064414 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "webhook_stream" as enum ('ticketEvents', 'queueUpdates');`);
    this.addSql(`create type "webhook_delivery_status" as enum ('PENDING', 'DELIVERED', 'FAILED');`);
    this.addSql(`create table "webhook" ("id" serial primary key, "name" varchar(120) not null, "url" varchar(2000) not null, "document" text not null, "variables" jsonb null, "stream" "webhook_stream" not null, "act_as_agent_id" int not null, "is_active" boolean not null default true, "disabled_reason" text null, "secret_sealed" text not null, "previous_secret_sealed" text null, "previous_secret_expires_at" timestamptz null, "position" bigint not null default '0', "counts" jsonb null, "consecutive_failures" int not null default 0, "failing_since" timestamptz null, "lease_owner" varchar(80) null, "lease_until" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`create index "webhook_act_as_agent_id_index" on "webhook" ("act_as_agent_id");`);

    this.addSql(`create table "webhook_delivery" ("id" bigserial primary key, "webhook_id" int not null, "seq" bigint not null, "body" text not null, "status" "webhook_delivery_status" not null default 'PENDING', "attempts" int not null default 0, "response_status" int null, "last_error" text null, "next_attempt_at" timestamptz not null, "created_at" timestamptz not null, "delivered_at" timestamptz null);`);
    this.addSql(`create index "webhook_delivery_webhook_id_id_index" on "webhook_delivery" ("webhook_id", "id");`);
    this.addSql(`create index "webhook_delivery_webhook_id_status_id_index" on "webhook_delivery" ("webhook_id", "status", "id");`);

    this.addSql(`alter table "webhook" add constraint "webhook_act_as_agent_id_foreign" foreign key ("act_as_agent_id") references "agent" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "webhook_delivery" add constraint "webhook_delivery_webhook_id_foreign" foreign key ("webhook_id") references "webhook" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "webhook_delivery" drop constraint "webhook_delivery_webhook_id_foreign";`);

    this.addSql(`drop table if exists "webhook" cascade;`);

    this.addSql(`drop table if exists "webhook_delivery" cascade;`);

    this.addSql(`drop type "webhook_stream";`);
    this.addSql(`drop type "webhook_delivery_status";`);
  }

}
