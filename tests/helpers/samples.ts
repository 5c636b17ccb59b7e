// The JSON shape of the reference editions copied in tests/fixtures/samples (from shared/samples).
export type SampleLink = { title: string; url: string; commentary: string; children: SampleLink[] };
export type Sample = {
  title: string;
  period: string;
  tags: string[];
  intro: string;
  categories: Array<{ name: string; links: SampleLink[] }>;
  freeSections: Array<{ heading: string; body: string }>;
  outro: string;
};
