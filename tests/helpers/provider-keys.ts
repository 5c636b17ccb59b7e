import { execFileSync } from 'node:child_process';
import { createHmac, createSign, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A self-signed RSA certificate and its key, as SNS signs with (made by openssl for the test). */
export function snsCertificate(): { certificate: string; privateKey: string } {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'veille-sns-'));
  try {
    const key = path.join(directory, 'key.pem');
    const cert = path.join(directory, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=sns.test'], {
      stdio: 'ignore',
    });
    return { certificate: readFileSync(cert, 'utf8'), privateKey: readFileSync(key, 'utf8') };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** An SNS message signed as SNS does (SignatureVersion 1: SHA1, 2: SHA256) with the test key. */
export function signedSnsMessage(fields: Record<string, string>, privateKey: string, version: '1' | '2' = '2'): Record<string, string> {
  const message: Record<string, string> = { ...fields, SignatureVersion: version };
  const keys =
    message.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const text = keys
    .filter((key) => message[key] !== undefined)
    .map((key) => `${key}\n${message[key]}\n`)
    .join('');
  const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  signer.update(text, 'utf8');
  return { ...message, Signature: signer.sign(privateKey, 'base64') };
}

/** An ECDSA P-256 key pair: the verification key as SendGrid shows it (base64 DER), and a signer. */
export function sendgridKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    sign: (timestamp: string, body: string) => sign('sha256', Buffer.from(timestamp + body), { key: privateKey, dsaEncoding: 'der' }).toString('base64'),
  };
}

/** Mailgun's signature block for a timestamp and token. */
export function mailgunSignature(key: string, timestamp: number, token: string) {
  return { timestamp: String(timestamp), token, signature: createHmac('sha256', key).update(`${timestamp}${token}`).digest('hex') };
}
