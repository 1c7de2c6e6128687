import { startLocalStack, LOCAL_SECRET_DEFAULTS } from '../../infra/local/stack.js';
import { webhookBodyFactory } from './webhook-payloads.js';
const stack = await startLocalStack({ port: 0, sandboxPort: 0, eventsLogPath: '/tmp/bench-diag.ndjson' });
try {
  const f = webhookBodyFactory('batch100', LOCAL_SECRET_DEFAULTS.appSecret, 'diag');
  for (let i = 0; i < 5; i++) {
    const { body, signature } = f.body(i);
    const t = performance.now();
    const r = await fetch(`${stack.apiUrl}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } });
    console.log('batch100', r.status, (performance.now() - t).toFixed(0), 'ms', body.length, 'bytes', await r.text());
    await stack.whenIdle();
  }
  const s = webhookBodyFactory('single', LOCAL_SECRET_DEFAULTS.appSecret, 'diag');
  for (let i = 0; i < 5; i++) {
    const { body, signature } = s.body(i);
    const t = performance.now();
    const r = await fetch(`${stack.apiUrl}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } });
    console.log('single', r.status, (performance.now() - t).toFixed(0), 'ms', await r.text());
  }
} finally { await stack.stop(); }
