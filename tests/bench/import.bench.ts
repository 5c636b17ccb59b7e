// Importing a long-running newsletter: BENCH_EDITIONS generated Markdown editions (500 by default)
// of BENCH_LINKS links each (40), in the shape of the reference samples (TOML front matter, ten
// sections, "* [title](url) : commentary" items, a nested item now and then, a tip of the month),
// zipped as an editor would upload them. Measures the whole import as the admin runs it (reading
// the zip, the dry run, then one transaction per edition) and the process's peak RSS.
// Target: 500 editions of 40 links in under 60 s.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { zip } from '../helpers/zip.ts';
import { startBenchApp } from './harness.ts';
import { OPERATOR } from '../../apps/domain/accounts/roles.ts';

const EDITIONS = Number(process.env.BENCH_EDITIONS ?? 500);
const LINKS = Number(process.env.BENCH_LINKS ?? 40);
const GOAL_SECONDS = 60;
const SECTIONS = ['Container & Orchestration', 'Infrastructure', '(No)SQL', 'Data', 'IoT', 'Python', 'Time Series', 'Web', 'API', 'Sécurité'];
const MONTHS = ['Janvier', 'Février', 'Mars', 'Avril', 'Mai', 'Juin', 'Juillet', 'Août', 'Septembre', 'Octobre', 'Novembre', 'Décembre'];

/** One generated edition, as a static site would keep it. */
function edition(index: number): { name: string; text: string } {
  const year = 1990 + Math.floor(index / 12);
  const month = (index % 12) + 1;
  const period = `${year}-${String(month).padStart(2, '0')}`;
  const lines = [
    '+++',
    `title = "Web, Ops & Data - ${MONTHS[month - 1]!} ${year}"`,
    `date = ${period}-28`,
    '[taxonomies]',
    `tags = ["postgres", "kubernetes", "python", "edition-${index}"]`,
    '+++',
    '',
    `Le mois de ${MONTHS[month - 1]!.toLowerCase()} ${year} en quelques liens, avec nos commentaires.`,
    '',
  ];
  const perSection = Math.ceil(LINKS / SECTIONS.length);
  let written = 0;
  for (const section of SECTIONS) {
    lines.push(`## ${section}`, '');
    for (let item = 0; item < perSection && written < LINKS; item++, written++) {
      const url = `https://links.example/${period}/${written + 1}-article-${section.toLowerCase().replace(/[^a-z]+/g, '-')}`;
      lines.push(
        `* [Article ${written + 1} sur ${section} en ${year}](${url}) : un commentaire de la rédaction sur l’article ${written + 1}, avec **un avis**, du \`code\` et [une référence](https://links.example/ref/${index}/${written}). De quoi décider s’il vaut la lecture.`,
      );
      if (written % 10 === 9) lines.push(`    * [Un lien complémentaire ${written}](${url}/suite) : pour aller plus loin.`);
    }
    lines.push('');
  }
  lines.push('## Astuce du mois', '', 'Lister les conteneurs arrêtés :', '', '```', 'docker ps -a --filter status=exited', '```', '');
  return { name: `content/editions/${period}-web-ops-data.md`, text: lines.join('\n') };
}

const folder = await mkdtemp(path.join(os.tmpdir(), 'veille-import-bench-'));
const bench = await startBenchApp();
try {
  const files = Array.from({ length: EDITIONS }, (_, index) => edition(index));
  const archive = await zip(Object.fromEntries(files.map((file) => [file.name, file.text])));
  const archivePath = path.join(folder, 'editions.zip');
  await writeFile(archivePath, archive);
  const totalLinks = files.length * (LINKS + Math.floor(LINKS / 10));
  process.stdout.write(
    `generated ${EDITIONS} editions of ${LINKS} links (+ nested items: ${totalLinks} links in all), ${(archive.length / 1024 / 1024).toFixed(1)} MB zipped\n`,
  );

  const { imports } = bench.runtime.services;
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const started = performance.now();
  const prepared = await imports.prepare({ actor: OPERATOR, source: { kind: 'upload', filename: 'editions.zip', bytes: archive } });
  const dryRunSeconds = (performance.now() - started) / 1000;
  const report = await imports.find({ actor: OPERATOR, id: prepared.id });
  if (report.report.problems.length > 0) throw new Error(`unexpected problems: ${JSON.stringify(report.report.problems.slice(0, 3))}`);
  await imports.start({ actor: OPERATOR, id: prepared.id });
  await imports.runPrepared({ importId: prepared.id });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const done = await imports.find({ actor: OPERATOR, id: prepared.id });
  const outcome = done.report.outcome!;
  if (done.status !== 'done' || outcome.created !== EDITIONS) throw new Error(`import ${done.status}: ${JSON.stringify(outcome)}`);
  const editions = await bench.runtime.services.editions.list();
  const links = editions.reduce((sum, row) => sum + row.linkCount, 0);

  const rows = [
    ['step', 'seconds'],
    ['dry run (read the zip, parse, assess)', dryRunSeconds.toFixed(1)],
    ['whole import (dry run + one transaction per edition)', seconds.toFixed(1)],
  ];
  process.stdout.write('\n');
  for (const row of rows) process.stdout.write(`${row[0]!.padEnd(56)}${row[1]}\n`);
  process.stdout.write(
    `\n${outcome.created} editions and ${links} links imported (${Math.round(links / seconds)} links/s); peak RSS ${(peak / 1024 / 1024).toFixed(0)} MB\n` +
      `goal: ${EDITIONS} editions of ${LINKS} links in under ${GOAL_SECONDS} s: ${seconds < GOAL_SECONDS ? 'met' : 'MISSED'} (${seconds.toFixed(1)} s)\n`,
  );
} finally {
  await bench.close();
  await rm(folder, { recursive: true, force: true });
}
