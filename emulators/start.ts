/**
 * `npm run emulators`: the MNS (9100), SAG (9200), HR API (9300) and Tablestore (9400) emulators on their default
 * ports, with their credentials printed. Exits cleanly on SIGINT and SIGTERM. Every default can be overridden by the variables the
 * emulators document (MNS_EMULATOR_PORT, SAG_EMULATOR_PORT, HR_EMULATOR_PORT, TABLESTORE_EMULATOR_PORT,
 * TABLESTORE_INSTANCE, EMULATOR_ACCOUNT_ID, EMULATOR_REGION,
 * EMULATOR_ACCESS_KEY_ID, …). `npm run emulators -- mns hr` starts only the named ones.
 */
import { hrOptionsFromEnv, startHrEmulator } from './hr/index.js';
import { mnsOptionsFromEnv, startMnsEmulator } from './mns/index.js';
import { sagOptionsFromEnv, startSagEmulator } from './sag/index.js';
import { startTablestoreEmulator, tablestoreOptionsFromEnv } from './tablestore/index.js';

async function main(): Promise<void> {
  const wanted = new Set(process.argv.slice(2).length ? process.argv.slice(2) : ['mns', 'sag', 'hr', 'tablestore']);
  const running: Array<{ close(): Promise<void> }> = [];
  if (wanted.has('mns')) {
    const mns = await startMnsEmulator(mnsOptionsFromEnv(process.env));
    running.push(mns);
    console.log(`MNS emulator  ${mns.url}  account ${mns.accountId}, region ${mns.region}, AccessKey ${mns.accessKeyId} / ${mns.accessKeySecret}`);
  }
  if (wanted.has('sag')) {
    const sag = await startSagEmulator(sagOptionsFromEnv(process.env));
    running.push(sag);
    console.log(`SAG emulator  ${sag.url}  region ${sag.region}, AccessKey ${sag.accessKeyId} / ${sag.accessKeySecret}, API version 2018-03-13`);
  }
  if (wanted.has('hr')) {
    const hr = await startHrEmulator(hrOptionsFromEnv(process.env));
    running.push(hr);
    console.log(
      `HR emulator   ${hr.url}  DingTalk app ${hr.dingtalk.appKey} / ${hr.dingtalk.appSecret}, WeCom corp ${hr.wecom.corpId} / ${hr.wecom.corpSecret}`,
    );
  }
  if (wanted.has('tablestore')) {
    const ots = await startTablestoreEmulator(tablestoreOptionsFromEnv(process.env));
    running.push(ots);
    console.log(`Tablestore    ${ots.url}  instance ${ots.instanceName}, AccessKey ${ots.accessKeyId} / ${ots.accessKeySecret}, API version 2015-12-31`);
  }
  console.log('Admin API     <emulator>/__admin/{faults,state,reset}   (see emulators/*/README.md). Ctrl-C stops them.');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the emulators`);
    await Promise.all(running.map((r) => r.close()));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
