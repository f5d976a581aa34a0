import { Migration } from '@mikro-orm/migrations';

/**
 * The auto-response cap counted every auto-response and notice ever written
 * (a sequential scan of outbound_email in each new ticket's transaction); this
 * index serves "to this address in the last hour".
 */
export class Migration20261206012707 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "outbound_email_auto_recipient_index" on "outbound_email" (("recipients" -> 0 ->> 'address'), "created_at") where "kind" in ('AUTO_RESPONSE', 'NOTICE');`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "outbound_email_auto_recipient_index";`);
  }

}
