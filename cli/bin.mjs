#!/usr/bin/env node
// `npx hr-sag-sync`: runs cli/main.ts through tsx (a devDependency: run it from a clone after `npm install`).
import { tsImport } from 'tsx/esm/api';

const { run } = await tsImport('./main.ts', import.meta.url);
const code = await run(process.argv.slice(2));
// Exit explicitly: the SDKs' keep-alive sockets would otherwise hold the process open for a while.
process.stdout.write('', () => process.exit(code));
