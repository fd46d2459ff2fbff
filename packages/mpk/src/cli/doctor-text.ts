import type { DoctorReport } from './doctor.js';
import { fields } from './format/table.js';

/** `mpk doctor` for people: the verdict first, then one fact per line. */
export function renderDoctor(report: DoctorReport): string {
  const { platform, cpu, keys, pkru, enforcement } = report;
  const bit = (value: boolean | null, what: string) => `${value === null ? 'unknown' : value ? 'set' : 'clear'}  (${what})`;

  const keyLines: [string, string][] = [];
  if (keys.status === 'counted') {
    keyLines.push(['free keys', `${keys.free}: ${keys.freeIds.join(' ') || 'none'}  (${keys.detail})`]);
    keyLines.push([
      'held by others',
      keys.heldByOthers.length === 0 ? 'none: every key 1..15 came back' : keys.heldByOthers.map((held) => `key ${held.key}: ${held.note}`).join('\n'),
    ]);
    keyLines.push([
      'keys in smaps',
      !keys.smapsReportsKeys
        ? 'the kernel prints no ProtectionKey: lines'
        : keys.mappings.length === 0
          ? 'no mapping carries a key other than 0'
          : keys.mappings.map((m) => `key ${m.key}: ${m.range} ${m.perms} ${m.name || '(anonymous)'}`).join('\n'),
    ]);
  } else {
    keyLines.push(['keys', keys.detail]);
  }

  let pkruText = pkru.detail;
  if (pkru.readable && pkru.described !== null) {
    const [header, ...lines] = pkru.described.split('\n');
    const width = Math.max(...lines.map((line) => line.length));
    const annotated = lines.map((line, key) => {
      const note = pkru.keys[key]?.note ?? '';
      return note ? `${line.padEnd(width)}  ${note}` : line;
    });
    pkruText = [`${header}: ${pkru.detail}`, ...annotated].join('\n');
  }

  const enforcementText =
    enforcement.status === 'passed'
      ? `passed: ${enforcement.detail}\n${enforcement.faultLine ?? ''}`
      : enforcement.status === 'skipped'
        ? enforcement.detail
        : `FAILED: ${enforcement.detail}${enforcement.faultLine ? `\n${enforcement.faultLine}` : ''}`;

  return [
    report.verdict.line,
    '',
    fields([
      ['platform', `${platform.os}/${platform.arch}, kernel ${platform.kernel}`],
      ['node', `${platform.node} (V8 ${platform.v8})`],
      ['implementation', `${report.implementation.name}: ${report.implementation.reason}`],
      ['cpu', `${cpu.vendor || 'unknown vendor'}, ${cpu.model ?? 'unknown model'}: ${cpu.where}`],
      ['CPUID PKU', bit(cpu.pku, 'CPUID.(EAX=7,ECX=0):ECX bit 3: the CPU has protection keys')],
      ['CPUID OSPKE', bit(cpu.ospke, 'ECX bit 4: the OS enabled them, so RDPKRU/WRPKRU are legal')],
      ['support', `${report.support.supported ? 'supported' : 'not supported'}: ${report.support.reason}`],
      ...keyLines,
      ['PKRU', pkruText],
      ['enforcement', enforcementText.trimEnd()],
    ]),
  ].join('\n');
}
