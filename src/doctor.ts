/** `npm run doctor` (SPEC §2): checks the configuration against AWS and prints what works. */
import { runDoctorCli } from './doctor/run.js';

try {
  process.exitCode = await runDoctorCli(process.env, {
    out: (text) => console.log(text),
    err: (text) => console.error(text),
  });
} catch (error) {
  // Expected failures (config, AWS answers) never reach here; this is a bug worth its stack trace.
  console.error('doctor failed unexpectedly:', error);
  process.exitCode = 1;
}
