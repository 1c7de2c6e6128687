/**
 * The README example extractor (`test/support/readme-examples.ts`) on small Markdown texts, and what it finds
 * in the two READMEs without running anything: every curl example sits in a block the e2e test runs
 * (`test/e2e/readme-examples.test.ts`), no runnable block holds a placeholder a reader would paste, and every
 * bash block that is not run is listed here by name with its reason.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import {
  countCurlCommands,
  fencedBlocks,
  placeholdersIn,
  prepareBlock,
  readmeExamples,
  withoutComment,
  type ExampleTargets,
} from '#test/support/readme-examples.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const README_FILES = ['README.md', 'infra/local/sandbox/README.md'];
const md = (...lines: string[]) => lines.join('\n');

const TARGETS: ExampleTargets = {
  apiUrl: 'http://127.0.0.1:40123',
  sandboxUrl: 'http://127.0.0.1:40124',
  eventsLogPath: '/tmp/x/events.ndjson',
  deadLettersPath: '/tmp/x/dead-letters.ndjson',
};

describe('fencedBlocks', () => {
  it('finds each fence with its language, first line and content, including fences indented in a list item', () => {
    const blocks = fencedBlocks(
      'X.md',
      md('# Title', '', '```bash', 'curl -s http://127.0.0.1:3001/_sandbox/health', '```', '- item:', '', '  ```ts', '  const a = 1;', '    nested();', '  ```', '```', 'no language', '```'),
    );
    expect(blocks.map(({ lang, line, code }) => ({ lang, line, code }))).toEqual([
      { lang: 'bash', line: 3, code: 'curl -s http://127.0.0.1:3001/_sandbox/health' },
      { lang: 'ts', line: 8, code: 'const a = 1;\n  nested();' },
      { lang: '', line: 12, code: 'no language' },
    ]);
  });

  it('takes a not-run reason only from the nearest non-blank line above the fence', () => {
    const blocks = fencedBlocks('X.md', md('<!-- not-run: needs an AWS account -->', '', '```bash', 'npx cdk deploy', '```', '<!-- not-run: far away -->', 'prose', '```bash', 'npm test', '```'));
    expect(blocks.map((b) => b.notRun)).toEqual(['needs an AWS account', undefined]);
  });

  it('does not close a fence on a longer info line or on a fence of the other character', () => {
    const blocks = fencedBlocks('X.md', md('````bash', '```json', '~~~', '````'));
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.code).toBe('```json\n~~~');
  });
});

describe('shell lines', () => {
  it('drops a comment but keeps a # inside quotes or inside a word', () => {
    expect(withoutComment(`curl -d '{"tag":"#1 café ☕"}' http://x/a#b   # answers {"ok":true}`)).toBe(`curl -d '{"tag":"#1 café ☕"}' http://x/a#b   `);
    expect(withoutComment('# a whole-line comment')).toBe('');
  });

  it('counts curl commands in substitutions, pipes and lists, but not in comments, diagrams or other words', () => {
    const code = md(
      'X=$(curl -s http://127.0.0.1:3000/a | node -pe 1)',
      'curl http://127.0.0.1:3000/b && curl -X DELETE http://127.0.0.1:3000/c',
      '# curl -s http://127.0.0.1:3000/commented',
      'tests / curl ───▶ sandbox',
      'echo libcurl --version',
      'curl \\',
      '  "http://127.0.0.1:3000/d"',
    );
    expect(countCurlCommands(code)).toBe(4);
  });

  it('counts a curl whose JSON body spans lines once, with a # inside the body not taken for a comment', () => {
    expect(countCurlCommands(md(`curl -d '{"a":"x #1`, `curl y"}' http://127.0.0.1:3000/e`))).toBe(1);
  });

  it('finds placeholders a reader would paste, and none in comments or real values', () => {
    const code = md(
      'curl "http://127.0.0.1:3000/accounts/1/contacts/<contactId>"',
      `curl -d '{"message_id":"wamid.…"}' http://127.0.0.1:3001/x`,
      'echo "$ANSWER"   # {"wamid":"wamid.HBgM…"}',
      `curl -d '{"body":"Où est ma commande ? 📦 مرحبا"}' "http://127.0.0.1:3000/contacts/$CONTACT_ID"`,
      'grep -c . < events.ndjson',
    );
    expect(placeholdersIn(code)).toEqual(['<contactId>', '…']);
  });
});

describe('prepareBlock', () => {
  it('points the documented addresses at the test stack', () => {
    const code = md('curl http://127.0.0.1:3000/webhook', 'S=http://127.0.0.1:3001', 'tail -n 3 .local/events.ndjson', 'cat .local/dead-letters.ndjson');
    expect(prepareBlock(code, TARGETS)).toBe(
      md('curl http://127.0.0.1:40123/webhook', 'S=http://127.0.0.1:40124', 'tail -n 3 /tmp/x/events.ndjson', 'cat /tmp/x/dead-letters.ndjson'),
    );
  });

  it('refuses a block that would still reach a default port', () => {
    expect(() => prepareBlock('curl http://localhost:3000/webhook', TARGETS)).toThrow(/localhost:3000/);
    expect(() => prepareBlock('curl https://127.0.0.1:3001/x', TARGETS)).toThrow(/127\.0\.0\.1:3001/);
  });

  it('gives the curl command after a "# → HTTP NNN" line that expected status, and only that one', () => {
    const code = md(
      '# → HTTP 422 window_closed: never wrote',
      '',
      'ANSWER=$(curl -X POST \\',
      '  http://127.0.0.1:3000/messages -d @-)',
      'curl http://127.0.0.1:3000/next',
    );
    expect(prepareBlock(code, TARGETS).split('\n')).toEqual([
      '# → HTTP 422 window_closed: never wrote',
      '',
      'ANSWER=$(EXPECT_STATUS=422 curl -X POST \\',
      '  http://127.0.0.1:40123/messages -d @-)',
      'curl http://127.0.0.1:40123/next',
    ]);
  });
});

describe('readmeExamples', () => {
  it('runs bash blocks with curl, skips the others with a reason, and reports curl that no block runs', () => {
    const found = readmeExamples(
      'X.md',
      md(
        '```bash', 'npm start', '```',
        '```bash', 'curl -s http://127.0.0.1:3001/_sandbox/health', 'curl -s http://127.0.0.1:3001/_sandbox/requests', '```',
        '<!-- not-run: needs a deployed stack -->', '```bash', 'curl --aws-sigv4 aws:amz:eu-west-1:execute-api https://api.example/x', '```',
        '```sh', 'curl -s http://127.0.0.1:3000/x', '```',
        'Or run `curl -s http://127.0.0.1:3001/_sandbox/health` by hand; `curl` alone is a word.',
      ),
    );
    expect(found.runnable.map((b) => b.line)).toEqual([4]);
    expect(found.curlCommands).toBe(2);
    expect(found.skipped.map((b) => [b.line, b.reason])).toEqual([
      [1, 'no curl command'],
      [9, 'needs a deployed stack'],
    ]);
    expect(found.strayCurl).toEqual(['X.md:12 (```sh block)', 'X.md: inline `curl -s http://127.0.0.1:3001/_sandbox/health`']);
  });
});

describe.each(README_FILES)('the examples of %s', (file) => {
  const found = readmeExamples(file, readFileSync(`${ROOT}${file}`, 'utf8'));

  it('has runnable curl examples, and no curl example outside a runnable block', () => {
    expect(found.curlCommands).toBeGreaterThan(0);
    expect(found.strayCurl).toEqual([]);
  });

  it('leaves no placeholder in a runnable block: every value is written out or filled by an earlier command', () => {
    const left = found.runnable.flatMap((block) => placeholdersIn(block.code).map((p) => `${file}:${block.line} ${p}`));
    expect(left).toEqual([]);
  });

  it.each(found.skipped.map((block) => [`${block.file}:${block.line} (${block.code.split('\n')[0]})`, block.reason, block] as const))(
    '%s is not run: %s; it does not call the local stack',
    (_name, _reason, block) => {
      expect(block.code).not.toMatch(/127\.0\.0\.1:300[01]|localhost:300[01]|\$S\//);
    },
  );
});
