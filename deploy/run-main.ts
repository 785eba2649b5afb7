/** Runs `main` when `moduleUrl` is the script node was started with, and exits with its code (1 on a throw). */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function runAsMain(moduleUrl: string, main: () => Promise<number>): void {
  if (!process.argv[1] || resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
