import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';

const ROOT = path.resolve(__dirname, '../..');

describe('configuration', () => {
  it('has the defaults of API.md', () => {
    const result = loadConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      port: 4000,
      databaseUrl: undefined,
      dataDir: path.resolve('./.deskql'),
      adminEmail: 'admin@example.com',
      adminPassword: undefined,
      production: false,
      introspection: true,
    });
    expect(Object.isFrozen(result.config)).toBe(true);
    const prod = loadConfig({ NODE_ENV: 'production' });
    expect(prod.ok && prod.config.introspection).toBe(false);
    const prodIntrospection = loadConfig({ NODE_ENV: 'production', DESKQL_INTROSPECTION: '1' });
    expect(prodIntrospection.ok && prodIntrospection.config.introspection).toBe(true);
  });

  it('reports every problem at once, naming variables but never secret values', () => {
    const result = loadConfig({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://root:hunter2@db/x',
      DESKQL_ADMIN_EMAIL: 'not-an-email',
      DESKQL_ADMIN_PASSWORD: 'short',
      NODE_ENV: 'staging',
      DESKQL_INTROSPECTION: 'maybe',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.split(':')[0]).sort()).toEqual(
      ['DATABASE_URL', 'DESKQL_ADMIN_EMAIL', 'DESKQL_ADMIN_PASSWORD', 'DESKQL_INTROSPECTION', 'NODE_ENV', 'PORT'].sort(),
    );
    expect(result.problems.join('\n')).not.toContain('hunter2');
  });

  it('makes the server exit 1 with the list, before touching any database', () => {
    const dataDir = path.join(ROOT, '.test-data', `never-created-${process.pid}`);
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PORT: '99999', DESKQL_ADMIN_PASSWORD: 'tiny', DESKQL_DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('configuration is invalid');
    expect(run.stderr).toContain('PORT: must be between 0 and 65535');
    expect(run.stderr).toContain('DESKQL_ADMIN_PASSWORD: must be at least 10 characters');
    expect(run.stderr).not.toContain('tiny');
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
