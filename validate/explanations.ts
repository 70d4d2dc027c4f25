// Why a figure differs by more than 5 %: filled in from investigating the measured runs. A key is
// `<case id>:<metric label suffix>`; anything not listed is reported as unexplained so a new
// disagreement is never hidden.

import type { Figure } from './metrics.js';

const EXPLANATIONS: { test: (caseId: string, f: Figure) => boolean; text: string }[] = [];

export function explain(caseId: string, f: Figure): string {
  const hit = EXPLANATIONS.find((e) => e.test(caseId, f));
  return hit ? hit.text : 'UNEXPLAINED — investigate before trusting this case.';
}
