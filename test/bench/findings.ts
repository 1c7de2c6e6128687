/**
 * What the bench concludes from a run, kept apart from how it measured: **findings** are outcomes Relais does not
 * promise (a lost, doubled or reordered-by-Relais message, a rate-limit error, a refused put, a failed webhook);
 * **caveats** are what the figures need read with them, including behaviour that is expected and documented (the bus
 * not ordering separate `PutEvents` calls, a run whose rate this machine, not the pacer, set). Pure functions: the
 * orchestrator (`run.ts`) prints and stores what they return.
 */

/** One message of a send run, as the bench saw it at each stage. */
export interface OrderedMessage {
  readonly recipient: string;
  /** Its number in the recipient's requested sequence (`#k`): the order the bench put them on the bus. */
  readonly requested: number;
  /**
   * Its position in the order Relais accepted messages: the SQS sequence number the request-send consumer's
   * `SendMessage` got on the outbound FIFO lane, compared as a number. Undefined when that call was not observed.
   */
  readonly accepted: bigint | undefined;
  /** Its position in the order the sandbox ("Meta") accepted sends: its request log's `seq`. */
  readonly sent: number;
}

/** Messages that came after a later one of the same recipient, in one stage's order. */
export interface Inversions {
  readonly count: number;
  readonly recipients: number;
  /** Up to ten: the requested number that came late and the higher requested number already seen. */
  readonly examples: ReadonlyArray<{ readonly recipient: string; readonly late: number; readonly after: number }>;
}

/** The per-conversation order of one send run, stage by stage. */
export interface OrderFigure {
  readonly messages: number;
  /** What the customer saw: the sandbox's order against the requested order. */
  readonly requestedToSent: Inversions;
  /**
   * Order already lost before Relais accepted the messages: its acceptance order against the requested order.
   * Undefined when no acceptance was observed (`--no-count`).
   */
  readonly requestedToAccepted: Inversions | undefined;
  /** Order lost by Relais: the sandbox's order against Relais's acceptance order. Undefined as above. */
  readonly acceptedToSent: Inversions | undefined;
  /** Messages the sandbox accepted whose acceptance by Relais was not observed (left out of the two figures above). */
  readonly unobserved: number;
}

const EXAMPLES = 10;

/**
 * Walks `messages` in stage order (`position`) and counts, per recipient, each message whose `rank` is below the
 * highest rank already seen: the message arrived after one it should have followed.
 */
function inversions<T extends { recipient: string; requested: number }>(
  messages: readonly T[],
  position: (m: T) => bigint | number,
  rank: (m: T) => bigint | number,
): Inversions {
  const ordered = [...messages].sort((a, b) => {
    const pa = position(a);
    const pb = position(b);
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  });
  const highest = new Map<string, { rank: bigint | number; requested: number }>();
  const recipients = new Set<string>();
  const examples: Array<{ recipient: string; late: number; after: number }> = [];
  let count = 0;
  for (const m of ordered) {
    const top = highest.get(m.recipient);
    const r = rank(m);
    if (top !== undefined && r < top.rank) {
      count++;
      recipients.add(m.recipient);
      if (examples.length < EXAMPLES) examples.push({ recipient: m.recipient, late: m.requested, after: top.requested });
    } else {
      highest.set(m.recipient, { rank: r, requested: m.requested });
    }
  }
  return { count, recipients: recipients.size, examples };
}

/** The order figure of a send run: where, between the bench's puts and the sandbox, per-recipient order was lost. */
export function orderFigure(messages: readonly OrderedMessage[]): OrderFigure {
  const observed = messages.filter((m): m is OrderedMessage & { accepted: bigint } => m.accepted !== undefined);
  const anyObserved = observed.length > 0;
  return {
    messages: messages.length,
    requestedToSent: inversions(messages, (m) => m.sent, (m) => m.requested),
    requestedToAccepted: anyObserved ? inversions(observed, (m) => m.accepted, (m) => m.requested) : undefined,
    acceptedToSent: anyObserved ? inversions(observed, (m) => m.sent, (m) => m.accepted) : undefined,
    unobserved: messages.length - observed.length,
  };
}

/** What one send run contributes to the conclusions. */
export interface SendRunFacts {
  readonly label: string;
  readonly configuredPerSecond: number;
  readonly sustainedPerSecond: number | undefined;
  readonly requested: number;
  readonly missing: number;
  readonly acceptDeadlineSeconds: number;
  readonly putFailures: number;
  readonly idleReached: boolean;
  readonly idleDeadlineSeconds: number;
  readonly windowsFailed: number;
  readonly duplicates: number;
  readonly rateLimitErrors: number;
  readonly order: OrderFigure;
}

export interface WebhookRunFacts {
  readonly scenario: string;
  readonly non2xx: number;
  readonly errors: number;
}

export interface Conclusions {
  readonly findings: readonly string[];
  readonly caveats: readonly string[];
}

/** A sustained rate below this share of the configured one is a shortfall worth a line. */
const SHORTFALL = 0.9;
/** Where Relais documents the order it keeps; the bench README repeats it. */
const ORDER_DOC = 'README "Order": EventBridge does not order separate PutEvents calls';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const exampleText = (i: Inversions) =>
  i.examples
    .slice(0, 3)
    .map((e) => `r${e.recipient} #${e.late} after #${e.after}`)
    .join(', ');

function orderConclusions(run: SendRunFacts, findings: string[], caveats: string[]): void {
  const { requestedToSent, requestedToAccepted, acceptedToSent, unobserved } = run.order;
  if (acceptedToSent === undefined || requestedToAccepted === undefined) {
    if (requestedToSent.count > 0) {
      findings.push(
        `${run.label}: ${plural(requestedToSent.count, 'message')} reached the sandbox after a later-numbered one to the same recipient ` +
          `(${plural(requestedToSent.recipients, 'recipient')}; e.g. ${exampleText(requestedToSent)}); where the order was lost is unknown: ` +
          'Relais\'s acceptance order is read from the AWS calls, not observed with --no-count',
      );
    }
    return;
  }
  if (acceptedToSent.count > 0) {
    findings.push(
      `${run.label}: Relais sent ${plural(acceptedToSent.count, 'message')} to the sandbox out of the order it accepted them ` +
        `(${plural(acceptedToSent.recipients, 'recipient')}; e.g. ${exampleText(acceptedToSent)}): it promises the accepted order per recipient`,
    );
  }
  if (requestedToAccepted.count > 0) {
    caveats.push(
      `${run.label}: ${plural(requestedToAccepted.count, 'message')} (${plural(requestedToAccepted.recipients, 'recipient')}) were already out of ` +
        `the bench's order when Relais accepted them (e.g. ${exampleText(requestedToAccepted)}), before any ordering promise applies ` +
        `(${ORDER_DOC}); Relais then sent ${acceptedToSent.count === 0 ? 'every accepted message in its accepted order' : 'the rest in their accepted order'}`,
    );
  }
  if (unobserved > 0) {
    caveats.push(`${run.label}: Relais's acceptance of ${plural(unobserved, 'message')} was not observed; they are left out of the order split`);
  }
}

/**
 * Findings and caveats of a bench run, from its facts. General caveats (how to read figures from a shared machine and
 * emulators) are the caller's: this function says only what the run's own numbers mean.
 */
export function concludeRun(input: { readonly webhook: readonly WebhookRunFacts[]; readonly send: readonly SendRunFacts[]; readonly stoppedEarly?: string }): Conclusions {
  const findings: string[] = [];
  const caveats: string[] = [];
  for (const w of input.webhook) {
    if (w.non2xx > 0 || w.errors > 0) findings.push(`webhook ${w.scenario}: ${plural(w.non2xx, 'non-2xx answer')} and ${plural(w.errors, 'connection error')} (Meta retries them, but each one is a delivery Relais did not take)`);
  }
  // The machine's capacity, as far as this run shows it: the best sustained rate of any send run.
  const capacity = Math.max(0, ...input.send.map((s) => s.sustainedPerSecond ?? 0));
  for (const s of input.send) {
    if (s.missing > 0) findings.push(`${s.label}: ${plural(s.missing, 'message')} never reached the sandbox within ${s.acceptDeadlineSeconds} s`);
    if (s.putFailures > 0) findings.push(`${s.label}: the bus refused ${s.putFailures} SendRequested entries`);
    if (s.windowsFailed > 0) findings.push(`${s.label}: ${plural(s.windowsFailed, 'customer message')} (window openings) not acknowledged by Relais`);
    if (s.duplicates > 0) findings.push(`${s.label}: ${plural(s.duplicates, 'message')} reached the sandbox twice`);
    if (s.rateLimitErrors > 0) findings.push(`${s.label}: the sandbox answered ${plural(s.rateLimitErrors, 'rate-limit error')} (130429/131056), which Relais's pacing is there to avoid`);
    if (!s.idleReached) findings.push(`${s.label}: the stack was not idle ${s.idleDeadlineSeconds} s after the sends; AWS counts miss the rest of the status processing`);
    orderConclusions(s, findings, caveats);

    const sustained = s.sustainedPerSecond;
    if (sustained !== undefined && sustained < SHORTFALL * s.configuredPerSecond) {
      const share = `${Math.round((sustained / s.configuredPerSecond) * 100)} %`;
      if (s.configuredPerSecond * SHORTFALL > capacity) {
        caveats.push(`${s.label}: sustained ${sustained.toFixed(1)} sends/s, ${share} of the configured ${s.configuredPerSecond}: no run went faster than ${capacity.toFixed(1)}/s, so this machine, not the pacer, set the rate`);
      } else {
        findings.push(`${s.label}: sustained ${sustained.toFixed(1)} sends/s, ${share} of the configured ${s.configuredPerSecond}, although another run reached ${capacity.toFixed(1)}/s: the pacer held sends back`);
      }
    }
  }
  if (input.stoppedEarly !== undefined) findings.push(`the run stopped early: ${input.stoppedEarly}`);
  return { findings, caveats };
}
