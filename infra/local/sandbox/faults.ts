import { z } from 'zod';

import { parseControlInput } from './control-input.js';
import { SEND_FAULT_KINDS, TEMPLATE_LIST_FAULT_KINDS, type ActiveFault, type FaultKind, type FaultSpec } from './types.js';

/**
 * Injected failures for message sends (not mark-as-read), applied in the order they were set:
 * - `http500`: HTTP 500, code 131000; the message is not accepted;
 * - `throttle`: HTTP 400, code 130429; not accepted;
 * - `pair_rate`: HTTP 400, code 131056; not accepted;
 * - `timeout`: the send is processed normally (accepted, statuses follow), but the answer is held for
 *   `holdMs`, longer than a client's timeout: the "outcome unknown" case.
 * and for template listings (`GET /{waba-id}/message_templates`), Meta's Business Use Case rate limits
 * (https://developers.facebook.com/docs/graph-api/overview/rate-limiting#whatsapp-business-management-api):
 * - `app_rate_limit`: HTTP 400, code 4; `waba_rate_limit`: HTTP 400, code 80007.
 * A fault lasts for `count` requests of its kind and/or `durationMs` of sandbox time; with neither, one request.
 */
export class FaultInjector {
  private faults: Array<{ id: number; kind: FaultKind; remaining: number | null; until: number | null; holdMs: number }> = [];
  private nextId = 1;

  constructor(
    private readonly clock: () => number,
    private readonly defaultHoldMs: number,
  ) {}

  add(spec: FaultSpec): ActiveFault {
    const now = this.clock();
    const fault = {
      id: this.nextId++,
      kind: spec.kind,
      remaining: spec.count ?? (spec.durationMs === undefined ? 1 : null),
      until: spec.durationMs === undefined ? null : now + spec.durationMs,
      holdMs: spec.holdMs ?? this.defaultHoldMs,
    };
    this.faults.push(fault);
    return { ...fault };
  }

  clear(): void {
    this.faults = [];
  }

  active(): ActiveFault[] {
    const now = this.clock();
    this.faults = this.faults.filter((f) => (f.remaining === null || f.remaining > 0) && (f.until === null || now < f.until));
    return this.faults.map((f) => ({ ...f }));
  }

  /** The fault among `kinds` that applies to the request arriving now, consuming one use of it. */
  take(kinds: readonly FaultKind[]): ActiveFault | undefined {
    const fault = this.active().find((f) => kinds.includes(f.kind));
    if (fault === undefined) return undefined;
    const stored = this.faults.find((f) => f.id === fault.id)!;
    if (stored.remaining !== null) stored.remaining -= 1;
    return fault;
  }
}

const FaultSpecSchema = z.strictObject({
  kind: z.enum([...SEND_FAULT_KINDS, ...TEMPLATE_LIST_FAULT_KINDS]),
  count: z.number().int().min(1).optional(),
  durationMs: z.number().int().min(1).optional(),
  holdMs: z.number().int().min(0).max(600_000).optional(),
});

/** One fault or an array of them, from `POST /_sandbox/faults`. */
export function parseFaultSpecs(input: unknown): FaultSpec[] {
  if (Array.isArray(input)) return parseControlInput(z.array(FaultSpecSchema).min(1, 'give at least one fault'), input);
  return [parseControlInput(FaultSpecSchema, input)];
}
