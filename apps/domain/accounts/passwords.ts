import type * as argon2Module from '@node-rs/argon2';
import { lazyModule } from '../platform/lazy-module.ts';

// Only the processes that sign people in or set passwords load the native module.
const argon2 = lazyModule<typeof argon2Module>('@node-rs/argon2');

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 512;

// OWASP's minimum for argon2id: 19 MiB of memory, 2 iterations, 1 degree of parallelism.
const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Hashes a password with argon2id. */
export function hashPassword(password: string): Promise<string> {
  return argon2().hash(password, ARGON2_OPTIONS);
}

/** Checks a password against a stored hash; a malformed hash counts as a mismatch. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await argon2().verify(storedHash, password);
  } catch {
    return false;
  }
}

// Verifying against this when the email is unknown makes both failures take the same time.
let dummyHash: Promise<string> | undefined;
/** Spends the time of a real verification, for sign-ins with an unknown email. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('veille-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
  return false;
}

/** `hintCode` names the hint, for a page that words it in the reader's language. */
export type PasswordStrength = { score: 0 | 1 | 2 | 3 | 4; label: string; hint: string | undefined; hintCode: PasswordHint | undefined };

export type PasswordHint = 'too_short' | 'common_word' | 'repeated' | 'longer';

const HINTS: Record<PasswordHint, string> = {
  too_short: `Use at least ${MIN_PASSWORD_LENGTH} characters.`,
  common_word: 'Avoid common words such as "password".',
  repeated: 'Avoid repeating the same few characters.',
  longer: 'A longer passphrase of several unrelated words is stronger and easier to remember.',
};

const COMMON = ['password', 'motdepasse', '123456', 'qwerty', 'azerty', 'letmein', 'welcome', 'admin', 'veille', 'iloveyou'];

/** A rough strength estimate for the hint beside a new password (length and variety, common words). */
export function passwordStrength(password: string): PasswordStrength {
  const lower = password.toLowerCase();
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(password)).length;
  const unique = new Set(password).size;
  let score = 0;
  if (password.length >= MIN_PASSWORD_LENGTH) score += 1;
  if (password.length >= 16) score += 1;
  if (classes >= 3 || password.length >= 20) score += 1;
  if (unique >= 10) score += 1;
  if (COMMON.some((word) => lower.includes(word)) || unique < 5) score = Math.min(score, 1);
  const clamped = Math.max(0, Math.min(4, score)) as PasswordStrength['score'];
  const labels = ['very weak', 'weak', 'fair', 'good', 'strong'];
  let hintCode: PasswordHint | undefined;
  if (password.length < MIN_PASSWORD_LENGTH) hintCode = 'too_short';
  else if (COMMON.some((word) => lower.includes(word))) hintCode = 'common_word';
  else if (unique < 5) hintCode = 'repeated';
  else if (clamped < 3) hintCode = 'longer';
  return { score: clamped, label: labels[clamped]!, hint: hintCode && HINTS[hintCode], hintCode };
}

/** Why a new password is refused, with the stable code of the reason, or undefined when it is acceptable. */
export function passwordRefusal(password: string): { code: string; message: string } | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return { code: 'password_too_short', message: `Password must be at least ${MIN_PASSWORD_LENGTH} characters.` };
  if (password.length > MAX_PASSWORD_LENGTH) return { code: 'password_too_long', message: `Password must be at most ${MAX_PASSWORD_LENGTH} characters.` };
  const strength = passwordStrength(password);
  if (strength.score < 2) return { code: 'password_weak', message: 'This password is too easy to guess: ' + (strength.hint ?? 'make it longer.') };
  return undefined;
}

/** The reason a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  return passwordRefusal(password)?.message;
}
