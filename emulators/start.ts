/**
 * `npm run emulators`: the MNS and SAG emulators on their default ports, with their credentials printed.
 * Exits cleanly on SIGINT and SIGTERM. Every default can be overridden by the variables the emulators document
 * (MNS_EMULATOR_PORT, SAG_EMULATOR_PORT, EMULATOR_ACCOUNT_ID, EMULATOR_REGION, EMULATOR_ACCESS_KEY_ID, …).
 */
import { mnsOptionsFromEnv, startMnsEmulator } from './mns/index.js';
import { sagOptionsFromEnv, startSagEmulator } from './sag/index.js';

async function main(): Promise<void> {
  const mnsOpts = mnsOptionsFromEnv(process.env);
  const sagOpts = sagOptionsFromEnv(process.env);
  const mns = await startMnsEmulator(mnsOpts);
  const sag = await startSagEmulator(sagOpts);
  console.log(`MNS emulator  ${mns.url}  account ${mns.accountId}, region ${mns.region}, AccessKey ${mns.accessKeyId} / ${mns.accessKeySecret}
SAG emulator  ${sag.url}  region ${sag.region}, AccessKey ${sag.accessKeyId} / ${sag.accessKeySecret}, API version 2018-03-13
Admin API     <emulator>/__admin/{faults,state,reset}   (see emulators/*/README.md)
Ctrl-C stops both.`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping emulators`);
    await Promise.all([mns.close(), sag.close()]);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
