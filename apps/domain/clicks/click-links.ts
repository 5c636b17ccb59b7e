// The short signed addresses the links of an email go through: /c/<period>/<link>.<signature>.
// The period names the edition (it never changes); the link is the first 8 hex digits of its id,
// which the signature, an HMAC of the edition's and the link's full ids, tells apart from any
// other link sharing them. Nothing in the address says who it was sent to: every reader gets the
// same one.
import { hmac, safeEqual } from '../platform/tokens.ts';

/** Hex digits of the link's id in the address. */
const LINK_PREFIX_LENGTH = 8;
/** Characters of the base64url HMAC kept: 96 bits, far beyond guessing one request at a time. */
const SIGNATURE_LENGTH = 16;

const CLICK_PART = /^([0-9a-f]{8})\.([A-Za-z0-9_-]{16})$/;

/** The last part of a click address as it arrived: the link's id prefix and the signature. */
export type ClickPart = { linkPrefix: string; signature: string };

/** Reads "<8 hex>.<signature>"; undefined for anything else. */
export function parseClickPart(value: string): ClickPart | undefined {
  const match = CLICK_PART.exec(value);
  return match ? { linkPrefix: match[1]!, signature: match[2]! } : undefined;
}

/** Signs and checks click addresses with a key of their own, derived from the server's secret. */
export function createClickSigner(secret: string) {
  // A key of its own: a signature made for clicks is worth nothing to the other tokens the secret keys.
  const key = hmac(secret, 'veille:click-links');
  const signatureOf = (editionId: string, linkId: string) => hmac(key, `${editionId.toLowerCase()}/${linkId.toLowerCase()}`).slice(0, SIGNATURE_LENGTH);

  return {
    /** The path of the click address of a link of an edition. */
    path(edition: { id: string; period: string }, linkId: string): string {
      return `/c/${edition.period}/${linkId.slice(0, LINK_PREFIX_LENGTH).toLowerCase()}.${signatureOf(edition.id, linkId)}`;
    },

    /** True when the signature was made for this edition and this link. */
    verify(editionId: string, linkId: string, signature: string): boolean {
      return safeEqual(signatureOf(editionId, linkId), signature);
    },
  };
}

export type ClickSigner = ReturnType<typeof createClickSigner>;
