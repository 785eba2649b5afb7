/** Runs `hr-sag-sync` in-process (cli/main.ts run()) with captured streams, against a local stack on its ports. */
import type { Stack } from '../../local/stack.js';
import { run } from '../../cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as the one JSON document `--json` prints. */
  json<T = any>(): T;
}

/** `--local` needs only the stack's ports (as `npm start` would read them); nothing else. */
export function localEnv(stack: Stack): NodeJS.ProcessEnv {
  const port = (url: string) => new URL(url).port;
  return {
    MNS_EMULATOR_PORT: port(stack.mns.url),
    SAG_EMULATOR_PORT: port(stack.sag.url),
    HR_EMULATOR_PORT: port(stack.hr.url),
    TABLESTORE_EMULATOR_PORT: port(stack.tablestore.url),
    WEBHOOK_PORT: port(stack.webhookUrl),
    FC_EMULATOR_PORT: port(stack.fc.url),
  };
}

export async function cli(argv: string[], env: NodeJS.ProcessEnv = {}, home = '/nonexistent-home'): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    env,
    home,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return {
    code,
    stdout,
    stderr,
    json() {
      try {
        return JSON.parse(stdout);
      } catch {
        throw new Error(`stdout is not one JSON document (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}
