import { Migration } from '@mikro-orm/migrations';

export class Migration20261203174258 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "queue_count_core" ("state" varchar(16) not null, "department_id" int not null, "assignee_id" int not null, "team_id" int not null, "is_answered" boolean not null, "overdue" boolean not null, "n" bigint not null, constraint "queue_count_core_pkey" primary key ("state", "department_id", "assignee_id", "team_id", "is_answered", "overdue"));`);

    this.addSql(`create table "queue_count_delta" ("id" bigserial primary key, "state" varchar(16) not null, "status_id" int not null, "department_id" int not null, "assignee_id" int not null, "team_id" int not null, "is_answered" boolean not null, "priority_id" int not null, "help_topic_id" int not null, "source" varchar(16) not null, "overdue" boolean not null, "n" int not null);`);

    this.addSql(`create table "queue_count_full" ("state" varchar(16) not null, "status_id" int not null, "department_id" int not null, "assignee_id" int not null, "team_id" int not null, "is_answered" boolean not null, "priority_id" int not null, "help_topic_id" int not null, "source" varchar(16) not null, "overdue" boolean not null, "n" bigint not null, constraint "queue_count_full_pkey" primary key ("state", "status_id", "department_id", "assignee_id", "team_id", "is_answered", "priority_id", "help_topic_id", "source", "overdue"));`);

    this.addSql(`create index "ticket_overdue_pending_index" on "ticket" ("due_at", "id") where "state" = 'OPEN' and "overdue_notified_for" is distinct from "due_at";`);

    // Exact queue counts (src/modules/queues/queue-counters.ts): every change to a ticket's counted
    // facts appends signed rows to queue_count_delta in the changing transaction itself, whatever
    // wrote it (a command, the OVERDUE scheduler, an agent's deletion setting assignee_id null).
    // "overdue" is the stored fact "OPEN, and an OVERDUE was recorded for this due date".
    const key = (r: string) =>
      `${r}.state::text, ${r}.status_id, ${r}.department_id, coalesce(${r}.assignee_id, 0), coalesce(${r}.team_id, 0), ${r}.is_answered, ` +
      `${r}.priority_id, coalesce(${r}.help_topic_id, 0), ${r}.source::text, coalesce(${r}.state = 'OPEN' and ${r}.overdue_notified_for = ${r}.due_at, false)`;
    const cols = `state, status_id, department_id, assignee_id, team_id, is_answered, priority_id, help_topic_id, source, overdue`;
    this.addSql(`create function queue_count_on_insert() returns trigger language plpgsql as $$
begin
  insert into queue_count_delta (${cols}, n) select ${key('r')}, count(*) from new_rows r group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
  return null;
end $$;`);
    this.addSql(`create function queue_count_on_delete() returns trigger language plpgsql as $$
begin
  insert into queue_count_delta (${cols}, n) select ${key('r')}, -count(*) from old_rows r group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
  return null;
end $$;`);
    this.addSql(`create function queue_count_on_update() returns trigger language plpgsql as $$
begin
  insert into queue_count_delta (${cols}, n) values (${key('old')}, -1), (${key('new')}, 1);
  return null;
end $$;`);
    this.addSql(`create function queue_count_on_truncate() returns trigger language plpgsql as $$
begin
  delete from queue_count_delta; delete from queue_count_core; delete from queue_count_full;
  return null;
end $$;`);
    // Creating the triggers locks the ticket table against writes until this migration commits:
    // the backfill below counts exactly the tickets the triggers did not see.
    this.addSql(`create trigger queue_count_insert after insert on ticket referencing new table as new_rows for each statement execute function queue_count_on_insert();`);
    this.addSql(`create trigger queue_count_delete after delete on ticket referencing old table as old_rows for each statement execute function queue_count_on_delete();`);
    this.addSql(`create trigger queue_count_update after update on ticket for each row when ((${key('old')}) is distinct from (${key('new')})) execute function queue_count_on_update();`);
    this.addSql(`create trigger queue_count_truncate after truncate on ticket for each statement execute function queue_count_on_truncate();`);
    this.addSql(`insert into queue_count_full (${cols}, n) select ${key('t')}, count(*) from ticket t group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;`);
    this.addSql(`insert into queue_count_core (state, department_id, assignee_id, team_id, is_answered, overdue, n)
      select state, department_id, assignee_id, team_id, is_answered, overdue, sum(n) from queue_count_full group by 1, 2, 3, 4, 5, 6;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists queue_count_insert on ticket;`);
    this.addSql(`drop trigger if exists queue_count_delete on ticket;`);
    this.addSql(`drop trigger if exists queue_count_update on ticket;`);
    this.addSql(`drop trigger if exists queue_count_truncate on ticket;`);
    this.addSql(`drop function if exists queue_count_on_insert, queue_count_on_delete, queue_count_on_update, queue_count_on_truncate;`);

    this.addSql(`drop table if exists "queue_count_core" cascade;`);

    this.addSql(`drop table if exists "queue_count_delta" cascade;`);

    this.addSql(`drop table if exists "queue_count_full" cascade;`);

    this.addSql(`drop index "ticket_overdue_pending_index";`);
  }

}
