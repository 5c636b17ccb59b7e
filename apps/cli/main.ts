import path from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { DomainError, ValidationError } from '../domain/platform/errors.ts';
import { createLogger } from '../bootstrap/logger.ts';
import { loadConfigOrExit } from '../bootstrap/process.ts';
import type { ImportReport } from '../domain/imports/import-service.ts';
import type { ImportSource } from '../domain/imports/sources.ts';
import { OPERATOR } from '../domain/accounts/roles.ts';
import { startRuntime, type Runtime } from '../bootstrap/runtime.ts';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  migrate                                         apply pending database migrations
  users:create --email E --name N [--role R]      create an account (role: owner or editor, default editor);
                                                  the password is read from standard input
  users:password --email E [--revoke-tokens]      set a new password (read from standard input); their
                                                  API tokens keep working unless --revoke-tokens
  users:list                                      list accounts
  tokens:create --email E --name N                create an API token for that user; prints it as the last line
  export <folder>                                 write every edition as Markdown and everything (editions, inbox,
                                                  categories, settings, subscribers) as veille-export.json into a folder
  import <path-or-url> [--dry-run]                import editions: a folder or .zip of Markdown files, a Markdown file,
                                                  an RSS/Atom feed (file or URL) or a Veille export; --dry-run only reports
  demo                                            fill Veille with demo content (two published editions, inbox links)
`;

type Command = (runtime: Runtime, values: Record<string, string | boolean | undefined>, positionals: string[]) => Promise<void>;

/** The commands that take arguments besides their options. */
const TAKES_ARGUMENTS = new Set(['export', 'import']);

const commands: Record<string, Command> = {
  async migrate() {
    // startRuntime has applied the migrations already.
    process.stdout.write('Database is up to date.\n');
  },

  async 'users:create'(runtime, values) {
    const password = await readPassword();
    const user = await runtime.services.accounts.createUser({
      actor: OPERATOR,
      email: values.email,
      name: values.name,
      role: values.role ?? 'editor',
      password,
    });
    process.stdout.write(`Created ${user.role} ${user.name} <${user.email}>.\n`);
  },

  async 'users:password'(runtime, values) {
    const password = await readPassword();
    const tokens = await runtime.services.accounts.resetPassword({
      actor: OPERATOR,
      email: values.email,
      password,
      revokeTokens: values['revoke-tokens'] === true,
    });
    const about =
      tokens.revoked > 0
        ? ` and their ${tokens.revoked} API token(s) revoked`
        : tokens.kept > 0
          ? `; their ${tokens.kept} API token(s) still work (--revoke-tokens ends them)`
          : '';
    process.stdout.write(`Password changed for ${values.email}; their sessions were signed out${about}.\n`);
  },

  async 'users:list'(runtime) {
    for (const user of await runtime.services.accounts.listUsers()) {
      process.stdout.write(`${user.role.padEnd(7)} ${user.email}  ${user.name}\n`);
    }
  },

  async 'tokens:create'(runtime, values) {
    const email = typeof values.email === 'string' ? values.email : undefined;
    const name = typeof values.name === 'string' ? values.name : undefined;
    if (!email) throw new ValidationError('--email is required.');
    if (!name) throw new ValidationError('--name is required (what the token is for).');
    const user = (await runtime.services.accounts.listUsers()).find((candidate) => candidate.email === email.trim().toLowerCase());
    if (!user) throw new ValidationError(`No account with the email ${values.email}.`);
    const { token } = await runtime.services.auth.createApiToken({ actor: OPERATOR, userId: user.id, name });
    process.stdout.write(`Token "${values.name}" for ${user.email} (shown once):\n${token}\n`);
  },

  async export(runtime, _values, positionals) {
    const [target, ...extra] = positionals;
    if (!target || extra.length > 0) throw new ValidationError('Name one folder to write the export into: npm run cli -- export <folder>');
    // npm runs scripts from the project's folder; INIT_CWD is the folder the command was typed in.
    const dir = path.resolve(process.env.INIT_CWD ?? process.cwd(), target);
    let counts;
    try {
      counts = await runtime.services.exports.writeDirectory({ actor: OPERATOR, dir });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code) throw new ValidationError(`Cannot write the export into ${dir} (${code}).`);
      throw error;
    }
    process.stdout.write(
      `Exported ${counts.editions} editions (${counts.editionLinks} links), ${counts.inboxLinks} inbox links, ${counts.categories} categories and ${counts.subscribers} subscribers to ${dir}\n`,
    );
  },

  async import(runtime, values, positionals) {
    const [target, ...extra] = positionals;
    if (!target || extra.length > 0)
      throw new ValidationError('Name one folder, file or feed address to import: npm run cli -- import <path-or-url> [--dry-run]');
    const source: ImportSource = /^https?:\/\//i.test(target)
      ? { kind: 'url', url: target }
      : { kind: 'path', path: path.resolve(process.env.INIT_CWD ?? process.cwd(), target) };
    const dryRun = values['dry-run'] === true;
    const report = await runtime.services.imports.importNow({
      source,
      dryRun,
      actor: OPERATOR,
      onProgress: (done, total) => process.stderr.write(`\r${done} / ${total} editions`),
    });
    if (!dryRun) process.stderr.write('\n');
    process.stdout.write(formatImportReport(report, dryRun));
    if (report.outcome && report.outcome.failed.length > 0) process.exitCode = 1;
  },

  async demo(runtime) {
    // The demo links are credited to the first owner, as if they had collected them.
    const owner = (await runtime.services.accounts.listUsers()).find((user) => user.role === 'owner');
    const loaded = await runtime.services.imports.loadDemo({ actor: owner ?? OPERATOR });
    process.stdout.write(`Demo content: ${loaded.editions} editions published, ${loaded.inbox} links added to the inbox.\n`);
  },
};

/** The dry run's report, or the outcome of an import, for a terminal. */
export function formatImportReport(report: ImportReport, dryRun: boolean): string {
  const lines: string[] = [];
  const creating = report.editions.filter((edition) => edition.action === 'create');
  lines.push(`${dryRun ? 'Dry run: nothing was written.' : 'Imported.'} Source: ${report.source}`);
  for (const edition of report.editions) {
    lines.push(
      `  ${edition.action === 'create' ? (dryRun ? 'create' : 'import') : 'skip  '} ${edition.period}  ${edition.title}  (${edition.sections} sections, ${edition.links} links, ${edition.freeSections} free sections)${edition.reason ? `: ${edition.reason}` : ''}`,
    );
    for (const warning of edition.warnings) lines.push(`           warning: ${warning}`);
  }
  lines.push(
    `${creating.length} editions and ${report.links} links ${dryRun ? 'would be created' : 'to create'}; ${report.editions.length - creating.length} already there.`,
  );
  if (report.categories.created.length) lines.push(`Categories to create: ${report.categories.created.join(', ')}`);
  if (report.categories.existing.length) lines.push(`Categories matched: ${report.categories.existing.join(', ')}`);
  if (report.duplicateCount) {
    lines.push(`${report.duplicateCount} links already present in Veille (imported all the same):`);
    for (const duplicate of report.duplicates.slice(0, 20)) lines.push(`  ${duplicate.url} (${duplicate.period}; already in ${duplicate.existing})`);
  }
  if (report.inbox) lines.push(`Inbox links: ${report.inbox.create} to add, ${report.inbox.existing} already there.`);
  if (report.subscribers) lines.push(`Subscribers: ${report.subscribers.create} to add, ${report.subscribers.existing} already there.`);
  if (report.settings) lines.push(`Settings: ${report.settings === 'apply' ? 'applied' : 'kept (this Veille already has editions)'}.`);
  if (report.problems.length) {
    lines.push(`${report.problems.length} files or items not imported:`);
    for (const problem of report.problems) lines.push(`  ${problem.name}: ${problem.reason}`);
  }
  if (report.outcome) {
    const outcome = report.outcome;
    lines.push(
      `Result: ${outcome.created} editions created, ${outcome.skipped} skipped, ${outcome.failed.length} failed${outcome.inbox ? `, ${outcome.inbox} inbox links` : ''}${outcome.subscribers ? `, ${outcome.subscribers} subscribers` : ''}${outcome.settings ? ', settings applied' : ''}.`,
    );
    for (const failure of outcome.failed) lines.push(`  failed ${failure.period}: ${failure.reason}`);
  }
  return lines.join('\n') + '\n';
}

/** Reads a password: typed without echo on a terminal, or the first line of piped input. */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    let muted = false;
    const output = new Writable({
      write(chunk, _encoding, callback) {
        if (!muted) process.stderr.write(chunk);
        callback();
      },
    });
    const rl = createInterface({ input: process.stdin, output, terminal: true });
    const answer = new Promise<string>((resolve) => rl.question('Password: ', resolve));
    muted = true;
    const password = await answer;
    rl.close();
    process.stderr.write('\n');
    return password;
  }
  let data = '';
  for await (const chunk of process.stdin) data += chunk;
  return data.split(/\r?\n/)[0] ?? '';
}

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === 'help' || name === '--help' || !(name in commands)) {
    process.stderr.write(name && name !== 'help' && name !== '--help' ? `Unknown command: ${name}\n\n${USAGE}` : USAGE);
    return name && name !== 'help' && name !== '--help' ? 2 : 0;
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'revoke-tokens': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    }));
    if (positionals.length > 0 && !TAKES_ARGUMENTS.has(name)) throw new Error(`Unexpected argument '${positionals[0]}'. ${name} takes options only.`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfigOrExit();
  // Logs go to stderr so that stdout carries only the command's answer (a token, a list).
  const log = createLogger({ ...config, logLevel: process.env.LOG_LEVEL ?? 'warn' }, { stderr: true });
  const runtime = await startRuntime(config, log, { worker: false });
  try {
    await commands[name]!(runtime, values, positionals);
    return 0;
  } catch (error) {
    if (error instanceof DomainError) {
      const fields = error instanceof ValidationError ? Object.entries(error.fields).map(([field, message]) => `  ${field}: ${message}`) : [];
      process.stderr.write([`Error: ${error.message}`, ...fields].join('\n') + '\n');
      return 1;
    }
    throw error;
  } finally {
    await runtime.close();
  }
}

process.exit(await main());
