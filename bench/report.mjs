// Turning measured rows into the ratios issue 7 asks for, and into text tables.
import { RATIOS } from './cases.mjs';

/** The ratios that both of their rows ran for, with target verdicts. */
export function computeRatios(rows) {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return RATIOS.map((ratio) => {
    const num = byId.get(ratio.num);
    const den = byId.get(ratio.den);
    const target = ratio.max !== undefined ? `<= ${ratio.max}x` : ratio.min !== undefined ? `>= ${ratio.min}x` : null;
    const base = { id: ratio.id, label: ratio.label, num: ratio.num, den: ratio.den, target, max: ratio.max, min: ratio.min };
    if (num?.status !== 'ran' || den?.status !== 'ran') return { ...base, value: null, met: null };
    const value = num.median_ns / den.median_ns;
    const met = ratio.max !== undefined ? value <= ratio.max : ratio.min !== undefined ? value >= ratio.min : null;
    return { ...base, value, met };
  });
}

export function formatNs(ns) {
  if (ns === null || ns === undefined) return '-';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} us`;
  if (ns >= 100) return `${ns.toFixed(0)} ns`;
  return `${ns.toFixed(1)} ns`;
}

export function formatRatio(value) {
  if (value === null || value === undefined) return '-';
  return value >= 100 ? `${value.toFixed(0)}x` : value >= 10 ? `${value.toFixed(1)}x` : `${value.toFixed(2)}x`;
}

/** A plain text table: `align` per column, 'l' or 'r'. */
export function table(header, body, align) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => (align[i] === 'r' ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function verdict(ratio, environment) {
  if (ratio.met === null) return ratio.value === null ? 'not measured' : '';
  const word = ratio.met ? 'met' : 'NOT met';
  return environment === 'emulated-guest' ? `${word} (emulated)` : word;
}

/** The report of one run: the rows, then the ratios, then why rows were skipped. */
export function renderRun(result) {
  const { environment: env } = result;
  const reasons = [];
  const note = (reason) => {
    let at = reasons.indexOf(reason);
    if (at === -1) at = reasons.push(reason) - 1;
    return `skipped [${at + 1}]`;
  };
  const rows = result.rows.map((row) => [
    row.group,
    row.label,
    row.status === 'ran' ? row.where : note(row.reason),
    row.status === 'ran' ? formatNs(row.median_ns) : '-',
    row.status === 'ran' ? `${formatNs(row.p25_ns)} .. ${formatNs(row.p75_ns)}` : '-',
  ]);
  const ratios = result.ratios.map((r) => [
    r.label,
    r.value === null ? '-' : formatRatio(r.value),
    r.paired ? `${formatRatio(r.paired.p25)} .. ${formatRatio(r.paired.p75)}` : '',
    r.of_medians === undefined || r.of_medians === null ? '' : formatRatio(r.of_medians),
    r.target ?? '',
    verdict(r, env.name),
  ]);
  const out = [];
  out.push(`mpk benchmark: ${env.name} (${env.label})`);
  out.push(`  ${env.cpu}, ${env.cpus} CPUs, Linux ${env.kernel}, Node ${env.node}; cpu flags pku=${env.cpuFlags.pku} ospke=${env.cpuFlags.ospke}; ${result.keys.length} keys held [${result.keys.join(', ')}]`);
  const load = Math.max(env.loadavg?.[0] ?? 0, result.loadavgAfter?.[0] ?? 0);
  if (load > env.cpus * 0.75) {
    out.push(`  BUSY MACHINE: load average ${load.toFixed(1)} on ${env.cpus} CPUs while measuring; expect noisy numbers.`);
  }
  if (env.name === 'emulated-guest') {
    out.push('  EMULATED: every instruction runs in QEMU TCG; absolute times are not hardware times, and WRPKRU');
    out.push('  is emulated with a software-TLB flush, so allow()/floor ratios are inflated. Compare ratios only.');
  }
  out.push('');
  out.push(table(['group', 'row', 'where', 'median/op', 'p25 .. p75'], rows, ['l', 'l', 'l', 'r', 'r']));
  out.push('');
  out.push(table(['ratio (paired batches)', 'median', 'p25 .. p75', 'of row medians', 'target', 'verdict'], ratios, ['l', 'r', 'r', 'r', 'l', 'l']));
  if (reasons.length > 0) {
    out.push('');
    reasons.forEach((reason, i) => out.push(`[${i + 1}] ${reason}`));
  }
  return out.join('\n');
}

/** Several runs side by side (host and guest): medians per row, then the ratios. */
export function renderComparison(results) {
  const ids = [];
  for (const result of results) for (const row of result.rows) if (!ids.includes(row.id)) ids.push(row.id);
  const find = (result, id) => result.rows.find((row) => row.id === id);
  const names = results.map((r) => r.environment.name);
  const rows = ids.map((id) => {
    const sample = results.map((r) => find(r, id)).find(Boolean);
    return [sample.label, ...results.map((r) => {
      const row = find(r, id);
      return row?.status === 'ran' ? formatNs(row.median_ns) : 'skipped';
    })];
  });
  const ratioIds = results[0].ratios.map((r) => r.id);
  const ratios = ratioIds.map((id) => {
    const first = results[0].ratios.find((r) => r.id === id);
    return [
      first.label,
      first.target ?? '',
      ...results.map((r) => {
        const ratio = r.ratios.find((x) => x.id === id);
        if (!ratio || ratio.value === null) return '-';
        const mark = ratio.met === null ? '' : ratio.met ? ' ok' : ' MISS';
        return `${formatRatio(ratio.value)}${mark}`;
      }),
    ];
  });
  return [
    table(['row (median ns/op)', ...names], rows, ['l', ...names.map(() => 'r')]),
    '',
    table(['ratio', 'target', ...names], ratios, ['l', 'l', ...names.map(() => 'r')]),
  ].join('\n');
}

/** Markdown versions, for the README's Performance section. */
export function renderMarkdown(results) {
  const ids = [];
  for (const result of results) for (const row of result.rows) if (!ids.includes(row.id)) ids.push(row.id);
  const find = (result, id) => result.rows.find((row) => row.id === id);
  const names = results.map((r) => r.environment.name);
  const out = [`| row | ${names.join(' | ')} |`, `| --- | ${names.map(() => '---:').join(' | ')} |`];
  for (const id of ids) {
    const sample = results.map((r) => find(r, id)).find(Boolean);
    out.push(`| ${sample.label} | ${results.map((r) => {
      const row = find(r, id);
      return row?.status === 'ran' ? formatNs(row.median_ns) : 'skipped';
    }).join(' | ')} |`);
  }
  out.push('');
  out.push(`| ratio | target | ${names.join(' | ')} |`, `| --- | --- | ${names.map(() => '---:').join(' | ')} |`);
  for (const first of results[0].ratios) {
    out.push(`| ${first.label} | ${first.target ?? ''} | ${results.map((r) => {
      const ratio = r.ratios.find((x) => x.id === first.id);
      if (!ratio || ratio.value === null) return '-';
      return `${formatRatio(ratio.value)}${ratio.met === null ? '' : ratio.met ? ' (met)' : ' (not met)'}`;
    }).join(' | ')} |`);
  }
  return out.join('\n');
}
