/**
 * Slurm's time-limit notation (sbatch --time): "minutes", "minutes:seconds", "hours:minutes:seconds",
 * "days-hours", "days-hours:minutes" and "days-hours:minutes:seconds". Parsed here so that a typo is
 * refused with the configuration instead of by sbatch after the first jobs were already queued.
 */

const WITH_DAYS = /^(\d+)-(\d+)(?::(\d+))?(?::(\d+))?$/;
const WITHOUT_DAYS = /^(\d+)(?::(\d+))?(?::(\d+))?$/;

/** The limit in seconds, or null when `text` is not in one of Slurm's forms. */
export function parseSlurmTime(text: string): number | null {
  const s = text.trim();
  const days = WITH_DAYS.exec(s);
  if (days) {
    const [, d, h, m = '0', sec = '0'] = days;
    return ((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60 + Number(sec);
  }
  const plain = WITHOUT_DAYS.exec(s);
  if (!plain) return null;
  const parts = plain.slice(1).filter((p): p is string => p !== undefined).map(Number);
  // One number is minutes, two are minutes:seconds, three hours:minutes:seconds.
  if (parts.length === 1) return parts[0]! * 60;
  if (parts.length === 2) return parts[0]! * 60 + parts[1]!;
  return (parts[0]! * 60 + parts[1]!) * 60 + parts[2]!;
}
