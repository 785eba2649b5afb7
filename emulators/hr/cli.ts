/**
 * `npx tsx emulators/hr/cli.ts`: the HR emulator alone on HR_EMULATOR_PORT (default 9300), configured from the
 * environment (see README.md). Exits cleanly on SIGINT and SIGTERM.
 */
import { hrOptionsFromEnv, startHrEmulator } from './index.js';

async function main(): Promise<void> {
  const hr = await startHrEmulator(hrOptionsFromEnv(process.env));
  console.log(`HR emulator   ${hr.url}  DingTalk app ${hr.dingtalk.appKey} / ${hr.dingtalk.appSecret}, WeCom corp ${hr.wecom.corpId} / ${hr.wecom.corpSecret}
Set DINGTALK_API_ENDPOINT=${hr.url} and WECOM_API_ENDPOINT=${hr.url}. Admin API: ${hr.url}/__admin/{state,faults,reset,dingtalk/users,wecom/users,…}`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the HR emulator`);
    await hr.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
