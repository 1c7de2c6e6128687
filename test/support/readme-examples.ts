/**
 * The README's curl examples, found and run as a newcomer would paste them (`test/e2e/readme-examples.test.ts`).
 *
 * What counts, in a Markdown file:
 * - A **runnable block** is a fenced ```bash block holding at least one curl command, unless the line above it
 *   is `<!-- not-run: reason -->`. A file's runnable blocks run in order in one bash session (later ones use
 *   earlier ones' variables), from the repository root, with `bash -euo pipefail`.
 * - A **skipped block** is any other ```bash block: marked not-run (its reason given), or with no curl command.
 * - A curl command anywhere else (another fence language, an inline code span) is an example no test runs, and
 *   so a defect; so is a placeholder (`<contactId>`, `…`) left in a runnable block, which a reader would paste.
 *
 * How a block is run: the documented addresses (`http://127.0.0.1:3000`, `:3001`, `.local/events.ndjson`) are
 * replaced by the test stack's, and `curl` is a shell function (`readme-example-curl.bash`) that calls the real
 * curl (without any `.curlrc`) and checks the answer: a 2xx, or exactly the status that a `# → HTTP 422 …`
 * comment line above the command documents. Each call is recorded, so a test can check that every curl command
 * of the file ran.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A fenced code block of a Markdown file. */
export interface FencedBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** First word of the info string (`bash`, `json`, …), `''` when there is none. */
  readonly lang: string;
  /** The content, with the fence's own indentation removed (fences inside list items are indented). */
  readonly code: string;
  /** The reason of a `<!-- not-run: reason -->` comment on the nearest non-blank line above the fence. */
  readonly notRun?: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)/;
const NOT_RUN = /^\s*<!--\s*not-run:\s*(.*?)\s*-->\s*$/;

/** Every fenced code block of `markdown`, in order. An unclosed fence runs to the end of the file, as in CommonMark. */
export function fencedBlocks(file: string, markdown: string): FencedBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (open === null) continue;
    const [, indent = '', fence = '', lang = ''] = open;
    const content: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const candidate = lines[j]!.trim();
      if (candidate.startsWith(fence) && candidate.split('').every((c) => c === fence[0])) break;
      content.push(stripIndent(lines[j]!, indent.length));
    }
    let above = i - 1;
    while (above >= 0 && lines[above]!.trim() === '') above--;
    const marker = above >= 0 ? NOT_RUN.exec(lines[above]!) : null;
    blocks.push({ file, line: i + 1, lang, code: content.join('\n'), ...(marker === null ? {} : { notRun: marker[1]! }) });
    i = j;
  }
  return blocks;
}

function stripIndent(line: string, width: number): string {
  let cut = 0;
  while (cut < width && cut < line.length && line[cut] === ' ') cut++;
  return line.slice(cut);
}

/**
 * The command part of one shell line: everything before a `#` that starts a word outside quotes. Quotes are
 * tracked across lines (`state`), as a JSON body in single quotes often spans several.
 */
export function withoutComment(line: string, state: { quote: "'" | '"' | null } = { quote: null }): string {
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (state.quote !== null) {
      if (c === '\\' && state.quote === '"') i++;
      else if (c === state.quote) state.quote = null;
      continue;
    }
    if (c === '\\') i++;
    else if (c === "'" || c === '"') state.quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** The lines of `code` without their comments (same count and order, so line numbers still hold). */
export function commandLines(code: string): string[] {
  const state: { quote: "'" | '"' | null } = { quote: null };
  return code.split('\n').map((line) => withoutComment(line, state));
}

// curl as a command word, followed by an argument (an option, a quoted or variable URL, a URL, or a line break):
// `tests / curl ───▶` in a diagram is not a command.
const CURL_WORD = /(^|[\s;&|(`])curl(?=\s+(?:[-"'$\\]|https?:)|\s*\\?$)/g;

/** How many curl commands `code` holds (comments left out): each one runs once when the block runs. */
export function countCurlCommands(code: string): number {
  return commandLines(code).reduce((n, line) => n + [...line.matchAll(CURL_WORD)].length, 0);
}

/** A placeholder a reader would paste as is: `<contactId>`, `<AppSecretArn>`, or `…` standing for elided text. */
const PLACEHOLDER = /<[A-Za-z][\w .:-]*>|…/g;

/** Placeholders in the commands of `code` (comments may say `…`: they are not pasted as values). */
export function placeholdersIn(code: string): string[] {
  return commandLines(code).flatMap((line) => [...line.matchAll(PLACEHOLDER)].map((m) => m[0]));
}

/** A curl command in an inline code span, outside any fence: an example that no block runs. */
export function inlineCurlExamples(markdown: string): string[] {
  const found: string[] = [];
  let inFence: string | null = null;
  for (const line of markdown.split(/\r?\n/)) {
    const fence = FENCE.exec(line);
    if (fence !== null) {
      if (inFence === null) inFence = fence[2]!;
      else if (line.trim().startsWith(inFence)) inFence = null;
      continue;
    }
    if (inFence !== null) continue;
    for (const m of line.matchAll(/`([^`]*)`/g)) if (/^\s*curl\s/.test(m[1]!)) found.push(m[1]!);
  }
  return found;
}

/** A Markdown file's examples, sorted into what runs, what is skipped (and why) and what no test could run. */
export interface ReadmeExamples {
  readonly file: string;
  readonly runnable: readonly FencedBlock[];
  readonly skipped: readonly (FencedBlock & { readonly reason: string })[];
  /** Curl commands outside runnable blocks: fences of another language, marked blocks, inline spans. */
  readonly strayCurl: readonly string[];
  /** Curl commands in the runnable blocks: how many calls a full run makes. */
  readonly curlCommands: number;
}

export function readmeExamples(file: string, markdown: string): ReadmeExamples {
  const runnable: FencedBlock[] = [];
  const skipped: (FencedBlock & { reason: string })[] = [];
  const strayCurl: string[] = [];
  for (const block of fencedBlocks(file, markdown)) {
    const curls = countCurlCommands(block.code);
    if (block.lang === 'bash' && block.notRun === undefined && curls > 0) {
      runnable.push(block);
      continue;
    }
    if (block.lang === 'bash') skipped.push({ ...block, reason: block.notRun ?? 'no curl command' });
    // A marked block may hold curl (a call to a deployed API, say); it is listed as skipped with its reason.
    if (curls > 0 && !(block.lang === 'bash' && block.notRun !== undefined)) {
      strayCurl.push(`${file}:${block.line} (\`\`\`${block.lang || 'no language'} block)`);
    }
  }
  for (const span of inlineCurlExamples(markdown)) strayCurl.push(`${file}: inline \`${span}\``);
  return { file, runnable, skipped, strayCurl, curlCommands: runnable.reduce((n, b) => n + countCurlCommands(b.code), 0) };
}

// ---------------------------------------------------------------------------------------------------------------
// Running the blocks
// ---------------------------------------------------------------------------------------------------------------

/** Where the documented addresses point in this run. */
export interface ExampleTargets {
  /** Replaces `http://127.0.0.1:3000` (the HTTP API, `PORT`). */
  readonly apiUrl: string;
  /** Replaces `http://127.0.0.1:3001` (the Cloud API sandbox, `SANDBOX_PORT`). */
  readonly sandboxUrl: string;
  /** Replaces `.local/events.ndjson`. */
  readonly eventsLogPath: string;
  /** Replaces `.local/dead-letters.ndjson`. */
  readonly deadLettersPath: string;
}

const DEFAULT_PORT = /\b(?:127\.0\.0\.1|localhost):300[01]\b/;
const EXPECTED_STATUS = /^\s*#\s*→\s*HTTP\s+(\d{3})\b/;

/**
 * `code` as it runs against `targets`: addresses replaced, and the curl command after each `# → HTTP NNN` line
 * prefixed with `EXPECT_STATUS=NNN`. Throws if a default port is still named (a test must never reach it).
 */
export function prepareBlock(code: string, targets: ExampleTargets): string {
  const replaced = code
    .replaceAll('http://127.0.0.1:3000', targets.apiUrl)
    .replaceAll('http://127.0.0.1:3001', targets.sandboxUrl)
    .replaceAll('.local/events.ndjson', targets.eventsLogPath)
    .replaceAll('.local/dead-letters.ndjson', targets.deadLettersPath);
  const leftover = DEFAULT_PORT.exec(replaced);
  if (leftover !== null) throw new Error(`a block names ${leftover[0]}, which the runner does not redirect: write http://127.0.0.1:3000 or :3001`);

  const lines = replaced.split('\n');
  const commands = commandLines(replaced);
  let expected: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const status = EXPECTED_STATUS.exec(lines[i]!);
    if (status !== null) {
      expected = status[1]!;
      continue;
    }
    if (expected === undefined) continue;
    const at = commands[i]!.search(CURL_WORD);
    if (at < 0) continue;
    const word = at + commands[i]!.slice(at).indexOf('curl');
    lines[i] = `${lines[i]!.slice(0, word)}EXPECT_STATUS=${expected} ${lines[i]!.slice(word)}`;
    expected = undefined;
  }
  return lines.join('\n');
}

/** The `curl` every block calls: checks each answer's status and records the call (see the file's comments). */
const CURL_WRAPPER = fileURLToPath(new URL('./readme-example-curl.bash', import.meta.url));

/** One curl call a run made. */
export interface CurlCall {
  readonly status: string;
  /** `2xx`, or the status the README documents. */
  readonly expected: string;
  readonly args: string;
}

export interface ExampleRun {
  /** bash's exit code (`null` if it was killed at the deadline). */
  readonly exitCode: number | null;
  /** stdout and stderr, interleaved. */
  readonly output: string;
  readonly calls: readonly CurlCall[];
  /** `file:line` of the block that was running when bash stopped. */
  readonly lastBlock: string | undefined;
}

export interface RunOptions {
  readonly cwd: string;
  readonly targets: ExampleTargets;
  /** @default 120000 */
  readonly timeoutMs?: number;
}

/**
 * Runs `blocks` in order in one `bash -euo pipefail` session in `cwd`, each block sourced from its own file
 * after a `── file:line` line on stderr. bash gets only `PATH`, a private `HOME` and `TMPDIR`, and a UTF-8
 * locale: nothing of the caller's shell (WHATSAPP_*, proxies, `BASH_ENV`, a `.curlrc`) reaches it, and a
 * block can use only variables that an earlier block set.
 */
export async function runExampleBlocks(blocks: readonly FencedBlock[], options: RunOptions): Promise<ExampleRun> {
  const dir = await mkdtemp(join(tmpdir(), 'relais-readme-'));
  try {
    const callsPath = join(dir, 'calls.tsv');
    await writeFile(callsPath, '');
    const main: string[] = ['set -euo pipefail', `source ${JSON.stringify(CURL_WRAPPER)}`];
    for (const [index, block] of blocks.entries()) {
      const path = join(dir, `block-${index}.sh`);
      await writeFile(path, `${prepareBlock(block.code, options.targets)}\n`);
      main.push(`printf "\\n── %s\\n" ${JSON.stringify(`${block.file}:${block.line}`)} >&2`, `source ${JSON.stringify(path)}`);
    }
    const mainPath = join(dir, 'main.sh');
    await writeFile(mainPath, `${main.join('\n')}\n`);

    const child = spawn('bash', ['--noprofile', '--norc', mainPath], {
      cwd: options.cwd,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, TMPDIR: dir, LANG: 'C.UTF-8', README_EXAMPLES_TMP: dir, README_EXAMPLES_CALLS: callsPath },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    // Decoded per stream, so an emoji split across two chunks is not mangled.
    child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
    const timeoutMs = options.timeoutMs ?? 120_000;
    const deadline = setTimeout(() => {
      output += `\nREADME examples still running after ${timeoutMs} ms: killed`;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, timeoutMs);
    const exitCode = await new Promise<number | null>((resolveExit) => child.once('close', (code) => resolveExit(code)));
    clearTimeout(deadline);

    const calls = (await readFile(callsPath, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [status = '', expected = '', ...args] = line.split('\t');
        return { status, expected, args: args.join('\t') };
      });
    const markers = [...output.matchAll(/^── (.+)$/gm)];
    return { exitCode, output, calls, lastBlock: markers.at(-1)?.[1] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
