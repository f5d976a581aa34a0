import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261206012707 } from './Migration20261206012707';
import { Migration20261205064414 } from './Migration20261205064414';
import { Migration20261204074239 } from './Migration20261204074239';
import { Migration20261203174015 } from './Migration20261203174015';
import { Migration20261203174258 } from './Migration20261203174258';
import { Migration20261127055404 } from './Migration20261127055404';
import { Migration20261127054838 } from './Migration20261127054838';
import { Migration20261127034812 } from './Migration20261127034812';
import { Migration20261127033440 } from './Migration20261127033440';
import { Migration20261127033228 } from './Migration20261127033228';
import { Migration20261127030908 } from './Migration20261127030908';
import { Migration20261127024839 } from './Migration20261127024839';
import { Migration20261127022523 } from './Migration20261127022523';

/** Every migration, in order. `npm run migration:create` appends to this list. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261127022523', class: Migration20261127022523 },
  { name: 'Migration20261127024839', class: Migration20261127024839 },
  { name: 'Migration20261127030908', class: Migration20261127030908 },
  { name: 'Migration20261127033228', class: Migration20261127033228 },
  { name: 'Migration20261127033440', class: Migration20261127033440 },
  { name: 'Migration20261127034812', class: Migration20261127034812 },
  { name: 'Migration20261127054838', class: Migration20261127054838 },
  { name: 'Migration20261127055404', class: Migration20261127055404 },
  { name: 'Migration20261203174015', class: Migration20261203174015 },
  { name: 'Migration20261203174258', class: Migration20261203174258 },
  { name: 'Migration20261204074239', class: Migration20261204074239 },
  { name: 'Migration20261205064414', class: Migration20261205064414 },
  { name: 'Migration20261206012707', class: Migration20261206012707 },
];
