// Which requests of a click address are a reader following a link, and which are machines: link
// previews, mail security gateways and scripts by their user agent, and, for scanners that pass
// for browsers (Microsoft's Safe Links, Mimecast, Proofpoint...), their way of opening every link
// of a message within a second or two of its delivery. The address holds no reader, so that burst
// is looked for per visitor (a keyed hash of the client's address and the edition) over the last
// minute, and nothing else is kept.

/** How long a visitor's clicks are remembered, to tell a repeat or a burst. */
export const WINDOW_MS = 60_000;
/** Distinct links opened within this long by one visitor make a burst. */
export const BURST_MS = 2_000;
/** How many distinct links within BURST_MS make a burst (fewer when the edition has fewer links). */
export const BURST_LINKS = 3;

// Link previews, crawlers, mail security gateways that say who they are, HTTP libraries and
// headless browsers. Real browsers and the mail apps' built-in browsers match none of these.
const SCANNER_AGENTS = [
  // "…bot" as a word (Googlebot, Slackbot-LinkExpanding, Twitterbot), but not the phone maker Cubot.
  /(?<!cu)bot\b/i,
  /crawler|spider|scanner|preview|fetcher|monitor|validator|checker|headless|phantomjs|puppeteer|playwright|selenium|lighthouse/i,
  /facebookexternalhit|whatsapp|skypeuripreview|embedly|vkshare|iframely/i,
  /barracuda|mimecast|proofpoint|trend ?micro|symantec|forcepoint|sophos|ironport|fireeye|trellix|zscaler|cloudmark|mailcontrol|\bvade\b|hornetsecurity|safelinks/i,
  // Office's own requests before it hands a link to the browser (protocol and existence discovery, previews).
  /microsoft office|ms-office|microsoft outlook|microsoft-webdav/i,
  /^(curl|wget|httpie|python|aiohttp|httpx|go-http-client|java\/|okhttp|apache-httpclient|libwww-perl|lwp|node|axios|undici|got\b|ruby|php|guzzle|powershell|windowspowershell|dart|reqwest|deno)/i,
  /\b(python-requests|python-urllib|go-http-client|okhttp|apache-httpclient|node-fetch|axios|winhttp)\b/i,
];

/** True when the user agent is one of a machine: a click it makes is not counted. */
export function isScannerAgent(userAgent: string | undefined): boolean {
  const agent = (userAgent ?? '').trim();
  // Browsers always say who they are.
  if (agent === '') return true;
  return SCANNER_AGENTS.some((pattern) => pattern.test(agent));
}

/** One click of the visitor remembered in the window. */
export type WindowEntry = { id: number; linkId: string; at: Date; countedHour: Date | null; scanner: boolean };

/**
 * What a click is: `count` a reader following a link; `repeat` the same visitor on the same link
 * within the window (a double click, a reload: counted once); `scanner` a visitor who opened
 * several links at once, whose clicks of that burst counted so far (`uncount`) are taken back,
 * and whose further clicks in the window do not count.
 */
export type ClickVerdict = { kind: 'count' } | { kind: 'repeat' } | { kind: 'scanner'; uncount: WindowEntry[] };

/** Judges a click from what the window remembers of the same visitor on the same edition. */
export function judgeClick(input: { window: WindowEntry[]; linkId: string; now: Date; linksInEdition: number }): ClickVerdict {
  const now = input.now.getTime();
  const recent = input.window.filter((entry) => now - entry.at.getTime() < WINDOW_MS);
  if (recent.some((entry) => entry.scanner)) return { kind: 'scanner', uncount: [] };
  if (recent.some((entry) => entry.linkId === input.linkId)) return { kind: 'repeat' };
  // An edition of two links: both opened at once is the burst; of one link, no burst can tell.
  const threshold = Math.max(2, Math.min(BURST_LINKS, input.linksInEdition));
  const burst = recent.filter((entry) => now - entry.at.getTime() <= BURST_MS);
  const distinct = new Set([...burst.map((entry) => entry.linkId), input.linkId]);
  if (distinct.size >= threshold) return { kind: 'scanner', uncount: burst.filter((entry) => entry.countedHour !== null) };
  return { kind: 'count' };
}

/** The start of the hour an instant falls in: the bucket its click is counted in. */
export function hourOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);
}
