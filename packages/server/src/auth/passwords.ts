import { hash, verify } from '@node-rs/argon2';

// The library's default is argon2id (m=19456 KiB, t=2, p=1), OWASP's recommended minimum.
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// A fixed hash to verify against when the username is unknown, so timing does not reveal which names exist.
const decoy = hash('parley-decoy-password');

export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash ?? (await decoy), password);
  } catch {
    return false;
  }
}
