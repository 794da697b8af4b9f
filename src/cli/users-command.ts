// `twinfold users add|list|disable|enable|delete`: manage users in a data directory's catalog.
import { Command } from 'commander';
import { IdentityService } from '../auth/identity-service.js';
import { SigningKeyRing } from '../auth/signing-keys.js';
import { TwinfoldError } from '../core/errors.js';
import { openCatalog } from '../platform.js';
import { StorageLockedError } from '../store/storage-errors.js';

async function withIdentities<T>(
  data: string,
  work: (identities: IdentityService) => Promise<T>,
): Promise<T> {
  const { catalog, close } = await openCatalog({ store: 'sqlite', data });
  try {
    const identities = new IdentityService({ catalog, keys: new SigningKeyRing(null, 0) });
    await identities.load();
    return await work(identities);
  } finally {
    await close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function fail(error: unknown): never {
  const message =
    error instanceof TwinfoldError
      ? `${error.message} ${error.description}`
      : error instanceof StorageLockedError
        ? `${error.message} While it runs, manage users over its API (/api/2/users) instead.`
        : String(error);
  process.stderr.write(`twinfold users: ${message}\n`);
  process.exit(2);
}

export function usersCommand(): Command {
  const dataOption = (c: Command) =>
    c.option(
      '--data <dir>',
      'data directory (TWINFOLD_DATA, default ./data)',
      process.env.TWINFOLD_DATA ?? './data',
    );
  const users = new Command('users').description(
    'Manage users in a data directory (a running server sees the change at its next start; use /api/2/users to change users of a running server)',
  );

  dataOption(users.command('add <username>'))
    .description('Add a user; the password comes from --password-stdin or TWINFOLD_PASSWORD')
    .option('--password-stdin', 'read the password from standard input')
    .option('--admin', 'make the user an administrator')
    .action(
      async (
        username: string,
        options: { data: string; passwordStdin?: boolean; admin?: boolean },
      ) => {
        const password = options.passwordStdin ? await readStdin() : process.env.TWINFOLD_PASSWORD;
        if (!password)
          fail('Give the password with --password-stdin or the TWINFOLD_PASSWORD variable.');
        const user = await withIdentities(options.data, (ids) =>
          ids.addUser(username, password, options.admin ? ['admin'] : []),
        ).catch(fail);
        process.stdout.write(
          `added ${user.username} (${user.subject})${options.admin ? ' as administrator' : ''}\n`,
        );
      },
    );

  dataOption(users.command('list'))
    .description('List users')
    .option('--json', 'print JSON')
    .action(async (options: { data: string; json?: boolean }) => {
      const list = await withIdentities(options.data, async (ids) => ids.listUsers()).catch(fail);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      for (const u of list) {
        process.stdout.write(
          `${u.username}\t${u.roles.join(',') || '-'}\t${u.disabled ? 'disabled' : 'enabled'}\t${u.created}\n`,
        );
      }
    });

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    dataOption(users.command(`${name} <username>`))
      .description(
        `${name === 'disable' ? 'Disable' : 'Enable'} a user (a disabled user cannot log in; their tokens stop working)`,
      )
      .action(async (username: string, options: { data: string }) => {
        await withIdentities(options.data, (ids) => ids.setDisabled(username, disabled)).catch(
          fail,
        );
        process.stdout.write(`${name}d ${username}\n`);
      });
  }

  dataOption(users.command('delete <username>'))
    .description('Delete a user and revoke their tokens')
    .action(async (username: string, options: { data: string }) => {
      await withIdentities(options.data, (ids) => ids.deleteUser(username)).catch(fail);
      process.stdout.write(`deleted ${username}\n`);
    });
  return users;
}
