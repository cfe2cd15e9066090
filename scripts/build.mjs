// `npm run build` (after tsc's type check): the production bundle in dist/.
// `node scripts/build.mjs <outdir>`: the same bundle elsewhere (tests build into a scratch folder
// inside node_modules, so its external dependencies resolve as they do from dist/).
import { bundle } from './bundle.mjs';

await bundle({ entryPoints: ['src/main.ts', 'src/doctor.ts'], outdir: process.argv[2] ?? 'dist' });
