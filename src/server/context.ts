import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import type { Context, Services } from '../common/context';
import type { Logger } from '../common/logger';
import { authenticate } from '../modules/auth/auth.service';

export interface ContextDeps {
  orm: MikroORM;
  config: Config;
  log: Logger;
  services: Services;
}

/** One context builder for HTTP and WebSocket operations: a fresh EntityManager fork and the authenticated viewer. */
export async function buildContext(deps: ContextDeps, authorization: string | undefined | null, ip: string): Promise<Context> {
  const em = deps.orm.em.fork();
  const viewer = await authenticate(em, authorization);
  return { em, viewer, config: deps.config, log: deps.log, ip, memo: new Map(), services: deps.services };
}
