import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../../common/logger';

/**
 * Deletes uploads that were never attached to a thread entry or a canned
 * response and are older than `olderThan` (their content goes with them).
 * Binding an upload row-locks it first, so an upload being attached right
 * now is either bound (and kept) or already gone (the bind says NOT_FOUND).
 */
export async function deleteUnusedUploads(em: EntityManager, olderThan: Date): Promise<number> {
  const result = await em
    .getConnection()
    .execute<{ affectedRows: number }>(
      // Rows being bound right now are locked: skipped (no deadlock, no waiting), swept next time if still unbound.
      'delete from "attachment" where "id" in (select "id" from "attachment" where "entry_id" is null and "canned_response_id" is null and "created_at" < ? for update skip locked)',
      [olderThan],
      'run',
    );
  return result.affectedRows;
}

/**
 * Uploads are made first and referenced later (SPEC §5); one never
 * referenced would otherwise stay forever, and an authenticated caller could
 * fill the disk with them. Sweeps at start and then every hour (or every
 * `ttlMs`, when shorter).
 */
export class UploadSweeper {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly orm: MikroORM,
    private readonly log: Logger,
    private readonly ttlMs: number,
  ) {}

  start(): void {
    const every = Math.min(this.ttlMs, 3_600_000);
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
    void this.sweep();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async sweep(): Promise<void> {
    try {
      const deleted = await deleteUnusedUploads(this.orm.em.fork(), new Date(Date.now() - this.ttlMs));
      if (deleted > 0) this.log.info({ deleted }, 'deleted uploads that were never attached');
    } catch (err) {
      if (this.timer) this.log.error({ err }, 'deleting unused uploads failed');
    }
  }
}
