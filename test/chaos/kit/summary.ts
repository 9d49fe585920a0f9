import { appendFileSync } from 'node:fs';

/** One row of the table `npm run test:chaos` prints at the end (test/chaos/summary-reporter.js). */
export interface ScenarioRow {
  scenario: string;
  load: string;
  fault: string;
  accepted: number;
  lost: number;
  duplicated: number;
  /** Seconds from the heal until the system answered and drained normally again; null when nothing was cut. */
  recovered_s: number | null;
}

/** Records a scenario's figures (before its assertions, so a failing run still shows them) and prints them. */
export function recordScenario(row: ScenarioRow): void {
  const file = process.env.PAYGRID_CHAOS_SUMMARY;
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
  console.log(`chaos: ${JSON.stringify(row)}`);
}
