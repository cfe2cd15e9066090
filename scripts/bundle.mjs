// The production bundler, shared by `npm run build` and the bench (which must measure what runs in
// production). One ES module per entry point, with the AWS SDK bundled and tree-shaken: the SDK's
// clients otherwise load every operation of their service at start — @aws-sdk/client-ec2 alone adds
// ~90 MB of RSS for the six EC2 calls the bot makes. Every other dependency stays external and
// loads from node_modules as usual (native addons, pino's worker transports, Bolt's optional requires).
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

const BUNDLED = /^@(aws-sdk|smithy|aws-crypto|aws)\//;

/** @param {{ entryPoints: string[], outdir: string }} options */
export async function bundle({ entryPoints, outdir }) {
  await rm(outdir, { recursive: true, force: true });
  await build({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true, // the sandbox (simulator) becomes its own chunk, loaded only in sandbox mode
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // ES module builds of the SDK tree-shake; the CommonJS ones do not.
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
    // Bundled CommonJS code may still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    plugins: [
      {
        name: 'external-except-aws-sdk',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('node:') || !BUNDLED.test(args.path)
              ? { path: args.path, external: true }
              : undefined,
          );
        },
      },
    ],
  });
}
